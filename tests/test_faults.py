"""The fault suite: nothing is lost, nothing is done twice, through kills, outages, a locked or full store,
unreadable updates and double taps (issue 19). Real process or real channel, real SQLite, fake Bot API."""

import asyncio
import logging
import signal
import sqlite3
from datetime import UTC, timedelta
from pathlib import Path

from telegram_env import agreed, running_bot, start_bot_process


def inbox_states(db: Path) -> dict[str, int]:
    with sqlite3.connect(db) as conn:
        return dict(conn.execute("SELECT state, count(*) FROM inbox GROUP BY state").fetchall())


def reply_states(db: Path) -> dict[str, int]:
    with sqlite3.connect(db) as conn:
        return dict(conn.execute("SELECT state, count(*) FROM replies GROUP BY state").fetchall())


async def test_a_kill_right_after_a_batch_arrived_loses_nothing_and_doubles_nothing(fake, tmp_path: Path):
    db = tmp_path / "db.sqlite3"
    users = [fake.user(7000 + i, f"P{i}", lang) for i, lang in enumerate(["de", "en", "ar", "fa", "ti"] * 6)]
    await agreed(fake, *users, db=db)
    process = await start_bot_process(fake, db)
    killed: list[int] = []

    def kill(offset: int) -> None:
        # The batch arrived and the bot asks for the next one, confirming this one: killed right here.
        if not killed:
            killed.append(offset)
            process.send_signal(signal.SIGKILL)

    try:
        await fake.wait_for(lambda: "getUpdates" in fake.arrived, timeout=240)
        fake.fail(None, 502, times=1_000_000)  # nothing the bot sends gets through before the kill
        fake.on_confirm = kill
        for user in users:
            user.says("wann ist das büro offen")
        await asyncio.wait_for(process.wait(), 30)
    finally:
        if process.returncode is None:
            process.kill()
    assert killed and process.returncode == -signal.SIGKILL
    assert all(fake.messages_to(u.chat_id) == [] for u in users)
    assert fake.pending_updates() == 0  # Telegram will not send them again: the bot must have them
    fake.on_confirm = None
    fake.stop_failing()
    process = await start_bot_process(fake, db)
    try:
        await fake.wait_for(lambda: all(fake.messages_to(u.chat_id) for u in users), timeout=240)
        await asyncio.sleep(1.0)
        process.send_signal(signal.SIGTERM)
        await asyncio.wait_for(process.wait(), 30)
    finally:
        if process.returncode is None:
            process.kill()
    assert [len(fake.messages_to(u.chat_id)) for u in users] == [1] * len(users)
    assert inbox_states(db) == {"done": len(users)}


async def test_an_outage_ends_with_everyone_answered_once(fake, tmp_path: Path, clock):
    db = tmp_path / "db.sqlite3"
    users = [fake.user(7100 + i, f"O{i}", lang) for i, lang in enumerate(["de", "en", "ar", "fa", "ti"] * 4)]
    async with running_bot(fake, db, clock, retry_delay=0.01) as running:
        await agreed(fake, *users)
        fake.fail(None, 502, times=1_000_000)  # the Bot API answers 502 to everything but getUpdates
        for user in users:
            user.says("where is the office")
        await fake.wait_for(lambda: inbox_states(db).get("done") == len(users), timeout=120)
        await fake.wait_for(lambda: reply_states(db).get("pending") == len(users), timeout=120)
        clock.advance(timedelta(minutes=1))  # more tries, still down
        await fake.wait_for(lambda: sum(c.status == 502 for c in fake.calls) >= 3 * len(users), timeout=120)
        assert all(fake.messages_to(u.chat_id) == [] for u in users)
        fake.stop_failing()  # back
        clock.advance(timedelta(minutes=10))
        await fake.wait_for(lambda: all(fake.messages_to(u.chat_id) for u in users), timeout=120)
        await asyncio.sleep(0.5)
        assert running.channel.background.replies.delivered == len(users)
    assert [len(fake.messages_to(u.chat_id)) for u in users] == [1] * len(users)
    assert reply_states(db) == {"sent": len(users)}
    with sqlite3.connect(db) as conn:
        assert conn.execute("SELECT count(*) FROM replies WHERE body IS NOT NULL").fetchone() == (0,)


