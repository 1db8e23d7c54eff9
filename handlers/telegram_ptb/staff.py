"""The staff group (python-telegram-bot): commands and guided flows in the general topic, and the people's
tickets, one forum topic per person. The same routes, in the same order, as handlers/telegram/staff.py.

Only the staff groups (STAFF_CHAT_ID, or an office's own group) reach here, and a handler runs only for
staff (`staff_only`, the aiogram channel's StaffOnly middleware).
"""

import logging
import re
from collections.abc import Awaitable, Callable

from telegram import CallbackQuery, Message
from telegram.error import BadRequest, TelegramError

from bot import actions
from bot.messenger import SendError
from bot.models import Actor, MessageRef, Reply
from bot.replies import Answers
from bot.topics import TopicKeeper
from handlers.telegram.media import media_of
from handlers.telegram.words import MEMBER
from handlers.telegram_ptb.routing import Command, Desks, command_of

log = logging.getLogger(__name__)
_FLOW_BUTTON = re.compile(rf"^({actions.EVENT_FLOW}|{actions.ANNOUNCE_FLOW}|{actions.ANNOUNCE_STOP}):")


async def _is_member(desks: Desks, chat_id: int, user_id: int) -> bool:
    try:
        member = await desks.bot.get_chat_member(chat_id, user_id)
    except BadRequest:
        return False
    return member.status in MEMBER or bool(getattr(member, "is_member", False))


async def staff_only(desks: Desks, message: Message | None, callback: CallbackQuery | None = None) -> Actor | None:
    """The staff member, if the core's staff access allows them (bot/access.py); else None, and told so."""
    user = callback.from_user if callback is not None else message.from_user if message is not None else None
    chat = message.chat if message is not None else None
    if user is None or chat is None:
        return None
    anonymous_admin = callback is None and message is not None and message.sender_chat is not None
    anonymous_admin = anonymous_admin and message.sender_chat.id == chat.id  # type: ignore[union-attr]
    if user.is_bot and not anonymous_admin:
        return None
    if anonymous_admin:
        allowed = desks.access.allows_anonymous_admin()
    else:
        allowed = await desks.access.allows(chat.id, user.id, lambda: _is_member(desks, chat.id, user.id))
    if allowed:
        return Actor(str(user.id), user.full_name)
    log.info("staff handler refused: not a member of the staff group or not on the allow-list")
    if callback is not None:
        await callback.answer(desks.refusal, show_alert=True)
    elif message is not None and ((message.text or "").startswith("/") or message.is_topic_message):
        await desks.bot.send_message(chat.id, desks.refusal, message_thread_id=message.message_thread_id)
    return None


def _in_topic(desks: Desks, answers: Answers, message: Message, text: str) -> None:
    if text:
        answers.to_staff(message.chat.id, [Reply(text, desks.app.staff.tr.lang)], message.message_thread_id)


StaffHandler = Callable[[Desks, Answers, Message, Command | None, Actor], Awaitable[None]]


async def ticket_command(
    desks: Desks, answers: Answers, message: Message, command: Command | None, actor: Actor
) -> None:
    assert command is not None
    thread = message.message_thread_id or 0
    text = await desks.app.in_topic.command(message.chat.id, thread, command.name.lower(), command.args or "", actor)
    _in_topic(desks, answers, message, text)


async def learn_in_topic(
    desks: Desks, answers: Answers, message: Message, command: Command | None, actor: Actor
) -> None:
    """/learn <faq id> [question] in a person's topic: their unanswered question becomes a FAQ example."""
    assert command is not None
    thread = message.message_thread_id or 0
    text = await desks.app.learning.in_topic(message.chat.id, thread, command.args or "", actor)
    _in_topic(desks, answers, message, text)


async def learn_group(desks: Desks, answers: Answers, message: Message, command: Command | None, actor: Actor) -> None:
    """/learn <group number> <faq id> in the general topic: a whole group of the weekly digest."""
    assert command is not None
    text = await desks.app.learning.from_group(command.args or "", actor)
    answers.to_staff(message.chat.id, [Reply(text, desks.app.staff.tr.lang)])


