"""The WhatsApp channel end to end: pywa against the fake Cloud API (tests/fakewa), the real engine and SQLite,
staff in the fake Telegram group (tests/fakebot), one process, one database."""

import asyncio
from datetime import timedelta
from pathlib import Path

import pytest
from conftest import berlin
from fakewa import FakeWaUser, FakeWhatsApp, Sent
from fakewa import limits as wa_limits
from icalendar import Calendar
from whatsapp_env import STAFF_ID, agreed, running_whatsapp

from bot.models import Button, Reply
from bot.records import SendState


@pytest.fixture
async def fakewa(clock):
    server = FakeWhatsApp(clock=clock)
    await server.start()
    yield server
    await server.stop()


def choices(sent: Sent) -> list[str]:
    return [b["id"] for b in sent.buttons] + [r["id"] for r in sent.rows]


async def tap(user: FakeWaUser, prefix: str, index: int = 0) -> list[Sent]:
    """Tap the `index`th button or list row starting with `prefix` in the newest message offering one; what
    the bot sent in answer."""
    for sent in reversed(user.messages()):
        found = [c for c in choices(sent) if c.startswith(prefix)]
        if found:
            before = len(user.messages())
            choice = found[index]
            if any(b["id"] == choice for b in sent.buttons):
                await user.presses(choice, message=sent)
            else:
                await user.chooses(choice, message=sent)
            return user.messages()[before:]
    raise AssertionError(f"nothing offers {prefix!r}: {[choices(s) for s in user.messages()]}")


async def writes_to_staff(fake, user: FakeWaUser) -> tuple[int, int]:
    """The person chooses "Write to a person" in the menu: their topic in the staff group (chat, thread)."""
    await user.says("/menu")
    await tap(user, "staff")
    await fake.wait_for(lambda: fake.topics)
    [(chat, thread)] = list(fake.topics)
    return chat, thread


def check_limits(sent: list[Sent]) -> None:
    """Every interactive message the bot sent kept WhatsApp's limits (the fake refuses others with 131009)."""
    for message in sent:
        assert len(message.buttons) <= wa_limits.REPLY_BUTTONS_MAX
        assert all(len(b["title"]) <= wa_limits.REPLY_BUTTON_TITLE_MAX for b in message.buttons)
        assert len(message.rows) <= wa_limits.LIST_ROWS_MAX
        assert all(len(r["title"]) <= wa_limits.LIST_ROW_TITLE_MAX for r in message.rows)


async def test_an_arabic_question_is_answered_in_arabic(fakewa, tmp_path: Path, clock):
    async with running_whatsapp(fakewa, tmp_path / "db.sqlite3", clock) as running:
        amal = fakewa.user("4917612345678", "Amal")
        delivery = await amal.says("مرحبا، متى يفتح المكتب؟")
        assert delivery.status == 200
        answer = amal.messages()
        assert answer and answer[0].type == "text" and answer[0].shows.startswith("\u200f")
        assert "المكتب" in answer[0].shows and "09:00" in answer[0].shows  # the opening hours, in Arabic
        check_limits(answer)
        person = await running.app.store.get_person("whatsapp", "4917612345678")
        assert person is not None and person.language == "ar"
        # Delivery statuses are recorded for what was sent (read after delivered never goes back).
        await fakewa.status(answer[0].wamid, "delivered")
        await fakewa.status(answer[0].wamid, "read")
        await fakewa.status(answer[0].wamid, "delivered")
        assert await running.app.store.message_status("whatsapp", answer[0].wamid) == ("read", None)
    assert fakewa.window_violations == []


