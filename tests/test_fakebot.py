"""The fake Bot API server refuses what Telegram refuses, so tests against it mean something."""

import pytest
from aiogram import Bot
from aiogram.client.session.aiohttp import AiohttpSession
from aiogram.client.telegram import TelegramAPIServer
from aiogram.exceptions import TelegramBadRequest, TelegramRetryAfter, TelegramServerError, TelegramUnauthorizedError


@pytest.fixture
async def bot(fake):
    bot = Bot(fake.token, session=AiohttpSession(api=TelegramAPIServer.from_base(fake.base_url)))
    yield bot
    await bot.session.close()


async def test_bad_chat_empty_text_and_too_long_text_are_refused(fake, bot):
    user = fake.user(1, "A", "de")
    with pytest.raises(TelegramBadRequest, match="chat not found"):
        await bot.send_message(chat_id=999, text="hello")
    with pytest.raises(TelegramBadRequest, match="message text is empty"):
        await bot.send_message(chat_id=user.chat_id, text="   ")
    with pytest.raises(TelegramBadRequest, match="message is too long"):
        await bot.send_message(chat_id=user.chat_id, text="x" * 4097)
    await bot.send_message(chat_id=user.chat_id, text="x" * 4096)
    with pytest.raises(TelegramBadRequest, match="message is too long"):
        await bot.send_message(chat_id=user.chat_id, text="😀" * 2049)  # counted in UTF-16 units


async def test_html_must_be_escaped(fake, bot):
    user = fake.user(2, "B", "de")
    with pytest.raises(TelegramBadRequest, match="can't parse entities"):
        await bot.send_message(chat_id=user.chat_id, text="a <script> b", parse_mode="HTML")
    with pytest.raises(TelegramBadRequest, match="can't parse entities"):
        await bot.send_message(chat_id=user.chat_id, text="fish & chips", parse_mode="HTML")
    message = await bot.send_message(chat_id=user.chat_id, text="<b>a</b> &lt;3 &amp; co", parse_mode="HTML")
    assert message.text == "a <3 & co"


async def test_wrong_token_unknown_callback_and_injected_failures(fake, bot):
    other = Bot(
        "42:wrong-token-for-this-fake-server-x", session=AiohttpSession(api=TelegramAPIServer.from_base(fake.base_url))
    )
    with pytest.raises(TelegramUnauthorizedError):
        await other.get_me()
    await other.session.close()
    with pytest.raises(TelegramBadRequest, match="query ID is invalid"):
        await bot.answer_callback_query("nope")
    fake.fail("getMe", 429, retry_after=7)
    with pytest.raises(TelegramRetryAfter) as caught:
        await bot.get_me()
    assert caught.value.retry_after == 7
    fake.fail("getMe", 500)
    with pytest.raises(TelegramServerError):
        await bot.get_me()
    assert (await bot.get_me()).username == "lokal_willkommen_test_bot"
    assert [c.status for c in fake.calls_to("getMe", ok_only=False)] == [401, 429, 500, 200]


async def test_get_updates_long_polls_and_confirms_with_offset(fake, bot):
    user = fake.user(3, "C", "en")
    assert await bot.get_updates(timeout=0) == []
    first = user.says("one")
    second = user.says("two")
    updates = await bot.get_updates(timeout=1)
    assert [u.update_id for u in updates] == [first["update_id"], second["update_id"]]
    assert len(await bot.get_updates(offset=second["update_id"], timeout=0)) == 1
    assert await bot.get_updates(offset=second["update_id"] + 1, timeout=0) == []
