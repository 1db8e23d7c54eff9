"""The channel port (bot/messenger.py) on Telegram with python-telegram-bot: the calls, and PTB's errors said
in the core's words (try later, unreachable, refused, topic gone)."""

import contextlib
from collections.abc import Iterator, Sequence
from typing import Any

from telegram import Bot, InputFile, ReplyParameters
from telegram.error import BadRequest, Forbidden, NetworkError, RetryAfter, TelegramError

from bot.messenger import Refused, TopicGone, TryLater, Unreachable
from bot.models import Media, MessageRef, Reply
from handlers.telegram.media import default_name
from handlers.telegram.words import CHANNEL, NO_TEXT, NOT_MODIFIED, TOPIC_NOT_MODIFIED, topic_gone
from handlers.telegram_ptb.delivery import deliver, edit_in_place, said


@contextlib.contextmanager
def translated() -> Iterator[None]:
    try:
        yield
    except Forbidden as exc:
        raise Unreachable(exc.message) from None
    except BadRequest as exc:  # before NetworkError: PTB's BadRequest is one
        if topic_gone(exc.message):
            raise TopicGone(exc.message) from None
        raise Refused(exc.message) from None
    except (NetworkError, RetryAfter) as exc:  # NetworkError: also time-outs and every 5xx
        raise TryLater(type(exc).__name__) from None
    except TelegramError as exc:
        raise Refused(exc.message) from None


def _reply(message_id: int | None) -> ReplyParameters | None:
    return ReplyParameters(message_id, allow_sending_without_reply=True) if message_id else None


class PtbMessenger:
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
                await self.bot.edit_message_text(text, chat_id=int(user_id), message_id=message_id)
            except BadRequest as exc:
                if said(exc, NO_TEXT):
                    await self.bot.edit_message_caption(chat_id=int(user_id), message_id=message_id, caption=text)
                elif not said(exc, NOT_MODIFIED):
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
            file = await self.bot.get_file(media.ref)
            return bytes(await file.download_as_bytearray())

    async def post_media(self, chat: int, thread: int, media: Media, data: bytes, reply_to: int | None = None) -> int:
        file = InputFile(data, filename=media.filename or default_name(media))
        caption = media.caption[:1024] or None
        common: dict[str, Any] = {"message_thread_id": thread, "caption": caption, "reply_parameters": _reply(reply_to)}
        with translated():
            if media.kind == "photo":
                sent = await self.bot.send_photo(chat, file, **common)
            elif media.kind == "voice" and media.mime.startswith("audio/ogg"):
                sent = await self.bot.send_voice(chat, file, **common)
            elif media.kind in ("voice", "audio"):
                sent = await self.bot.send_audio(chat, file, **common)
            elif media.kind == "video":
                sent = await self.bot.send_video(chat, file, **common)
            else:
                sent = await self.bot.send_document(chat, file, **common)
        return sent.message_id


@contextlib.contextmanager
def _unchanged_is_fine() -> Iterator[None]:
    try:
        yield
    except BadRequest as exc:
        if not said(exc, TOPIC_NOT_MODIFIED):
            raise


def ptb_ports(bot: Bot) -> tuple[PtbMessenger, dict[str, PtbMessenger]]:
    """The staff room and the people's channels of a process that runs Telegram only."""
    messenger = PtbMessenger(bot)
    return messenger, {CHANNEL: messenger}
