"""Nothing between a person and staff is lost: stored first, sent once, resumed after a crash."""

import asyncio
import signal
from pathlib import Path

from telegram_env import agreed, open_ticket_in_process, running_bot, start_bot_process

STAFF_ID = -1006666


def buttons(message: dict) -> list[str]:
    rows = (message.get("reply_markup") or {}).get("inline_keyboard", [])
    return [b["callback_data"] for row in rows for b in row]


def copies_of(fake, chat_id: int, source_chat: int, source_message: int) -> int:
    return sum(1 for m in fake.messages_to(chat_id) if m.get("copied_from") == (source_chat, source_message))


async def test_a_crash_between_storing_and_sending_loses_and_doubles_nothing(fake, tmp_path: Path):
    fake.staff_group(STAFF_ID)
    db = tmp_path / "db.sqlite3"
    user = fake.user(5001, "Amina", "ar")
    await agreed(fake, user, db=db)
    process = await start_bot_process(fake, db, STAFF_CHAT_ID=str(STAFF_ID))
    try:
        _chat, thread = await open_ticket_in_process(fake, user)
        fake.fail("copyMessage", 500, times=10_000)  # from now on nothing gets through to the topic
        sent = [user.says(f"رسالة رقم {i}")["message"] for i in range(5)]
        await fake.wait_for(lambda: len(fake.calls_to("copyMessage", ok_only=False)) >= 3, timeout=30)
        process.kill()  # stored, not sent: the process dies
        await process.wait()
    finally:
        if process.returncode is None:
            process.kill()
    fake.stop_failing()
    assert all(copies_of(fake, STAFF_ID, user.chat_id, m["message_id"]) == 0 for m in sent)
    process = await start_bot_process(fake, db, STAFF_CHAT_ID=str(STAFF_ID))
    try:
        await fake.wait_for(
            lambda: all(copies_of(fake, STAFF_ID, user.chat_id, m["message_id"]) == 1 for m in sent), timeout=90
        )
        await asyncio.sleep(1.0)
        process.send_signal(signal.SIGTERM)
        await asyncio.wait_for(process.wait(), 30)
    finally:
        if process.returncode is None:
            process.kill()
    assert [copies_of(fake, STAFF_ID, user.chat_id, m["message_id"]) for m in sent] == [1, 1, 1, 1, 1]
    topic_texts = [m.get("text") for m in fake.messages_in_topic(STAFF_ID, thread) if "copied_from" in m]
    assert topic_texts == [f"رسالة رقم {i}" for i in range(5)]  # in order


async def test_relay_with_a_third_of_all_calls_failing(fake, tmp_path: Path, clock):
    staff = fake.staff_group(STAFF_ID)
    async with running_bot(fake, tmp_path / "db.sqlite3", clock, retry_delay=0.05, STAFF_CHAT_ID=str(STAFF_ID)):
        users = [fake.user(5100 + i, f"P{i}", lang) for i, lang in enumerate(("de", "ar", "fa", "ti", "en"))]
        await agreed(fake, *users)
        for user in users:
            user.says("/menu")
        menus = [(await fake.wait_for_messages(u.chat_id, 1))[0] for u in users]
        fake.fail_randomly(1 / 3, seed=11)
        for user, menu in zip(users, menus, strict=True):
            user.presses(menu, "staff")
        await fake.wait_for(lambda: len(fake.topics) == len(users), timeout=60)
        person_messages = []
        for user in users:
            for i in range(3):
                person_messages.append((user, user.says(f"{user.first_name} frage {i}")["message"]))
        await fake.wait_for(
            lambda: all(copies_of(fake, STAFF_ID, u.chat_id, m["message_id"]) >= 1 for u, m in person_messages),
            timeout=90,
        )
        worker = fake.user(5999, "Team", "de")
        staff_messages = []
        for _chat, thread in list(fake.topics):
            for i in range(2):
                staff_messages.append(fake.topic_message(staff, thread, worker, f"Antwort {i}")["message"])
        await fake.wait_for(
            lambda: all(
                any(
                    m.get("copied_from") == (STAFF_ID, s["message_id"])
                    for u in users
                    for m in fake.messages_to(u.chat_id)
                )
                for s in staff_messages
            ),
            timeout=90,
        )
        fake.stop_failing()
        await asyncio.sleep(1.0)
    assert any(c.status == 500 for c in fake.calls)
    assert all(copies_of(fake, STAFF_ID, u.chat_id, m["message_id"]) == 1 for u, m in person_messages)
    for s in staff_messages:
        assert (
            sum(m.get("copied_from") == (STAFF_ID, s["message_id"]) for u in users for m in fake.messages_to(u.chat_id))
            == 1
        )


async def test_a_person_who_blocked_the_bot_is_marked_inactive_and_staff_are_told(fake, tmp_path: Path, clock):
    staff = fake.staff_group(STAFF_ID)
    async with running_bot(fake, tmp_path / "db.sqlite3", clock, STAFF_CHAT_ID=str(STAFF_ID)) as running:
        user = fake.user(5201, "Gone", "en")
        await agreed(fake, user)
        user.says("/menu")
        [menu] = await fake.wait_for_messages(user.chat_id, 1)
        user.presses(menu, "staff")
        await fake.wait_for(lambda: fake.topics)
        [(chat, thread)] = list(fake.topics)
        fake.blocked_by.add(user.chat_id)
        fake.topic_message(staff, thread, fake.user(5998, "Team", "de"), "Hallo, wie können wir helfen?")
        await fake.wait_for(lambda: any("⛔" in m.get("text", "") for m in fake.messages_in_topic(chat, thread)))
        ticket = await running.channel.app.store.ticket(1)
        rows = await running.channel.app.store._rows("SELECT inactive_at FROM people WHERE user_id = ?", ("5201",))
    assert ticket.note == "person blocked the bot" and rows[0]["inactive_at"]
