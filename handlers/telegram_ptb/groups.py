"""Groups and channels (python-telegram-bot): the bot belongs only to the staff group; it leaves any other it
is added to. As handlers/telegram/groups.py."""

import logging

from telegram import ChatMemberUpdated, Message
from telegram.constants import ChatType
from telegram.error import BadRequest, Forbidden

from handlers.telegram.words import PRESENT
from handlers.telegram_ptb.routing import Desks

log = logging.getLogger(__name__)
GROUP_TYPES = frozenset({ChatType.GROUP, ChatType.SUPERGROUP, ChatType.CHANNEL})


async def _leave(desks: Desks, chat_id: int) -> None:
    log.info("leaving chat %d: not the staff group", chat_id)
    try:
        await desks.bot.leave_chat(chat_id)
    except (BadRequest, Forbidden):
        pass  # gone already: Telegram sends "added" and "joined" together, both lead here at once


async def added_to_chat(desks: Desks, event: ChatMemberUpdated) -> None:
    if event.chat.type in GROUP_TYPES and event.chat.id not in desks.staff_chats:
        if event.new_chat_member.status in PRESENT:
            await _leave(desks, event.chat.id)


async def group_message(desks: Desks, message: Message) -> None:
    if message.chat.id not in desks.staff_chats:
        await _leave(desks, message.chat.id)
    # Messages in the staff group are for later features (questions to staff, agenda, events).
