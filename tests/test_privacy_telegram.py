"""Privacy and staff-only access on Telegram: the real aiogram client against the fake Bot API server."""

import asyncio
import logging
from datetime import timedelta
from pathlib import Path

from conftest import berlin
from telegram_env import agreed, open_ticket_from_menu, running_bot

STAFF_ID = -1004444


def buttons(message: dict) -> list[str]:
    rows = (message.get("reply_markup") or {}).get("inline_keyboard", [])
    return [b["callback_data"] for row in rows for b in row]


async def say_in_group(fake, chat: dict, user, text: str, count: int = 1) -> list[dict]:
    before = len(fake.messages_to(chat["id"]))
    fake.group_message(chat, user, text)
    await fake.wait_for(lambda: len(fake.messages_to(chat["id"])) >= before + count)
    return fake.messages_to(chat["id"])[before:]


FIRST_QUESTIONS = [  # (language, first message, words of the answer it must get)
    ("ar", "متى يفتح المكتب؟", "09:00"),
    ("fa", "دفتر کجاست؟", "Brackeler Hellweg"),
    ("ti", "ቤት ጽሕፈት መዓስ ክፉት እዩ?", "09:00"),
    ("de", "Wo ist das Büro?", "Brackeler Hellweg"),
    ("en", "When are you open?", "09:00"),
]
NAMES = ["Mariam", "Reza", "Senait", "Jonas", "Grace", "Omar", "Layla", "Dawit", "Anna", "Hamid"]


async def test_a_first_message_is_answered_first_and_anonymous_questions_leave_no_text(fake, tmp_path: Path, clock):
    async with running_bot(fake, tmp_path / "db.sqlite3", clock) as running:
        for number, name in enumerate(NAMES):
            lang, question, expected = FIRST_QUESTIONS[number % 5]
            user = fake.user(7001 + number, name, lang)
            user.says(question)
            [first] = await fake.wait_for_messages(user.chat_id, 1)
            assert expected in first["text"], (lang, first["text"])  # the answer, in the first reply
            assert "faq:privacy.new" in buttons(first) and "🔒" in first["text"]  # one line, the notice a tap away
            assert not any(b.startswith("consent:yes") for b in buttons(first))
        user = fake.user(7101, "Nadia", "ar")
        user.says("سؤال غريب جدا عن الفضاء والنجوم")  # not answerable: counted, its text not kept
        await fake.wait_for_messages(user.chat_id, 1)
        store = running.channel.app.store
        for _ in range(100):  # the last update's payload is cleared right after its answer went out
            tables = await store.table_rows()
            if all(row["payload"] is None for row in tables["inbox"]):
                break
            await asyncio.sleep(0.05)
    stored = repr(tables)
    for name in [*NAMES, "Nadia"]:
        assert name not in stored
    for _lang, question, _ in FIRST_QUESTIONS:
        assert question not in stored
    assert "الفضاء" not in stored
    assert len(tables["people"]) == 11 and tables["consents"] == []
    assert tables["unresolved_questions"] and all(q["text"] == "" for q in tables["unresolved_questions"])


async def test_delete_on_telegram_closes_the_topic_tells_staff_and_the_topic_goes_quiet(fake, tmp_path: Path, clock):
    staff = fake.staff_group(STAFF_ID)
    async with running_bot(fake, tmp_path / "db.sqlite3", clock, STAFF_CHAT_ID=str(STAFF_ID)) as running:
        user = fake.user(7002, "Samir", "ar")
        await agreed(fake, user)
        # A message naming a neighbour (that must vanish); not one the classifier reads as an emergency.
        thread = await open_ticket_from_menu(fake, user, "جاري اسمه حسن بيسأل عن ورقة الكهربا")
        chat = STAFF_ID
        user.says("/mydata")
        await fake.wait_for(
            lambda: any(c.params.get("chat_id") == str(user.chat_id) for c in fake.calls_to("sendDocument"))
        )
        shown = len(fake.messages_to(user.chat_id))
        user.says("/delete")
        [question] = (await fake.wait_for_messages(user.chat_id, shown + 1))[shown:]
        confirm = next(b for b in buttons(question) if b.startswith("del:yes:"))
        user.presses(question, confirm)
        await fake.wait_for(lambda: fake.topics[(chat, thread)]["closed"], timeout=15)
        notice = fake.messages_in_topic(chat, thread)[-1]
        assert "🗑" in notice["text"] and "Samir" not in notice["text"] and "حسن" not in notice["text"]
        # Staff writing into the topic afterwards reaches no one, and nothing about the person is stored.
        await running.channel.background.relay.run_once()
        rows = await running.channel.app.store.table_rows()
        worker = fake.user(7900, "Team", "de")
        fake.topics[(chat, thread)]["closed"] = False
        fake.topic_message(staff, thread, worker, "Hallo?")
        clock.advance(timedelta(seconds=2))
        await running.channel.background.relay.run_once()
    assert rows["people"] == [] and rows["tickets"] == [] and rows["relay"] == []
    assert not any("copied_from" in m for m in fake.messages_to(user.chat_id))
    assert "حسن" not in str(rows)