async def test_a_blocked_person_is_not_tried_for_ever(fake, tmp_path: Path, clock):
    db = tmp_path / "db.sqlite3"
    async with running_bot(fake, db, clock):
        gone = fake.user(7201, "Gone", "de")
        await agreed(fake, gone)
        fake.blocked_by.add(gone.chat_id)
        gone.says("hallo")
        await fake.wait_for(lambda: reply_states(db).get("undeliverable") == 1)
        clock.advance(timedelta(hours=1))
        await asyncio.sleep(0.5)
    assert len(fake.calls_to("sendMessage", ok_only=False)) == 1


async def test_a_replay_after_a_crash_sends_only_what_was_not_sent(fake, tmp_path: Path, clock):
    """A run stored an update's two replies with its completion, sent the first, and died."""
    from bot.records import ReplyDraft
    from bot.replies import dump
    from storage.sqlite import SqliteStore

    db = tmp_path / "db.sqlite3"
    user = fake.user(7301, "Replay", "en")
    update = user.says("where is the office")
    from bot.models import Reply

    store = await SqliteStore.open(db)
    try:
        channel = f"telegram:{fake.bot_id}"
        assert await store.claim_updates(channel, [(update["update_id"], "{}")], "crashed", clock.now()) == [
            update["update_id"]
        ]
        drafts = [ReplyDraft("telegram", str(user.chat_id), None, None, dump(Reply(t, "en"))) for t in ("one", "two")]
        first, _second = await store.complete_update(channel, update["update_id"], drafts, "crashed", clock.now())
        await store.reply_sent(first, clock.now())
    finally:
        await store.close()
    fake.redeliver(update)  # the offset was never confirmed: Telegram sends the update again
    async with running_bot(fake, db, clock):
        await fake.wait_for_messages(user.chat_id, 1)
        await fake.wait_for(lambda: fake.pending_updates() == 0)
        await asyncio.sleep(0.5)
    assert [m["text"] for m in fake.messages_to(user.chat_id)] == ["two"]


async def test_an_update_the_library_cannot_read_is_skipped_and_receiving_goes_on(fake, tmp_path: Path, clock, caplog):
    db = tmp_path / "db.sqlite3"
    caplog.set_level(logging.INFO)
    async with running_bot(fake, db, clock) as running:
        before = fake.user(7401, "Before", "de")
        after = fake.user(7402, "Zarah-Unreadable", "de")
        await agreed(fake, before, after)
        before.says("hallo")
        broken = after.says("mein geheimer text")
        broken["message"]["date"] = "not a date"  # aiogram cannot read this update
        after.says("hallo")
        await fake.wait_for_messages(before.chat_id, 1)
        await fake.wait_for_messages(after.chat_id, 1)
        assert running.channel.receiving is not None and running.channel.receiving.skipped == 1
    assert len(fake.messages_to(after.chat_id)) == 1
    with sqlite3.connect(db) as conn:
        row = conn.execute("SELECT state, payload FROM inbox WHERE update_id = ?", (broken["update_id"],)).fetchone()
    assert row == ("failed", None)
    logged = "\n".join(r.getMessage() for r in caplog.records)
    assert f"update {broken['update_id']} skipped" in logged
    assert "Zarah" not in logged and "geheimer" not in logged and str(after.id) not in logged


