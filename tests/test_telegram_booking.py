"""Booking, reminders and the staff group on Telegram, through the fake Bot API server."""

import asyncio
from datetime import timedelta
from pathlib import Path

from conftest import berlin
from icalendar import Calendar
from telegram_env import agreed, running_bot


def buttons(message: dict) -> list[str]:
    rows = (message.get("reply_markup") or {}).get("inline_keyboard", [])
    return [b["callback_data"] for row in rows for b in row]


async def press_and_wait(fake, user, message: dict, prefix: str) -> dict:
    """Press the first button starting with `prefix` and wait until the message changed or a new one came."""
    action = next(a for a in buttons(message) if a.startswith(prefix))
    before = (len(fake.calls_to("editMessageText")), len(fake.messages_to(user.chat_id)))
    user.presses(message, action)
    await fake.wait_for(
        lambda: (
            (len(fake.calls_to("editMessageText")), len(fake.messages_to(user.chat_id))) != before
            and len(fake.calls_to("answerCallbackQuery")) > 0
        )
    )
    await asyncio.sleep(0.05)
    return [m for m in fake.messages_to(user.chat_id) if "text" in m][-1]


async def test_booking_on_telegram_sends_ics_notifies_staff_and_reminds(fake, tmp_path: Path, clock):
    staff = fake.staff_group(-1009999)
    async with running_bot(fake, tmp_path / "db.sqlite3", clock, STAFF_CHAT_ID=str(staff["id"])):
        user = fake.user(3001, "Amina", "ar")
        await agreed(fake, user)
        user.says("/appointments")
        [hub] = await fake.wait_for_messages(user.chat_id, 1)
        offices = await press_and_wait(fake, user, hub, "bk:o:n")
        days = await press_and_wait(fake, user, offices, "bk:d:n:brackel")
        times = await press_and_wait(fake, user, days, "bk:t:")  # today
        topics = await press_and_wait(fake, user, times, "bk:p:")  # 14:00
        interpreters = await press_and_wait(fake, user, topics, "bk:i:")
        summary = await press_and_wait(fake, user, interpreters, "bk:s:")
        assert "Brackeler Hellweg 146" in summary["text"]
        user.presses(summary, next(a for a in buttons(summary) if a.startswith("bk:c:")))
        await fake.wait_for(lambda: fake.calls_to("sendDocument"))
        confirmation = [m for m in fake.messages_to(user.chat_id) if "text" in m][-1]
        assert "14:00" in confirmation["text"] and confirmation["text"].startswith("\u200f")
        [document] = [m for m in fake.messages_to(user.chat_id) if "document" in m]
        name, data = fake.files[document["document"]["file_id"]]
        assert name.endswith(".ics")
        [event] = Calendar.from_ical(data).walk("VEVENT")
        assert event.decoded("dtstart") == berlin(2026, 11, 24, 14, 0)
        if fake.library == "ptb":  # handlers/telegram_ptb/transport.py: a JSON body, files as multipart
            assert fake.calls_to("sendDocument")[0].content_type == "multipart/form-data"
            assert {c.content_type for c in fake.calls_to("sendMessage")} == {"application/json"}
        # Staff hear about a booking for today (and get the morning agenda).
        await fake.wait_for(lambda: any(m["text"].startswith("🆕") for m in fake.messages_to(staff["id"])))
        # The 3-hours-before reminder goes out at 11:00, once.
        clock.set(berlin(2026, 11, 24, 11, 0))
        await fake.wait_for(lambda: any("⏰" in m.get("text", "") for m in fake.messages_to(user.chat_id)))
        await asyncio.sleep(0.6)
    reminders = [m for m in fake.messages_to(user.chat_id) if "⏰" in m.get("text", "")]
    assert len(reminders) == 1 and any(a.startswith("ap:ok:") for a in buttons(reminders[0]))


async def test_staff_agenda_and_attendance_in_the_staff_group(fake, tmp_path: Path, clock):
    staff = fake.staff_group(-1008888)
    async with running_bot(fake, tmp_path / "db.sqlite3", clock, STAFF_CHAT_ID=str(staff["id"])) as running:
        engine = running.channel.app.engine
        from booking_helpers import book, start

        await start(engine, "1", "fa")
        await book(engine, "1", topic="letters", interpreter="fa")
        worker = fake.user(3002, "Sozialarbeiterin", "de")
        before = len(fake.messages_to(staff["id"]))
        fake.group_message(staff, worker, "/agenda heute")
        await fake.wait_for(
            lambda: (
                len(fake.messages_to(staff["id"])) > before + 0
                and any("#1" in m["text"] for m in fake.messages_to(staff["id"]))
            )
        )
        agenda = [m for m in fake.messages_to(staff["id"]) if "#1" in m["text"]][-1]
        assert "14:00" in agenda["text"] and "Amina" in agenda["text"]
        worker.presses(agenda, next(a for a in buttons(agenda) if a.startswith("sa:1:a")))
        await fake.wait_for(lambda: fake.calls_to("editMessageText"))
        # The agenda names Brackel too: wait for the staff group's answer to /block itself.
        answered = len(fake.messages_to(staff["id"]))
        fake.group_message(staff, worker, "/block brackel morgen")
        await fake.wait_for(
            lambda: any("brackel" in m["text"].lower() for m in fake.messages_to(staff["id"])[answered:])
        )
        item = await running.channel.app.store.appointment(1)
    assert item.status == "attended"
    assert ("2026-11-25", None) in await _blocks(tmp_path)


async def _blocks(tmp_path: Path):
    from storage.sqlite import SqliteStore

    store = await SqliteStore.open(tmp_path / "db.sqlite3")
    try:
        return await store.blocks("brackel", "2026-11-25", "2026-11-25")
    finally:
        await store.close()


async def test_staff_commands_outside_the_staff_group_get_the_user_menu(fake, tmp_path: Path, clock):
    staff = fake.staff_group(-1007777)
    async with running_bot(fake, tmp_path / "db.sqlite3", clock, STAFF_CHAT_ID=str(staff["id"])):
        user = fake.user(3003, "Someone", "en")
        await agreed(fake, user)
        user.says("/agenda")
        [reply] = await fake.wait_for_messages(user.chat_id, 1)
        clock.advance(timedelta(seconds=1))
    assert "Agenda" not in reply["text"] and "How can I help you?" in reply["text"]
