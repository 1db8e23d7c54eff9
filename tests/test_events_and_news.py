"""Events and announcements: staff publish in the staff group, people read them in their language."""

import asyncio
from pathlib import Path

from booking_helpers import CH, actions, first, press, start
from conftest import agree, berlin
from telegram_env import agreed, running_bot

from bot.bidi import strip_isolates
from bot.broadcast import Broadcaster

STAFF_ID = -1004444


def buttons(message: dict) -> list[str]:
    rows = (message.get("reply_markup") or {}).get("inline_keyboard", [])
    return [b["callback_data"] for row in rows for b in row]


async def say_and_wait(fake, chat: dict, user, text: str) -> None:
    before = len(fake.messages_to(chat["id"]))
    fake.group_message(chat, user, text)
    await fake.wait_for(lambda: len(fake.messages_to(chat["id"])) > before)


async def seeded(engine):
    await engine.events.seed(list(engine.content.event_seeds))


async def test_events_in_every_language_own_district_first_german_noted(engine, store):
    await seeded(engine)
    for lang in ("de", "en", "ar", "fa", "ti"):
        user = f"e-{lang}"
        await start(engine, user, lang)
        await engine.handle(press(user, "office:huckarde_mengede"))
        [listing] = await engine.handle(press(user, "events"))
        details = [a for a in actions(listing) if a.startswith("ev:d:")]
        assert len(details) == 2  # December's two; the Pauluskirche evening is months away
        [first_event] = await engine.handle(press(user, details[0]))
        title = engine.content.event_seeds[2].texts[lang].title  # the women's meeting, in every language
        assert title in first_event.text  # own district first
        assert "Westerfilder Straße 54" in strip_isolates(first_event.text)


async def test_remind_me_and_calendar_file(engine, store):
    await agree(engine, "rm")
    await seeded(engine)
    await start(engine, "rm", "en")
    [listing] = await engine.handle(press("rm", "events"))
    [details] = await engine.handle(press("rm", first(listing, "ev:d:")))
    [reminded] = await engine.handle(press("rm", first(details, "ev:r:")))
    assert "remind you the day before" in reminded.text
    [ics] = await engine.handle(press("rm", first(details, "ev:i:")))
    assert ics.attachments and ics.attachments[0].data.startswith(b"BEGIN:VCALENDAR")
    [row] = [r for r in await store.outbox_rows() if r.kind == "event_reminder"]
    assert row.due_at == berlin(2026, 12, 2, 15, 0)  # the day before, 15:00 Berlin
    await engine.handle(press("rm", first(details, "ev:r:")))  # pressed twice: still one reminder
    assert len([r for r in await store.outbox_rows() if r.kind == "event_reminder"]) == 1


async def test_news_asks_consent_once_and_can_change(engine, store):
    from bot.models import Incoming

    [news] = await engine.handle(Incoming(CH, "n1", "command", action="news", lang_hint="fa"))
    [question] = await engine.handle(press("n1", first(news, "news:on")))
    assert (await store.get_person(CH, "n1")).news is None  # nothing stored before the OK
    await engine.handle(press("n1", first(question, "ok:news:on")))
    assert (await store.get_person(CH, "n1")).news is True
    [news] = await engine.handle(Incoming(CH, "n1", "command", action="news"))
    await engine.handle(press("n1", first(news, "news:off")))
    assert (await store.get_person(CH, "n1")).news is False
    assert await store.audience("all", None) == []