async def test_a_locked_database_keeps_the_updates_and_answers_when_it_is_free(fake, tmp_path: Path, clock, caplog):
    db = tmp_path / "db.sqlite3"
    caplog.set_level(logging.INFO)
    users = [fake.user(7500 + i, f"L{i}", "en") for i in range(5)]
    async with running_bot(fake, db, clock):
        await agreed(fake, *users)
        other = sqlite3.connect(db, isolation_level=None)
        other.execute("BEGIN IMMEDIATE")  # another process holds the write lock
        try:
            for user in users:
                user.says("where is the office")
            await fake.wait_for(lambda: "locked" in caplog.text, timeout=120)
            assert all(fake.messages_to(u.chat_id) == [] for u in users)
        finally:
            other.execute("ROLLBACK")
            other.close()
        for user in users:
            await fake.wait_for_messages(user.chat_id, 1, timeout=120)
        await asyncio.sleep(0.5)
    assert [len(fake.messages_to(u.chat_id)) for u in users] == [1] * len(users)
    assert inbox_states(db) == {"done": len(users)}
    lines = [r.getMessage() for r in caplog.records if "locked" in r.getMessage()]
    assert lines and all("database is locked by another process" in line for line in lines)


async def test_a_full_disk_keeps_the_updates_and_answers_when_there_is_room(fake, tmp_path: Path, clock, caplog):
    db = tmp_path / "db.sqlite3"
    caplog.set_level(logging.INFO)
    users = [fake.user(7600 + i, f"F{i}", "de") for i in range(12)]
    async with running_bot(fake, db, clock) as running:
        await agreed(fake, *users)
        store = running.channel.app.store
        [row] = await store._rows("PRAGMA page_count")  # type: ignore[attr-defined]
        await store._write(f"PRAGMA max_page_count = {row['page_count']}")  # type: ignore[attr-defined]
        for user in users:
            user.says("wo ist das büro " + "bitte " * 60)
        await fake.wait_for(lambda: "disk full" in caplog.text, timeout=120)
        await store._write("PRAGMA max_page_count = 1073741823")  # type: ignore[attr-defined]
        for user in users:
            await fake.wait_for_messages(user.chat_id, 1, timeout=120)
        await asyncio.sleep(0.5)
    assert [len(fake.messages_to(u.chat_id)) for u in users] == [1] * len(users)
    assert inbox_states(db) == {"done": len(users)}


# -- double taps ------------------------------------------------------------------------------------------------


async def test_yes_book_it_tapped_twice_books_one_place_and_confirms_once(fake, tmp_path: Path, clock):
    from test_telegram_booking import buttons, press_and_wait

    db = tmp_path / "db.sqlite3"
    async with running_bot(fake, db, clock):
        user = fake.user(7701, "Amina", "de")
        await agreed(fake, user)
        user.says("/appointments")
        [hub] = await fake.wait_for_messages(user.chat_id, 1)
        offices = await press_and_wait(fake, user, hub, "bk:o:n")
        days = await press_and_wait(fake, user, offices, "bk:d:n:brackel")
        times = await press_and_wait(fake, user, days, "bk:t:")
        topics = await press_and_wait(fake, user, times, "bk:p:")
        interpreters = await press_and_wait(fake, user, topics, "bk:i:")
        summary = await press_and_wait(fake, user, interpreters, "bk:s:")
        confirm = next(a for a in buttons(summary) if a.startswith("bk:c:"))
        user.presses(summary, confirm)
        user.presses(summary, confirm)  # a double tap: two updates at once
        await fake.wait_for(lambda: fake.calls_to("sendDocument"))
        await fake.wait_for(lambda: len(fake.calls_to("answerCallbackQuery")) >= 8)
        await asyncio.sleep(0.5)
        user.presses(summary, confirm)  # and once more, later
        await fake.wait_for(lambda: len(fake.calls_to("answerCallbackQuery")) >= 9)
        await asyncio.sleep(0.5)
    assert len(fake.calls_to("sendDocument")) == 1  # one confirmation with its calendar file
    with sqlite3.connect(db) as conn:
        assert conn.execute("SELECT count(*) FROM appointments WHERE status = 'booked'").fetchone() == (1,)
        kinds = [k for (k,) in conn.execute("SELECT kind FROM outbox WHERE person_id IS NOT NULL")]
    assert len(kinds) == len(set(kinds))  # each reminder queued once


