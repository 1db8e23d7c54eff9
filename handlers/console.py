"""The console chat: the same engine in a terminal, buttons as numbers.

Type a question, a number to press a button, /menu, /language, /help, or /quit.
"""

import asyncio
import sys
import tempfile
from pathlib import Path
from typing import TextIO

from bot import bidi
from bot.engine import Engine
from bot.models import Button, Incoming, Reply
from bot.normalize import is_id

CHANNEL = "console"


def save_attachments(reply: Reply, folder: Path) -> list[Path]:
    folder.mkdir(parents=True, exist_ok=True)
    paths = []
    for attachment in reply.attachments:
        path = folder / Path(attachment.filename).name
        path.write_bytes(attachment.data)
        paths.append(path)
    return paths


def render(reply: Reply, numbered: list[Button], folder: Path | None = None) -> str:
    lines = [reply.text]
    if folder is not None:
        lines += [f"📎 {path}" for path in save_attachments(reply, folder)]
    for row in reply.buttons:
        cells = []
        for button in row:
            numbered.append(button)
            cells.append(f"[{len(numbered)}] {button.label}")
        lines.append("   ".join(cells))
    return "\n".join(lines)


def parse(line: str, buttons: list[Button], user_id: str, lang_hint: str | None) -> Incoming | None:
    text = line.strip()
    if is_id(text) and 1 <= int(text) <= len(buttons):
        action = buttons[int(text) - 1].action
        return Incoming(CHANNEL, user_id, "action", action=action, lang_hint=lang_hint, meta={"first_name": "Console"})
    if text.startswith("/") and len(text) > 1:
        name, _, arg = text[1:].partition(" ")
        return Incoming(CHANNEL, user_id, "command", text=arg, action=name.lower(), lang_hint=lang_hint)
    return Incoming(CHANNEL, user_id, "text", text=line, lang_hint=lang_hint)


async def _read_line(stream: TextIO) -> str:
    return await asyncio.to_thread(stream.readline)


async def run_console(
    engine: Engine,
    lang: str | None = None,
    stdin: TextIO | None = None,
    stdout: TextIO | None = None,
    user_id: str = "local",
    show_marks: bool = False,
    files: Path | None = None,
) -> None:
    """Play the conversation until /quit or end of input. `show_marks` keeps the invisible bidi marks."""
    stdin = stdin or sys.stdin
    stdout = stdout or sys.stdout
    files = files or Path(tempfile.gettempdir()) / "willkommen-files"
    buttons: list[Button] = []

    def show(replies: list[Reply]) -> None:
        buttons.clear()
        for reply in replies:
            text = render(reply, buttons, files)
            stdout.write((text if show_marks else bidi.strip_isolates(text)) + "\n\n")
        stdout.write("> ")
        stdout.flush()

    start = Incoming(CHANNEL, user_id, "command", action="start", lang_hint=lang)
    if lang:
        await engine.handle(Incoming(CHANNEL, user_id, "command", action="language", text=lang, lang_hint=lang))
    show(await engine.handle(start))
    while True:
        line = await _read_line(stdin)
        if line == "":  # end of input
            stdout.write("\n")
            return
        if line.strip() in ("/quit", "/exit", "/q"):
            stdout.write("👋\n")
            return
        if not line.strip():
            stdout.write("> ")
            stdout.flush()
            continue
        event = parse(line, buttons, user_id, lang)
        if event is None:
            continue
        replies = await engine.handle(event)
        if not replies and event.kind == "text":
            stdout.write("📨 ✓\n")  # taken without a word back: passed on to the team
        show(replies)
