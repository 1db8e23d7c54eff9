"""The fake Bot API server refuses what Telegram refuses, so tests against it mean something; and it speaks what
both Telegram libraries send (aiogram, the bot's today, and python-telegram-bot, the second adapter's)."""

import asyncio
import contextlib
import io
import socket
from datetime import timedelta

import pytest
from aiogram import Bot
from aiogram.client.session.aiohttp import AiohttpSession
from aiogram.client.telegram import TelegramAPIServer
from aiogram.exceptions import TelegramBadRequest, TelegramRetryAfter, TelegramServerError, TelegramUnauthorizedError
from aiogram.types import BufferedInputFile

# These tests check the fake server itself with their own clients, not a channel adapter: once is enough.
pytestmark = pytest.mark.parametrize("telegram_library", ["ptb"])


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


# -- forum topics ---------------------------------------------------------------------------------------------

STAFF = -1001234


async def test_topics_are_created_named_closed_and_reopened_like_telegram(fake, bot):
    fake.staff_group(STAFF)
    with pytest.raises(TelegramBadRequest, match="title must be non-empty"):
        await bot.create_forum_topic(STAFF, "   ")
    topic = await bot.create_forum_topic(STAFF, "x" * 200)
    thread = topic.message_thread_id
    assert thread != 1 and fake.topics[(STAFF, thread)]["name"] == "x" * 128  # cut, not refused
    with pytest.raises(TelegramBadRequest, match="message thread not found"):
        await bot.send_message(STAFF, "into General", message_thread_id=1)
    with pytest.raises(TelegramBadRequest, match="message thread not found"):
        await bot.send_message(STAFF, "nowhere", message_thread_id=thread + 50)
    with pytest.raises(TelegramBadRequest, match="TOPIC_NOT_MODIFIED"):
        await bot.reopen_forum_topic(STAFF, thread)  # open already
    assert await bot.close_forum_topic(STAFF, thread)
    with pytest.raises(TelegramBadRequest, match="TOPIC_NOT_MODIFIED"):
        await bot.close_forum_topic(STAFF, thread)
    # The bot created the topic (and may manage topics): it still posts into it while it is closed.
    sent = await bot.send_message(STAFF, "note", message_thread_id=thread)
    assert sent.message_thread_id == thread and sent.is_topic_message
    assert await bot.reopen_forum_topic(STAFF, thread)
    with pytest.raises(TelegramBadRequest, match="TOPIC_NOT_MODIFIED"):
        await bot.edit_forum_topic(STAFF, thread, name="x" * 128)  # the same name
    assert await bot.edit_forum_topic(STAFF, thread, name="")  # empty: the name is kept
    with pytest.raises(TelegramBadRequest, match="title must be non-empty"):
        await bot.edit_forum_topic(STAFF, thread, name="  ")
    assert await bot.edit_forum_topic(STAFF, thread, name="#2 Amina")
    assert fake.topics[(STAFF, thread)] == {
        "name": "#2 Amina",
        "closed": False,
        "icon_color": 7322096,
        "creator": fake.bot_id,
    }
    with pytest.raises(TelegramBadRequest, match="invalid message thread identifier specified"):
        await bot.close_forum_topic(STAFF, 0)
    fake.user(5, "E", "de")
    with pytest.raises(TelegramBadRequest, match="message thread not found"):
        await bot.send_message(5, "private chats have no topics", message_thread_id=thread)
    fake.group(-1005, "No topics")
    plain = await bot.send_message(-1005, "ignored there", message_thread_id=thread)
    assert plain.message_thread_id is None