async def test_the_schema_refuses_a_second_place_of_one_person_in_a_slot(store, clock):
    from conftest import berlin

    person = await store.create_person("telegram", "1", "de", "hint", clock.now())
    slot = berlin(2026, 11, 24, 14, 0)
    args = (person.id, "brackel", slot, 15, 2, False, None, None, None, clock.now(), 2)
    assert await store.book(*args) is not None
    assert await store.book(*args) is None  # room for one more, but not for the same person
    try:
        await store._write(
            "INSERT INTO appointments (person_id, office_id, kind, slot, status, created_at, changed_at)"
            " VALUES (?, 'brackel', 'drop_in', ?, 'booked', ?, ?)",
            (person.id, slot.astimezone(UTC).isoformat(), clock.now().isoformat(), clock.now().isoformat()),
        )
    except sqlite3.IntegrityError as exc:
        assert "UNIQUE" in str(exc)
    else:
        raise AssertionError("a second place was stored")


STAFF_ID = -1007777


async def test_send_to_n_people_tapped_twice_sends_each_person_the_announcement_once(fake, tmp_path: Path, clock):
    from test_events_and_news import buttons, say_and_wait

    db = tmp_path / "db.sqlite3"
    staff = fake.staff_group(STAFF_ID)
    async with running_bot(fake, db, clock, STAFF_CHAT_ID=str(STAFF_ID)):
        people = [fake.user(7800 + i, f"N{i}", lang) for i, lang in enumerate(("de", "en", "ar"))]
        await agreed(fake, *people)
        for user in people:
            user.says("/start")
        for user in people:
            [welcome] = await fake.wait_for_messages(user.chat_id, 1)
            user.presses(welcome, "news:on.new")
        for user in people:
            await fake.wait_for_messages(user.chat_id, 2)
        worker = fake.user(7899, "Team", "de")
        for text in ["/announce", "Das Büro ist am Freitag zu.", "/skip", "/skip", "/skip", "/skip"]:
            await say_and_wait(fake, staff, worker, text)
        worker.presses(fake.messages_to(STAFF_ID)[-1], "anf:aud:all")
        await fake.wait_for(lambda: "anf:go" in buttons(fake.messages_to(STAFF_ID)[-1]))
        preview = fake.messages_to(STAFF_ID)[-1]
        worker.presses(preview, "anf:go")
        worker.presses(preview, "anf:go")  # a double tap
        await fake.wait_for(
            lambda: all(any("Freitag" in m.get("text", "") for m in fake.messages_to(u.chat_id)) for u in people)
        )
        await fake.wait_for(lambda: any("✅" in m.get("text", "") for m in fake.messages_to(STAFF_ID)))
        worker.presses(preview, "anf:go")  # and once more, later
        await asyncio.sleep(1.0)
    news = [[m for m in fake.messages_to(u.chat_id) if "Freitag" in m.get("text", "")] for u in people]
    assert [len(n) for n in news] == [1, 1, 1]
    with sqlite3.connect(db) as conn:
        assert conn.execute("SELECT count(*) FROM announcements").fetchone() == (1,)
        assert conn.execute("SELECT count(*) FROM audit_log WHERE action = 'announcement_sent'").fetchone() == (1,)


async def test_publish_tapped_twice_publishes_one_event(store, content, translators, clock, matcher):
    from bot.bootstrap import wire

    app = wire(store, content, translators, clock, matcher)
    flows = app.flows
    chat, user = STAFF_ID, 42
    await flows.command(chat, user, "event", "", None)
    for text in ["Nähcafé", "Wir nähen zusammen.", "10.12.2026 14:00-16:00", "Gemeindehaus", "Marktstraße 1"]:
        await flows.text(chat, user, text)
    await flows.press(chat, user, "evf:office:-", None)
    for text in ["/skip", "/skip", "/skip", "/skip", "/skip", "/skip"]:
        await flows.text(chat, user, text)
    draft = await store.draft(chat, user)
    assert draft is not None and draft.data["step"] == "preview"
    first, second = await asyncio.gather(
        flows.press(chat, user, "evf:publish", None), flows.press(chat, user, "evf:publish", None)
    )
    answers = sorted(r.text for r in (first, second) if r is not None)
    assert any("#" in a for a in answers)
    assert await store._rows("SELECT count(*) AS n FROM events") == [{"n": 1}]
    assert await flows.press(chat, user, "evf:publish", None) is None  # later: nothing open any more
    assert await store._rows("SELECT count(*) AS n FROM events") == [{"n": 1}]


