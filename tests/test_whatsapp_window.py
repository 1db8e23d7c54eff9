"""WhatsApp's 24-hour window, decided in the core (bot/service_window.py): free-form messages only within 24
hours of the person's last message, templates or nothing after; and sending paced under the Cloud API's limits.
The fake Cloud API refuses free-form messages outside the window (131047) and records every attempt."""

import asyncio
from datetime import timedelta
from pathlib import Path

import pytest
from fakewa import FakeWaUser, FakeWhatsApp
from whatsapp_env import STAFF_ID, agreed, running_whatsapp

from bot.records import SendState


@pytest.fixture
async def fakewa(clock):
    server = FakeWhatsApp(clock=clock)
    await server.start()
    yield server
    await server.stop()


async def open_ticket(fake, user: FakeWaUser, question: str) -> tuple[int, int]:
    await user.says("/menu")
    menu = user.last()
    await (user.presses if any(b["id"] == "staff" for b in menu.buttons) else user.chooses)("staff", message=menu)
    await user.says(question)
    await fake.wait_for(lambda: fake.topics)
    [(chat, thread)] = list(fake.topics)
    await fake.wait_for(lambda: any(question in m.get("text", "") for m in fake.messages_in_topic(chat, thread)))
    return chat, thread


async def test_a_team_answer_after_24_hours_waits_behind_a_template_until_the_person_writes(
    fake, fakewa, tmp_path: Path, clock, caplog
):
    async with running_whatsapp(fakewa, tmp_path / "db.sqlite3", clock, fake=fake) as running:
        reza = fakewa.user("4917600000021", "Reza")
        await agreed(running.app, reza, language="fa")
        chat, thread = await open_ticket(fake, reza, "نامه از اداره کار دارم")
        clock.advance(timedelta(hours=25))
        before = len(reza.messages())
        worker = fake.user(4242, "Sozialarbeiterin", "de")
        fake.topic_message(fake._chats[chat], thread, worker, "Bitte kommen Sie am Donnerstag.")
        [nudge] = await fakewa.wait_for(lambda: reza.messages()[before:])
        assert nudge.type == "template" and nudge.template["name"] == "team_answered"
        assert nudge.template["language"]["code"] == "fa"
        await asyncio.sleep(1.0)  # several rounds of the relay: the answer waits, the nudge is not repeated
        assert len(reza.messages()) == before + 1
        # Held, not sent or given up. (A relay round claims it for a moment, "sending", and puts it back.)
        states = set()
        for _ in range(50):
            rows = await running.app.store.relay_rows()
            [row] = [r for r in rows if r.text == "Bitte kommen Sie am Donnerstag."]
            states.add(row.state)
            if row.state == SendState.PENDING:
                break
            await asyncio.sleep(0.02)
        assert SendState.PENDING in states and states <= {SendState.PENDING, SendState.SENDING}
        # The log says it waits at its 1st, 2nd, 4th ... try, not at every round.
        for _ in range(200):
            [row] = [r for r in await running.app.store.relay_rows() if r.text == "Bitte kommen Sie am Donnerstag."]
            if row.attempts >= 5:
                break
            await asyncio.sleep(0.05)
        said = [r for r in caplog.records if r.name == "bot.relay" and f"relay {row.id} not sent yet" in r.getMessage()]
        assert row.attempts >= 5 and 1 <= len(said) <= (row.attempts + 1).bit_length()  # (a round may be under way)
        await reza.says("سلام")  # the window opens again: the answer follows
        await fakewa.wait_for(lambda: any("Donnerstag" in s.shows for s in reza.messages()))
    assert fakewa.window_violations == []