async def test_topics_of_others_need_the_admin_rights(fake, bot):
    staff = fake.staff_group(STAFF, can_manage_topics=False)
    fake.bot_rights[STAFF]["can_delete_messages"] = False
    worker = fake.user(7, "Team", "de")
    with pytest.raises(TelegramBadRequest, match="not enough rights to create a topic"):
        await bot.create_forum_topic(STAFF, "Ticket")
    thread = fake.staff_creates_topic(staff, worker, "Staff only")
    fake.topics[(STAFF, thread)]["closed"] = True  # a staff member closed it
    with pytest.raises(TelegramBadRequest, match="TOPIC_CLOSED"):
        await bot.send_message(STAFF, "hello", message_thread_id=thread)
    with pytest.raises(TelegramBadRequest, match="not enough rights to close or open the topic"):
        await bot.reopen_forum_topic(STAFF, thread)
    with pytest.raises(TelegramBadRequest, match="not enough rights to edit the topic"):
        await bot.edit_forum_topic(STAFF, thread, name="Mine now")
    with pytest.raises(TelegramBadRequest, match="not enough rights to delete the topic"):
        await bot.delete_forum_topic(STAFF, thread)
    fake.bot_rights[STAFF]["can_manage_topics"] = True
    assert await bot.send_message(STAFF, "admins may", message_thread_id=thread)
    assert await bot.reopen_forum_topic(STAFF, thread)
    fake.bot_rights[STAFF]["can_delete_messages"] = True
    assert await bot.delete_forum_topic(STAFF, thread)


async def test_the_bot_deletes_its_own_small_topic_without_the_delete_right(fake, bot):
    staff = fake.staff_group(STAFF)
    fake.bot_rights[STAFF]["can_delete_messages"] = False
    own = (await bot.create_forum_topic(STAFF, "Mine")).message_thread_id
    await bot.send_message(STAFF, "only mine", message_thread_id=own)
    assert await bot.delete_forum_topic(STAFF, own)  # the creator's topic with its own messages only
    other = (await bot.create_forum_topic(STAFF, "Answered")).message_thread_id
    fake.topic_message(staff, other, fake.user(8, "Team", "de"), "a staff answer")
    with pytest.raises(TelegramBadRequest, match="not enough rights to delete the topic"):
        await bot.delete_forum_topic(STAFF, other)


async def test_a_deleted_topic_is_gone_with_its_messages(fake, bot):
    staff = fake.staff_group(STAFF)
    user = fake.user(9, "Amina", "ar")
    question = user.says("my question")["message"]
    thread = (await bot.create_forum_topic(STAFF, "#1 Amina")).message_thread_id
    copied = await bot.copy_message(STAFF, user.chat_id, question["message_id"], message_thread_id=thread)
    fake.topic_message(staff, thread, fake.user(10, "Team", "de"), "answer")
    assert len(fake.messages_in_topic(STAFF, thread)) == 2
    fake.staff_deletes_topic(STAFF, thread)
    assert (STAFF, thread) not in fake.topics and (STAFF, thread) in fake.deleted_topics
    assert fake.messages_in_topic(STAFF, thread) == [] and fake.messages_to(STAFF) == []
    for send in (
        bot.send_message(STAFF, "hello?", message_thread_id=thread),
        bot.copy_message(STAFF, user.chat_id, question["message_id"], message_thread_id=thread),
        bot.send_document(STAFF, BufferedInputFile(b"x", "x.txt"), message_thread_id=thread),
    ):
        with pytest.raises(TelegramBadRequest) as caught:
            await send
        assert caught.value.message == "Bad Request: message thread not found"
    with pytest.raises(TelegramBadRequest, match="message to edit not found"):
        await bot.edit_message_text("edited", chat_id=STAFF, message_id=copied.message_id)
    for manage in (
        bot.close_forum_topic(STAFF, thread),
        bot.reopen_forum_topic(STAFF, thread),
        bot.edit_forum_topic(STAFF, thread, name="#2 Amina"),
        bot.delete_forum_topic(STAFF, thread),
    ):
        with pytest.raises(TelegramBadRequest, match="TOPIC_ID_INVALID"):
            await manage
    fake.deleted_topic_answer = "TOPIC_DELETED"  # the other answer bots see (from Telegram's servers)
    with pytest.raises(TelegramBadRequest, match="TOPIC_DELETED"):
        await bot.send_message(STAFF, "hello?", message_thread_id=thread)
    # The bot deletes a topic itself: the same.
    again = (await bot.create_forum_topic(STAFF, "#2 Amina")).message_thread_id
    assert again != thread and await bot.delete_forum_topic(STAFF, again)
    assert not fake.topics and fake.deleted_topics == {(STAFF, thread), (STAFF, again)}
    assert [c.status for c in fake.calls_to("deleteForumTopic", ok_only=False)] == [400, 200]