async def test_staff_publish_an_event_people_see_it_and_cancelling_tells_them(fake, tmp_path: Path, clock):
    staff = fake.staff_group(STAFF_ID)
    async with running_bot(fake, tmp_path / "db.sqlite3", clock, STAFF_CHAT_ID=str(STAFF_ID)):
        worker = fake.user(6900, "Team", "de")
        steps = [
            "/event",
            "Nähcafé",
            "Wir nähen zusammen.",
            "10.12.2026 14:00-16:00",
            "Gemeindehaus",
            "Marktstraße 1, 44287 Dortmund",
        ]
        for text in steps:
            await say_and_wait(fake, staff, worker, text)
        office_question = fake.messages_to(STAFF_ID)[-1]
        before = len(fake.messages_to(STAFF_ID))
        worker.presses(office_question, "evf:office:aplerbeck")
        await fake.wait_for(lambda: len(fake.messages_to(STAFF_ID)) > before)
        for text in ["/skip", "12", "Sewing café\nWe sew together.", "مقهى الخياطة\nنخيط معا.", "/skip", "/skip"]:
            await say_and_wait(fake, staff, worker, text)
        preview = fake.messages_to(STAFF_ID)[-1]
        # Seen fail once, under heavy load, with the district question as the last message: say what came.
        came = [(m["message_id"], (m.get("text") or "")[:40]) for m in fake.messages_to(STAFF_ID)]
        assert "[fa]" in preview["text"] and "Nähcafé" in preview["text"] and "مقهى الخياطة" in preview["text"], came
        worker.presses(preview, "evf:publish")
        await fake.wait_for(
            lambda: (
                "#" in fake.messages_to(STAFF_ID)[-1]["text"]
                and "evf" not in str(fake.messages_to(STAFF_ID)[-1].get("reply_markup"))
            )
        )
        user = fake.user(6001, "Amina", "ar")
        await agreed(fake, user)
        user.says("/events")
        [listing] = await fake.wait_for_messages(user.chat_id, 1)
        assert "مقهى الخياطة" in listing["text"]
        user.presses(listing, next(a for a in buttons(listing) if a.startswith("ev:d:")))
        await fake.wait_for(lambda: fake.calls_to("editMessageText"))
        details = fake.messages_to(user.chat_id)[-1]
        user.presses(details, next(a for a in buttons(details) if a.startswith("ev:r:")))
        await fake.wait_for_messages(user.chat_id, 2)
        event_id = next(a for a in buttons(details) if a.startswith("ev:r:")).split(":")[2]
        fake.group_message(staff, worker, f"/event_cancel {event_id}")
        await fake.wait_for(lambda: any("🚫" in m.get("text", "") for m in fake.messages_to(user.chat_id)))


async def test_an_announcement_reaches_everyone_who_agreed_once_in_their_language(fake, tmp_path: Path, clock):
    staff = fake.staff_group(STAFF_ID)
    async with running_bot(fake, tmp_path / "db.sqlite3", clock, STAFF_CHAT_ID=str(STAFF_ID)) as running:
        engine = running.channel.app.engine
        people = {lang: fake.user(6100 + i, f"P{i}", lang) for i, lang in enumerate(("de", "en", "ar", "fa", "ti"))}
        await agreed(fake, *people.values())
        for user in people.values():
            user.says("/start")
        for user in people.values():
            [welcome] = await fake.wait_for_messages(user.chat_id, 1)
            user.presses(welcome, "news:on.new")
        no_news = fake.user(6199, "NoNews", "de")
        await agreed(fake, no_news)
        no_news.says("/start")
        [welcome] = await fake.wait_for_messages(no_news.chat_id, 1)
        no_news.presses(welcome, "news:off.new")
        for user in [*people.values(), no_news]:
            await fake.wait_for_messages(user.chat_id, 2)
        worker = fake.user(6901, "Team", "de")
        for text in [
            "/announce",
            "Das Büro ist am Freitag geschlossen.",
            "The office is closed on Friday.",
            "المكتب مغلق يوم الجمعة.",
            "/skip",
            "/skip",
        ]:
            await say_and_wait(fake, staff, worker, text)
        audience = fake.messages_to(STAFF_ID)[-1]
        worker.presses(audience, "anf:aud:all")
        await fake.wait_for(lambda: "anf:go" in buttons(fake.messages_to(STAFF_ID)[-1]))
        preview = fake.messages_to(STAFF_ID)[-1]
        assert "5" in preview["text"]
        worker.presses(preview, "anf:go")
        await fake.wait_for(
            lambda: all(
                any(
                    ("📰" in m.get("text", "") and "Freitag" in m.get("text", ""))
                    or ("📰" in m.get("text", "") and "Friday" in m.get("text", ""))
                    or ("📰" in m.get("text", "") and "الجمعة" in m.get("text", ""))
                    for m in fake.messages_to(u.chat_id)
                )
                for u in people.values()
            )
        )
        await fake.wait_for(
            lambda: any("✅" in m.get("text", "") and "📣" in m.get("text", "") for m in fake.messages_to(STAFF_ID))
        )
        del engine
    words = ("Freitag", "Friday", "الجمعة")
    news = {
        lang: [m["text"] for m in fake.messages_to(u.chat_id) if any(w in m.get("text", "") for w in words)]
        for lang, u in people.items()
    }
    assert all(len(v) == 1 for v in news.values())
    assert "Freitag" in news["de"][0] and "Friday" in news["en"][0] and "الجمعة" in news["ar"][0]
    assert "Freitag" in news["fa"][0] and "Freitag" in news["ti"][0]  # German, with a note in their language
    assert not [m for m in fake.messages_to(no_news.chat_id) if any(w in m.get("text", "") for w in words)]


