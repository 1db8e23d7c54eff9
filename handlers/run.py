"""`willkommen run`: every configured channel (Telegram, WhatsApp or both) in one process, on one database.

One set of background loops (outbox, relay, announcements) serves all channels: a relay row or a reminder for
a WhatsApp person is sent by the same loop as one for a Telegram person, and staff work in the Telegram staff
group whatever the person's channel. Without Telegram there is no staff group: WhatsApp people get the
bot's answers, bookings and reminders, but nothing reaches a person from the team.
"""

import asyncio
import logging
import signal
import uuid

from bot.bootstrap import build_app
from bot.clock import Clock, SystemClock
from bot.config import Settings
from bot.messenger import NoStaffRoom, PersonChannel, StaffRoom
from handlers.telegram.words import CHANNEL as TELEGRAM

log = logging.getLogger(__name__)
WHATSAPP_ONLY = (
    "WhatsApp runs without Telegram: people get answers, bookings and reminders, but staff features"
    " (questions to the team, the agenda, announcements) need the Telegram staff group:"
    " set TELEGRAM_BOT_TOKEN and STAFF_CHAT_ID."
)


async def run(
    settings: Settings, clock: Clock | None = None, stop: asyncio.Event | None = None, tick_seconds: float = 5.0
) -> None:
    """Run until SIGTERM/SIGINT (or until `stop` is set)."""
    clock = clock or SystemClock()
    stop = stop or asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        try:
            loop.add_signal_handler(sig, stop.set)
        except (NotImplementedError, RuntimeError):
            pass
    app = await build_app(settings, clock)
    telegram = None
    whatsapp = None
    try:
        people: dict[str, PersonChannel] = {}
        staff: StaffRoom = NoStaffRoom()
        boot_id = uuid.uuid4().hex
        if settings.telegram_token:
            from handlers.telegram_adapters import make_channel  # imports the chosen library only

            telegram = make_channel(settings, app, clock, boot_id=boot_id, tick_seconds=tick_seconds)
            people[TELEGRAM] = telegram.messenger
            staff = telegram.messenger
        else:
            log.warning(WHATSAPP_ONLY)
        if settings.whatsapp_enabled:
            from handlers.whatsapp.app import WhatsAppChannel, client_for

            whatsapp = WhatsAppChannel(settings, app, client_for(settings), clock, boot_id)
            people[whatsapp.messenger.name] = whatsapp.messenger
        background = app.background(staff, people, boot_id)
        if telegram is not None:
            telegram.background = background  # one set of loops for every channel
            await telegram.start()
        if whatsapp is not None:
            await whatsapp.start()
        webhook = await telegram.open_webhook() if telegram is not None and settings.webhook_url else None

        async def loops() -> None:
            try:
                await background.run(stop, tick_seconds)
            finally:
                await background.settle()

        # The loops start once nothing of the start can fail (they end before the store closes, below).
        looping = asyncio.create_task(loops())
        try:
            if telegram is None:
                await stop.wait()
            elif webhook is not None:
                await telegram.serve_webhook(webhook, stop)
            else:
                await telegram.run_polling(stop)
        finally:
            stop.set()
            await looping
    finally:
        if whatsapp is not None:
            await whatsapp.stop()
            await whatsapp.close()
        if telegram is not None:
            await telegram.close()
        await app.close()
