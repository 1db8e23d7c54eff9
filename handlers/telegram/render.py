"""The core's replies as Telegram messages: escaped HTML, inline keyboards, and split at 4096 characters.

Library-free: both Telegram adapters (aiogram, python-telegram-bot) read it, and it imports neither.
"""

import html

from bot import bidi
from bot.languages import is_rtl
from bot.models import Reply

MESSAGE_LIMIT = 4096  # Telegram's limit for a message's text, after entity parsing
CALLBACK_DATA_LIMIT = 64  # bytes


def telegram_length(text: str) -> int:
    # Telegram counts UTF-16 code units: an emoji outside the BMP counts twice.
    return len(text.encode("utf-16-le")) // 2


def _cut(text: str, limit: int, separators: tuple[str, ...]) -> list[str]:
    if telegram_length(text) <= limit:
        return [text]
    for separator in separators:
        parts = text.split(separator)
        if len(parts) == 1:
            continue
        chunks: list[str] = []
        current = ""
        for part in parts:
            candidate = part if not current else current + separator + part
            if telegram_length(candidate) <= limit:
                current = candidate
                continue
            if current:
                chunks.append(current)
            current = part
        chunks.append(current)
        return [piece for chunk in chunks for piece in _cut(chunk, limit, separators)]
    # One unbroken run longer than the limit: cut by code points, never inside a surrogate pair.
    chunks, current = [], ""
    for char in text:
        if telegram_length(current + char) > limit:
            chunks.append(current)
            current = ""
        current += char
    return [*chunks, current] if current else chunks


def split_text(text: str, lang: str, limit: int = MESSAGE_LIMIT) -> list[str]:
    """Split at paragraphs, then lines, then words; every piece of an RTL text starts right-to-left."""
    room = limit - 1 if is_rtl(lang) else limit
    pieces = [p.strip("\n") for p in _cut(text, room, ("\n\n", "\n", " "))]
    pieces = [p for p in pieces if p.strip()]
    if is_rtl(lang):
        pieces = [p if p.startswith(bidi.RLM) else bidi.RLM + p for p in pieces]
    return pieces


def as_html(text: str) -> str:
    """Everything in a reply is plain text (user input included): escape it all for parse_mode=HTML."""
    return html.escape(text, quote=False)


def button_rows(reply: Reply) -> list[list[tuple[str, str]]]:
    """The reply's buttons as rows of (label, callback data); each adapter makes its library's keyboard."""
    rows = []
    for row in reply.buttons:
        for button in row:
            if len(button.action.encode()) > CALLBACK_DATA_LIMIT:
                raise ValueError(f"button action longer than {CALLBACK_DATA_LIMIT} bytes: {button.action!r}")
        rows.append([(b.label, b.action) for b in row])
    return rows
