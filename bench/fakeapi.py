"""The fake Bot API server (tests/fakebot) as the benchmarks need it: any private chat exists (thousands of
people need no set-up call each), every request's arrival is logged with its chat, and, optionally,
Telegram's sending limits are enforced.

It can run as its own process (`python -m bench.fakeapi`), so that in the update benchmark the fake
server's own work does not take CPU from the bot being measured: it prints its base URL, and
GET /_bench/log returns and clears the arrival log. time.monotonic() is one clock for all processes on
Linux, so arrival times compare with the bot process's.
"""

import asyncio
import json
import sys
import time
from collections import deque
from typing import Any

from aiohttp import web
from fakebot.server import ApiError, FakeTelegram

SENDING = frozenset({"sendMessage", "sendDocument", "copyMessage", "editMessageText"})
REPLIES = frozenset({"sendMessage", "sendDocument", "editMessageText"})


class BenchTelegram(FakeTelegram):
    def __post_init__(self) -> None:
        super().__post_init__()
        self.log: list[tuple[str, int, float]] = []  # (method, chat id or 0, arrival as time.monotonic())
        self.limit_overall: int | None = None
        self.limit_per_chat: int | None = None
        self.too_many = 0  # 429s answered
        self._sent: deque[float] = deque()
        self._last_to_chat: dict[int, float] = {}

    def enforce_limits(self, overall: int = 30, per_chat: int = 1) -> None:
        """Like Telegram: at most `overall` messages in any second, and `per_chat` per second to one chat;
        past that a 429 with retry_after (whole seconds, as Telegram sends it)."""
        self.limit_overall, self.limit_per_chat = overall, per_chat

    def _chat(self, params: dict[str, Any]) -> dict[str, Any]:
        try:
            chat_id = int(params.get("chat_id"))  # type: ignore[arg-type]
        except (TypeError, ValueError):
            chat_id = 0
        if chat_id > 0 and chat_id not in self._chats:
            self._chats[chat_id] = {"id": chat_id, "type": "private", "first_name": "P"}
        return super()._chat(params)

    async def _params(self, request: web.Request) -> dict[str, Any]:
        arrived = time.monotonic()
        params = await super()._params(request)
        method = request.match_info["method"]
        try:
            chat = int(params.get("chat_id") or 0)
        except (TypeError, ValueError):
            chat = 0
        self.log.append((method, chat, arrived))
        if method in SENDING and self.limit_overall is not None:
            self._check_limits(chat, arrived)
        return params

    def _check_limits(self, chat: int, now: float) -> None:
        while self._sent and self._sent[0] <= now - 1.0:
            self._sent.popleft()
        wait = 0.0
        if len(self._sent) >= (self.limit_overall or 0):
            wait = self._sent[0] + 1.0 - now
        last = self._last_to_chat.get(chat)
        if chat and self.limit_per_chat and last is not None and now - last < 1.0 / self.limit_per_chat:
            wait = max(wait, last + 1.0 / self.limit_per_chat - now)
        if wait > 0:
            self.too_many += 1
            retry_after = max(1, round(wait + 0.499))
            raise ApiError(429, f"Too Many Requests: retry after {retry_after}", {"retry_after": retry_after})
        self._sent.append(now)
        self._last_to_chat[chat] = now

    def bot_message(self, chat_id: int, buttons: list[str]) -> dict[str, Any]:
        """A message the bot sent earlier with these buttons (for a person to press one of them)."""
        chat = self._chat({"chat_id": chat_id})
        keyboard = {"inline_keyboard": [[{"text": data, "callback_data": data}] for data in buttons]}
        message = {
            "message_id": self._new_message_id(chat_id),
            "date": int(time.time()),
            "chat": chat,
            "from": self._me(),
            "text": "…",
            "reply_markup": keyboard,
        }
        self._messages[(chat_id, message["message_id"])] = message
        return message

    async def _bench_log(self, request: web.Request) -> web.Response:
        log, self.log = self.log, []
        return web.json_response(log)

    def routes(self, app: web.Application) -> None:
        app.router.add_get("/_bench/log", self._bench_log)
        super().routes(app)


async def _serve() -> None:
    server = BenchTelegram()
    print(json.dumps({"base_url": await server.start(), "token": server.token}), flush=True)
    # Until the benchmark closes our stdin.
    await asyncio.get_running_loop().run_in_executor(None, sys.stdin.read)
    await server.stop()


if __name__ == "__main__":
    asyncio.run(_serve())
