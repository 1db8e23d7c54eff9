"""ruff's lint and format rules hold for the whole tree (part of the suite, so CI enforces them)."""

import shutil
import subprocess
import sys

import pytest
from conftest import ROOT


@pytest.mark.parametrize("args", [["check", "."], ["format", "--check", "."]])
def test_ruff(args):
    ruff = shutil.which("ruff") or str(ROOT / ".venv" / "bin" / "ruff")
    result = subprocess.run([ruff, *args], capture_output=True, text=True, cwd=ROOT, timeout=120)
    assert result.returncode == 0, result.stdout + result.stderr


def test_types_hold_in_the_core_the_store_and_the_channels():
    # The ports are only honest when a type checker holds the adapters to them (issue 16).
    result = subprocess.run(
        [sys.executable, "-m", "mypy", "bot", "storage", "handlers"],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=600,
    )
    assert result.returncode == 0, result.stdout + result.stderr
