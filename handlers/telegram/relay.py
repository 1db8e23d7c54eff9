"""Copy messages between people and their forum topic in the staff group, from the relay table.

Each message was stored first (by the handlers); here it is claimed, sent, and marked with the id it got
on the other side, so replies and edits can be linked both ways. A claim left by a run that stopped is
taken over by the next run. Sending retries on network errors, 5xx and 429 (see RetryRequests); what
still fails stays pending and is tried again.
"""

import asyncio
import logging
from dataclasses import dataclass, field

from aiogram import Bot
from aiogram.enums import ParseMode
from aiogram.exceptions import (
    TelegramBadRequest,
    TelegramForbiddenError,
    TelegramNetworkError,
    TelegramRetryAfter,
    TelegramServerError,
)
from aiogram.types import LinkPreviewOptions, Message, ReplyParameters

from bot.clock import Clock
from bot.models import Person, Reply
from bot.ports import Store
from bot.records import Direction, RelayKind, RelayMessage, SendState, Ticket
from bot.tickets import TicketDesk
from handlers.telegram.delivery import deliver
from handlers.telegram.loops import repeat
from handlers.telegram.render import as_html

log = logging.getLogger(__name__)
_NO_PREVIEW = LinkPreviewOptions(is_disabled=True)


async def close_topic(bot: Bot, chat: int, thread: int) -> None:
    try:
        await bot.close_forum_topic(chat, thread)
    except TelegramBadRequest as exc:
        if "TOPIC_NOT_MODIFIED" not in exc.message:  # closed already: fine
            raise


async def reopen_topic(bot: Bot, chat: int, thread: int) -> None:
    try:
        await bot.reopen_forum_topic(chat, thread)
    except TelegramBadRequest as exc:
        if "TOPIC_NOT_MODIFIED" not in exc.message:
            raise


class StartupError(Exception):
    """The staff group is not usable for tickets; worded for the person starting the bot."""


async def check_staff_group(bot: Bot, chat_id: int) -> None:
    try:
        chat = await bot.get_chat(chat_id)
    except TelegramBadRequest:
        raise StartupError(f"STAFF_CHAT_ID {chat_id}: the bot cannot see this group (add it as admin)") from None
    if not chat.is_forum:
        raise StartupError(f"STAFF_CHAT_ID {chat_id}: topics are off in this group; turn on Topics in its settings")
    member = await bot.get_chat_member(chat_id, bot.id)
    if getattr(member, "status", "") not in ("administrator", "creator") or (
        member.status == "administrator" and not getattr(member, "can_manage_topics", False)
    ):
        raise StartupError(f"STAFF_CHAT_ID {chat_id}: make the bot an admin with the right to manage topics")


