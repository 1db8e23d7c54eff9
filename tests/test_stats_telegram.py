"""/stats and /learn in the real staff group (aiogram against the fake Bot API)."""

import shutil
from pathlib import Path

from conftest import berlin
from telegram_env import agreed, running_bot
from test_tickets import STAFF_ID, open_ticket

from bot.clock import ManualClock


async def test_stats_sends_the_summary_csv_and_charts(fake, tmp_path: Path, made_month):
    clock = ManualClock(berlin(2026, 11, 24, 10, 30))
    staff = fake.staff_group(STAFF_ID)
    shutil.copyfile(made_month[1], tmp_path / "db.sqlite3")  # a month of activity the core stored
    async with running_bot(fake, tmp_path / "db.sqlite3", clock, STAFF_CHAT_ID=str(STAFF_ID)):
        worker = fake.user(4950, "Team", "de")
        fake.group_message(staff, worker, "/stats 2026-10")
        await fake.wait_for(lambda: len(fake.files) == 4, timeout=30)
        fake.group_message(staff, worker, "/stats Oktober")
        await fake.wait_for(lambda: "/stats" in fake.messages_to(STAFF_ID)[-1].get("text", ""))
    summary = next(m["text"] for m in fake.messages_to(STAFF_ID) if "📊" in m.get("text", ""))
    assert "Oktober 2026" in summary and ": 13 (<5)" in summary
    names = sorted(name for name, _data in fake.files.values())
    assert names == sorted(
        f"lokal-willkommen-2026-10{suffix}" for suffix in (".csv", "-contacts.png", "-people.png", "-topics.png")
    )
    assert all(data.startswith(b"\x89PNG") for name, data in fake.files.values() if name.endswith(".png"))


async def test_learn_in_a_ticket_topic_teaches_the_bot(fake, tmp_path: Path, clock):
    staff = fake.staff_group(STAFF_ID)
    async with running_bot(fake, tmp_path / "db.sqlite3", clock, STAFF_CHAT_ID=str(STAFF_ID)) as running:
        user = fake.user(4960, "Amina", "de")
        await agreed(fake, user)
        thread, _card = await open_ticket(fake, user, "Bekomme ich bei euch ein Fahrrad?")
        worker = fake.user(4961, "Team", "de")
        fake.topic_message(staff, thread, worker, "/learn offers")
        await fake.wait_for(lambda: "'offers'" in fake.messages_in_topic(STAFF_ID, thread)[-1].get("text", ""))
        told_person = len(fake.messages_to(user.chat_id))
        other = fake.user(4962, "Reza", "de")
        await agreed(fake, other)
        other.says("Kann ich bei euch ein Fahrrad bekommen?")
        [answer] = await fake.wait_for_messages(other.chat_id, 1)
        person = await running.channel.app.store.get_person("telegram", str(other.id))
        learned = await running.channel.app.store.recent_answers(person.id)
    assert learned == ["offers"] and answer["text"]
    assert len(fake.messages_to(user.chat_id)) == told_person  # the command stayed with the staff
    assert not any("/learn" in (m.get("text") or "") for m in fake.messages_to(user.chat_id))
