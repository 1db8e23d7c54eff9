"""The Telegram channel keeps working when the Bot API fails, and stops gracefully."""

import asyncio
import socket
import sqlite3
from pathlib import Path

from conftest import child_env
from telegram_env import agreed, answer_once_then_stop, running_bot, start_bot_process, start_willkommen_run

SECRET = "s3cret-token_for-the-webhook"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


async def test_server_errors_are_retried_and_the_answer_arrives_once(fake, tmp_path: Path, clock):
    async with running_bot(fake, tmp_path / "db.sqlite3", clock):
        fake.fail("sendMessage", 500, times=2)
        user = fake.user(2001, "Amina", "de")
        await agreed(fake, user)
        user.says("wann büro offen")
        await fake.wait_for_messages(user.chat_id, 1)
        await asyncio.sleep(0.3)
    assert len(fake.messages_to(user.chat_id)) == 1
    statuses = [c.status for c in fake.calls_to("sendMessage", ok_only=False)]
    assert statuses == [500, 500, 200]


async def test_a_failed_button_answer_is_not_retried_and_the_press_is_handled(fake, tmp_path: Path, clock):
    # answerCallbackQuery only stops the spinner; retrying it would hold up the answer (both adapters alike).
    async with running_bot(fake, tmp_path / "db.sqlite3", clock):
        user = fake.user(2010, "Lina", "en")
        await agreed(fake, user)
        user.says("/menu")
        [menu] = await fake.wait_for_messages(user.chat_id, 1)
        fake.fail("answerCallbackQuery", 500, times=5)
        user.presses(menu, "hours")
        await fake.wait_for(lambda: fake.calls_to("editMessageText") or len(fake.messages_to(user.chat_id)) > 1)
        await asyncio.sleep(0.3)
    assert [c.status for c in fake.calls_to("answerCallbackQuery", ok_only=False)] == [500]


async def test_429_waits_retry_after_then_sends(fake, tmp_path: Path, clock):
    async with running_bot(fake, tmp_path / "db.sqlite3", clock):
        fake.fail("sendMessage", 429, times=1, retry_after=2)
        user = fake.user(2002, "Omid", "fa")
        await agreed(fake, user)
        user.says("دفتر کجاست")
        await fake.wait_for_messages(user.chat_id, 1, timeout=15)
    first, second = fake.calls_to("sendMessage", ok_only=False)
    assert first.status == 429 and second.status == 200
    assert second.at - first.at >= 1.9


async def test_a_hanging_request_times_out_and_is_retried(fake, tmp_path: Path, clock):
    async with running_bot(fake, tmp_path / "db.sqlite3", clock):  # the client gives up after 3 s
        fake.fail("sendMessage", 0, times=1, hang_seconds=5)
        user = fake.user(2003, "Yonas", "en")
        await agreed(fake, user)
        user.says("where is the office")
        await fake.wait_for_messages(user.chat_id, 1, timeout=20)
    assert len(fake.messages_to(user.chat_id)) == 1


async def test_polling_survives_failing_get_updates(fake, tmp_path: Path, clock):
    async with running_bot(fake, tmp_path / "db.sqlite3", clock):
        fake.fail("getUpdates", 502, times=2)
        user = fake.user(2004, "Sara", "en")
        await agreed(fake, user)
        user.says("hello")
        await fake.wait_for_messages(user.chat_id, 1, timeout=20)
    assert [c.status for c in fake.calls_to("getUpdates", ok_only=False)].count(502) == 2


async def test_a_third_of_all_calls_failing_still_answers_everyone_once(fake, tmp_path: Path, clock):
    async with running_bot(fake, tmp_path / "db.sqlite3", clock):
        fake.fail_randomly(1 / 3, seed=3)
        users = [fake.user(2100 + i, f"U{i}", lang) for i, lang in enumerate(["de", "en", "ar", "fa", "ti"] * 2)]
        for user in users:
            user.says("/menu")
        for user in users:
            await fake.wait_for_messages(user.chat_id, 1, timeout=60)
        fake.stop_failing()
        await asyncio.sleep(0.5)
    assert all(len(fake.messages_to(u.chat_id)) == 1 for u in users)
    assert any(c.status == 500 for c in fake.calls)


