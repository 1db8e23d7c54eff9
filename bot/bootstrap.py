"""One place that wires the core: settings -> content, catalogs, store, matcher, clock -> Engine."""

from dataclasses import dataclass
from pathlib import Path

from bot.announcements import Announcements
from bot.clock import Clock, SystemClock
from bot.config import Settings
from bot.content import Content, load_content
from bot.digest import Digest
from bot.engine import Engine
from bot.events import EventFlow
from bot.i18n import load_translators
from bot.learning import Learning
from bot.matcher import Matcher
from bot.notices import Notices
from bot.ports import Store
from bot.staff import StaffDesk
from storage import open_store


@dataclass
class App:
    engine: Engine
    store: Store
    content: Content
    staff: StaffDesk
    notices: Notices
    announcements: Announcements
    event_flow: EventFlow
    learning: Learning | None = None

    async def close(self) -> None:
        await self.store.close()


async def build_app(
    settings: Settings,
    clock: Clock | None = None,
    locales_dir: Path | None = None,
) -> App:
    content = load_content(settings.content_path)
    translators = load_translators(locales_dir)
    store = await open_store(str(settings.db_path), content.timezone)
    clock = clock or SystemClock()
    matcher = Matcher.from_content(content)
    engine = Engine(
        store=store,
        content=content,
        matcher=matcher,
        translators=translators,
        clock=clock,
        default_language=settings.default_language,
        reminder_hours=settings.reminder_hours,
        staff_language=settings.staff_language,
        keep_messages_days=settings.keep_messages_days,
        keep_inactive_days=settings.keep_inactive_days,
    )
    staff = StaffDesk(store, content, clock, translators[settings.staff_language])
    staff_tr = translators[settings.staff_language]
    digest = Digest(store, content, clock, staff_tr)
    notices = Notices(
        store,
        content,
        clock,
        translators,
        staff,
        engine.events,
        settings.agenda_time,
        privacy=engine.privacy,
        digest=digest,
    )
    learning = Learning(store, content, clock, engine, staff_tr, matcher)
    await learning.load()
    await engine.events.seed(list(content.event_seeds))
    announcements = Announcements(store, content, clock, staff_tr, translators)
    event_flow = EventFlow(engine.events, staff_tr)
    return App(
        engine=engine,
        store=store,
        content=content,
        staff=staff,
        notices=notices,
        announcements=announcements,
        event_flow=event_flow,
        learning=learning,
    )
