"""The staff group: commands and buttons for the agenda, blocking slots and home visits.

Only the group named by STAFF_CHAT_ID reaches these handlers (the router's filter).
"""

from aiogram import Bot, F, Router
from aiogram.exceptions import TelegramBadRequest
from aiogram.filters import Command, CommandObject
from aiogram.types import CallbackQuery, Message

from bot.staff import StaffDesk
from handlers.telegram.delivery import deliver

STAFF_COMMANDS = ("agenda", "block", "unblock", "visit")


async def staff_command(message: Message, command: CommandObject, staff: StaffDesk, bot: Bot) -> None:
    replies = await staff.command(command.command.lower(), command.args or "")
    await deliver(bot, message.chat.id, replies)


async def staff_button(callback: CallbackQuery, staff: StaffDesk, bot: Bot) -> None:
    try:
        await callback.answer()
    except TelegramBadRequest:
        pass
    replies = await staff.press(callback.data or "")
    if replies and callback.message is not None:
        await deliver(bot, callback.message.chat.id, replies, callback.message.message_id)


def make_router(staff_chat_id: int | None) -> Router:
    router = Router(name="staff")
    if staff_chat_id is None:
        return router  # no staff group configured: nothing here
    router.message.filter(F.chat.id == staff_chat_id)
    router.callback_query.filter(F.message.chat.id == staff_chat_id)
    router.message.register(staff_command, Command(*STAFF_COMMANDS))
    router.callback_query.register(staff_button, F.data.startswith("sa:"))
    return router
