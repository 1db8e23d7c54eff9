"""The staff group: commands and guided flows in the general topic, and the people's tickets, one forum
topic per person. Every handler hands the event to a desk of the core and shows what it answers.

Only the staff groups (STAFF_CHAT_ID, or an office's own group) reach these handlers, and only for staff
(the StaffOnly middleware).
"""

import logging

from aiogram import Bot, F, Router
from aiogram.exceptions import TelegramAPIError
from aiogram.filters import Command, CommandObject
from aiogram.types import CallbackQuery, Message

from bot import actions
from bot.bootstrap import App
from bot.messenger import SendError
from bot.models import Actor, MessageRef, Reply
from bot.replies import Answers
from bot.topics import TopicKeeper
from handlers.telegram.media import media_of
from handlers.telegram.messenger import TelegramMessenger
from handlers.telegram.middlewares import StaffOnly

log = logging.getLogger(__name__)


def _in_topic(answers: Answers, app: App, message: Message, text: str) -> None:
    if text:
        answers.to_staff(message.chat.id, [Reply(text, app.staff.tr.lang)], message.message_thread_id)


def _user(message: Message) -> int:
    return message.from_user.id if message.from_user else 0


async def staff_command(message: Message, command: CommandObject, app: App, answers: Answers, actor: Actor) -> None:
    replies = await app.staff.command(command.command.lower(), command.args or "", actor)
    answers.to_staff(message.chat.id, replies)


async def ticket_command(message: Message, command: CommandObject, app: App, answers: Answers, actor: Actor) -> None:
    thread = message.message_thread_id or 0
    name, args = command.command.lower(), command.args or ""
    _in_topic(answers, app, message, await app.in_topic.command(message.chat.id, thread, name, args, actor))


async def topic_message(message: Message, app: App) -> None:
    if message.from_user is None or message.from_user.is_bot:
        return
    reply_to = message.reply_to_message.message_id if message.reply_to_message else None
    await app.in_topic.wrote(
        message.chat.id,
        message.message_thread_id or 0,
        MessageRef(message.chat.id, message.message_id),
        reply_to,
        message.text or message.caption,
        media_of(message),
    )


async def topic_closed(message: Message, app: App, bot: Bot) -> None:
    """Staff closed a topic by hand (the service message): the core decides if it must stay open."""
    keeper = TopicKeeper(app.tickets, TelegramMessenger(bot), app.staff_chats)
    try:
        await keeper.closed_by_hand(message.chat.id, message.message_thread_id or 0)
    except SendError as exc:
        log.error("a topic closed by hand was not handled: %s", type(exc).__name__)


async def topic_edit(message: Message, app: App) -> None:
    await app.in_topic.edited(MessageRef(message.chat.id, message.message_id), message.text or message.caption or "")


async def staff_button(callback: CallbackQuery, app: App, answers: Answers, actor: Actor) -> None:
    try:
        await callback.answer()
    except TelegramAPIError:
        pass
    replies = await app.staff.press(callback.data or "", actor)
    if replies and callback.message is not None:
        answers.to_staff(callback.message.chat.id, replies, edit_message=callback.message.message_id)


async def flow_command(message: Message, command: CommandObject, app: App, answers: Answers, actor: Actor) -> None:
    """/event [id], /events, /event_cancel <id>, /announce, /stop <id>, /cancel (a flow in progress)."""
    name, args = command.command.lower(), command.args or ""
    reply = await app.flows.command(message.chat.id, _user(message), name, args, actor)
    answers.to_staff(message.chat.id, [reply])


async def flow_text(message: Message, app: App, answers: Answers) -> None:
    """Plain text in the staff group's general area: the next answer of a guided flow, if one is open."""
    if message.from_user is None:
        return
    reply = await app.flows.text(message.chat.id, message.from_user.id, message.text or "")
    if reply is not None:
        answers.to_staff(message.chat.id, [reply])


async def flow_button(callback: CallbackQuery, app: App, answers: Answers, actor: Actor) -> None:
    try:
        await callback.answer()
    except TelegramAPIError:
        pass
    chat = callback.message.chat.id if callback.message else 0
    reply = await app.flows.press(chat, callback.from_user.id, callback.data or "", actor)
    if reply is not None:
        answers.to_staff(chat, [reply])


async def learn_in_topic(message: Message, command: CommandObject, app: App, answers: Answers, actor: Actor) -> None:
    """/learn <faq id> [question] in a person's topic: their unanswered question becomes a FAQ example."""
    thread = message.message_thread_id or 0
    _in_topic(answers, app, message, await app.learning.in_topic(message.chat.id, thread, command.args or "", actor))


async def learn_group(message: Message, command: CommandObject, app: App, answers: Answers, actor: Actor) -> None:
    """/learn <group number> <faq id> in the general topic: a whole group of the weekly digest."""
    text = await app.learning.from_group(command.args or "", actor)
    answers.to_staff(message.chat.id, [Reply(text, app.staff.tr.lang)])


def make_router(staff_chats: frozenset[int], staff_only: StaffOnly) -> Router:
    router = Router(name="staff")
    if not staff_chats:
        return router  # no staff group configured: nothing here
    router.message.filter(F.chat.id.in_(staff_chats))
    router.edited_message.filter(F.chat.id.in_(staff_chats))
    router.callback_query.filter(F.message.chat.id.in_(staff_chats))
    # Checked on every call that reaches a handler: membership (briefly cached) and the allow-list.
    for observer in (router.message, router.edited_message, router.callback_query):
        observer.middleware(staff_only)
    in_topic = F.is_topic_message.is_(True)
    # Commands before the topic relay: a staff command in a topic must never be copied to the person.
    router.message.register(ticket_command, in_topic, Command(*actions.TOPIC_COMMANDS))
    router.message.register(learn_in_topic, in_topic, Command(actions.LEARN))
    router.message.register(learn_group, Command(actions.LEARN))
    router.message.register(staff_command, Command(*actions.STAFF_COMMANDS))
    router.message.register(flow_command, Command(*actions.FLOW_COMMANDS))
    router.message.register(topic_closed, in_topic, F.forum_topic_closed)
    router.message.register(topic_message, in_topic)
    router.message.register(flow_text, F.text)
    router.edited_message.register(topic_edit, in_topic)
    router.callback_query.register(staff_button, F.data.startswith(actions.ATTENDANCE + ":"))
    flows = "|".join((actions.EVENT_FLOW, actions.ANNOUNCE_FLOW, actions.ANNOUNCE_STOP))
    router.callback_query.register(flow_button, F.data.regexp(rf"^({flows}):"))
    return router
