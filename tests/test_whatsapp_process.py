"""`willkommen run` with Telegram and WhatsApp in one process: killed and restarted, every relay row is sent
exactly once, in both directions; with WhatsApp alone it says at start that staff features need Telegram."""

import asyncio
import os
import signal
import sys
from datetime import UTC, datetime
from pathlib import Path

import aiohttp
import pytest
from conftest import ROOT
from fakewa import FakeWhatsApp
from whatsapp_env import STAFF_ID, free_port, whatsapp_env

from bot.records import Purpose
from storage.sqlite import SqliteStore


async def start(env: dict[str, str], log: Path) -> asyncio.subprocess.Process:
    with log.open("ab") as out:
        return await asyncio.create_subprocess_exec(
            sys.executable, "-m", "handlers.cli", "run", cwd=ROOT, env=env, stdout=out, stderr=out
        )


async def listening(fakewa: FakeWhatsApp, timeout: float = 120) -> None:
    deadline = asyncio.get_running_loop().time() + timeout
    while True:
        try:
            if (await fakewa.verify_webhook(challenge="42")) == (200, "42"):
                return
        except aiohttp.ClientError:
            pass
        if asyncio.get_running_loop().time() > deadline:
            raise AssertionError("the WhatsApp webhook never answered")
        await asyncio.sleep(0.2)


async def stop(process: asyncio.subprocess.Process, kill: bool = False) -> None:
    if process.returncode is None:
        if kill:
            process.kill()
        else:
            process.send_signal(signal.SIGTERM)
    await asyncio.wait_for(process.wait(), 40)


# A WhatsApp test: the Telegram side is only the staff room here (one adapter is enough; both adapters' own kill
# tests are in tests/test_faults.py and tests/test_tickets_nothing_lost.py).
@pytest.mark.parametrize("telegram_library", ["ptb"])
async def test_a_killed_and_restarted_process_sends_every_relay_row_exactly_once(fake, tmp_path: Path):
    fakewa = FakeWhatsApp()  # real time, as the process has
    await fakewa.start()
    fake.staff_group(STAFF_ID)
    db, log = tmp_path / "db.sqlite3", tmp_path / "run.log"
    port = free_port()
    env = {**os.environ, **whatsapp_env(fakewa, db, fake, port=port)}
    fakewa.webhook_url = f"http://127.0.0.1:{port}/whatsapp"
    reza = fakewa.user("4917600000031", "Reza")
    store = await SqliteStore.open(db)
    person = await store.create_person("whatsapp", reza.wa_id or "", "fa", "hint", datetime.now(UTC))
    await store.give_consent(person.id, [str(p) for p in Purpose], datetime.now(UTC))
    await store.close()
    texts = [f"پیام شماره {i}" for i in range(5)]
    answers = [f"Antwort {i}" for i in range(3)]
    worker = fake.user(4242, "Sozialarbeiterin", "de")

    def in_topic(text: str) -> int:
        return sum(1 for (chat, _), m in fake._messages.items() if chat == STAFF_ID and m.get("text") == text)

    def at_reza(text: str) -> int:
        return sum(1 for s in reza.messages() if s.shows == text)

    process = await start(env, log)
    try:
        await listening(fakewa)
        await reza.says("/menu")
        menu = reza.last()
        await (reza.presses if any(b["id"] == "staff" for b in menu.buttons) else reza.chooses)("staff", message=menu)
        await fake.wait_for(lambda: fake.topics, timeout=60)
        [(chat, thread)] = list(fake.topics)
        await fake.wait_for(lambda: fake.messages_in_topic(chat, thread), timeout=30)  # the card
        fakewa.fail("messages", 500, times=10_000)  # nothing gets to Reza any more
        for answer in answers:
            fake.topic_message(fake._chats[chat], thread, worker, answer)
        await fakewa.wait_for(lambda: len(fakewa.calls_to("messages", ok_only=False)) >= 3, timeout=60)
        fake.fail("sendMessage", 500, times=10_000)  # nor into the topic
        failed_before = len(fake.calls_to("sendMessage", ok_only=False))
        for text in texts:
            await reza.says(text)  # (his answers fail too: he is told nothing, the messages are stored)
        await fake.wait_for(lambda: len(fake.calls_to("sendMessage", ok_only=False)) >= failed_before + 2, timeout=90)
        await stop(process, kill=True)  # stored, not sent: the process dies
    finally:
        await stop(process, kill=True)
    fake.stop_failing()
    fakewa.stop_failing()
    assert all(in_topic(t) == 0 for t in texts) and all(at_reza(a) == 0 for a in answers)
    process = await start(env, log)
    try:
        await fake.wait_for(lambda: all(in_topic(t) == 1 for t in texts), timeout=120)
        await fakewa.wait_for(lambda: all(at_reza(a) == 1 for a in answers), timeout=60)
        await asyncio.sleep(1.0)
        await stop(process)
    finally:
        await stop(process, kill=True)
        await fakewa.stop()
    assert [in_topic(t) for t in texts] == [1] * 5 and [at_reza(a) for a in answers] == [1] * 3
    in_order = [m["text"] for m in fake.messages_in_topic(chat, thread) if m.get("text") in texts]
    assert in_order == texts
    # In the order they were stored (aiogram handles the three staff updates concurrently, so that order is
    # Telegram's, not necessarily the order staff wrote them).
    store = await SqliteStore.open(db)
    stored = [r.text for r in await store.relay_rows() if r.text in answers]
    await store.close()
    assert [s.shows for s in reza.messages() if s.shows in answers] == stored
    assert fakewa.window_violations == []


async def test_whatsapp_alone_says_that_staff_features_need_telegram(tmp_path: Path):
    fakewa = FakeWhatsApp()
    await fakewa.start()
    log = tmp_path / "run.log"
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("TELEGRAM_", "STAFF_CHAT"))}
    env |= whatsapp_env(fakewa, tmp_path / "db.sqlite3", port=port)
    fakewa.webhook_url = f"http://127.0.0.1:{port}/whatsapp"
    process = await start(env, log)
    try:
        await listening(fakewa)
        amal = fakewa.user("4917612345678", "Amal")
        await amal.says("Wann ist das Büro offen?")
        assert amal.messages()  # people are answered without Telegram
        await stop(process)
    finally:
        await stop(process, kill=True)
        await fakewa.stop()
    assert process.returncode == 0
    assert "staff features (questions to the team, the agenda, announcements) need the Telegram staff group" in (
        log.read_text()
    )
