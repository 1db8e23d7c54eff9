"""The fake Bot API server refuses what Telegram refuses, so tests against it mean something; and it speaks what
both Telegram libraries send (aiogram, the bot's today, and python-telegram-bot, the second adapter's)."""

import pytest
from aiogram import Bot
from aiogram.client.session.aiohttp import AiohttpSession
from aiogram.client.telegram import TelegramAPIServer
from aiogram.exceptions import TelegramBadRequest, TelegramRetryAfter, TelegramServerError, TelegramUnauthorizedError
from aiogram.types import BufferedInputFile


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
