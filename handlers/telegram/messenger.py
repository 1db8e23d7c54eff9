"""The channel port (bot/messenger.py) on Telegram with aiogram: the calls, and Telegram's errors said in the
core's words (try later, unreachable, refused, topic gone)."""

import contextlib
from collections.abc import Iterator, Sequence

from aiogram import Bot
from aiogram.exceptions import (
    TelegramAPIError,
    TelegramBadRequest,
    TelegramForbiddenError,
    TelegramNetworkError,
    TelegramRetryAfter,
    TelegramServerError,
)
from aiogram.types import BufferedInputFile, ReplyParameters

from bot.messenger import Refused, TopicGone, TryLater, Unreachable
from bot.models import Media, MessageRef, Reply
from handlers.telegram.delivery import deliver, edit_in_place
from handlers.telegram.media import default_name
from handlers.telegram.words import CHANNEL, NO_TEXT, NOT_MODIFIED, TOPIC_NOT_MODIFIED, topic_gone


@contextlib.contextmanager
def translated() -> Iterator[None]:
    try:
        yield
    except TelegramForbiddenError as exc:
        raise Unreachable(exc.message) from None
    except (TelegramNetworkError, TelegramServerError, TelegramRetryAfter) as exc:
        raise TryLater(type(exc).__name__) from None
    except TelegramBadRequest as exc:
        if topic_gone(exc.message):
            raise TopicGone(exc.message) from None
        raise Refused(exc.message) from None
    except TelegramAPIError as exc:
        raise Refused(exc.message) from None


def _reply(message_id: int | None) -> ReplyParameters | None:
    return ReplyParameters(message_id=message_id, allow_sending_without_reply=True) if message_id else None


class TelegramMessenger:
    """People in private chats, and the staff group with one forum topic per person."""

    name = CHANNEL

    def __init__(self, bot: Bot):
        self.bot = bot

    # -- PersonChannel ----------------------------------------------------------------------------------------

    async def send(self, user_id: str, replies: Sequence[Reply], reply_to: int | None = None) -> int | None:
        with translated():
            return await deliver(self.bot, int(user_id), list(replies))

    async def answer(self, user_id: str, replies: Sequence[Reply], edit_message: int | None = None) -> None:
        with translated():
            await deliver(self.bot, int(user_id), list(replies), edit_message)

    async def copy_to(self, user_id: str, source: MessageRef, reply_to: int | None = None) -> int:
        with translated():
            copied = await self.bot.copy_message(
                int(user_id), source.chat, source.message, reply_parameters=_reply(reply_to)
            )
        return copied.message_id

    async def edit_text(self, user_id: str, message_id: int, text: str) -> None:
        with translated():
            try:
                await self.bot.edit_message_text(chat_id=int(user_id), message_id=message_id, text=text)
            except TelegramBadRequest as exc:
                if NO_TEXT in exc.message:
                    await self.bot.edit_message_caption(chat_id=int(user_id), message_id=message_id, caption=text)
                elif NOT_MODIFIED not in exc.message:
                    raise

    # -- StaffRoom --------------------------------------------------------------------------------------------

    async def post(self, chat: int, replies: Sequence[Reply], thread: int | None = None) -> int | None:
        with translated():
            return await deliver(self.bot, chat, list(replies), thread=thread)

    async def edit(self, chat: int, message_id: int, reply: Reply) -> None:
        with translated():
            if not await edit_in_place(self.bot, chat, message_id, reply.text, reply):
                raise Refused("message cannot be edited")

    async def copy_into(self, chat: int, thread: int, source: MessageRef, reply_to: int | None = None) -> int:
        with translated():
            copied = await self.bot.copy_message(
                chat, source.chat, source.message, message_thread_id=thread, reply_parameters=_reply(reply_to)
            )
        return copied.message_id

    async def create_topic(self, chat: int, title: str) -> int:
        with translated():
            created = await self.bot.create_forum_topic(chat, title)
        return created.message_thread_id

    async def reopen_topic(self, chat: int, thread: int) -> None:
        with translated(), _unchanged_is_fine():
            await self.bot.reopen_forum_topic(chat, thread)

    async def rename_topic(self, chat: int, thread: int, title: str) -> None:
        with translated(), _unchanged_is_fine():
            await self.bot.edit_forum_topic(chat, thread, name=title)

    async def close_topic(self, chat: int, thread: int) -> None:
        with translated(), _unchanged_is_fine():
            await self.bot.close_forum_topic(chat, thread)

    # -- files for people on another platform (bot.messenger.FileCarrier) -------------------------------------

    async def download(self, media: Media) -> bytes:
        with translated():
            buffer = await self.bot.download(media.ref)
        if buffer is None:
            raise Refused("file not found")
        buffer.seek(0)
        return buffer.read()

    async def post_media(self, chat: int, thread: int, media: Media, data: bytes, reply_to: int | None = None) -> int:
        file = BufferedInputFile(data, media.filename or default_name(media))
        caption = media.caption[:1024] or None
        reply = _reply(reply_to)
        with translated():
            if media.kind == "photo":
                sent = await self.bot.send_photo(
                    chat, file, message_thread_id=thread, caption=caption, reply_parameters=reply
                )
            elif media.kind == "voice" and media.mime.startswith("audio/ogg"):
                sent = await self.bot.send_voice(
                    chat, file, message_thread_id=thread, caption=caption, reply_parameters=reply
                )
            elif media.kind in ("voice", "audio"):
                sent = await self.bot.send_audio(
                    chat, file, message_thread_id=thread, caption=caption, reply_parameters=reply
                )
            elif media.kind == "video":
                sent = await self.bot.send_video(
                    chat, file, message_thread_id=thread, caption=caption, reply_parameters=reply
                )
            else:
                sent = await self.bot.send_document(
                    chat, file, message_thread_id=thread, caption=caption, reply_parameters=reply
                )
        return sent.message_id


@contextlib.contextmanager
def _unchanged_is_fine() -> Iterator[None]:
    try:
        yield
    except TelegramBadRequest as exc:
        if TOPIC_NOT_MODIFIED not in exc.message:  # open (or closed, or named so) already: fine
            raise


def telegram_ports(bot: Bot) -> tuple[TelegramMessenger, dict[str, TelegramMessenger]]:
    """The staff room and the people's channels of a process that runs Telegram only."""
    messenger = TelegramMessenger(bot)
    return messenger, {CHANNEL: messenger}