async def test_forged_or_missing_signatures_are_refused_and_duplicates_handled_once(fakewa, tmp_path: Path, clock):
    async with running_whatsapp(fakewa, tmp_path / "db.sqlite3", clock) as running:
        assert await fakewa.verify_webhook(challenge="8675309") == (200, "8675309")
        assert (await fakewa.verify_webhook(verify_token="guess"))[0] == 403
        amal = fakewa.user("4917612345678", "Amal")
        for signature in ("wrong", "missing", "sha256=" + "0" * 64):
            assert (await amal.says("Hallo", signature=signature)).status == 401
        assert amal.messages() == [] and await running.app.store.get_person("whatsapp", amal.wa_id) is None
        first = await amal.says("Wann ist das Büro offen?")
        answered = len(amal.messages())
        assert first.status == 200 and answered >= 1
        again = await fakewa.redeliver(first)
        assert again.status == 200 and len(amal.messages()) == answered  # Meta's retry: handled once


async def test_a_tigrinya_person_books_through_lists_and_buttons_and_gets_the_ics(fakewa, tmp_path: Path, clock):
    async with running_whatsapp(fakewa, tmp_path / "db.sqlite3", clock) as running:
        semhar = fakewa.user("4917600000011", "Semhar")
        await agreed(running.app, semhar, language="ti")
        await semhar.says("/appointments")
        await tap(semhar, "bk:o:n")
        await tap(semhar, "bk:d:n:brackel")
        days = [c for c in choices(semhar.last()) if c.startswith("bk:t:")]
        assert len(days) >= 3
        await tap(semhar, "bk:t:", index=2)  # the third day with free times
        await tap(semhar, "bk:p:")
        await tap(semhar, "bk:i:")
        summary = await tap(semhar, "bk:s:")
        assert any("Brackeler Hellweg 146" in s.shows for s in summary)
        confirmation = await tap(semhar, "bk:c:")
        check_limits(semhar.messages())
        [document] = [s for s in confirmation if s.type == "document"]
        assert document.filename.endswith(".ics") and document.media is not None
        assert document.media.mime_type == "text/plain"  # the Cloud API takes no text/calendar
        [event] = Calendar.from_ical(document.media.data).walk("VEVENT")
        start = event.decoded("dtstart")
        assert start.date() > berlin(2026, 11, 25).date()
        # The 24-hours-before reminder falls inside Semhar's window (22.5 hours after her last message): the
        # normal message. The 3-hours-before one comes more than 26 hours after it: a template, in English
        # (WhatsApp has no Tigrinya templates; content/whatsapp_templates.yaml falls back to en).
        last_message = clock.now()
        clock.set(start - timedelta(hours=24))
        assert clock.now() - last_message < timedelta(hours=23)
        await fakewa.wait_for(lambda: any("⏰" in s.shows for s in semhar.messages() if s.type != "template"))
        clock.set(start - timedelta(hours=3))
        assert clock.now() - last_message >= timedelta(hours=26)
        await fakewa.wait_for(lambda: [s for s in semhar.messages() if s.type == "template"])
        await asyncio.sleep(0.6)
        [reminder] = [s for s in semhar.messages() if s.type == "template"]  # once
        assert reminder.template["name"] == "appointment_reminder"
        assert reminder.template["language"]["code"] == "en"
        assert "Brackel" in reminder.shows and start.strftime("%H:%M") in reminder.shows
        assert len([s for s in semhar.messages() if "⏰" in s.shows]) == 1
    assert fakewa.window_violations == []


async def test_long_choices_are_paged_in_lists_of_ten(fakewa, tmp_path: Path, clock):
    async with running_whatsapp(fakewa, tmp_path / "db.sqlite3", clock) as running:
        amira = fakewa.user("4917600000012", "Amira")
        await agreed(running.app, amira, language="de")
        await amira.says("/menu")
        many = tuple((Button(f"Termin {i:02d} am Dienstagvormittag", f"faq:opening_hours:{i}"),) for i in range(23))
        await running.whatsapp.messenger.send(amira.wa_id, [Reply("Welche Zeit?", "de", many)])
        seen: list[str] = []
        while True:
            page = amira.last()
            check_limits([page])
            assert page.type == "interactive" and len(page.rows) <= 10
            titles = [r["title"] for r in page.rows]
            assert all(len(t) <= 24 for t in titles) and page.rows[0]["description"].startswith("Termin")
            seen += [r["id"] for r in page.rows if not r["id"].startswith("wa.more:")]
            more = [r["id"] for r in page.rows if r["id"].startswith("wa.more:")]
            if not more:
                break
            assert titles[-1] == "➡️ Mehr" and len(page.rows) == 10
            await amira.chooses(more[0], message=page)
        assert seen == [f"faq:opening_hours:{i}" for i in range(23)]  # every choice once, in order, 9 + 9 + 5


