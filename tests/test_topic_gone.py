"""A person's staff topic deleted or closed by hand while their ticket is open: nothing they write is lost.

Telegram tells bots nothing when a topic is deleted; the bot learns it from the first copy that fails
("message thread not found") and moves the ticket into a new topic: the card, a line why, then the
messages in order, each once.
"""

import asyncio
import signal
from pathlib import Path

from telegram_env import agreed, open_ticket_from_menu, open_ticket_in_process, running_bot, start_bot_process

STAFF_ID = -1007777
NEW_TOPIC_NOTE = "↪️"
REOPENED_NOTE = "↩️"


def copy_calls(fake, source: dict) -> int:
    """Successful copies of a person's message into the staff group, wherever they went (also into a topic
    deleted since, whose messages are gone from the fake)."""
    return sum(
        1
        for c in fake.calls_to("copyMessage")
        if int(c.params["chat_id"]) == STAFF_ID
        and int(c.params["from_chat_id"]) == source["chat"]["id"]
        and int(c.params["message_id"]) == source["message_id"]
    )


def topic_lines(fake, thread: int) -> list[str]:
    """What staff read in a topic, in order: the bot's own texts, and copies by their text."""
    return [m.get("text") or "" for m in fake.messages_in_topic(STAFF_ID, thread)]


async def test_a_deleted_topic_is_replaced_and_the_next_three_messages_arrive_in_order_once(
    fake, tmp_path: Path, clock
):
    staff = fake.staff_group(STAFF_ID)
    async with running_bot(fake, tmp_path / "db.sqlite3", clock, STAFF_CHAT_ID=str(STAFF_ID)) as running:
        user = fake.user(7001, "Amina", "ar")
        await agreed(fake, user)
        old = await open_ticket_from_menu(fake, user, "سؤال عن الرسالة")
        fake.staff_deletes_topic(STAFF_ID, old)
        sent = [user.says(f"رسالة {i}")["message"] for i in range(3)]
        await fake.wait_for(lambda: fake.topics, timeout=30)
        [(_chat, new)] = list(fake.topics)
        await fake.wait_for(lambda: len(fake.messages_in_topic(STAFF_ID, new)) == 5, timeout=30)
        lines = topic_lines(fake, new)
        # Staff answer in the new topic: it is the person's topic now.
        worker = fake.user(7999, "Team", "de")
        fake.topic_message(staff, new, worker, "Wir helfen Ihnen.")
        await fake.wait_for(lambda: any(m.get("copied_from") for m in fake.messages_to(user.chat_id)))
        await asyncio.sleep(0.5)
        store = running.channel.app.store
        person = await store.person_by_topic(STAFF_ID, new)
    assert lines[0].startswith("🎫") and "#1" in lines[0]  # the ticket's card heads the new topic
    assert lines[1].startswith(NEW_TOPIC_NOTE) and "\n" not in lines[1]
    assert lines[2:] == ["رسالة 0", "رسالة 1", "رسالة 2"]
    assert [copy_calls(fake, m) for m in sent] == [1, 1, 1]
    assert len(fake.calls_to("createForumTopic")) == 2 and new != old
    assert person is not None and person.user_id == str(user.id)


async def test_a_new_ticket_after_its_topic_was_deleted_starts_in_a_new_topic(fake, tmp_path: Path, clock):
    staff = fake.staff_group(STAFF_ID)
    async with running_bot(fake, tmp_path / "db.sqlite3", clock, STAFF_CHAT_ID=str(STAFF_ID)):
        user = fake.user(7002, "Hamid", "fa")
        await agreed(fake, user)
        old = await open_ticket_from_menu(fake, user, "سوال اول")
        worker = fake.user(7998, "Team", "de")
        fake.topic_message(staff, old, worker, "/close")
        await fake.wait_for(lambda: fake.topics[(STAFF_ID, old)]["closed"])
        fake.staff_deletes_topic(STAFF_ID, old)
        user.says("سوال دوم")
        await fake.wait_for(lambda: fake.topics, timeout=30)
        [(_chat, new)] = list(fake.topics)
        await fake.wait_for(lambda: len(fake.messages_in_topic(STAFF_ID, new)) == 3, timeout=30)
        await asyncio.sleep(0.5)
        lines = topic_lines(fake, new)
    # The second ticket's card once (not once as the card and again as a failed message), the note, the text.
    assert lines[0].startswith("🎫") and "#2" in lines[0]
    assert lines[1].startswith(NEW_TOPIC_NOTE)
    assert lines[2] == "سوال دوم"
    assert fake.topics[(STAFF_ID, new)]["name"].startswith("#2")