def ports(channel):
    """The staff room and the people's channels of a Telegram channel that is not running."""
    return channel.messenger, {"telegram": channel.messenger}


async def test_killing_the_sender_halfway_and_restarting_sends_everyone_exactly_once(fake, tmp_path: Path, clock):
    from telegram_env import make_channel, settings_for

    from bot.bootstrap import build_app

    fake.staff_group(STAFF_ID)
    settings = settings_for(fake, tmp_path / "db.sqlite3", STAFF_CHAT_ID=str(STAFF_ID))
    app = await build_app(settings, clock)
    bot = make_channel(settings, app, clock, request_timeout=3)
    store = app.store
    users = [fake.user(7000 + i, f"U{i}", ("de", "en", "ar", "fa", "ti")[i % 5]) for i in range(80)]
    for user in users:
        person = await store.create_person(
            "telegram", str(user.id), ("de", "en", "ar", "fa", "ti")[user.id % 5], "chosen", clock.now()
        )
        await store.set_news(person.id, True)
    announcement_id = await store.create_announcement(
        "all", await store.audience("all", None), {"de": "Hallo alle", "en": "Hello all"}, clock.now()
    )
    first = Broadcaster(*ports(bot), store, app.announcements, clock, "first-run", STAFF_ID, rate=25)
    task = asyncio.create_task(first.send(announcement_id, asyncio.Event()))
    await fake.wait_for(lambda: sum(len(fake.messages_to(u.chat_id)) for u in users) >= 30, timeout=30)
    task.cancel()  # killed halfway
    try:
        await task
    except asyncio.CancelledError:
        pass
    halfway = sum(len(fake.messages_to(u.chat_id)) for u in users)
    second = Broadcaster(*ports(bot), store, app.announcements, clock, "second-run", STAFF_ID, rate=25)
    await second.send(announcement_id, asyncio.Event())
    final = await store.announcement(announcement_id)
    await bot.close()
    await app.close()
    counts = [len(fake.messages_to(u.chat_id)) for u in users]
    assert 30 <= halfway < 80
    assert counts == [1] * 80, counts
    assert final.status == "done" and final.counts == {"sent": 80}
    # Never more than 30 messages to people in any one second.
    times = sorted(c.at for c in fake.calls_to("sendMessage") if int(c.params["chat_id"]) > 0)
    assert max(sum(1 for t in times if s <= t < s + 1.0) for s in times) <= 30


