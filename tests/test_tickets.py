"""Questions to staff on Telegram: one forum topic per person, a two-way relay, staff commands."""

import asyncio
from pathlib import Path

import pytest
from telegram_env import agreed, open_ticket_from_menu, running_bot

from bot import bidi
from bot.tickets import sanitize_title

STAFF_ID = -1005555


def buttons(message: dict) -> list[str]:
    rows = (message.get("reply_markup") or {}).get("inline_keyboard", [])
    return [b["callback_data"] for row in rows for b in row]


async def open_ticket(fake, user, question: str) -> tuple[int, dict]:
    """The person asks something the bot is unsure about, then presses "Ask a person"."""
    user.says(question)
    [unsure] = await fake.wait_for_messages(user.chat_id, 1)
    assert "staff" in buttons(unsure)
    user.presses(unsure, "staff")
    await fake.wait_for(lambda: fake.topics)
    [(chat, thread)] = list(fake.topics)
    await fake.wait_for(lambda: fake.messages_in_topic(chat, thread))
    return thread, fake.messages_in_topic(chat, thread)[0]


async def test_a_ticket_opens_a_topic_with_a_card_and_tells_the_person_when(fake, tmp_path: Path, clock):
    staff = fake.staff_group(STAFF_ID)
    async with running_bot(fake, tmp_path / "db.sqlite3", clock, STAFF_CHAT_ID=str(STAFF_ID)):
        user = fake.user(4001, "Amina", "ar")
        await agreed(fake, user)
        thread, card = await open_ticket(fake, user, "هل سيتم ترحيلي إذا رفضوا طلبي؟")
        await fake.wait_for_messages(user.chat_id, 2)
    title = fake.topics[(STAFF_ID, thread)]["name"]
    assert title.startswith("#1 · ar · ?") and "ترحيلي" in title and len(title) <= 128
    assert "🎫" in card["text"] and "هل سيتم ترحيلي" in card["text"] and "Arabisch" in card["text"]
    told = fake.messages_to(user.chat_id)[-1]["text"]
    assert "اليوم" in told  # Tuesday 10:30, the offices are open: "today"
    assert "bot" in buttons(fake.messages_to(user.chat_id)[-1])
    del staff


async def test_outside_office_hours_the_person_is_told_the_next_opening(fake, tmp_path: Path, clock):
    fake.staff_group(STAFF_ID)
    from conftest import berlin

    clock.set(berlin(2026, 11, 28, 11, 0))  # Saturday
    async with running_bot(fake, tmp_path / "db.sqlite3", clock, STAFF_CHAT_ID=str(STAFF_ID)):
        user = fake.user(4002, "John", "en")
        await agreed(fake, user)
        user.says("/start brackel")
        await fake.wait_for_messages(user.chat_id, 1)
        user.says("my landlord wants to evict me tomorrow, what can I do legally")
        [_, unsure] = await fake.wait_for_messages(user.chat_id, 2)
        user.presses(unsure, "staff")
        told = (await fake.wait_for_messages(user.chat_id, 3))[-1]["text"]
    assert "Monday 09:00" in told


async def test_everything_the_person_sends_is_copied_into_their_topic(fake, tmp_path: Path, clock):
    fake.staff_group(STAFF_ID)
    async with running_bot(fake, tmp_path / "db.sqlite3", clock, STAFF_CHAT_ID=str(STAFF_ID)):
        user = fake.user(4003, "Omid", "fa")
        await agreed(fake, user)
        thread = await open_ticket_from_menu(fake, user, "نامه از اداره خارجی ها آمده، اقامت من چه میشود؟")
        photo = [{"file_id": "p1", "file_unique_id": "u1", "width": 800, "height": 600}]
        user.sends({"photo": photo, "caption": "نامه", "media_group_id": "album1"})
        user.sends({"photo": photo, "media_group_id": "album1"})
        user.sends({"document": {"file_id": "d1", "file_unique_id": "u2", "file_name": "brief.pdf", "file_size": 2048}})
        user.sends({"voice": {"file_id": "v1", "file_unique_id": "u3", "duration": 4}})
        user.sends({"video_note": {"file_id": "n1", "file_unique_id": "u4", "length": 240, "duration": 5}})
        user.sends({"location": {"latitude": 51.52, "longitude": 7.55}})
        user.sends({"contact": {"phone_number": "+49 170 0000000", "first_name": "Reza"}})
        user.says("فردا وقت دارید؟")
        await fake.wait_for(lambda: len(fake.messages_in_topic(STAFF_ID, thread)) == 10)
        replies_before = len(fake.messages_to(user.chat_id))
        await asyncio.sleep(0.3)
    copied = fake.messages_in_topic(STAFF_ID, thread)[2:]
    kinds = [
        next(k for k in ("photo", "document", "voice", "video_note", "location", "contact", "text") if k in m)
        for m in copied
    ]
    assert kinds == ["photo", "photo", "document", "voice", "video_note", "location", "contact", "text"]
    assert copied[0]["caption"] == "نامه"
    # While the ticket is open the bot does not answer the person's messages itself.
    assert replies_before == len(fake.messages_to(user.chat_id)) == 2