async def test_staff_commands_only_for_members_and_the_allow_list(fake, tmp_path: Path, clock):
    staff = fake.staff_group(STAFF_ID)
    clock.set(berlin(2026, 11, 24, 18, 0))  # evening: no morning agenda arrives in between
    env = {"STAFF_CHAT_ID": str(STAFF_ID), "WILLKOMMEN_STAFF_IDS": "7101,7102"}
    async with running_bot(fake, tmp_path / "db.sqlite3", clock, **env):
        worker = fake.user(7101, "Lena", "de")
        [agenda] = await say_in_group(fake, staff, worker, "/agenda")
        assert "Agenda" in agenda["text"] or "Termine" in agenda["text"]
        volunteer = fake.user(7200, "Guest", "de")  # in the group, but not on the allow-list
        [refused] = await say_in_group(fake, staff, volunteer, "/block brackel 26.11.2026")
        assert refused["text"].startswith("⛔")
        leaving = fake.user(7102, "Max", "de")
        [blocked] = await say_in_group(fake, staff, leaving, "/block brackel 26.11.2026")
        assert not blocked["text"].startswith("⛔") and "Brackel" in blocked["text"]
        fake.leaves(STAFF_ID, leaving)
        [still] = await say_in_group(fake, staff, leaving, "/unblock brackel 26.11.2026")  # membership cached
        clock.advance(timedelta(seconds=61))
        [refused_later] = await say_in_group(fake, staff, leaving, "/unblock brackel 26.11.2026")
        assert refused_later["text"].startswith("⛔")
        [audit] = await say_in_group(fake, staff, worker, "/audit")
    assert not still["text"].startswith("⛔")
    lines = audit["text"].splitlines()
    assert "Max (7102)" in lines[1] and "Max (7102)" in lines[2] and len(lines) == 3
    assert "Guest" not in audit["text"]


async def test_a_topic_message_from_someone_not_on_the_allow_list_is_not_passed_on(fake, tmp_path: Path, clock):
    staff = fake.staff_group(STAFF_ID)
    env = {"STAFF_CHAT_ID": str(STAFF_ID), "WILLKOMMEN_STAFF_IDS": "7301"}
    async with running_bot(fake, tmp_path / "db.sqlite3", clock, **env):
        user = fake.user(7003, "Amina", "de")
        await agreed(fake, user)
        user.says("/menu")
        [menu] = await fake.wait_for_messages(user.chat_id, 1)
        user.presses(menu, "staff")
        await fake.wait_for(lambda: fake.topics)
        [(chat, thread)] = list(fake.topics)
        outsider = fake.user(7399, "Unknown", "de")
        fake.topic_message(staff, thread, outsider, "Geben Sie mir Ihre Adresse")
        await fake.wait_for(lambda: any(m["text"].startswith("⛔") for m in fake.messages_in_topic(chat, thread)))
        worker = fake.user(7301, "Lena", "de")
        fake.topic_message(staff, thread, worker, "Guten Tag, wie können wir helfen?")
        await fake.wait_for(lambda: any("copied_from" in m for m in fake.messages_to(user.chat_id)))
    copied = [m for m in fake.messages_to(user.chat_id) if "copied_from" in m]
    assert [m["text"] for m in copied] == ["Guten Tag, wie können wir helfen?"]


async def test_logs_never_contain_message_text_or_names(fake, tmp_path: Path, clock, caplog):
    caplog.set_level(logging.DEBUG)
    fake.staff_group(STAFF_ID)
    async with running_bot(fake, tmp_path / "db.sqlite3", clock, STAFF_CHAT_ID=str(STAFF_ID)):
        user = fake.user(7004, "Zainab", "ar")
        # A question with a name in it, which the bot cannot answer ("my neighbour Fatima has a question about
        # the garden"). Not "... cries every day": since the matcher learned from the blind sets' emergencies,
        # its semantic net raises an alarm on that (a net alarm adds the numbers to the reply).
        question = "جارتي فاطمة عندها سؤال عن الحديقة"
        user.says(question)
        [notice] = await fake.wait_for_messages(user.chat_id, 1)
        user.presses(notice, "consent:yes")
        user.says(question)
        [_, _, unsure] = await fake.wait_for_messages(user.chat_id, 3)
        user.presses(unsure, "staff")
        await fake.wait_for(lambda: fake.topics)
    logged = "\n".join(r.getMessage() for r in caplog.records if not r.name.startswith("aiohttp"))
    assert logged  # something was logged at all
    assert "فاطمة" not in logged and "Zainab" not in logged
