"""TELEGRAM_LIBRARY picks the Telegram adapter: python-telegram-bot (handlers/telegram_ptb) or aiogram
(handlers/telegram). Only the chosen library is imported, here and only when asked for.

Both channels have the same shape: `messenger` (the channel port), `background` (the loops, replaceable by
a process's shared ones), `start`, `run_polling`, `run_webhook`, `run_background`, `feed` (one raw update),
`close`; their start-up failures are handlers/telegram/startup.py's StartupError.
"""

import uuid
from typing import Any

from bot.bootstrap import App
from bot.clock import Clock
from bot.config import Settings


def make_channel(
    settings: Settings,
    app: App,
    clock: Clock,
    *,
    boot_id: str | None = None,
    request_timeout: float = 60.0,
    tick_seconds: float = 5.0,
    retry_delay: float = 0.5,
) -> Any:
    """The Telegram channel on `settings.telegram_library`; `retry_delay`: the first pause of the client's own
    retries of a failed call (then doubled, 6 tries)."""
    boot_id = boot_id or uuid.uuid4().hex
    if settings.telegram_library == "ptb":
        from handlers.telegram_ptb import app as ptb
        from handlers.telegram_ptb.retry import RetryRequests as PtbRetry

        ext_bot = ptb.make_bot(settings, request_timeout, PtbRetry(first_delay=retry_delay))
        return ptb.PtbChannel(settings, app, ext_bot, clock, boot_id=boot_id, tick_seconds=tick_seconds)
    from handlers.telegram import app as aio
    from handlers.telegram.middlewares import RetryRequests

    bot = aio.make_bot(settings, request_timeout, RetryRequests(first_delay=retry_delay))
    return aio.TelegramChannel(settings, app, bot, clock, boot_id=boot_id, tick_seconds=tick_seconds)