async def test_a_blocked_user_does_not_break_the_bot(fake, tmp_path: Path, clock):
    async with running_bot(fake, tmp_path / "db.sqlite3", clock):
        gone = fake.user(2005, "Gone", "de")
        await agreed(fake, gone)
        fake.blocked_by.add(gone.chat_id)
        gone.says("hallo")
        await fake.wait_for(lambda: fake.calls_to("sendMessage", ok_only=False))
        fake.blocked_by.clear()
        other = fake.user(2006, "Here", "de")
        await agreed(fake, other)
        other.says("hallo")
        await fake.wait_for_messages(other.chat_id, 1)
    assert fake.calls_to("sendMessage", ok_only=False)[0].status == 403


async def test_stop_lets_updates_in_progress_finish(fake, tmp_path: Path, clock):
    db = tmp_path / "db.sqlite3"
    async with running_bot(fake, db, clock) as running:
        fake.delay("sendMessage", 1.5)
        user = fake.user(2007, "Slow", "de")
        await agreed(fake, user)
        user.says("wo ist das büro")
        await fake.wait_for(lambda: fake.in_progress.get("sendMessage"))
        running.stop.set()  # what SIGTERM does
        await asyncio.wait_for(running.task, 20)
        assert len(fake.messages_to(user.chat_id)) == 1  # the answer went out before the stop completed
    with sqlite3.connect(db) as conn:
        assert conn.execute("SELECT state, payload FROM inbox").fetchall() == [("done", None)]


async def test_webhook_refuses_a_wrong_secret_and_handles_the_right_one_once(fake, tmp_path: Path, clock):
    port = free_port()
    env = {
        "TELEGRAM_WEBHOOK_URL": "https://bot.example.org/tg/hook",
        "TELEGRAM_WEBHOOK_SECRET": SECRET,
        "WILLKOMMEN_HOST": "127.0.0.1",
        "WILLKOMMEN_PORT": str(port),
    }
    async with running_bot(fake, tmp_path / "db.sqlite3", clock, webhook=True, **env):
        assert fake.webhook == {
            "url": "https://bot.example.org/tg/hook",
            "secret_token": SECRET,
            "allowed_updates": fake.webhook["allowed_updates"],
        }
        assert "message" in fake.webhook["allowed_updates"] and "callback_query" in fake.webhook["allowed_updates"]
        url = f"http://127.0.0.1:{port}/tg/hook"
        user = fake.user(2008, "Hook", "en")
        await agreed(fake, user)
        update = fake.take_update(user.says("where is the office"))
        assert await fake.post_to_webhook(url, update, None) == 401
        assert await fake.post_to_webhook(url, update, "wrong-secret-value") == 401
        assert fake.messages_to(user.chat_id) == []
        assert await fake.post_to_webhook(url, update, SECRET) == 200
        assert await fake.post_to_webhook(url, update, SECRET) == 200  # Telegram retried: handled once
        await fake.wait_for_messages(user.chat_id, 1)
        await asyncio.sleep(0.3)
    assert len(fake.messages_to(user.chat_id)) == 1
    assert not fake.calls_to("getUpdates")


async def test_sigterm_stops_the_process_gracefully(fake, tmp_path: Path):
    process = await start_bot_process(fake, tmp_path / "db.sqlite3")
    stderr, seconds = await answer_once_then_stop(fake, process, fake.user(2009, "Proc", "ar"), "متى يفتح المكتب")
    assert process.returncode == 0, stderr.decode()
    assert seconds < 15
    assert b"Traceback" not in stderr


async def test_run_without_a_token_explains_and_points_to_the_console(tmp_path: Path):
    env = child_env(WILLKOMMEN_DB=str(tmp_path / "db.sqlite3"))
    process = await start_willkommen_run(env, None)
    _, stderr = await asyncio.wait_for(process.communicate(), 30)
    assert process.returncode == 2
    lines = stderr.decode().strip().splitlines()
    assert len(lines) == 1 and "TELEGRAM_BOT_TOKEN is not set" in lines[0] and "willkommen chat" in lines[0]