async def test_too_big_files_get_a_clear_answer(fake, tmp_path: Path, clock):
    fake.staff_group(STAFF_ID)
    async with running_bot(fake, tmp_path / "db.sqlite3", clock, STAFF_CHAT_ID=str(STAFF_ID)):
        user = fake.user(4004, "Sam", "en")
        await agreed(fake, user)
        thread, _ = await open_ticket(fake, user, "what about my asylum interview")
        user.sends(
            {
                "document": {
                    "file_id": "big",
                    "file_unique_id": "b",
                    "file_name": "film.mp4",
                    "file_size": 80 * 1024 * 1024,
                }
            }
        )
        reply = (await fake.wait_for_messages(user.chat_id, 3))[-1]
    assert "too big" in reply["text"]
    assert len(fake.messages_in_topic(STAFF_ID, thread)) == 1  # only the card


async def test_staff_answers_reach_the_person_notes_stay_replies_and_edits_follow(fake, tmp_path: Path, clock):
    staff = fake.staff_group(STAFF_ID)
    async with running_bot(fake, tmp_path / "db.sqlite3", clock, STAFF_CHAT_ID=str(STAFF_ID)) as running:
        user = fake.user(4005, "Senait", "ti")
        await agreed(fake, user)
        thread, _ = await open_ticket(fake, user, "ቤተሰበይ ናብ ጀርመን ከመጽኡ ይኽእሉ ድዮም?")
        question = user.says("ቤት ጽሕፈት ኣበይ ኣሎ?")["message"]
        await fake.wait_for(lambda: len(fake.messages_in_topic(STAFF_ID, thread)) == 2)
        in_topic = fake.messages_in_topic(STAFF_ID, thread)[1]
        worker = fake.user(4900, "Sozialarbeiterin", "de")
        fake.topic_message(staff, thread, worker, "#note Dolmetscherin anfragen")
        answer = fake.topic_message(staff, thread, worker, "Wir rufen Sie morgen an.", reply_to=in_topic["message_id"])
        await fake.wait_for(lambda: len(fake.messages_to(user.chat_id)) == 3)
        got = fake.messages_to(user.chat_id)[-1]
        assert got["text"] == "Wir rufen Sie morgen an."
        assert got["reply_to_message"]["message_id"] == question["message_id"]  # linked to what they asked
        # The person replies to the staff's message: the reply is linked in the topic too.
        user_reply = fake.user_reply(user, "ሕራይ የቐንየለይ", got["message_id"])["message"]
        await fake.wait_for(lambda: len(fake.messages_in_topic(STAFF_ID, thread)) == 5)
        linked = fake.messages_in_topic(STAFF_ID, thread)[-1]
        assert linked["reply_to_message"]["message_id"] == answer["message"]["message_id"]
        # Staff correct their message: the person's copy changes too.
        fake.edit_topic_message(staff, answer["message"]["message_id"], "Wir rufen Sie übermorgen an.")
        await fake.wait_for(lambda: fake.messages_to(user.chat_id)[2]["text"] == "Wir rufen Sie übermorgen an.")
        person = await running.channel.app.store.get_person("telegram", str(user.id))
        ticket = await running.channel.app.store.open_ticket_of(person.id)
    texts = [m.get("text", "") for m in fake.messages_to(user.chat_id)]
    assert not any("Dolmetscherin" in t for t in texts)  # the internal note stayed in the group
    assert ticket.opened_at and ticket.first_answer_at
    del user_reply


async def test_close_rating_and_reopen_on_the_next_message(fake, tmp_path: Path, clock):
    staff = fake.staff_group(STAFF_ID)
    async with running_bot(fake, tmp_path / "db.sqlite3", clock, STAFF_CHAT_ID=str(STAFF_ID)) as running:
        store = running.channel.app.store
        user = fake.user(4006, "Amina", "ar")
        await agreed(fake, user)
        thread, _ = await open_ticket(fake, user, "عندي مشكلة مع الإقامة")
        worker = fake.user(4901, "Team", "de")
        fake.topic_message(staff, thread, worker, "/close")
        await fake.wait_for(lambda: fake.topics[(STAFF_ID, thread)]["closed"])
        rating = fake.messages_to(user.chat_id)[-1]
        assert rating["text"].startswith(bidi.RLM) and buttons(rating)[:2] == ["rate:1:up", "rate:1:down"]
        user.presses(rating, "rate:1:up")
        await fake.wait_for(lambda: len(fake.calls_to("answerCallbackQuery")) == 2)
        user.says("سؤال آخر من فضلك")
        await fake.wait_for(lambda: not fake.topics[(STAFF_ID, thread)]["closed"])
        await fake.wait_for(lambda: fake.topics[(STAFF_ID, thread)]["name"].startswith("#2"))
        await fake.wait_for(
            lambda: any(m.get("text") == "سؤال آخر من فضلك" for m in fake.messages_in_topic(STAFF_ID, thread))
        )
        person = await store.get_person("telegram", str(user.id))
        first = await store.ticket(1)
        second = await store.open_ticket_of(person.id)
    assert first.state == "closed" and first.closed_at and first.rating == "up"
    assert second.id == 2 and len(fake.topics) == 1  # one topic per person