# -- the same tiny bot on aiogram and on python-telegram-bot ---------------------------------------------------
#
# Each library's own bot (not project code), pointed at the fake server: it echoes text with a button; a press
# edits that message, opens a forum topic in the staff group, copies the person's question there and sends a
# document; "/done" closes, reopens, renames and deletes the topic. Both must get through without a refusal.

NOTES = b"Opening hours: Mon-Fri 9-12\n"
SECRET = "s3cret_Token-1"


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@contextlib.asynccontextmanager
async def aiogram_bot(fake, webhook: bool = False):
    from aiogram import Dispatcher, F
    from aiogram.filters import Command
    from aiogram.types import CallbackQuery, InlineKeyboardButton, InlineKeyboardMarkup, Message
    from aiogram.webhook.aiohttp_server import SimpleRequestHandler
    from aiohttp import web

    bot = Bot(fake.token, session=AiohttpSession(api=TelegramAPIServer.from_base(fake.base_url)))
    dp = Dispatcher()
    state: dict[str, int] = {}

    @dp.message(Command("done"))
    async def done(message: Message) -> None:
        thread = state["topic"]
        await bot.close_forum_topic(STAFF, thread)
        await bot.reopen_forum_topic(STAFF, thread)
        await bot.edit_forum_topic(STAFF, thread, name=f"Done: {message.from_user.first_name}")
        await bot.delete_forum_topic(STAFF, thread)
        await bot.send_message(message.chat.id, "Done")

    @dp.message(F.text)
    async def echo(message: Message) -> None:
        state["asked"] = message.message_id
        keyboard = InlineKeyboardMarkup(inline_keyboard=[[InlineKeyboardButton(text="Help", callback_data="help")]])
        await bot.send_message(message.chat.id, f"Echo: {message.text}", reply_markup=keyboard)

    @dp.callback_query()
    async def press(callback: CallbackQuery) -> None:
        await callback.answer()
        await bot.edit_message_text(
            f"You chose {callback.data}", chat_id=callback.message.chat.id, message_id=callback.message.message_id
        )
        topic = await bot.create_forum_topic(STAFF, f"Question from {callback.from_user.first_name}")
        state["topic"] = topic.message_thread_id
        await bot.copy_message(STAFF, callback.from_user.id, state["asked"], message_thread_id=topic.message_thread_id)
        await bot.send_document(callback.from_user.id, BufferedInputFile(NOTES, "notes.txt"), caption="Your notes")

    runner = None
    try:
        if webhook:
            app = web.Application()
            SimpleRequestHandler(dp, bot, secret_token=SECRET).register(app, path="/hook")
            runner = web.AppRunner(app)
            await runner.setup()
            port = _free_port()
            await web.TCPSite(runner, "127.0.0.1", port).start()
            await bot.set_webhook("https://bot.example.invalid/hook", secret_token=SECRET)
            yield f"http://127.0.0.1:{port}/hook"
        else:
            polling = asyncio.create_task(dp.start_polling(bot, polling_timeout=1, handle_signals=False))
            yield None
            await dp.stop_polling()
            await polling
    finally:
        if runner is not None:
            await runner.cleanup()
        await bot.session.close()


def ptb_application(fake, **request):
    from telegram.ext import Application
    from telegram.request import HTTPXRequest

    return (
        Application.builder()
        .token(fake.token)
        .base_url(f"{fake.base_url}/bot")
        .base_file_url(f"{fake.base_url}/file/bot")
        .request(HTTPXRequest(connection_pool_size=4, **request))
        .get_updates_request(HTTPXRequest())
        .build()
    )


