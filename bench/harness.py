"""The real Telegram channel (aiogram Dispatcher and Bot, SQLite, our middlewares) against a fake Bot API
server, fed updates directly: the benchmarks measure the bot, not a polling loop."""

import contextlib
import json
import time
from collections.abc import AsyncIterator
from pathlib import Path
from types import SimpleNamespace
from typing import Any

from telegram_env import settings_for

from bench.common import add_people, bench_now
from bot.bootstrap import build_app
from bot.clock import ManualClock
from handlers.telegram_adapters import make_channel
from storage.sqlite import SqliteStore

BOT = {"id": 123456789, "is_bot": True, "first_name": "lokal willkommen"}


async def prepare_db(db: Path, people: int, first_user_id: int = 1_000_000) -> list[int]:
    """A database with the schema and `people` people in it; returns their Telegram user ids."""
    store = await SqliteStore.open(db)
    await store.close()
    return add_people(db, people, first_user_id, bench_now()) if people else []


@contextlib.asynccontextmanager
async def channel(base_url: str, token: str, db: Path, library: str = "ptb", **env: str) -> AsyncIterator[Any]:
    """A started channel on `library`'s adapter (getMe, commands registered), without a polling loop: feed it
    updates (`feed_raw`)."""
    fake = SimpleNamespace(base_url=base_url, token=token, library=library)
    settings = settings_for(fake, db, **env)
    clock = ManualClock(bench_now())
    app = await build_app(settings, clock)
    made = make_channel(settings, app, clock, request_timeout=30)
    try:
        await made.start()
        yield made
    finally:
        await made.close()
        await app.close()


class Updates:
    """Raw updates as Telegram would send them, numbered."""

    def __init__(self, first_id: int = 1) -> None:
        self.next_id = first_id

    def _id(self) -> int:
        self.next_id += 1
        return self.next_id

    def text(self, user_id: int, text: str, lang: str = "de", message_id: int = 1) -> dict[str, Any]:
        user = {"id": user_id, "is_bot": False, "first_name": "P", "language_code": lang}
        message = {
            "message_id": message_id,
            "date": int(time.time()),
            "chat": {"id": user_id, "type": "private", "first_name": "P"},
            "from": user,
            "text": text,
        }
        if text.startswith("/"):
            message["entities"] = [{"type": "bot_command", "offset": 0, "length": len(text.split()[0])}]
        return {"update_id": self._id(), "message": message}

    def press(self, user_id: int, message_id: int, data: str, lang: str = "de") -> dict[str, Any]:
        user = {"id": user_id, "is_bot": False, "first_name": "P", "language_code": lang}
        message = {
            "message_id": message_id,
            "date": int(time.time()),
            "chat": {"id": user_id, "type": "private", "first_name": "P"},
            "from": BOT,
            "text": "…",
        }
        callback = {"id": f"cb{self.next_id + 1}", "from": user, "chat_instance": f"ci{user_id}", "message": message}
        return {"update_id": self._id(), "callback_query": {**callback, "data": data}}


async def feed_raw(channel: Any, update: dict) -> None:
    """An update as a webhook hands it to the channel: claimed, handled once, its replies sent."""
    await channel.feed(update["update_id"], json.dumps(update, ensure_ascii=False), claimed=False)
