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
from bot.messenger import PersonChannel, StaffRoom
from handlers.whatsapp.app import NoStaffRoom, WhatsAppChannel, client_for

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
    bot = None
    try:
        people: dict[str, PersonChannel] = {}
        staff: StaffRoom = NoStaffRoom()
        boot_id = uuid.uuid4().hex
        if settings.telegram_token:
            from handlers.telegram.app import TelegramChannel, make_bot
            from handlers.telegram.messenger import CHANNEL as TELEGRAM

            bot = make_bot(settings)
            telegram = TelegramChannel(settings, app, bot, clock, boot_id=boot_id, tick_seconds=tick_seconds)
            people[TELEGRAM] = telegram.messenger
            staff = telegram.messenger
        else:
            log.warning(WHATSAPP_ONLY)
        if settings.whatsapp_enabled:
            whatsapp = WhatsAppChannel(settings, app, client_for(settings), clock, boot_id)
            people[whatsapp.messenger.name] = whatsapp.messenger
        background = app.background(staff, people, boot_id)
        if telegram is not None:
            telegram.background = background  # one set of loops for every channel
            await telegram.start()
        if whatsapp is not None:
            await whatsapp.start()

        async def loops() -> None:
            try:
                await background.run(stop, tick_seconds)
            finally:
                await background.settle()

        looping = asyncio.create_task(loops())
        if telegram is None:
            await stop.wait()
        elif settings.webhook_url:
            await telegram.run_webhook(stop)
        else:
            await telegram.run_polling(stop)
        stop.set()
        await looping
    finally:
        if whatsapp is not None:
            await whatsapp.stop()
            await whatsapp.close()
        if bot is not None:
            await bot.session.close()
        await app.close()