async def staff_command(
    desks: Desks, answers: Answers, message: Message, command: Command | None, actor: Actor
) -> None:
    assert command is not None
    replies = await desks.app.staff.command(command.name.lower(), command.args or "", actor)
    answers.to_staff(message.chat.id, replies)


async def flow_command(desks: Desks, answers: Answers, message: Message, command: Command | None, actor: Actor) -> None:
    """/event [id], /events, /event_cancel <id>, /announce, /stop <id>, /cancel (a flow in progress)."""
    assert command is not None
    user = message.from_user.id if message.from_user else 0
    name, args = command.name.lower(), command.args or ""
    reply = await desks.app.flows.command(message.chat.id, user, name, args, actor)
    answers.to_staff(message.chat.id, [reply])


async def topic_message(
    desks: Desks, answers: Answers, message: Message, command: Command | None, actor: Actor
) -> None:
    if message.from_user is None or message.from_user.is_bot:
        return
    reply_to = message.reply_to_message.message_id if message.reply_to_message else None
    await desks.app.in_topic.wrote(
        message.chat.id,
        message.message_thread_id or 0,
        MessageRef(message.chat.id, message.message_id),
        reply_to,
        message.text or message.caption,
        media_of(message),
    )


async def topic_closed(desks: Desks, answers: Answers, message: Message, command: Command | None, actor: Actor) -> None:
    """Staff closed a topic by hand (the service message): the core decides if it must stay open."""
    keeper = TopicKeeper(desks.app.tickets, desks.room, desks.app.staff_chats)
    try:
        await keeper.closed_by_hand(message.chat.id, message.message_thread_id or 0)
    except SendError as exc:
        log.error("a topic closed by hand was not handled: %s", type(exc).__name__)


async def flow_text(desks: Desks, answers: Answers, message: Message, command: Command | None, actor: Actor) -> None:
    """Plain text in the staff group's general area: the next answer of a guided flow, if one is open."""
    if message.from_user is None:
        return
    reply = await desks.app.flows.text(message.chat.id, message.from_user.id, message.text or "")
    if reply is not None:
        answers.to_staff(message.chat.id, [reply])


def _route(message: Message, command: Command | None) -> StaffHandler | None:
    # Commands before the topic relay: a staff command in a topic must never be copied to the person.
    in_topic = message.is_topic_message is True
    name = command.name if command is not None else None
    if in_topic and name in actions.TOPIC_COMMANDS:
        return ticket_command
    if in_topic and name == actions.LEARN:
        return learn_in_topic
    if name == actions.LEARN:
        return learn_group
    if name in actions.STAFF_COMMANDS:
        return staff_command
    if name in actions.FLOW_COMMANDS:
        return flow_command
    if in_topic and message.forum_topic_closed is not None:
        return topic_closed
    if in_topic:
        return topic_message
    if message.text:
        return flow_text
    return None


async def message(desks: Desks, answers: Answers, message: Message) -> bool:
    """A message in a staff group; False if no staff handler takes it."""
    command = command_of(message, desks.username)
    handler = _route(message, command)
    if handler is None:
        return False
    actor = await staff_only(desks, message)
    if actor is not None:
        await handler(desks, answers, message, command, actor)
    return True


async def edited(desks: Desks, message: Message) -> None:
    if message.is_topic_message is True and await staff_only(desks, message) is not None:
        await desks.app.in_topic.edited(
            MessageRef(message.chat.id, message.message_id), message.text or message.caption or ""
        )


async def button(desks: Desks, answers: Answers, callback: CallbackQuery) -> None:
    pressed = callback.message
    assert pressed is not None
    data = callback.data or ""
    attendance = data.startswith(actions.ATTENDANCE + ":")
    if not attendance and not _FLOW_BUTTON.match(data):
        return
    actor = await staff_only(desks, pressed, callback)  # type: ignore[arg-type]
    if actor is None:
        return
    try:
        await callback.answer()
    except TelegramError:
        pass
    chat = pressed.chat.id
    if attendance:
        replies = await desks.app.staff.press(data, actor)
        if replies:
            answers.to_staff(chat, replies, edit_message=pressed.message_id)
        return
    reply = await desks.app.flows.press(chat, callback.from_user.id, data, actor)
    if reply is not None:
        answers.to_staff(chat, [reply])