@dataclass
class Relay:
    bot: Bot
    store: Store
    tickets: TicketDesk
    clock: Clock
    boot_id: str
    staff_chat_id: int | None
    wake: asyncio.Event = field(default_factory=asyncio.Event)

    async def take(self, ticket_id: int, direction: Direction, message: Message, reply_to: int | None) -> None:
        """Store a person's or a staff member's message for relaying, and wake the relay loop."""
        await self.store.add_relay(
            ticket_id,
            direction,
            RelayKind.COPY,
            self.clock.now(),
            source_chat=message.chat.id,
            source_message=message.message_id,
            reply_to=reply_to,
        )
        self.wake.set()

    def staff_chat_for(self, office_id: str | None) -> int | None:
        office = self.tickets.content.offices.get(office_id or "")
        return office.staff_chat_id if office is not None and office.staff_chat_id else self.staff_chat_id

    async def run(self, stop: asyncio.Event, tick_seconds: float = 2.0) -> None:
        await repeat(self.run_once, stop, tick_seconds, "relay", self.wake)

    async def run_once(self) -> int:
        rows = await self.store.claim_relay(self.boot_id)
        for row in rows:
            await self._one(row)
        return len(rows)

    async def _one(self, row: RelayMessage) -> None:
        ticket = await self.store.ticket(row.ticket_id)
        person = await self.store.person_by_id(ticket.person_id) if ticket else None
        if ticket is None or person is None:
            await self.store.finish_relay(row.id, SendState.FAILED, self.clock.now())
            return
        try:
            if row.direction == Direction.IN:
                target = await self._to_topic(row, ticket, person)
            else:
                target = await self._to_person(row, ticket, person)
        except TelegramForbiddenError:
            await self._blocked(row, ticket, person)
            return
        except (TelegramNetworkError, TelegramServerError, TelegramRetryAfter) as exc:
            log.warning("relay %s not sent yet: %s", row.id, type(exc).__name__)
            await self.store.release_relay(row.id)
            return
        except TelegramBadRequest as exc:
            log.error("relay %s refused: %s", row.id, exc.message)
            await self.store.finish_relay(row.id, SendState.FAILED, self.clock.now())
            return
        chat, message_id = target if target else (None, None)
        await self.store.finish_relay(row.id, SendState.SENT, self.clock.now(), chat, message_id)

    # -- person -> topic ----------------------------------------------------------------------------------

    async def _topic(self, ticket: Ticket, person: Person) -> tuple[int, int]:
        topic = await self.store.topic_of(person.id)
        title = self.tickets.topic_title(ticket, person)
        if topic is None:
            chat = self.staff_chat_for(person.office_id)
            if chat is None:
                raise TelegramBadRequest(method=None, message="no staff group configured")  # type: ignore[arg-type]
            created = await self.bot.create_forum_topic(chat, title)
            await self.store.set_topic(person.id, chat, created.message_thread_id)
            return chat, created.message_thread_id
        chat, thread = topic
        return chat, thread

    async def _reopen(self, chat: int, thread: int, title: str) -> None:
        """A new ticket in a person's existing topic: open it again and show the new number."""
        for call in (
            self.bot.reopen_forum_topic(chat, thread),
            self.bot.edit_forum_topic(chat, thread, name=title),
        ):
            try:
                await call
            except TelegramBadRequest as exc:
                if "TOPIC_NOT_MODIFIED" not in exc.message:
                    raise

    async def _to_topic(self, row: RelayMessage, ticket: Ticket, person: Person) -> tuple[int, int]:
        is_card = row.kind == RelayKind.TEXT and await self.store.first_relay_of(ticket.id) == row.id
        had_topic = await self.store.topic_of(person.id) is not None
        chat, thread = await self._topic(ticket, person)
        if is_card and had_topic:
            await self._reopen(chat, thread, self.tickets.topic_title(ticket, person))
        reply = await self._reply_target(row, chat)
        if row.kind == RelayKind.TEXT:
            sent = await self.bot.send_message(
                chat,
                as_html(row.text or ""),
                parse_mode=ParseMode.HTML,
                message_thread_id=thread,
                link_preview_options=_NO_PREVIEW,
            )
            return chat, sent.message_id
        copied = await self.bot.copy_message(
            chat, row.source_chat or 0, row.source_message or 0, message_thread_id=thread, reply_parameters=reply
        )
        return chat, copied.message_id

    # -- staff -> person ----------------------------------------------------------------------------------

    async def _to_person(self, row: RelayMessage, ticket: Ticket, person: Person) -> tuple[int, int] | None:
        chat = int(person.user_id)
        if row.kind == RelayKind.TEXT:
            reply = Reply(row.text or "", person.language, row.buttons)
            sent = await deliver(self.bot, chat, [reply])
            return (chat, sent) if sent else None
        if row.kind == RelayKind.EDIT:
            original = await self.store.relay_by_source(row.source_chat or 0, row.source_message or 0)
            if original is None or original.target_message is None:
                return None
            try:
                await self.bot.edit_message_text(chat_id=chat, message_id=original.target_message, text=row.text or "")
            except TelegramBadRequest as exc:
                if "there is no text in the message" in exc.message or "no text" in exc.message:
                    await self.bot.edit_message_caption(
                        chat_id=chat, message_id=original.target_message, caption=row.text or ""
                    )
                elif "message is not modified" not in exc.message:
                    raise
            return None
        reply = await self._reply_target(row, chat)
        copied = await self.bot.copy_message(
            chat, row.source_chat or 0, row.source_message or 0, reply_parameters=reply
        )
        await self.store.first_answer(ticket.id, self.clock.now())
        return chat, copied.message_id

    async def _reply_target(self, row: RelayMessage, target_chat: int) -> ReplyParameters | None:
        """Keep a reply's link on the other side: find what the replied-to message is called there."""
        if row.reply_to is None or row.source_chat is None:
            return None
        # The replied-to message was itself relayed from the other side ...
        relayed = await self.store.relay_by_target(row.source_chat, row.reply_to)
        if relayed is not None and relayed.source_chat == target_chat and relayed.source_message:
            return ReplyParameters(message_id=relayed.source_message, allow_sending_without_reply=True)
        # ... or it is a message of this side that was relayed over before.
        original = await self.store.relay_by_source(row.source_chat, row.reply_to)
        if original is not None and original.target_chat == target_chat and original.target_message:
            return ReplyParameters(message_id=original.target_message, allow_sending_without_reply=True)
        return None

    async def _blocked(self, row: RelayMessage, ticket: Ticket, person: Person) -> None:
        """The person blocked the bot: mark them inactive and tell staff in the topic."""
        now = self.clock.now()
        await self.store.finish_relay(row.id, SendState.FAILED, now)
        await self.store.set_inactive(person.id, now)
        await self.store.note_ticket(ticket.id, "person blocked the bot")
        text = "⛔ " + self.tickets.staff_tr.gettext("The person has blocked the bot. Messages cannot reach them.")
        await self.store.add_relay(ticket.id, Direction.IN, RelayKind.TEXT, now, text=text)
        self.wake.set()
