"""Private chats with people: every message and button press becomes one `Incoming` for the engine, and
its replies become Telegram messages."""

from aiogram import F, Router
from aiogram.enums import ChatType
from aiogram.exceptions import TelegramAPIError
from aiogram.filters import Command, CommandObject, CommandStart
from aiogram.types import CallbackQuery, Message

from bot.actions import person_command_names
from bot.engine import Engine
from bot.models import Incoming, MessageRef
from bot.replies import Answers
from handlers.telegram.messenger import CHANNEL


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


async def start(message: Message, command: CommandObject, engine: Engine, answers: Answers) -> None:
    event = _incoming(message, "command", text=command.args or "", action="start")
    answers.to_person(CHANNEL, str(message.chat.id), await engine.handle(event))


async def known_command(message: Message, command: CommandObject, engine: Engine, answers: Answers) -> None:
    event = _incoming(message, "command", text=command.args or "", action=command.command.lower())
    answers.to_person(CHANNEL, str(message.chat.id), await engine.handle(event))


async def unknown_command(message: Message, engine: Engine, answers: Answers) -> None:
    name = (message.text or "/").split()[0][1:].split("@")[0].lower()
    answers.to_person(CHANNEL, str(message.chat.id), await engine.handle(_incoming(message, "command", action=name)))


async def text(message: Message, engine: Engine, answers: Answers) -> None:
    event = _incoming(message, "text", text=message.text or "")
    answers.to_person(CHANNEL, str(message.chat.id), await engine.handle(event))


async def anything_else(message: Message, engine: Engine, answers: Answers) -> None:
    # Stickers, photos, voice, locations ...: passed to staff in a ticket, else a friendly answer.
    event = _incoming(message, "unsupported", text=str(message.content_type))
    answers.to_person(CHANNEL, str(message.chat.id), await engine.handle(event))


async def button(callback: CallbackQuery, engine: Engine, answers: Answers) -> None:
    try:
        await callback.answer()  # stop the button's spinner at once, whatever follows
    except TelegramAPIError:
        pass  # a press answered too late ("query is too old"): still handle it below
    message = callback.message
    assert message is not None
    event = Incoming(
        CHANNEL,
        str(callback.from_user.id),
        "action",
        action=callback.data or "",
        lang_hint=callback.from_user.language_code,
        meta={"first_name": callback.from_user.first_name},
    )
    # An old message (Telegram says "inaccessible") cannot be edited: the reply comes as a new message.
    editable = isinstance(message, Message) and message.date.timestamp() > 0
    answers.to_person(
        CHANNEL, str(message.chat.id), await engine.handle(event), message.message_id if editable else None
    )


def make_router() -> Router:
    """A new router each time (an aiogram router belongs to one dispatcher)."""
    router = Router(name="private")
    # A private message always has a sender; one without (never seen from Telegram) has nobody to answer.
    router.message.filter(F.chat.type == ChatType.PRIVATE, F.from_user)
    router.edited_message.filter(F.chat.type == ChatType.PRIVATE, F.from_user)
    router.message.register(start, CommandStart())
    router.message.register(known_command, Command(*(n for n in person_command_names() if n != "start")))
    router.message.register(unknown_command, F.text.startswith("/"))
    router.message.register(text, F.text)
    router.edited_message.register(text, F.text)
    router.message.register(anything_else)
    router.callback_query.register(button, F.message.chat.type == ChatType.PRIVATE)
    return router