async def test_a_kill_while_the_new_topic_is_made_loses_and_doubles_nothing(fake, tmp_path: Path):
    fake.staff_group(STAFF_ID)
    db = tmp_path / "db.sqlite3"
    user = fake.user(7003, "Selam", "ti")
    await agreed(fake, user, db=db)
    process = await start_bot_process(fake, db, STAFF_CHAT_ID=str(STAFF_ID))
    try:
        _chat, old = await open_ticket_in_process(fake, user)
        fake.staff_deletes_topic(STAFF_ID, old)
        # The new topic is made, but its card cannot be posted: the process dies in the middle.
        fake.fail("sendMessage", 500, times=10_000)
        sent = [user.says(f"መልእኽቲ {i}")["message"] for i in range(3)]
        await fake.wait_for(lambda: len(fake.calls_to("createForumTopic")) == 2, timeout=30)
        await fake.wait_for(lambda: len(fake.calls_to("sendMessage", ok_only=False)) >= 2, timeout=30)
        process.kill()
        await process.wait()
    finally:
        if process.returncode is None:
            process.kill()
    fake.stop_failing()
    assert [copy_calls(fake, m) for m in sent] == [0, 0, 0]
    process = await start_bot_process(fake, db, STAFF_CHAT_ID=str(STAFF_ID))
    try:
        await fake.wait_for(lambda: all(copy_calls(fake, m) == 1 for m in sent), timeout=90)
        await asyncio.sleep(1.0)
        process.send_signal(signal.SIGTERM)
        await asyncio.wait_for(process.wait(), 30)
    finally:
        if process.returncode is None:
            process.kill()
    assert [copy_calls(fake, m) for m in sent] == [1, 1, 1]
    [home] = [t for (_c, t) in fake.topics if any("copied_from" in m for m in fake.messages_in_topic(STAFF_ID, t))]
    lines = topic_lines(fake, home)
    assert lines[0].startswith("🎫") and lines[1].startswith(NEW_TOPIC_NOTE)
    assert lines[2:] == ["መልእኽቲ 0", "መልእኽቲ 1", "መልእኽቲ 2"]  # in order, after the card
    # The topic made before the kill got nothing of the person's (its card could not be posted).
    assert all(not fake.messages_in_topic(STAFF_ID, t) for (_c, t) in fake.topics if t != home)


async def test_a_topic_closed_by_hand_while_the_ticket_is_open_is_opened_again(fake, tmp_path: Path, clock):
    staff = fake.staff_group(STAFF_ID)
    async with running_bot(fake, tmp_path / "db.sqlite3", clock, STAFF_CHAT_ID=str(STAFF_ID)):
        user = fake.user(7004, "Amina", "de")
        await agreed(fake, user)
        thread = await open_ticket_from_menu(fake, user, "Frage zum Brief")
        worker = fake.user(7997, "Team", "de")
        fake.staff_closes_topic(staff, worker, thread)
        await fake.wait_for(lambda: not fake.topics[(STAFF_ID, thread)]["closed"], timeout=30)
        await fake.wait_for(lambda: any(line.startswith(REOPENED_NOTE) for line in topic_lines(fake, thread)))
        user.says("Noch eine Frage")
        await fake.wait_for(lambda: "Noch eine Frage" in topic_lines(fake, thread), timeout=30)
        await asyncio.sleep(0.5)
        note = next(line for line in topic_lines(fake, thread) if line.startswith(REOPENED_NOTE))
    assert "#1" in note and "/close" in note
    assert list(fake.topics) == [(STAFF_ID, thread)]  # the same topic, no new one
    assert not any(int(c.params["from_chat_id"]) == STAFF_ID for c in fake.calls_to("copyMessage"))


async def test_a_topic_closed_by_hand_that_cannot_be_opened_again_is_replaced(fake, tmp_path: Path, clock):
    staff = fake.staff_group(STAFF_ID)
    async with running_bot(fake, tmp_path / "db.sqlite3", clock, STAFF_CHAT_ID=str(STAFF_ID)):
        user = fake.user(7005, "Amina", "en")
        await agreed(fake, user)
        old = await open_ticket_from_menu(fake, user, "About my letter")
        fake.fail("reopenForumTopic", 400)  # refused: the topic cannot be opened again
        fake.staff_closes_topic(staff, fake.user(7996, "Team", "de"), old)
        await fake.wait_for(lambda: len(fake.topics) == 2, timeout=30)
        [new] = [t for (_c, t) in fake.topics if t != old]
        await fake.wait_for(lambda: len(fake.messages_in_topic(STAFF_ID, new)) == 2, timeout=30)
        user.says("One more thing")
        await fake.wait_for(lambda: "One more thing" in topic_lines(fake, new), timeout=30)
        lines = topic_lines(fake, new)
    assert lines[0].startswith("🎫") and lines[1].startswith(NEW_TOPIC_NOTE) and lines[2] == "One more thing"
    assert fake.topics[(STAFF_ID, old)]["closed"]


async def test_closing_a_topic_by_hand_after_the_ticket_was_closed_is_left_alone(fake, tmp_path: Path, clock):
    staff = fake.staff_group(STAFF_ID)
    async with running_bot(fake, tmp_path / "db.sqlite3", clock, STAFF_CHAT_ID=str(STAFF_ID)):
        user = fake.user(7006, "Amina", "en")
        await agreed(fake, user)
        thread = await open_ticket_from_menu(fake, user, "About my letter")
        worker = fake.user(7995, "Team", "de")
        fake.topic_message(staff, thread, worker, "/close")
        await fake.wait_for(lambda: fake.topics[(STAFF_ID, thread)]["closed"])
        fake.topics[(STAFF_ID, thread)]["closed"] = False  # someone opened it, then closed it again by hand
        fake.staff_closes_topic(staff, worker, thread)
        await fake.wait_for(lambda: fake.pending_updates() == 0)
        await asyncio.sleep(1.0)
    assert fake.topics[(STAFF_ID, thread)]["closed"]
    assert not fake.calls_to("reopenForumTopic") and len(fake.topics) == 1
