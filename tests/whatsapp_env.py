"""Run the real WhatsApp channel (pywa, real SQLite, controllable clock) against the fake Cloud API, alone or
together with the Telegram channel against the fake Bot API (staff work in Telegram), in one process."""

import asyncio
import contextlib
import dataclasses
import os
import socket
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from fakewa import APP_SECRET, PHONE_ID, TOKEN, VERIFY_TOKEN, FakeWhatsApp
from telegram_env import library_of

from bot.bootstrap import App, build_app
from bot.clock import ManualClock
from bot.config import Settings, load_settings
from bot.messenger import NoStaffRoom, PersonChannel, StaffRoom
from handlers.whatsapp.app import WhatsAppChannel, client_for

STAFF_ID = -1007777


@dataclass
class Running:
    app: App
    whatsapp: WhatsAppChannel
    telegram: Any  # TelegramChannel or None
    stop: asyncio.Event


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def whatsapp_env(fakewa: FakeWhatsApp, db: Path, fake: Any = None, port: int = 0) -> dict[str, str]:
    env = {
        "WILLKOMMEN_DB": str(db),
        "WHATSAPP_PHONE_ID": PHONE_ID,
        "WHATSAPP_TOKEN": TOKEN,
        "WHATSAPP_APP_SECRET": APP_SECRET,
        "WHATSAPP_VERIFY_TOKEN": VERIFY_TOKEN,
        "WHATSAPP_API_BASE": fakewa.base_url,
        "WHATSAPP_HOST": "127.0.0.1",
        "WHATSAPP_PORT": str(port),
    }
    if fake is not None:
        env |= {"TELEGRAM_BOT_TOKEN": fake.token, "TELEGRAM_API_BASE": fake.base_url, "STAFF_CHAT_ID": str(STAFF_ID)}
        env["TELEGRAM_LIBRARY"] = library_of(fake)
    return env


def settings_from(values: dict[str, str]) -> Settings:
    names = [*values, "TELEGRAM_BOT_TOKEN", "STAFF_CHAT_ID"]
    saved = {k: os.environ.get(k) for k in names}
    for key in ("TELEGRAM_BOT_TOKEN", "STAFF_CHAT_ID"):
        os.environ.pop(key, None)
    os.environ.update(values)
    try:
        return load_settings(env_file=None)
    finally:
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value


def register_templates(fakewa: FakeWhatsApp, app: App) -> None:
    """Meta approved every template of content/whatsapp_templates.yaml, as the README tells operators to do."""
    for template in app.templates.by_purpose.values():
        for language, body in template.bodies.items():
            fakewa.template(template.name, language, body)


@contextlib.asynccontextmanager
async def running_whatsapp(
    fakewa: FakeWhatsApp,
    db: Path,
    clock: ManualClock,
    fake: Any = None,
    templates: bool = True,
    fallback: str | None = "en",
) -> AsyncIterator[Running]:
    settings = settings_from(whatsapp_env(fakewa, db, fake))
    app = await build_app(settings, clock)
    app.templates = dataclasses.replace(app.templates, fallback=fallback)
    if templates:
        register_templates(fakewa, app)
    boot_id = uuid.uuid4().hex
    stop = asyncio.Event()
    people: dict[str, PersonChannel] = {}
    staff: StaffRoom = NoStaffRoom()
    telegram = None
    tasks: list[asyncio.Task] = []
    if fake is not None:
        from handlers.telegram_adapters import make_channel

        fake.staff_group(STAFF_ID)
        telegram = make_channel(settings, app, clock, boot_id=boot_id, request_timeout=3, tick_seconds=0.2)
        people["telegram"] = telegram.messenger
        staff = telegram.messenger
    whatsapp = WhatsAppChannel(settings, app, client_for(settings), clock, boot_id)
    whatsapp.messenger.backoff = 0.02
    whatsapp.messenger.pace.per_person = 0.0
    people["whatsapp"] = whatsapp.messenger
    background = app.background(staff, people, boot_id)
    try:
        if telegram is not None:
            telegram.background = background
            await telegram.start()
            tasks.append(asyncio.create_task(telegram.run_polling(stop, polling_timeout=1)))
            fake.running_channel = telegram
        fakewa.webhook_url = await whatsapp.start()

        async def loops() -> None:
            try:
                await background.run(stop, 0.2)
            finally:
                await background.settle()

        tasks.append(asyncio.create_task(loops()))
        yield Running(app, whatsapp, telegram, stop)
    finally:
        stop.set()
        for task in tasks:
            await asyncio.wait_for(task, 30)
        await fakewa.settle()
        await whatsapp.stop()
        await whatsapp.close()
        if telegram is not None:
            await telegram.close()
        await app.close()


async def agreed(app: App, *users: Any, language: str = "de") -> None:
    """These WhatsApp people accepted the privacy notice earlier (as its "Yes" button stores it)."""
    from bot.records import Purpose

    now = app.clock.now()
    for user in users:
        person = await app.store.create_person("whatsapp", user.wa_id or user.bsuid, language, "hint", now)
        await app.store.give_consent(person.id, [str(p) for p in Purpose], now)
