"""Groups and channels: the bot belongs only to the staff group; it leaves any other it is added to."""

import logging

from aiogram import Bot, F, Router
from aiogram.enums import ChatType
from aiogram.exceptions import TelegramBadRequest, TelegramForbiddenError
from aiogram.types import ChatMemberUpdated, Message

log = logging.getLogger(__name__)
GROUP_TYPES = {ChatType.GROUP, ChatType.SUPERGROUP, ChatType.CHANNEL}
PRESENT = {"member", "administrator", "creator", "restricted"}


async def _leave(bot: Bot, chat_id: int) -> None:
    log.info("leaving chat %d: not the staff group", chat_id)
    try:
        await bot.leave_chat(chat_id=chat_id)
    except (TelegramBadRequest, TelegramForbiddenError):
        pass  # gone already: Telegram sends "added" and "joined" together, both lead here at once


async def added_to_chat(event: ChatMemberUpdated, bot: Bot, staff_chats: set[int]) -> None:
    if event.chat.id not in staff_chats and event.new_chat_member.status in PRESENT:
        await _leave(bot, event.chat.id)


async def group_message(message: Message, bot: Bot, staff_chats: set[int]) -> None:
    if message.chat.id not in staff_chats:
        await _leave(bot, message.chat.id)
    # Messages in the staff group are for later features (questions to staff, agenda, events).


def make_router() -> Router:
    router = Router(name="groups")
    router.my_chat_member.register(added_to_chat, F.chat.type.in_(GROUP_TYPES))
    router.message.register(group_message, F.chat.type.in_(GROUP_TYPES))
    router.channel_post.register(group_message)
    return router
