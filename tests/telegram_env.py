"""Run the real Telegram channel (python-telegram-bot or aiogram, as `fake.library` says; real SQLite,
controllable clock) against the fake Bot API server."""

import asyncio
import contextlib
import os
import signal
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from fakebot import FakeTelegram

from bot.bootstrap import build_app
from bot.clock import ManualClock
from bot.config import load_settings
from handlers.telegram_adapters import make_channel


def library_of(fake: FakeTelegram) -> str:
    return getattr(fake, "library", "ptb")


@dataclass
class RunningBot:
    channel: Any  # handlers.telegram_ptb.app.PtbChannel or handlers.telegram.app.TelegramChannel
    stop: asyncio.Event
    task: asyncio.Task


def settings_for(fake: FakeTelegram, db: Path, **env: str):
    values = {
        "TELEGRAM_BOT_TOKEN": fake.token,
        "TELEGRAM_API_BASE": fake.base_url,
        "WILLKOMMEN_DB": str(db),
        "TELEGRAM_LIBRARY": library_of(fake),
        **env,
    }
    saved = {k: os.environ.get(k) for k in values}
    os.environ.update(values)
    try:
        return load_settings(env_file=None)
    finally:
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value


@contextlib.asynccontextmanager
async def running_bot(
    fake: FakeTelegram, db: Path, clock: ManualClock, webhook: bool = False, retry_delay: float = 0.5, **env: str
) -> AsyncIterator[RunningBot]:
    """`retry_delay`: the first pause of the client's own retries (0.5 s, then doubled, 6 tries)."""
    settings = settings_for(fake, db, **env)
    app = await build_app(settings, clock)
    channel = make_channel(settings, app, clock, request_timeout=3, tick_seconds=0.2, retry_delay=retry_delay)
    stop = asyncio.Event()
    try:
        await channel.start()
        run = channel.run_webhook(stop) if webhook else channel.run_polling(stop, polling_timeout=1)
        task = asyncio.create_task(run)
        scheduler = asyncio.create_task(channel.run_background(stop))
        running = RunningBot(channel, stop, task)
        fake.running_channel = channel  # for `agreed`: people who accepted the privacy notice already
        if webhook:
            await fake.wait_for(lambda: fake.webhook is not None)
        yield running
    finally:
        stop.set()
        if "task" in locals():
            await asyncio.wait_for(task, 30)
            await asyncio.wait_for(scheduler, 30)
        await channel.close()
        await app.close()


async def open_ticket_from_menu(fake, user, question: str) -> int:
    """The person chooses "Write to a person" in the menu, then writes."""
    user.says("/menu")
    [menu] = await fake.wait_for_messages(user.chat_id, 1)
    user.presses(menu, "staff")
    await fake.wait_for(lambda: fake.topics)
    [(chat, thread)] = list(fake.topics)
    user.says(question)
    await fake.wait_for(lambda: len(fake.messages_in_topic(chat, thread)) == 2)
    return thread


async def start_willkommen_run(env: dict[str, str], fake: FakeTelegram | None) -> asyncio.subprocess.Process:
    """`willkommen run` as its own process (for tests that stop or kill it), on `fake`'s adapter."""
    import sys

    from conftest import ROOT

    if fake is not None:
        env = {**env, "TELEGRAM_LIBRARY": library_of(fake)}

    return await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "handlers.cli",
        "run",
        cwd=ROOT,
        env=env,
        stdout=asyncio.subprocess.DEVNULL,
        stderr=asyncio.subprocess.PIPE,
    )


async def agreed(fake: FakeTelegram, *users, db: Path | None = None) -> None:
    """These people accepted the privacy notice earlier (stored as the notice's "Yes" button stores it),
    so a test about something else starts where a returning person is. `db`: the file of a bot process."""
    from datetime import UTC, datetime

    from bot.languages import from_hint
    from bot.records import Purpose
    from storage.sqlite import SqliteStore

    if db is not None:
        store, now = await SqliteStore.open(db), datetime.now(UTC)
    else:
        store, now = fake.running_channel.app.store, fake.running_channel.clock.now()
    try:
        for user in users:
            language = from_hint(user.language_code) or "de"
            person = await store.create_person("telegram", str(user.id), language, "hint", now)
            await store.give_consent(person.id, [str(p) for p in Purpose], now)
    finally:
        if db is not None:
            await store.close()


def bot_process_env(fake: FakeTelegram, db: Path, **env: str) -> dict[str, str]:
    """The environment of a bot process against `fake` with `db`, on `fake`'s adapter, plus the settings `env`."""
    return {
        **os.environ,
        "TELEGRAM_BOT_TOKEN": fake.token,
        "TELEGRAM_API_BASE": fake.base_url,
        "WILLKOMMEN_DB": str(db),
        "TELEGRAM_LIBRARY": library_of(fake),
        **env,
    }


async def start_bot_process(fake: FakeTelegram, db: Path, **env: str) -> asyncio.subprocess.Process:
    """The real `willkommen run` against `fake`, on `fake`'s adapter, with `db` and the extra settings `env`."""
    return await start_willkommen_run(bot_process_env(fake, db, **env), fake)


async def open_ticket_in_process(fake: FakeTelegram, user) -> tuple[int, int]:
    """In a `willkommen run` just started: the person chooses "Write to a person"; (chat, thread) of their
    topic once its card is there."""
    await fake.wait_for(lambda: "getUpdates" in fake.arrived, timeout=90)
    user.says("/menu")
    [menu] = await fake.wait_for_messages(user.chat_id, 1, timeout=30)
    user.presses(menu, "staff")
    await fake.wait_for(lambda: fake.topics, timeout=30)
    [(chat, thread)] = list(fake.topics)
    await fake.wait_for(lambda: fake.messages_in_topic(chat, thread), timeout=30)  # the card
    return chat, thread


async def answer_once_then_stop(
    fake: FakeTelegram, process: asyncio.subprocess.Process, user, text: str
) -> tuple[bytes, float]:
    """In a `willkommen run` just started: `user` asks `text` and is answered, then the process gets SIGTERM.
    (its stderr, seconds from SIGTERM to its end); killed if it has not ended, so no test leaves it behind."""
    try:
        await fake.wait_for(lambda: "getUpdates" in fake.arrived, timeout=90)  # importing aiogram takes seconds
        user.says(text)
        await fake.wait_for_messages(user.chat_id, 1, timeout=30)
        started = time.monotonic()
        process.send_signal(signal.SIGTERM)
        _, stderr = await asyncio.wait_for(process.communicate(), 30)
        return stderr, time.monotonic() - started
    finally:
        if process.returncode is None:
            process.kill()
