"""The core (`bot`) must not know any messaging platform: channels live in `handlers`."""

import ast
import subprocess
import sys

from conftest import ROOT

MESSAGING = ("aiogram", "telegram", "telebot", "aiohttp", "discord", "slack_sdk", "twilio", "handlers")


def test_no_module_in_bot_imports_a_messaging_library():
    offenders = []
    for path in sorted((ROOT / "bot").rglob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            names = []
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module:
                names = [node.module]
            offenders += [f"{path.name}: {n}" for n in names if n.split(".")[0] in MESSAGING]
    assert offenders == []


def test_importing_the_whole_core_loads_no_messaging_library():
    modules = [p.stem for p in (ROOT / "bot").glob("*.py") if p.stem != "__init__"]
    code = (
        "import importlib, sys\n"
        f"for m in {modules!r}: importlib.import_module('bot.' + m)\n"
        f"bad = [m for m in sys.modules if m.split('.')[0] in {MESSAGING!r}]\n"
        "print(bad); sys.exit(1 if bad else 0)\n"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT)
    assert result.returncode == 0, result.stdout + result.stderr


def test_channels_reach_the_store_only_through_the_core():
    """`handlers/` translate a platform's events; reading and writing the store is the core's (bot/)."""
    offenders = []
    for path in sorted((ROOT / "handlers").rglob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            names = []
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module:
                names = [node.module]
            elif isinstance(node, ast.Attribute) and node.attr == "store":
                names = ["<something>.store"]
            offenders += [
                f"{path.relative_to(ROOT)}: {n}" for n in names if n.split(".")[0] in ("storage", "<something>")
            ]
    assert offenders == []