async def test_without_a_template_language_the_answer_is_held_and_staff_are_told_once(
    fake, fakewa, tmp_path: Path, clock
):
    # fallback: null in whatsapp_templates.yaml: no English template for Tigrinya speakers, hold instead.
    async with running_whatsapp(fakewa, tmp_path / "db.sqlite3", clock, fake=fake, fallback=None) as running:
        semhar = fakewa.user("4917600000022", "Semhar")
        await agreed(running.app, semhar, language="ti")
        chat, thread = await open_ticket(fake, semhar, "ሰላም፣ ሕቶ ኣለኒ")
        clock.advance(timedelta(hours=30))
        before = len(semhar.messages())
        worker = fake.user(4242, "Sozialarbeiterin", "de")
        fake.topic_message(fake._chats[chat], thread, worker, "Wir rufen Sie an.")

        def held_notices() -> list[dict]:
            return [m for m in fake.messages_to(STAFF_ID) if m.get("text", "").startswith("⏸")]

        await fake.wait_for(held_notices)
        await asyncio.sleep(1.0)
        assert len(held_notices()) == 1 and "ti" in held_notices()[0]["text"]
        assert len(semhar.messages()) == before  # nothing at all went to her
        await semhar.says("ሰላም")
        await fakewa.wait_for(lambda: any("Wir rufen Sie an." in s.shows for s in semhar.messages()))
    assert fakewa.window_violations == []


async def test_announcements_go_free_form_inside_the_window_and_as_templates_outside(fakewa, tmp_path: Path, clock):
    async with running_whatsapp(fakewa, tmp_path / "db.sqlite3", clock) as running:
        recent, earlier = fakewa.user("4917600000023", "Nour"), fakewa.user("4917600000024", "Omid")
        await agreed(running.app, earlier, language="de")
        clock.advance(timedelta(hours=30))
        await agreed(running.app, recent, language="ar")
        recent.wrote_at()
        store = running.app.store
        people = [(await store.get_person("whatsapp", u.wa_id)).id for u in (recent, earlier)]  # type: ignore[union-attr]
        texts = {"de": "Am Samstag ist das Büro zu.\nBis Montag!", "ar": "المكتب مغلق يوم السبت."}
        await store.create_announcement("all", people, texts, clock.now())
        running.app.announcements.wake.set()
        await fakewa.wait_for(lambda: recent.messages() and earlier.messages())
        [free] = recent.messages()
        assert free.type in ("text", "interactive") and "المكتب مغلق" in free.shows
        [template] = earlier.messages()
        assert template.type == "template" and template.template["name"] == "news_update"
        assert template.shows == "Neuigkeiten von lokal willkommen: 📰 Am Samstag ist das Büro zu. · Bis Montag!"
    assert fakewa.window_violations == []


async def test_throughput_pair_rate_and_server_errors_are_retried(fakewa, tmp_path: Path, clock):
    async with running_whatsapp(fakewa, tmp_path / "db.sqlite3", clock) as running:
        lina = fakewa.user("4917600000025", "Lina")
        await agreed(running.app, lina, language="de")
        fakewa.fail("messages", "throughput")
        fakewa.fail("messages", "pair_rate", status=429)
        fakewa.fail("messages", 500)
        await lina.says("Wann ist das Büro offen?")
        statuses = [c.status for c in fakewa.calls_to("messages", ok_only=False)]
        assert statuses[:4] == [400, 429, 500, 200]  # each failure tried again, then sent
        assert lina.messages() and "09:00" in lina.messages()[0].shows
        fakewa.fail("messages", 502)  # a proxy's HTML page
        fakewa.fail("messages", 503)
        await lina.says("Wo ist das Büro?")
        assert [c.status for c in fakewa.calls_to("messages", ok_only=False)][-3:-1] == [502, 503]
        fakewa.pair_rate_limit(messages=1, seconds=0.2)  # one message per person per 0.2 s
        await lina.says("/menu")
        await lina.says("/menu")
        await fakewa.wait_for(lambda: len([s for s in lina.messages() if s.type == "interactive"]) >= 2)


