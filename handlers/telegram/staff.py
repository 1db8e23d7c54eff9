"""The staff group: the agenda and slot commands in the general topic, and the people's tickets, one forum
topic per person: what staff write there goes to the person, except internal notes (#note, !note).

Only the group named by STAFF_CHAT_ID (or an office's own group) reaches these handlers.
"""

from datetime import timedelta

from aiogram import Bot, F, Router
from aiogram.exceptions import TelegramBadRequest
from aiogram.filters import Command, CommandObject
from aiogram.types import CallbackQuery, Message

from bot import audit
from bot.bootstrap import App
from bot.engine import Engine
from bot.models import Actor, Reply
from bot.normalize import is_id
from bot.records import Direction, DraftKind, RelayKind
from bot.report import stats_reply
from bot.staff import StaffDesk
from bot.tickets import STAFF_TICKET_COMMANDS, is_note
from handlers.telegram.broadcast import Broadcaster
from handlers.telegram.delivery import deliver
from handlers.telegram.middlewares import StaffOnly
from handlers.telegram.relay import Relay, close_topic

STAFF_COMMANDS = ("agenda", "block", "unblock", "visit", "audit")
FLOW_COMMANDS = ("event", "events", "event_cancel", "announce", "stop", "cancel")


async def _in_topic(bot: Bot, message: Message, text: str) -> None:
    if text:
        await bot.send_message(message.chat.id, text, message_thread_id=message.message_thread_id)


async def staff_command(
    message: Message, command: CommandObject, staff: StaffDesk, bot: Bot, engine: Engine, actor: Actor
) -> None:
    name = command.command.lower()
    if name == "audit":
        replies = [await audit.listing(engine.store, staff.tr, engine.content.timezone)]
    else:
        replies = await staff.command(name, command.args or "", actor)
    await deliver(bot, message.chat.id, replies)


async def ticket_command(
    message: Message, command: CommandObject, engine: Engine, bot: Bot, relay: Relay, actor: Actor
) -> None:
    person = await engine.store.person_by_topic(message.chat.id, message.message_thread_id or 0)
    if person is None:
        return
    ticket = await engine.store.open_ticket_of(person.id)
    name = command.command.lower()
    answer_text = await engine.tickets.staff_command(ticket, person, name, command.args or "", actor)
    await _in_topic(bot, message, answer_text)
    relay.wake.set()
    if name == "close" and ticket is not None:
        # Wait until the rating question is out, then close the topic (a closed topic takes no messages).
        await relay.run_once()
        await close_topic(bot, message.chat.id, message.message_thread_id or 0)


async def topic_message(message: Message, engine: Engine, relay: Relay) -> None:
    if message.from_user is None or message.from_user.is_bot or is_note(message.text or message.caption):
        return  # internal notes stay in the group
    person = await engine.store.person_by_topic(message.chat.id, message.message_thread_id or 0)
    if person is None:
        return
    ticket = await engine.store.open_ticket_of(person.id) or await engine.store.last_ticket_of(person.id)
    if ticket is None:
        return
    reply_to = message.reply_to_message.message_id if message.reply_to_message else None
    if reply_to == message.message_thread_id:
        reply_to = None  # in a topic every message "replies" to the topic's first message
    await relay.take(ticket.id, Direction.OUT, message, reply_to)


async def topic_edit(message: Message, engine: Engine, relay: Relay) -> None:
    if is_note(message.text or message.caption):
        return
    original = await engine.store.relay_by_source(message.chat.id, message.message_id)
    if original is None or original.direction != Direction.OUT:
        return
    await engine.store.add_relay(
        original.ticket_id,
        Direction.OUT,
        RelayKind.EDIT,
        engine.clock.now(),
        source_chat=message.chat.id,
        source_message=message.message_id,
        text=message.text or message.caption or "",
    )
    relay.wake.set()


async def staff_button(callback: CallbackQuery, staff: StaffDesk, bot: Bot, actor: Actor) -> None:
    try:
        await callback.answer()
    except TelegramBadRequest:
        pass
    replies = await staff.press(callback.data or "", actor)
    if replies and callback.message is not None:
        await deliver(bot, callback.message.chat.id, replies, callback.message.message_id)