@contextlib.asynccontextmanager
async def ptb_bot(fake, webhook: bool = False):
    from telegram import InlineKeyboardButton, InlineKeyboardMarkup, InputFile, Update
    from telegram.ext import CallbackQueryHandler, CommandHandler, ContextTypes, MessageHandler, filters

    app = ptb_application(fake)
    state: dict[str, int] = {}

    async def done(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        thread = state["topic"]
        await context.bot.close_forum_topic(STAFF, thread)
        await context.bot.reopen_forum_topic(STAFF, thread)
        await context.bot.edit_forum_topic(STAFF, thread, name=f"Done: {update.effective_user.first_name}")
        await context.bot.delete_forum_topic(STAFF, thread)
        await context.bot.send_message(update.effective_chat.id, "Done")

    async def echo(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        message = update.effective_message
        state["asked"] = message.message_id
        keyboard = InlineKeyboardMarkup([[InlineKeyboardButton("Help", callback_data="help")]])
        await context.bot.send_message(message.chat_id, f"Echo: {message.text}", reply_markup=keyboard)

    async def press(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        query = update.callback_query
        await query.answer()
        await query.edit_message_text(f"You chose {query.data}")
        topic = await context.bot.create_forum_topic(STAFF, f"Question from {query.from_user.first_name}")
        state["topic"] = topic.message_thread_id
        await context.bot.copy_message(
            STAFF, query.from_user.id, state["asked"], message_thread_id=topic.message_thread_id
        )
        document = InputFile(io.BytesIO(NOTES), filename="notes.txt")
        await context.bot.send_document(query.from_user.id, document, caption="Your notes")

    app.add_handler(CommandHandler("done", done))
    app.add_handler(MessageHandler(filters.TEXT & ~filters.COMMAND, echo))
    app.add_handler(CallbackQueryHandler(press))
    async with app:
        await app.start()
        try:
            if webhook:
                port = _free_port()
                await app.updater.start_webhook(
                    listen="127.0.0.1",
                    port=port,
                    url_path="hook",
                    webhook_url="https://bot.example.invalid/hook",
                    secret_token=SECRET,
                )
                yield f"http://127.0.0.1:{port}/hook"
            else:
                await app.updater.start_polling(poll_interval=0.0, timeout=1)
                yield None
        finally:
            await app.updater.stop()
            await app.stop()


BOTS = {"aiogram": aiogram_bot, "ptb": ptb_bot}


@pytest.mark.parametrize("library", sorted(BOTS))
async def test_a_tiny_bot_long_polls_buttons_documents_and_topics(fake, library):
    fake.staff_group(STAFF)
    user = fake.user(4100, "Lina", "de")
    async with BOTS[library](fake):
        asked = user.says("Where is the office?")["message"]
        [echo] = await fake.wait_for_messages(user.chat_id, 1)
        assert echo["text"] == "Echo: Where is the office?"
        assert echo["reply_markup"] == {"inline_keyboard": [[{"text": "Help", "callback_data": "help"}]]}
        user.presses(echo, "help")
        [edited, document] = await fake.wait_for_messages(user.chat_id, 2)
        assert edited["text"] == "You chose help" and "reply_markup" not in edited and edited["edit_date"]
        assert document["caption"] == "Your notes" and document["document"]["file_name"] == "notes.txt"
        assert fake.files[document["document"]["file_id"]] == ("notes.txt", NOTES)
        [(chat, thread)] = list(fake.topics)
        assert chat == STAFF and fake.topics[(chat, thread)]["name"] == "Question from Lina"
        [copied] = fake.messages_in_topic(chat, thread)
        assert copied["text"] == "Where is the office?" and copied["copied_from"] == (user.chat_id, asked["message_id"])
        user.says("/done")
        await fake.wait_for(lambda: len(fake.messages_to(user.chat_id)) == 3)
    assert fake.messages_to(user.chat_id)[-1]["text"] == "Done"
    assert not fake.topics and fake.deleted_topics == {(STAFF, thread)}
    topic_calls = [c.method for c in fake.calls if c.method.endswith("ForumTopic")]
    assert topic_calls == [
        "createForumTopic",
        "closeForumTopic",
        "reopenForumTopic",
        "editForumTopic",
        "deleteForumTopic",
    ]
    assert fake.calls_to("editForumTopic")[0].params["name"] == "Done: Lina"
    assert len(fake.calls_to("answerCallbackQuery")) == 1 and fake.pending_updates() == 0
    refused = [(c.method, c.status) for c in fake.calls if c.status != 200]
    assert refused == []  # everything the library sent was understood
    assert fake.calls_to("sendDocument")[0].content_type == "multipart/form-data"  # files go as multipart
    assert fake.calls_to("sendMessage")[0].content_type in ("application/x-www-form-urlencoded", "multipart/form-data")


@pytest.mark.parametrize("library", sorted(BOTS))
async def test_a_tiny_bot_takes_webhook_posts_only_with_its_secret_token(fake, library):
    user = fake.user(4200, "Omid", "fa")
    async with BOTS[library](fake, webhook=True) as url:
        assert fake.webhook == {
            "url": "https://bot.example.invalid/hook",
            "secret_token": SECRET,
            "allowed_updates": fake.webhook["allowed_updates"],
        }
        update = fake.take_update(user.says("via webhook"))
        assert await fake.post_to_webhook(url, update, "wrong-token") in (401, 403)
        assert await fake.post_to_webhook(url, update, None) in (401, 403)
        assert await fake.post_to_webhook(url, update, SECRET) == 200
        [echo] = await fake.wait_for_messages(user.chat_id, 1)
        assert echo["text"] == "Echo: via webhook"
    assert fake.calls_to("getUpdates", ok_only=False) == []  # a webhook bot does not poll
    assert [c.params["text"] for c in fake.calls_to("sendMessage")] == ["Echo: via webhook"]


async def test_python_telegram_bot_gets_injected_failures_as_its_own_errors(fake, monkeypatch):
    from telegram import Bot as PtbBot
    from telegram.error import BadRequest, Forbidden, NetworkError, RetryAfter, TimedOut
    from telegram.request import HTTPXRequest

    monkeypatch.setenv("PTB_TIMEDELTA", "true")  # retry_after as a timedelta, without PTB's deprecation warning
    user = fake.user(4300, "Sara", "ti")
    async with PtbBot(fake.token, base_url=f"{fake.base_url}/bot", request=HTTPXRequest(read_timeout=0.5)) as bot:
        fake.fail("sendMessage", 429, retry_after=7)
        with pytest.raises(RetryAfter) as flood:
            await bot.send_message(user.chat_id, "hi")
        assert flood.value.retry_after == timedelta(seconds=7)
        for status, error in ((500, NetworkError), (502, NetworkError), (403, Forbidden)):
            fake.fail("sendMessage", status)
            with pytest.raises(error) as caught:
                await bot.send_message(user.chat_id, "hi")
            assert not isinstance(caught.value, BadRequest | RetryAfter)
        fake.fail("sendMessage", 0, hang_seconds=1.5)
        with pytest.raises(TimedOut):  # a NetworkError too
            await bot.send_message(user.chat_id, "hi")
        with pytest.raises(BadRequest, match="Chat not found"):
            await bot.send_message(4399, "hi")
        fake.staff_group(STAFF)
        thread = (await bot.create_forum_topic(STAFF, "Sara")).message_thread_id
        await bot.close_forum_topic(STAFF, thread)
        with pytest.raises(BadRequest) as again:
            await bot.close_forum_topic(STAFF, thread)
        assert again.value.message == "Topic_not_modified"  # PTB capitalizes what follows "Bad Request: "
        assert (await bot.send_message(user.chat_id, "after all that")).text == "after all that"
    # The hung call is answered (504) only after PTB gave up on it, maybe after this line.
    statuses = [c.status for c in fake.calls_to("sendMessage", ok_only=False) if c.status != 504]
    assert statuses == [429, 500, 502, 403, 400, 200] and fake.arrived.count("sendMessage") == 7


async def test_python_telegram_bot_with_a_wrong_token_fails_to_start(fake):
    from telegram import Bot as PtbBot
    from telegram.error import InvalidToken

    with pytest.raises(InvalidToken):
        async with PtbBot("42:wrong-token-for-this-fake-server-x", base_url=f"{fake.base_url}/bot"):
            pass
    assert [c.status for c in fake.calls_to("getMe", ok_only=False)] == [401]


async def test_aiogram_gets_forbidden_bad_gateway_and_timeouts_as_its_own_errors(fake, bot):
    from aiogram.exceptions import TelegramForbiddenError, TelegramNetworkError

    user = fake.user(4400, "Ali", "ar")
    fake.fail("sendMessage", 502)
    with pytest.raises(TelegramServerError):
        await bot.send_message(user.chat_id, "hi")
    fake.fail("sendMessage", 403)
    with pytest.raises(TelegramForbiddenError):
        await bot.send_message(user.chat_id, "hi")
    fake.fail("sendMessage", 0, hang_seconds=1.5)
    with pytest.raises(TelegramNetworkError):
        await bot.send_message(user.chat_id, "hi", request_timeout=0.5)
    assert (await bot.send_message(user.chat_id, "fine")).text == "fine"
