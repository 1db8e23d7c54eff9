"""The webhook server of the Telegram channel, for both adapters (aiohttp; neither Telegram library).

An update is answered 200 only once it was handled (or skipped), so a crash before that has Telegram deliver
it again, and the inbox makes sure it is handled once. Refused before the body is read: a wrong secret (401)
and a body too large to be an update (413); refused after: a body that is not an update (400, one log line
without its contents); a store that is away: 503, Telegram delivers it again.
"""

import asyncio
import hmac
import json
import logging
from collections.abc import Awaitable, Callable
from typing import Any
from urllib.parse import urlsplit

from aiohttp import web

from bot.config import Settings
from bot.ports import StoreUnavailable
from bot.receiving import Receiving, is_update_id
from handlers.telegram.startup import cannot_listen, webhook_refused

log = logging.getLogger(__name__)
SHUTDOWN_GRACE_SECONDS = 25.0  # systemd and docker give 30 s between SIGTERM and SIGKILL
# Telegram's updates are a few kilobytes (4096 characters of text, a replied-to message, entities): a body
# larger than this is not an update, and is refused before it is read.
MAX_WEBHOOK_BODY = 256 * 1024
SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"

Feed = Callable[..., Awaitable[None]]  # (update id, payload, claimed=True)


def _handler(secret: str, feed: Feed) -> Callable[[web.Request], Awaitable[web.Response]]:
    async def webhook(request: web.Request) -> web.Response:
        if not hmac.compare_digest(request.headers.get(SECRET_HEADER, "").encode(), secret.encode()):
            return web.Response(status=401)
        if request.content_length is None or request.content_length > MAX_WEBHOOK_BODY:
            log.warning("webhook: a body of %s bytes refused", request.content_length)
            return web.Response(status=413)
        body = await request.read()
        try:
            raw = json.loads(body)
            update_id = raw["update_id"]
            if not is_update_id(update_id):
                raise TypeError
        except (ValueError, TypeError, KeyError):
            log.warning("webhook: a malformed body refused (%d bytes, not an update)", len(body))
            return web.Response(status=400)
        try:
            await feed(update_id, json.dumps(raw, ensure_ascii=False, separators=(",", ":")), claimed=False)
        except StoreUnavailable as exc:
            log.error("update %d not stored: the database is %s; Telegram sends it again", update_id, exc.cause)
            return web.Response(status=503)
        return web.json_response({})

    return webhook


async def open_webhook(
    settings: Settings,
    feed: Feed,
    set_webhook: Callable[[], Awaitable[Any]],
    refusals: tuple[type[Exception], ...],
) -> web.AppRunner:
    """Listen on WILLKOMMEN_HOST:PORT, then register the webhook with Telegram (`set_webhook`; the library's
    errors for a refused call are `refusals`, each with Telegram's words in `.message`); StartupError if
    either fails."""
    assert settings.webhook_url is not None and settings.webhook_secret is not None
    path = urlsplit(settings.webhook_url).path or "/"
    web_app = web.Application(client_max_size=MAX_WEBHOOK_BODY)
    web_app.router.add_post(path, _handler(settings.webhook_secret, feed))
    runner = web.AppRunner(web_app, shutdown_timeout=SHUTDOWN_GRACE_SECONDS)
    await runner.setup()
    try:
        try:
            await web.TCPSite(runner, settings.host, settings.port).start()
        except OSError as exc:
            raise cannot_listen(settings.host, settings.port, exc.strerror or str(exc)) from None
        try:
            await set_webhook()
        except refusals as exc:
            raise webhook_refused(settings.webhook_url, getattr(exc, "message", str(exc))) from None
    except BaseException:
        await runner.cleanup()
        raise
    log.info("webhook listening on %s:%d%s", settings.host, settings.port, path)
    return runner


async def serve_webhook(
    runner: web.AppRunner, receiving: Receiving, feed: Feed, stop: asyncio.Event, tick_seconds: float
) -> None:
    """Until `stop`; updates kept while the store was away are handled again meanwhile."""
    retries = asyncio.create_task(receiving.run_retries(feed, stop, tick_seconds))
    try:
        await stop.wait()
    finally:
        await runner.cleanup()
        await retries