async def _broadcast_setup(fake, tmp_path: Path, clock, people: int):
    from telegram_env import make_channel, settings_for

    from bot.bootstrap import build_app

    settings = settings_for(fake, tmp_path / "db.sqlite3", STAFF_CHAT_ID=str(STAFF_ID))
    app = await build_app(settings, clock)
    bot = make_channel(settings, app, clock, request_timeout=3)
    users = [fake.user(8000 + i, f"B{i}", "en") for i in range(people)]
    for user in users:
        person = await app.store.create_person("telegram", str(user.id), "en", "chosen", clock.now())
        await app.store.set_news(person.id, True)
    announcement_id = await app.store.create_announcement(
        "all", await app.store.audience("all", None), {"de": "Hallo", "en": "Hello everyone"}, clock.now()
    )
    return app, bot, users, announcement_id


async def test_staff_can_stop_a_running_announcement(fake, tmp_path: Path, clock):
    fake.staff_group(STAFF_ID)
    app, bot, users, announcement_id = await _broadcast_setup(fake, tmp_path, clock, 60)
    sender = Broadcaster(*ports(bot), app.store, app.announcements, clock, "run", STAFF_ID, rate=20, progress_every=0.2)
    task = asyncio.create_task(sender.send(announcement_id, asyncio.Event()))
    await fake.wait_for(lambda: sum(len(fake.messages_to(u.chat_id)) for u in users) >= 10, timeout=20)
    assert await app.announcements.stop(announcement_id)
    await asyncio.wait_for(task, 20)
    final = await app.store.announcement(announcement_id)
    got = sum(len(fake.messages_to(u.chat_id)) for u in users)
    await bot.close()
    await app.close()
    assert final.status == "stopped" and 10 <= got < 60
    report = fake.messages_to(STAFF_ID)[-1]["text"]
    assert "⏹" in report and str(60 - got) in report  # how many did not get it


async def test_429_waits_and_blocked_people_become_inactive(fake, tmp_path: Path, clock):
    fake.staff_group(STAFF_ID)
    app, bot, users, announcement_id = await _broadcast_setup(fake, tmp_path, clock, 6)
    fake.blocked_by.add(users[2].chat_id)
    fake.fail("sendMessage", 429, times=1, retry_after=1)
    sender = Broadcaster(*ports(bot), app.store, app.announcements, clock, "run", STAFF_ID)
    await sender.send(announcement_id, asyncio.Event())
    final = await app.store.announcement(announcement_id)
    inactive = await app.store._rows("SELECT user_id FROM people WHERE inactive_at IS NOT NULL")
    await bot.close()
    await app.close()
    assert final.counts == {"sent": 5, "blocked": 1}
    assert [r["user_id"] for r in inactive] == [str(users[2].id)]
    assert any(c.status == 429 for c in fake.calls_to("sendMessage", ok_only=False))
    assert all(len(fake.messages_to(u.chat_id)) == 1 for i, u in enumerate(users) if i != 2)


async def test_staff_edit_an_event_keeping_what_they_do_not_change(engine, store, translators):
    from bot.events import EventFlow

    await seeded(engine)
    flow = EventFlow(engine.events, translators["en"])
    [cafe] = [
        e for e in await store.upcoming_events(engine.clock.now(), berlin(2027, 1, 1)) if e.office_id == "brackel"
    ]
    reply = await flow.start(-1, 7, cafe.id)
    assert "keep" in reply.text
    for answer in [".", ".", "03.12.2026 16:00-18:00", ".", "."]:
        draft = await store.draft(-1, 7)
        reply = await flow.answer(-1, 7, draft.data, answer)
    draft = await store.draft(-1, 7)
    reply = await flow.press(-1, 7, draft.data, "evf:office:brackel")
    for answer in [".", ".", ".", ".", ".", "."]:
        reply = await flow.answer(-1, 7, (await store.draft(-1, 7)).data, answer)
    assert "[ar]" in reply.text and "مقهى اللغة" in reply.text
    await flow.press(-1, 7, (await store.draft(-1, 7)).data, "evf:publish")
    edited = await store.event(cafe.id)
    assert edited.starts_at == berlin(2026, 12, 3, 16, 0) and edited.texts["de"][0] == "Sprachcafé"