async def test_close_tapped_twice_closes_once_and_asks_the_person_once(fake, tmp_path: Path, clock):
    from telegram_env import open_ticket_from_menu

    db = tmp_path / "db.sqlite3"
    chat = fake.staff_group(STAFF_ID)
    async with running_bot(fake, db, clock, STAFF_CHAT_ID=str(STAFF_ID)):
        user = fake.user(7901, "Closer", "en")
        await agreed(fake, user)
        thread = await open_ticket_from_menu(fake, user, "I need help with a letter")
        worker = fake.user(7999, "Team", "de")
        fake.topic_message(chat, thread, worker, "/close")
        fake.topic_message(chat, thread, worker, "/close")
        await fake.wait_for(lambda: any("Did we help" in m.get("text", "") for m in fake.messages_to(user.chat_id)))
        await asyncio.sleep(1.0)
    asked = [m for m in fake.messages_to(user.chat_id) if "Did we help" in m.get("text", "")]
    assert len(asked) == 1
    with sqlite3.connect(db) as conn:
        assert conn.execute("SELECT count(*) FROM audit_log WHERE action = 'ticket_closed'").fetchone() == (1,)


# -- erased means gone from the disk ---------------------------------------------------------------------------


async def test_after_delete_no_byte_of_the_person_is_left_in_the_file_its_log_or_shm(fake, tmp_path: Path, clock):
    from telegram_env import open_ticket_from_menu
    from test_telegram_booking import buttons

    db = tmp_path / "db.sqlite3"
    fake.staff_group(STAFF_ID)
    user_id, name = 918273645, "Zubayda"
    words = ["Wüstenfuchsbrief", "Karawanserei"]
    async with running_bot(fake, db, clock, STAFF_CHAT_ID=str(STAFF_ID)):
        user = fake.user(user_id, name, "de")
        await agreed(fake, user)
        await open_ticket_from_menu(fake, user, f"Ich habe einen {words[0]} bekommen")
        user.says(f"Und die {words[1]} ist zu")
        await fake.wait_for(lambda: sum(words[1] in (m.get("text") or "") for m in fake.messages_to(STAFF_ID)) == 1)
        shown = len(fake.messages_to(user.chat_id))
        user.says("/delete")
        [question] = (await fake.wait_for_messages(user.chat_id, shown + 1))[shown:]
        user.presses(question, next(b for b in buttons(question) if b.startswith("del:yes:")))
        await fake.wait_for(lambda: "✅" in (fake.messages_to(user.chat_id)[-1].get("text") or ""))
        await fake.wait_for(lambda: reply_states(db).get("sending", 0) == 0)
        await asyncio.sleep(0.5)
        files = {suffix: Path(f"{db}{suffix}") for suffix in ("", "-wal", "-shm")}
        raw = {suffix: path.read_bytes() if path.exists() else b"" for suffix, path in files.items()}
    traces = [str(user_id).encode(), name.encode(), *(w.encode() for w in words)]
    found = {(suffix, t.decode()) for suffix, data in raw.items() for t in traces if t in data}
    assert found == set()
    assert raw[""]  # the scan read the real file


# -- smaller ones ------------------------------------------------------------------------------------------------