async def test_a_persian_voice_note_reaches_the_staff_topic_and_the_answer_the_person(
    fake, fakewa, tmp_path: Path, clock
):
    async with running_whatsapp(fakewa, tmp_path / "db.sqlite3", clock, fake=fake) as running:
        reza = fakewa.user("4917600000013", "Reza")
        await agreed(running.app, reza, language="fa")
        chat, thread = await writes_to_staff(fake, reza)
        assert chat == STAFF_ID
        voice = b"OggS\x00\x02" + bytes(range(200)) * 30
        await reza.sends_voice(voice)
        await fake.wait_for(lambda: any("voice" in m for m in fake.messages_in_topic(chat, thread)))
        [in_topic] = [m for m in fake.messages_in_topic(chat, thread) if "voice" in m]
        assert fake.files[in_topic["voice"]["file_id"]][1] == voice  # the same bytes, re-uploaded
        await reza.sends_location(51.5136, 7.4653, name="Hauptbahnhof")
        await fake.wait_for(
            lambda: any("Hauptbahnhof" in m.get("text", "") for m in fake.messages_in_topic(chat, thread))
        )
        # Staff answer in the topic: text, and a photo (downloaded from Telegram, uploaded to WhatsApp).
        worker = fake.user(4242, "Sozialarbeiterin", "de")
        before = len(reza.messages())
        fake.topic_message(fake._chats[chat], thread, worker, "Salam Reza, bitte bringen Sie den Brief mit.")
        await fakewa.wait_for(lambda: any("bitte bringen" in s.shows for s in reza.messages()[before:]))
        photo = b"\xff\xd8\xff\xe0JFIF" + bytes(100)
        fake.files["staffphoto1"] = ("brief.jpg", photo)
        fake.topic_message(
            fake._chats[chat],
            thread,
            worker,
            {
                "photo": [{"file_id": "staffphoto1", "file_unique_id": "u1", "width": 10, "height": 10}],
                "caption": "So sieht er aus",
            },
        )
        [image] = await fakewa.wait_for(lambda: [s for s in reza.messages() if s.type == "image"])
        assert image.media is not None and image.media.data == photo and image.shows == "So sieht er aus"
        notes = len(reza.messages())
        fake.topic_message(fake._chats[chat], thread, worker, "#note nur für uns")
        await asyncio.sleep(0.8)
        assert len(reza.messages()) == notes  # notes stay in the group
        rows = await running.app.store.relay_rows()
        assert all(r.state == SendState.SENT for r in rows)
    assert fakewa.window_violations == []


async def test_mydata_is_a_document_and_delete_erases_the_number_everywhere(fakewa, tmp_path: Path, clock):
    async with running_whatsapp(fakewa, tmp_path / "db.sqlite3", clock) as running:
        hana = fakewa.user("4917600000014", "Hana")
        await agreed(running.app, hana, language="de")
        await hana.says("Hallo")
        answered = await running.app.store.message_number("whatsapp", hana.last().wamid)
        assert answered is not None
        before = len(hana.messages())
        await hana.says("/mydata")
        [document] = [s for s in hana.messages()[before:] if s.type == "document"]
        assert document.media is not None and hana.wa_id.encode() in document.media.data  # type: ignore[union-attr]
        await hana.says("/delete")
        await tap(hana, "del:yes")
        rows = await running.app.store.table_rows()  # type: ignore[attr-defined]
        assert await running.app.store.get_person("whatsapp", hana.wa_id) is None
        assert rows["channel_messages"] == [r for r in rows["channel_messages"] if r["person_id"] is None]
        assert not any(hana.wa_id in str(v) for table in rows.values() for row in table for v in row.values())