async def test_staff_commands_faq_book_lang_ban_unban(fake, tmp_path: Path, clock):
    staff = fake.staff_group(STAFF_ID)
    async with running_bot(fake, tmp_path / "db.sqlite3", clock, STAFF_CHAT_ID=str(STAFF_ID)) as running:
        user = fake.user(4007, "Reza", "fa")
        await agreed(fake, user)
        thread = await open_ticket_from_menu(fake, user, "وکیل رایگان کجا پیدا کنم؟")
        worker = fake.user(4902, "Team", "de")
        fake.topic_message(staff, thread, worker, "/faq opening_hours")
        await fake.wait_for(lambda: len(fake.messages_to(user.chat_id)) == 3)
        assert "ساعت" in fake.messages_to(user.chat_id)[-1]["text"]
        fake.topic_message(staff, thread, worker, "/book")
        await fake.wait_for(lambda: len(fake.messages_to(user.chat_id)) == 4)
        assert "bk:o:n:-.new" in buttons(fake.messages_to(user.chat_id)[-1])
        fake.topic_message(staff, thread, worker, "/lang ar")
        await fake.wait_for(lambda: fake.messages_in_topic(STAFF_ID, thread)[-1]["from"]["is_bot"])
        fake.topic_message(staff, thread, worker, "/ban")
        await fake.wait_for(lambda: "/unban" in fake.messages_in_topic(STAFF_ID, thread)[-1].get("text", ""))
        user.says("hallo?")
        await fake.wait_for(lambda: len(fake.messages_to(user.chat_id)) == 5)
        told = fake.messages_to(user.chat_id)[-1]["text"]
        user.says("hallo??")
        user.says("/menu")
        await asyncio.sleep(0.8)
        assert len(fake.messages_to(user.chat_id)) == 5  # told once, then ignored
        fake.topic_message(staff, thread, worker, "/unban")
        await fake.wait_for(
            lambda: (
                "/unban" not in fake.messages_in_topic(STAFF_ID, thread)[-1].get("text", "")
                and fake.messages_in_topic(STAFF_ID, thread)[-1]["from"]["is_bot"]
            )
        )
        person = await running.channel.app.store.get_person("telegram", str(user.id))
    assert "112" in told and told.startswith(bidi.RLM)  # in Arabic now (/lang ar)
    assert person.language == "ar" and not person.banned


async def test_an_emergency_is_answered_at_once_and_marked_urgent(fake, tmp_path: Path, clock):
    staff = fake.staff_group(STAFF_ID)
    async with running_bot(fake, tmp_path / "db.sqlite3", clock, STAFF_CHAT_ID=str(STAFF_ID)) as running:
        user = fake.user(4008, "Maryam", "en")
        await agreed(fake, user)
        thread, _ = await open_ticket(fake, user, "question about my residence permit")
        user.says("my husband hits me, I am afraid")
        await fake.wait_for(lambda: any("112" in m.get("text", "") for m in fake.messages_to(user.chat_id)))
        await fake.wait_for(
            lambda: any("🆘" in m.get("text", "") and "message_thread_id" not in m for m in fake.messages_to(STAFF_ID))
        )
        await fake.wait_for(
            lambda: any(
                m.get("text") == "my husband hits me, I am afraid" for m in fake.messages_in_topic(STAFF_ID, thread)
            )
        )
        topic = fake.messages_in_topic(STAFF_ID, thread)
        ticket = await running.channel.app.store.ticket(1)
    assert any("🆘" in m.get("text", "") for m in topic)
    assert topic[-1].get("text") == "my husband hits me, I am afraid"
    assert ticket.urgent
    del staff


@pytest.mark.parametrize(
    ("topics", "rights", "message"),
    [
        (False, True, "topics are off"),
        (True, False, "right to manage topics"),
    ],
)
async def test_a_staff_group_without_topics_or_rights_stops_the_start(
    fake, tmp_path: Path, clock, topics, rights, message
):
    from handlers.telegram.app import StartupError

    fake.staff_group(STAFF_ID, topics=topics, can_manage_topics=rights)
    with pytest.raises(StartupError, match=message):
        async with running_bot(fake, tmp_path / "db.sqlite3", clock, STAFF_CHAT_ID=str(STAFF_ID)):
            pass


def test_topic_titles_are_sanitised():
    hostile = "\u202eevil\u202c name\x00 with\ncontrol " + "x" * 200
    title = sanitize_title(hostile)
    assert len(title) <= 128 and "\u202e" not in title and "\x00" not in title and "\n" not in title