async def flow_command(
    message: Message,
    command: CommandObject,
    engine: Engine,
    app: App,
    bot: Bot,
    broadcaster: Broadcaster,
    actor: Actor,
) -> None:
    """/event [id], /events, /event_cancel <id>, /announce, /stop <id>, /cancel (a flow in progress)."""
    name, args = command.command.lower(), (command.args or "").strip()
    chat, user = message.chat.id, message.from_user.id if message.from_user else 0
    tr = app.staff.tr
    if name == "event":
        reply = await app.event_flow.start(chat, user, int(args) if is_id(args) else None)
    elif name == "events":
        now = engine.clock.now()
        upcoming = await engine.store.upcoming_events(now, now + timedelta(weeks=26))
        lines = [tr.gettext("Events (edit: /event <number>, cancel: /event_cancel <number>):")]
        for event in upcoming:
            title = event.texts["de"][0]
            start = event.starts_at.astimezone(engine.content.timezone)
            lines.append(f"#{event.id} {tr.date_short(start.date())} {tr.time(start)} · {title}")
        reply = Reply("\n".join(lines), tr.lang)
    elif name == "event_cancel" and is_id(args):
        told = await engine.events.cancel(int(args), actor)
        reply = Reply(
            tr.gettext("Event #{number} cancelled; {told} people who wanted a reminder are told.").format(
                number=args, told=told
            ),
            tr.lang,
        )
    elif name == "announce":
        reply = await app.announcements.start(chat, user)
    elif name == "stop" and is_id(args):
        stopped = await app.announcements.stop(int(args), actor)
        reply = Reply(tr.gettext("Stopped.") if stopped else tr.gettext("Nothing to stop."), tr.lang)
    elif name == "cancel":
        await engine.store.drop_draft(chat, user)
        reply = Reply(tr.gettext("Discarded."), tr.lang)
    else:
        reply = Reply(tr.gettext("Please write: /{command} <number>").format(command=name), tr.lang)
    await deliver(bot, chat, [reply])


async def flow_text(message: Message, engine: Engine, app: App, bot: Bot) -> None:
    """Plain text in the staff group's general area: the next answer of a guided flow, if one is open."""
    if message.from_user is None:
        return
    draft = await engine.store.draft(message.chat.id, message.from_user.id)
    if draft is None:
        return
    data = draft.data
    text = message.text or ""
    if draft.kind == DraftKind.EVENT:
        reply = await app.event_flow.answer(message.chat.id, message.from_user.id, data, text)
    else:
        reply = await app.announcements.answer(message.chat.id, message.from_user.id, data, text)
    await deliver(bot, message.chat.id, [reply])


async def flow_button(
    callback: CallbackQuery, engine: Engine, app: App, bot: Bot, broadcaster: Broadcaster, actor: Actor
) -> None:
    try:
        await callback.answer()
    except TelegramBadRequest:
        pass
    data_text = callback.data or ""
    chat = callback.message.chat.id if callback.message else 0
    if data_text.startswith("anstop:") and is_id(data_text[7:]):
        await app.announcements.stop(int(data_text[7:]), actor)
        return
    draft = await engine.store.draft(chat, callback.from_user.id)
    if draft is None:
        return
    data = draft.data
    if data_text.startswith("evf:") and draft.kind == DraftKind.EVENT:
        reply = await app.event_flow.press(chat, callback.from_user.id, data, data_text, actor)
    elif data_text.startswith("anf:") and draft.kind == DraftKind.ANNOUNCE:
        reply, started = await app.announcements.press(chat, callback.from_user.id, data, data_text, actor)
        if started is not None:
            broadcaster.wake.set()
    else:
        return
    await deliver(bot, chat, [reply])


async def stats_command(message: Message, command: CommandObject, app: App, bot: Bot) -> None:
    """/stats [month] [office]: the month's figures as text, CSV and charts."""
    today = app.engine.clock.now().astimezone(app.content.timezone).date()
    reply = await stats_reply(app.store, app.content, app.staff.tr, today, command.args or "")
    await deliver(bot, message.chat.id, [reply])


async def learn_in_topic(message: Message, command: CommandObject, app: App, bot: Bot, actor: Actor) -> None:
    """/learn <faq id> [question] in a person's topic: their unanswered question becomes a FAQ example."""
    person = await app.store.person_by_topic(message.chat.id, message.message_thread_id or 0)
    if person is None or app.learning is None:
        return
    await _in_topic(bot, message, await app.learning.in_ticket(person.id, person.language, command.args or "", actor))


async def learn_group(message: Message, command: CommandObject, app: App, bot: Bot, actor: Actor) -> None:
    """/learn <group number> <faq id> in the general topic: a whole group of the weekly digest."""
    if app.learning is not None:
        await deliver(
            bot, message.chat.id, [Reply(await app.learning.from_group(command.args or "", actor), app.staff.tr.lang)]
        )


def register_figures_and_learning(router: Router, in_topic) -> None:
    # Before the topic relay: a staff command in a topic must never be copied to the person.
    router.message.register(learn_in_topic, in_topic, Command("learn"))
    router.message.register(learn_group, Command("learn"))
    router.message.register(stats_command, Command("stats"))


def make_router(staff_chats: set[int], staff_only: StaffOnly) -> Router:
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
    router.message.register(ticket_command, in_topic, Command(*STAFF_TICKET_COMMANDS))
    register_figures_and_learning(router, in_topic)
    router.message.register(staff_command, Command(*STAFF_COMMANDS))
    router.message.register(flow_command, Command(*FLOW_COMMANDS))
    router.message.register(topic_message, in_topic)
    router.message.register(flow_text, F.text)
    router.edited_message.register(topic_edit, in_topic)
    router.callback_query.register(staff_button, F.data.startswith("sa:"))
    router.callback_query.register(flow_button, F.data.regexp(r"^(evf|anf|anstop):"))
    return router
