"""Private chats with people (python-telegram-bot): every message and button press becomes one `Incoming` for
the engine, and its replies become Telegram messages. The same routes as handlers/telegram/private.py."""

from telegram import CallbackQuery, Message
from telegram.error import TelegramError

from bot.actions import person_command_names
from bot.models import Incoming, MessageRef
from bot.replies import Answers
from handlers.telegram.words import CHANNEL
from handlers.telegram_ptb.routing import Desks, command_of

_KNOWN = frozenset(person_command_names())
# The kinds of message the bot cannot read, named as the Bot API names their field (aiogram's content type).
_KINDS = (
    "audio", "animation", "document", "game", "photo", "sticker", "video", "video_note", "voice", "checklist",
    "contact", "venue", "location", "poll", "dice", "story", "paid_media", "invoice",
)  # fmt: skip


def _kind(message: Message) -> str:
    return next((k for k in _KINDS if getattr(message, k, None)), "unknown")


def _incoming(message: Message, kind: str, text: str = "", action: str = "") -> Incoming:
    user = message.from_user
    assert user is not None
    media = message.document or message.video or message.audio or message.voice or message.video_note
    return Incoming(
        CHANNEL,
        str(user.id),
        kind,  # type: ignore[arg-type]
        text=text,
        action=action,
        lang_hint=user.language_code,
        meta={"first_name": user.first_name},
        source=MessageRef(message.chat.id, message.message_id),
        reply_to=message.reply_to_message.message_id if message.reply_to_message else None,
        size=int(getattr(media, "file_size", 0) or 0),
    )


async def message(desks: Desks, answers: Answers, message: Message, edited: bool = False) -> None:
    """A private message (or an edited one: read as text, commands included, as aiogram's router does)."""
    engine = desks.app.engine
    if edited:
        if message.text:
            event = _incoming(message, "text", message.text)
            answers.to_person(CHANNEL, str(message.chat.id), await engine.handle(event))
        return
    command = command_of(message, desks.username)
    if command is not None and command.name in _KNOWN:
        event = _incoming(message, "command", text=command.args or "", action=command.name.lower())
    elif message.text and message.text.startswith("/"):
        name = message.text.split()[0][1:].split("@")[0].lower()
        event = _incoming(message, "command", action=name)
    elif message.text:
        event = _incoming(message, "text", text=message.text)
    else:
        # Stickers, photos, voice, locations ...: passed to staff in a ticket, else a friendly answer.
        event = _incoming(message, "unsupported", text=_kind(message))
    answers.to_person(CHANNEL, str(message.chat.id), await engine.handle(event))


async def button(desks: Desks, answers: Answers, callback: CallbackQuery) -> None:
    try:
        await callback.answer()  # stop the button's spinner at once, whatever follows
    except TelegramError:
        pass  # a press answered too late ("query is too old"): still handle it below
    pressed = callback.message
    assert pressed is not None
    event = Incoming(
        CHANNEL,
        str(callback.from_user.id),
        "action",
        action=callback.data or "",
        lang_hint=callback.from_user.language_code,
        meta={"first_name": callback.from_user.first_name},
    )
    # An old message (Telegram says "inaccessible") cannot be edited: the reply comes as a new message.
    editable = isinstance(pressed, Message) and pressed.date.timestamp() > 0
    replies = await desks.app.engine.handle(event)
    answers.to_person(CHANNEL, str(pressed.chat.id), replies, pressed.message_id if editable else None)
