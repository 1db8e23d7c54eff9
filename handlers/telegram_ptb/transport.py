"""PTB's networking seam (telegram.request.BaseRequest) over aiohttp, with JSON bodies.

Measured with bench/updates.py: PTB's default HTTPXRequest costs about 1 ms of CPU per Bot API call here,
most of it httpx's request building and PTB's form encoding (every parameter JSON-encoded, then
percent-encoded: long Arabic texts twice over). The bot makes 1.7 calls per update (a press is answered and
its message edited), so the transport was half of an update's cost. aiohttp is in the process anyway (the
webhook server); a call without files goes as one JSON body, as the Bot API accepts it. Files go as
multipart, as PTB sends them.
"""

import json
from typing import Any

import aiohttp
from telegram._utils.defaultvalue import DefaultValue
from telegram.error import NetworkError, TimedOut
from telegram.request import BaseRequest, RequestData


def _seconds(given: Any, default: float | None) -> float | None:
    return default if isinstance(given, DefaultValue) else given


class AiohttpRequest(BaseRequest):
    """One aiohttp session with a pool of `pool_size` connections; timeouts as PTB's HTTPXRequest takes them."""

    def __init__(
        self,
        pool_size: int = 100,
        read_timeout: float | None = 5.0,
        write_timeout: float | None = 5.0,
        connect_timeout: float | None = 5.0,
        pool_timeout: float | None = 1.0,
    ) -> None:
        self._pool_size = pool_size
        self._read, self._write, self._connect, self._pool = read_timeout, write_timeout, connect_timeout, pool_timeout
        self._session: aiohttp.ClientSession | None = None

    @property
    def read_timeout(self) -> float | None:
        return self._read

    async def initialize(self) -> None:
        if self._session is None or self._session.closed:
            connector = aiohttp.TCPConnector(limit=self._pool_size)
            self._session = aiohttp.ClientSession(connector=connector)

    async def shutdown(self) -> None:
        if self._session is not None and not self._session.closed:
            await self._session.close()
        self._session = None

    async def do_request(
        self,
        url: str,
        method: str,
        request_data: RequestData | None = None,
        read_timeout: Any = BaseRequest.DEFAULT_NONE,
        write_timeout: Any = BaseRequest.DEFAULT_NONE,
        connect_timeout: Any = BaseRequest.DEFAULT_NONE,
        pool_timeout: Any = BaseRequest.DEFAULT_NONE,
    ) -> tuple[int, bytes]:
        if self._session is None or self._session.closed:
            await self.initialize()  # as PTB's HTTPXRequest, usable before Bot.initialize()
        assert self._session is not None
        read = _seconds(read_timeout, self._read)
        # aiohttp has no write timeout of its own: sending the body counts towards the read of the answer.
        write = _seconds(write_timeout, self._write)
        timeout = aiohttp.ClientTimeout(
            total=None,
            connect=_seconds(pool_timeout, self._pool),  # waiting for a free connection of the pool
            sock_connect=_seconds(connect_timeout, self._connect),
            sock_read=None if read is None or write is None else max(read, write),
        )
        body: Any = None
        headers = {"User-Agent": self.USER_AGENT}
        if request_data is not None and request_data.contains_files:
            body = aiohttp.FormData()
            for name, value in request_data.json_parameters.items():
                body.add_field(name, value)
            for name, part in request_data.multipart_data.items():
                filename, content, *mimetype = part
                body.add_field(name, content, filename=filename, content_type=mimetype[0] if mimetype else None)
        elif request_data is not None and request_data.parameters:
            body = json.dumps(request_data.parameters, ensure_ascii=False).encode()
            headers["Content-Type"] = "application/json"
        try:
            async with self._session.request(method, url, data=body, headers=headers, timeout=timeout) as response:
                return response.status, await response.read()
        except TimeoutError as exc:
            raise TimedOut from exc
        except aiohttp.ClientError as exc:
            raise NetworkError(f"aiohttp.{type(exc).__name__}: {exc}") from exc
