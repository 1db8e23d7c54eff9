"""The composition root: every desk of the core is built here, once, from the store, content, catalogs and
clock; channels get the finished `App` and only translate.

`build_app` opens the real store and content from the settings; `wire` builds the core from parts a test
can give (a store on a temporary file, a manual clock). `App.background` starts the loops that send what
was stored (outbox, relay, announcements) through the channels' ports.
"""

import asyncio
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from bot.access import StaffAccess
from bot.announcements import Announcements
from bot.booking_flow import BookingFlow
from bot.broadcast import RATE, Broadcaster
from bot.clock import Clock, SystemClock
from bot.config import Settings
from bot.content import Content, load_content
from bot.digest import Digest
from bot.engine import Engine
from bot.events import EventFlow, Events
from bot.faq import Faq
from bot.i18n import Translator, load_translators
from bot.inbox import Inbox
from bot.languages import DEFAULT_LANGUAGE
from bot.learning import Learning
from bot.loops import repeat
from bot.matcher import Matcher
from bot.message_ids import MessageIds
from bot.messenger import PersonChannel, StaffChats, StaffRoom
from bot.notices import Notices
from bot.people import People
from bot.ports import Store
from bot.privacy import PrivacyDesk
from bot.receiving import Receiving
from bot.records import LearnedExample
from bot.relay import Relay
from bot.replies import ReplySender
from bot.scheduler import Delivery, Scheduler
from bot.service_window import Templates, guarded
from bot.staff import StaffDesk
from bot.staff_flows import StaffFlows
from bot.throttle import Throttle
from bot.ticket_staff import StaffInTopic
from bot.tickets import TicketDesk
from storage import open_store


@dataclass(frozen=True)
class Options:
    """What an installation sets (see bot/config.py); the defaults are the settings' defaults."""

    default_language: str = DEFAULT_LANGUAGE
    staff_language: str = "de"
    reminder_hours: tuple[int, ...] = (24, 3)
    agenda_time: tuple[int, int] = (7, 30)
    keep_messages_days: int = 90
    keep_inactive_days: int = 365
    staff_chat_id: int | None = None
    staff_ids: frozenset[int] = frozenset()

    @classmethod
    def of(cls, settings: Settings) -> "Options":
        return cls(
            default_language=settings.default_language,
            staff_language=settings.staff_language,
            reminder_hours=settings.reminder_hours,
            agenda_time=settings.agenda_time,
            keep_messages_days=settings.keep_messages_days,
            keep_inactive_days=settings.keep_inactive_days,
            staff_chat_id=settings.staff_chat_id,
            staff_ids=settings.staff_ids,
        )


@dataclass
class Background:
    """The loops that send what the core stored, through the channels."""

    scheduler: Scheduler
    delivery: Delivery
    relay: Relay
    broadcaster: Broadcaster
    privacy: PrivacyDesk
    replies: ReplySender

    async def run(self, stop: asyncio.Event, tick_seconds: float = 5.0) -> None:
        await asyncio.gather(
            self.replies.run(stop, tick_seconds),
            self.scheduler.run(self.delivery, stop, tick_seconds),
            repeat(self.privacy.retention_if_due, stop, tick_seconds, "retention"),
            self.relay.run(stop, tick_seconds),
            self.broadcaster.run(stop, tick_seconds),
        )

    async def settle(self) -> None:
        """After a stop: let the announcement in flight be marked before the store closes."""
        await self.broadcaster.settle()


