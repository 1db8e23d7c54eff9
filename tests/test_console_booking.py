"""Booking in the console chat: the same flow, buttons as numbers, the .ics file saved to a folder."""

import asyncio
import io
import queue
import re
from pathlib import Path

from handlers.console import run_console


class Terminal:
    """A terminal the test types into while the console chat runs."""

    def __init__(self) -> None:
        self.lines: queue.Queue[str] = queue.Queue()
        self.out = io.StringIO()

    def readline(self) -> str:
        return self.lines.get(timeout=30)

    def write(self, text: str) -> int:
        return self.out.write(text)

    def flush(self) -> None:
        pass

    def screen(self) -> str:
        return self.out.getvalue()


async def wait_for_prompt(terminal: Terminal, count: int) -> str:
    for _ in range(500):
        if terminal.screen().count("> ") >= count:
            return terminal.screen().rsplit("> ", 2)[-2]
        await asyncio.sleep(0.01)
    raise AssertionError("the console did not answer")


def number_of(screen: str, label_start: str) -> str:
    for number, label in re.findall(r"\[(\d+)\] ([^\[\n]+)", screen):
        if label.strip().startswith(label_start):
            return number
    raise AssertionError(f"no button {label_start!r} in:\n{screen}")


async def test_booking_through_the_console(engine, tmp_path: Path):
    terminal = Terminal()
    chat = asyncio.create_task(run_console(engine, lang="en", stdin=terminal, stdout=terminal, files=tmp_path))
    prompts = 1
    screen = await wait_for_prompt(terminal, prompts)
    for line in [
        "/appointments",
        "➕ Book",
        "✅🏢 lokal willkommen Brackel|🏢 lokal willkommen Brackel",
        "today",
        "🕒 14:00",
        "Letters and forms",
        "🙂 No interpreter",
        "✅ Yes, book it",
        "✅ OK",  # consent at the moment of need: the appointment and the first name are stored
    ]:
        if line.startswith("/"):
            typed = line
        else:
            options = line.split("|")
            typed = next((number_of(screen, o) for o in options if f"] {o}" in screen), None) or number_of(
                screen, options[-1]
            )
        terminal.lines.put(typed + "\n")
        prompts += 1
        screen = await wait_for_prompt(terminal, prompts)
    terminal.lines.put("/quit\n")
    await asyncio.wait_for(chat, 10)
    assert "Your appointment is booked." in screen
    assert "14:00–14:30" in screen
    saved = tmp_path / "appointment-1.ics"
    assert f"📎 {saved}" in screen and saved.read_bytes().startswith(b"BEGIN:VCALENDAR")