async def test_every_message_of_a_batched_delivery_is_handled_and_big_bodies_are_refused(fakewa, tmp_path: Path, clock):
    from fakewa.webhook import merge

    async with running_whatsapp(fakewa, tmp_path / "db.sqlite3", clock):
        one, two = fakewa.user("4917600000015", "Eins"), fakewa.user("4917600000016", "Zwei")
        payloads = [
            fakewa.message_payload(one, "text", {"text": {"body": "Wann ist offen?"}}),
            fakewa.message_payload(two, "text", {"text": {"body": "Wo ist das Büro?"}}),
        ]
        for user in (one, two):
            user.wrote_at()
        delivery = await fakewa.post_webhook(merge(payloads))
        assert delivery.status == 200 and one.messages() and two.messages()
        huge = {"object": "whatsapp_business_account", "entry": [], "padding": "x" * (2 * 1024 * 1024)}
        assert (await fakewa.post_webhook(huge)).status == 413


async def test_a_message_a_crashed_run_had_claimed_is_handled_at_the_next_start(fakewa, tmp_path: Path, clock):
    from fakewa import PHONE_ID

    from handlers.whatsapp.webhook import Inbound
    from storage.sqlite import SqliteStore

    db = tmp_path / "db.sqlite3"
    amal = fakewa.user("4917612345678", "Amal")
    payload = fakewa.message_payload(amal, "text", {"text": {"body": "متى يفتح المكتب؟"}})
    value = payload["entry"][0]["changes"][0]["value"]
    amal.wrote_at()
    store = await SqliteStore.open(db)  # the run that crashed: claimed, never finished
    number = await store.number_message("whatsapp", value["messages"][0]["id"], "in", clock.now())
    inbound = Inbound(value["messages"][0], value["contacts"][0])
    assert await store.claim_update(f"whatsapp:{PHONE_ID}", number, inbound.as_json(), "crashed", clock.now())
    await store.close()
    async with running_whatsapp(fakewa, db, clock):
        answered = len(amal.messages())
        assert answered >= 1 and "المكتب" in amal.messages()[0].shows  # handled at the start
        assert (await fakewa.post_webhook(payload)).status == 200  # Meta delivers it again: handled once
        assert len(amal.messages()) == answered


# The first answer fails on every try of its round (the messenger tries 4 times: 500 each), or the client
# cannot read Meta's answer at all ("garbage": no error a channel knows; the relay's round must not end there).
@pytest.mark.parametrize("failure", ["500", "garbage"])
async def test_answers_that_fail_for_now_reach_the_person_later_in_the_order_staff_wrote_them(
    fake, fakewa, tmp_path: Path, clock, failure
):
    async with running_whatsapp(fakewa, tmp_path / "db.sqlite3", clock, fake=fake) as running:
        reza = fakewa.user("4917600000021", "Reza")
        await agreed(running.app, reza, language="fa")
        chat, thread = await writes_to_staff(fake, reza)
        worker = fake.user(4242, "Sozialarbeiterin", "de")
        if failure == "500":
            fakewa.fail("messages", 500, times=running.whatsapp.messenger.attempts)
        else:
            fakewa.fail("messages", "garbage", times=1)
        answers = [f"Antwort {i}" for i in range(3)]
        for answer in answers:
            fake.topic_message(fake._chats[chat], thread, worker, answer)
        await fakewa.wait_for(lambda: sum(s.shows in answers for s in reza.messages()) == 3, timeout=30)
        assert [s.shows for s in reza.messages() if s.shows in answers] == answers  # once each, in order
        tries = [c for c in fakewa.calls_to("messages", ok_only=False) if answers[0] in str(c.body)]
        assert len(tries) >= 2  # the first answer did fail and was tried again
        for _ in range(100):  # (the row is marked sent just after the message arrived)
            states = {r.state for r in await running.app.store.relay_rows() if r.text in answers}
            if states == {SendState.SENT}:
                break
            await asyncio.sleep(0.05)
        assert states == {SendState.SENT}  # nothing left "sending" behind