@dataclass
class App:
    store: Store
    content: Content
    clock: Clock
    options: Options
    translators: dict[str, Translator]
    faq: Faq
    engine: Engine
    tickets: TicketDesk
    in_topic: StaffInTopic
    privacy: PrivacyDesk
    events: Events
    event_flow: EventFlow
    announcements: Announcements
    staff: StaffDesk
    flows: StaffFlows
    notices: Notices
    learning: Learning
    staff_chats: StaffChats
    access: StaffAccess
    templates: Templates = field(default_factory=Templates.empty)  # WhatsApp's approved message templates
    _closed: bool = field(default=False, init=False)

    def inbox(self, channel: str, boot_id: str) -> Inbox:
        return Inbox(self.store, self.clock, channel, boot_id)

    def receiving(self, channel: str, background: "Background") -> Receiving:
        """How `channel` (its name and account, e.g. "telegram:<bot id>") receives: claimed, handled once,
        its replies sent through the background's sender."""
        sender = background.replies
        return Receiving(self.inbox(channel, sender.boot_id), sender)

    def message_ids(self, channel: str) -> MessageIds:
        return MessageIds(self.store, self.clock, channel)

    def background(
        self, staff: StaffRoom, people: Mapping[str, PersonChannel], boot_id: str, rate: float = RATE
    ) -> Background:
        """The loops for a process whose channels are `people` (by name), with staff working in `staff`."""

        def guard(purpose: str | None, hold: bool) -> dict[str, PersonChannel]:
            # Channels with a window (WhatsApp) get their messages checked against it (bot/service_window.py).
            parts = (self.store, self.clock, self.templates, staff, self.staff_chats, self.staff.tr)
            return guarded(dict(people), purpose, hold, *parts)

        scheduler = Scheduler(self.store, self.notices, self.clock, boot_id)
        delivery = Delivery(staff, guard(None, False), self.staff_chats)
        relay = Relay(self.tickets, staff, guard("team_answered", True), self.staff_chats, boot_id)
        broadcaster = Broadcaster(
            staff,
            guard("announcement", False),
            self.store,
            self.announcements,
            self.clock,
            boot_id,
            self.options.staff_chat_id,
            rate,
        )
        replies = ReplySender(self.store, self.clock, boot_id, staff, people, after_sent=self.privacy.scrub_if_wanted)
        return Background(scheduler, delivery, relay, broadcaster, self.privacy, replies)

    async def close(self) -> None:
        if not self._closed:
            self._closed = True
            await self.store.close()


def wire(
    store: Store,
    content: Content,
    translators: dict[str, Translator],
    clock: Clock,
    matcher: Matcher,
    options: Options | None = None,
) -> App:
    """Build every desk of the core from its parts."""
    options = options or Options()
    staff_tr = translators[options.staff_language]
    faq = Faq(matcher)
    privacy = PrivacyDesk(
        store, content, clock, translators, staff_tr, options.keep_messages_days, options.keep_inactive_days
    )
    events = Events(store, content, clock, translators)
    tickets = TicketDesk(store, content, clock, translators, staff_tr)
    engine = Engine(
        store=store,
        content=content,
        faq=faq,
        translators=translators,
        clock=clock,
        people=People(store, clock, options.default_language),
        privacy=privacy,
        booking=BookingFlow(store, content, clock, options.reminder_hours),
        events=events,
        tickets=tickets,
        throttle=Throttle(clock),
        default_language=options.default_language,
    )
    staff = StaffDesk(store, content, clock, staff_tr)
    digest = Digest(store, content, clock, staff_tr)
    notices = Notices(
        store, content, clock, translators, staff, events, options.agenda_time, privacy=privacy, digest=digest
    )
    announcements = Announcements(store, content, clock, staff_tr, translators)
    event_flow = EventFlow(events, staff_tr)
    return App(
        store=store,
        content=content,
        clock=clock,
        options=options,
        translators=translators,
        faq=faq,
        engine=engine,
        tickets=tickets,
        in_topic=StaffInTopic(tickets),
        privacy=privacy,
        events=events,
        event_flow=event_flow,
        announcements=announcements,
        staff=staff,
        flows=StaffFlows(store, events, event_flow, announcements, staff_tr),
        notices=notices,
        learning=Learning(store, content, clock, faq, staff_tr),
        staff_chats=StaffChats.of(content, options.staff_chat_id),
        access=StaffAccess(clock, options.staff_ids),
    )


async def build_app(
    settings: Settings,
    clock: Clock | None = None,
    locales_dir: Path | None = None,
) -> App:
    content = load_content(settings.content_path)
    translators = load_translators(locales_dir)
    store = await open_store(str(settings.db_path), content.timezone)
    app = wire(store, content, translators, clock or SystemClock(), Matcher.from_content(content), Options.of(settings))
    app.templates = Templates.load(settings.content_path)
    await app.learning.load()
    await app.events.seed(list(content.event_seeds))
    return app


async def learned_examples(settings: Settings) -> list[LearnedExample]:
    """The examples staff taught the bot, from its database, without building the bot (faq-eval and content
    export read them: building the app fitted the matcher to them once more, ~5 s)."""
    content = load_content(settings.content_path)
    store = await open_store(str(settings.db_path), content.timezone)
    try:
        return await store.learned_examples()
    finally:
        await store.close()
