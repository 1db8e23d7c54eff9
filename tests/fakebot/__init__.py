"""A fake Telegram Bot API server for tests: aiohttp on 127.0.0.1, validating like Telegram, recording every
call, and able to inject failures. Reused by every test that drives the real aiogram client."""

from fakebot.server import Call, FakeTelegram, FakeUser

__all__ = ["Call", "FakeTelegram", "FakeUser"]