async def test_when_whatsapp_says_the_window_is_closed_the_template_goes_instead(fakewa, tmp_path: Path, clock):
    """Our clock says the window is open, WhatsApp says it is closed (131047): the template goes instead."""
    async with running_whatsapp(fakewa, tmp_path / "db.sqlite3", clock) as running:
        nour = fakewa.user("4917600000027", "Nour")
        await agreed(running.app, nour, language="ar")  # stored now, but never wrote on WhatsApp
        person = await running.app.store.get_person("whatsapp", nour.wa_id)
        assert person is not None
        await running.app.store.create_announcement("all", [person.id], {"de": "Hallo", "ar": "مرحبا"}, clock.now())
        running.app.announcements.wake.set()
        [sent] = await fakewa.wait_for(lambda: nour.messages())
        assert sent.type == "template" and sent.template["language"]["code"] == "ar"
        assert [c.status for c in fakewa.calls_to("messages", ok_only=False)] == [400, 200]


async def test_undeliverable_numbers_are_marked_inactive(fakewa, tmp_path: Path, clock):
    async with running_whatsapp(fakewa, tmp_path / "db.sqlite3", clock) as running:
        gone = fakewa.user("4917600000026", "Gone")
        await agreed(running.app, gone, language="de")
        fakewa.undeliverable(gone.wa_id)
        fakewa.window = "status"
        await gone.says("Hallo")  # the answer is accepted, then fails by status webhook with 131026
        await fakewa.settle()
        person = await running.app.store.get_person("whatsapp", gone.wa_id)
        assert person is not None
        [sent] = gone.messages()[:1]
        assert await running.app.store.message_status("whatsapp", sent.wamid) == ("failed", 131026)
        rows = await running.app.store.table_rows()  # type: ignore[attr-defined]
        [row] = [r for r in rows["people"] if r["id"] == person.id]
        assert row["inactive_at"] is not None


async def test_many_answers_held_for_a_closed_window_hold_back_nobody_else_and_keep_their_order(
    fake, fakewa, tmp_path: Path, clock
):
    from telegram_env import agreed as agreed_on_telegram

    async with running_whatsapp(fakewa, tmp_path / "db.sqlite3", clock, fake=fake) as running:
        reza = fakewa.user("4917600000021", "Reza")
        await agreed(running.app, reza, language="fa")
        chat, thread = await open_ticket(fake, reza, "نامه از اداره کار دارم")
        clock.advance(timedelta(hours=25))
        worker = fake.user(4242, "Sozialarbeiterin", "de")
        # More held answers than the relay claims in one round (20).
        answers = [f"Antwort {i}" for i in range(25)]
        for answer in answers:
            fake.topic_message(fake._chats[chat], thread, worker, answer)

        async def held() -> int:
            return sum(r.text in answers for r in await running.app.store.relay_rows())

        for _ in range(200):
            if await held() == len(answers):
                break
            await asyncio.sleep(0.05)
        assert await held() == len(answers)
        # Someone else writes to the team meanwhile: their topic and message come through at once.
        tom = fake.user(5301, "Tom", "en")
        await agreed_on_telegram(fake, tom)
        tom.says("/menu")
        [menu] = await fake.wait_for_messages(tom.chat_id, 1)
        tom.presses(menu, "staff")
        await fake.wait_for(lambda: len(fake.topics) == 2, timeout=15)
        [(tom_chat, tom_thread)] = [t for t in fake.topics if t != (chat, thread)]
        tom.says("I have a question about my rent")
        await fake.wait_for(
            lambda: any("about my rent" in m.get("text", "") for m in fake.messages_in_topic(tom_chat, tom_thread)),
            timeout=15,
        )
        # Reza writes: his window is open again and the held answers reach him, in the order staff wrote them.
        await reza.says("سلام")
        await fakewa.wait_for(lambda: sum(s.shows in answers for s in reza.messages()) == len(answers), timeout=60)
        assert [s.shows for s in reza.messages() if s.shows in answers] == answers