async def test_staff_typing_help_or_start_in_a_topic_is_not_copied_to_the_person(fake, tmp_path: Path, clock):
    from telegram_env import open_ticket_from_menu

    chat = fake.staff_group(STAFF_ID)
    async with running_bot(fake, tmp_path / "db.sqlite3", clock, STAFF_CHAT_ID=str(STAFF_ID)):
        user = fake.user(8001, "Topic", "en")
        await agreed(fake, user)
        thread = await open_ticket_from_menu(fake, user, "I need help with a letter")
        worker = fake.user(8099, "Team", "de")
        for text in ("/help", "/start", "/help@WillkommenBot", "Hello, we can help."):
            fake.topic_message(chat, thread, worker, text)
        await fake.wait_for(lambda: any("copied_from" in m for m in fake.messages_to(user.chat_id)))
        await asyncio.sleep(1.0)
    copies = [m for m in fake.messages_to(user.chat_id) if "copied_from" in m]
    assert [m.get("text") for m in copies] == ["Hello, we can help."]


async def test_webhook_refuses_malformed_and_oversized_bodies_in_one_line(fake, tmp_path: Path, clock, caplog):
    from aiohttp import ClientSession
    from test_telegram_resilience import SECRET, free_port

    port = free_port()
    env = {
        "TELEGRAM_WEBHOOK_URL": "https://bot.example.org/tg/hook",
        "TELEGRAM_WEBHOOK_SECRET": SECRET,
        "WILLKOMMEN_HOST": "127.0.0.1",
        "WILLKOMMEN_PORT": str(port),
    }
    caplog.set_level(logging.INFO)
    url = f"http://127.0.0.1:{port}/tg/hook"
    headers = {"X-Telegram-Bot-Api-Secret-Token": SECRET, "Content-Type": "application/json"}

    async def post(body: bytes, secret: bool = True) -> int:
        async with ClientSession() as session:
            async with session.post(url, data=body, headers=headers if secret else {}) as response:
                return response.status

    async with running_bot(fake, tmp_path / "db.sqlite3", clock, webhook=True, **env) as running:
        assert await post(b"{not json") == 400
        assert await post(b"[1, 2, 3]") == 400
        assert await post(b'{"update_id": "x"}') == 400
        assert await post(b"x" * 5_000_000, secret=False) == 401  # refused before it is read
        assert await post(b'{"update_id": 1, "message": "' + b"x" * 5_000_000 + b'"}') == 413
        # Readable as JSON, not as an update: skipped (200, so Telegram does not send it for ever).
        assert await post(b'{"update_id": 77, "message": {"message_id": "x", "chat": 5}}') == 200
        user = fake.user(8101, "Hook", "en")
        await agreed(fake, user)
        update = fake.take_update(user.says("where is the office"))
        assert await fake.post_to_webhook(url, update, SECRET) == 200  # and the next one is handled
        await fake.wait_for_messages(user.chat_id, 1)
        assert running.channel.receiving is not None and running.channel.receiving.skipped == 1
    lines = [r.getMessage() for r in caplog.records if r.getMessage().startswith("webhook:")]
    assert len(lines) == 4 and all("Traceback" not in line for line in lines)
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR and r.exc_info]


async def test_reminders_outlive_an_outage_of_any_length(tmp_path, monkeypatch):
    from booking_helpers import book, start
    from conftest import berlin
    from test_reminders_and_staff import make_app

    from bot.clock import ManualClock
    from bot.messenger import TryLater
    from bot.scheduler import MAX_ATTEMPTS, Scheduler

    clock = ManualClock(berlin(2026, 11, 24, 10, 30))
    app = await make_app(tmp_path, clock, monkeypatch)
    await start(app.engine, "o1", "de")
    await book(app.engine, "o1", day_index=2)
    clock.set(berlin(2026, 11, 26, 6, 0))
    scheduler = Scheduler(app.store, app.notices, clock, "boot")
    sent = []

    async def down(message) -> None:
        raise TryLater("502")

    async def up(message) -> None:
        sent.append(message)

    for _ in range(MAX_ATTEMPTS * 3):  # far more rounds than the tries a failure of another kind gets
        await scheduler.run_once(down)
    assert {r.state for r in await app.store.outbox_rows() if r.kind == "reminder"} == {"pending"}
    await scheduler.run_once(up)
    assert len([m for m in sent if m.channel == "test"]) == 2
    await app.close()
