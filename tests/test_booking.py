"""Drop-in appointments through the real engine, SQLite store, content and a controllable clock."""

import asyncio
from datetime import timedelta
from pathlib import Path

from booking_helpers import CH, actions, book, first, press, start, walk_to_times
from conftest import agree, berlin
from icalendar import Calendar

from bot import booking
from bot.bidi import strip_isolates
from storage.sqlite import SqliteStore


def slot_texts(reply) -> list[str]:
    return [b.label.removeprefix("🕒 ") for row in reply.buttons for b in row if b.action.startswith("bk:p:")]


# -- slots -------------------------------------------------------------------------------------------------------


def test_slots_follow_consultation_hours_holidays_and_closures(content):
    brackel = content.offices["brackel"]
    tuesday = berlin(2026, 11, 24).date()
    assert [s.start.strftime("%H:%M") for s in booking.slots_on(content, brackel, tuesday)] == [
        "09:00",
        "09:30",
        "10:00",
        "10:30",
        "11:00",
        "11:30",
        "14:00",
        "14:30",
        "15:00",
        "15:30",
    ]
    assert booking.slots_on(content, brackel, berlin(2026, 6, 4).date()) == []  # Corpus Christi (NRW)
    assert booking.slots_on(content, brackel, berlin(2026, 12, 28).date()) == []  # Christmas closure
    assert booking.slots_on(content, brackel, berlin(2026, 11, 28).date()) == []  # Saturday


async def test_times_respect_lead_time_and_horizon(engine):
    await start(engine, "u1")
    times = await walk_to_times(engine, "u1")  # now: Tuesday 10:30, lead time 2 h
    assert slot_texts(times) == ["14:00", "14:30", "15:00", "15:30"]
    [hub] = await engine.handle(press("u1", "appts"))
    [offices] = await engine.handle(press("u1", first(hub, "bk:o:")))
    [days] = await engine.handle(press("u1", next(a for a in actions(offices) if a.endswith(":brackel"))))
    day_keys = [a.rsplit(":", 1)[1] for a in actions(days) if a.startswith("bk:t:")]
    assert day_keys[0] == "20261124" and all(k <= "20261208" for k in day_keys)  # 14 days ahead at most
    assert "20261128" not in day_keys  # no Saturday


async def test_full_booking_flow_in_all_five_languages(engine, store, clock):
    for i, lang in enumerate(("de", "en", "ar", "fa", "ti")):
        user = f"lang{i}"
        await start(engine, user, lang)
        confirmed = await book(engine, user, day_index=1, time_index=i)
        assert confirmed.lang == lang and confirmed.attachments
        assert "Brackeler Hellweg 146" in confirmed.text
        ics = Calendar.from_ical(confirmed.attachments[0].data)
        [event] = ics.walk("VEVENT")
        assert event["location"].startswith("lokal willkommen Brackel, Brackeler Hellweg 146")
        assert event.decoded("dtstart").tzinfo is not None
        assert str(event["dtstart"].params["TZID"]) == "Europe/Berlin"
    assert len(await store.appointments_between("brackel", clock.now(), clock.now() + timedelta(days=15))) == 5


async def test_every_step_has_back(engine):
    await start(engine, "u2", "en")
    [hub] = await engine.handle(press("u2", "appts"))
    [offices] = await engine.handle(press("u2", first(hub, "bk:o:")))
    assert "appts" in actions(offices)  # back to "my appointments"
    [days] = await engine.handle(press("u2", first(offices, "bk:d:")))
    assert any(a.startswith("bk:o:") for a in actions(days))
    [times] = await engine.handle(press("u2", first(days, "bk:t:")))
    assert any(a.startswith("bk:d:") for a in actions(times))
    [topics] = await engine.handle(press("u2", first(times, "bk:p:")))
    assert any(a.startswith("bk:t:") for a in actions(topics))
    [interp] = await engine.handle(press("u2", first(topics, "bk:i:")))
    assert any(a.startswith("bk:p:") for a in actions(interp))
    [summary] = await engine.handle(press("u2", first(interp, "bk:s:")))
    assert any(a.startswith("bk:i:") for a in actions(summary))
    [back] = await engine.handle(press("u2", next(a for a in actions(summary) if a.startswith("bk:i:"))))
    assert back.text == interp.text  # back really goes one step back


async def test_confirmation_queues_reminders_and_tells_staff_about_today(engine, store):
    await start(engine, "u3")
    await book(engine, "u3")  # today 14:00
    rows = await store.outbox_rows()
    kinds = sorted(r.kind for r in rows)
    assert kinds == ["reminder", "staff_booked"]  # the 24 h reminder is already past; the 3 h one is due 11:00


async def test_at_most_two_future_appointments(engine):
    await start(engine, "u4", "en")
    await book(engine, "u4", time_index=0)
    await book(engine, "u4", time_index=1)
    [hub] = await engine.handle(press("u4", "appts"))
    assert not any(a.startswith("bk:o:n") for a in actions(hub))
    await start(engine, "u5", "en")
    third = await book(engine, "u5", time_index=2)  # someone else still can
    assert third.attachments
    # A third one through an old "book" button is refused.
    [offices] = await engine.handle(press("u4", "bk:o:n:-"))
    [days] = await engine.handle(press("u4", first(offices, "bk:d:")))
    [times] = await engine.handle(press("u4", first(days, "bk:t:")))
    [topics] = await engine.handle(press("u4", first(times, "bk:p:")))
    [interp] = await engine.handle(press("u4", first(topics, "bk:i:")))
    [summary] = await engine.handle(press("u4", first(interp, "bk:s:")))
    [refused] = await engine.handle(press("u4", first(summary, "bk:c:")))
    assert "two appointments" in refused.text and not refused.attachments


async def test_cancel_asks_first_then_frees_the_slot(engine, store, clock):
    await start(engine, "u6", "en")
    await book(engine, "u6")
    [hub] = await engine.handle(press("u6", "appts"))
    cancel = first(hub, "ap:x:")
    [question] = await engine.handle(press("u6", cancel))
    assert "cancel" in question.text.lower() and len(await store.future_appointments(1, clock.now())) == 1
    [done] = await engine.handle(press("u6", first(question, "ap:X:")))
    assert "cancelled" in done.text
    person = await store.get_person(CH, "u6")
    assert await store.future_appointments(person.id, clock.now()) == []
    kinds = [r.kind for r in await store.outbox_rows()]
    assert "staff_booked" in kinds and "staff_cancelled" in kinds  # it was for today: staff are told


async def test_move_to_another_slot_keeps_topic_and_interpreter(engine, store, clock):
    await start(engine, "u7", "en")
    await book(engine, "u7", topic="health", interpreter="ti")
    [hub] = await engine.handle(press("u7", "appts"))
    [offices] = await engine.handle(press("u7", first(hub, "bk:o:m")))
    [days] = await engine.handle(press("u7", first(offices, "bk:d:")))
    [times] = await engine.handle(press("u7", [a for a in actions(days) if a.startswith("bk:t:")][1]))
    [summary] = await engine.handle(press("u7", first(times, "bk:s:")))  # no topic/interpreter steps
    assert "Health" in summary.text and "Tigrinya" in summary.text
    [moved] = await engine.handle(press("u7", first(summary, "bk:c:")))
    assert "moved" in moved.text
    person = await store.get_person(CH, "u7")
    [item] = await store.future_appointments(person.id, clock.now())
    assert item.topic == "health" and item.interpreter == "ti"
    assert booking.parse_day_key(first(times, "bk:s:").split(":")[4][:8]) != clock.now().date()


async def test_a_full_day_offers_the_next_free_day_and_a_waiting_list(engine, store, content, clock):
    await start(engine, "w0", "en")
    times = await walk_to_times(engine, "w0")
    day_action = next(a for a in actions(await _days(engine, "w0")) if a.startswith("bk:t:"))
    # Fill every free slot of today (capacity 2).
    slots = [a for a in actions(times) if a.startswith("bk:p:")]
    for n, slot_action in enumerate(slots * 2):
        user = f"filler{n}"
        await start(engine, user, "en")
        [topics] = await engine.handle(press(user, slot_action))
        [interp] = await engine.handle(press(user, first(topics, "bk:i:")))
        [summary] = await engine.handle(press(user, first(interp, "bk:s:")))
        [ok] = await engine.handle(press(user, first(summary, "bk:c:")))
        assert ok.attachments, n
    [full] = await engine.handle(press("w0", day_action))
    assert "fully booked" in full.text
    assert any(a.startswith("bk:t:") and not a.endswith("20261124") for a in actions(full))  # next free day
    [watching] = await engine.handle(press("w0", first(full, "wt:")))
    assert "tell you once" in watching.text
    await start(engine, "w1", "en")
    await engine.handle(press("w1", first(full, "wt:")))
    # filler0 cancels: only the first in line (w0) is told, once.
    filler = await store.get_person(CH, "filler0")
    [item] = await store.future_appointments(filler.id, clock.now())
    await engine.handle(press("filler0", f"ap:X:{item.id}"))
    free_notes = [r for r in await store.outbox_rows() if r.kind == "slot_free"]
    w0 = await store.get_person(CH, "w0")
    assert [r.person_id for r in free_notes] == [w0.id]


async def _days(engine, user):
    [hub] = await engine.handle(press(user, "appts"))
    [offices] = await engine.handle(press(user, first(hub, "bk:o:n")))
    [days] = await engine.handle(press(user, first(offices, "bk:d:")))
    return days


async def test_forged_and_old_buttons_change_nothing(engine, store, clock):
    await start(engine, "victim", "en")
    await book(engine, "victim")
    victim = await store.get_person(CH, "victim")
    [item] = await store.future_appointments(victim.id, clock.now())
    await start(engine, "attacker", "en")
    for forged in (
        f"ap:X:{item.id}",
        f"ap:x:{item.id}",
        f"bk:o:m{item.id}:-",
        f"bk:c:m{item.id}:brackel:202611241430",
        "bk:c:n:brackel:202611241015:letters:ar",
        "bk:c:n:brackel:202611240900:letters:ar",
        "bk:c:n:nowhere:202611241400:-:-",
        "bk:c:n:brackel:202611241400:<script>:-",
        "bk:c:n:brackel:notadate:-:-",
        "ap:X:99999",
        "bk:c:n:brackel:202611241400:letters",
    ):
        [reply] = await engine.handle(press("attacker", forged))
        assert not reply.attachments, forged
    attacker = await store.get_person(CH, "attacker")
    assert await store.future_appointments(attacker.id, clock.now()) == []
    [still] = await store.future_appointments(victim.id, clock.now())
    assert still.status == "booked" and still.slot == item.slot


async def test_a_past_slot_cannot_be_booked(engine, clock):
    await start(engine, "late", "en")
    times = await walk_to_times(engine, "late")
    [topics] = await engine.handle(press("late", first(times, "bk:p:")))
    [interp] = await engine.handle(press("late", first(topics, "bk:i:")))
    [summary] = await engine.handle(press("late", first(interp, "bk:s:")))
    clock.advance(timedelta(hours=6))  # the summary is left open until the evening
    [reply] = await engine.handle(press("late", first(summary, "bk:c:")))
    assert "can no longer be booked" in reply.text and not reply.attachments


async def test_blocked_slots_and_days_are_not_offered(engine, store, content):
    day = berlin(2026, 11, 24).date().isoformat()
    await store.block("brackel", day, "14:00", berlin(2026, 11, 24, 8, 0))
    await start(engine, "b1", "en")
    assert slot_texts(await walk_to_times(engine, "b1")) == ["14:30", "15:00", "15:30"]
    await store.block("brackel", day, None, berlin(2026, 11, 24, 8, 0))
    days = await _days(engine, "b1")
    assert not any(a.endswith(":20261124") for a in actions(days) if a.startswith("bk:t:"))
    [refused] = await engine.handle(press("b1", "bk:c:n:brackel:202611241430:-:-"))
    assert not refused.attachments


async def test_postal_code_finds_the_office(engine, store):
    await agree(engine, "pc", hint="ar")
    await agree(engine, "pc2", hint="de")
    [reply] = await engine.handle(
        __import__("bot.models", fromlist=["Incoming"]).Incoming(CH, "pc", "text", text="٤٤٣٦٩", lang_hint="ar")
    )
    person = await store.get_person(CH, "pc")
    assert person.office_id == "huckarde_mengede"
    assert "lokal willkommen Huckarde/Mengede" in strip_isolates(reply.text)
    [other] = await engine.handle(
        __import__("bot.models", fromlist=["Incoming"]).Incoming(
            CH, "pc2", "text", text="ich wohne 44137", lang_hint="de"
        )
    )
    assert "44137" in other.text and any(a.startswith("office:") for a in actions(other))


# -- correctness under load ----------------------------------------------------------------------------------


async def test_fifty_people_racing_for_the_last_slot_get_exactly_the_capacity(tmp_path: Path, content):
    path = tmp_path / "race.sqlite3"
    stores = [await SqliteStore.open(path) for _ in range(5)]  # five connections: real SQLite locking too
    now = berlin(2026, 11, 24, 10, 30)
    slot = berlin(2026, 11, 24, 14, 0)
    people = []
    for i in range(60):
        people.append(await stores[0].create_person(CH, f"r{i}", "de", "hint", now))

    async def attempt(i: int):
        store = stores[i % len(stores)]
        return await store.book(people[i].id, "brackel", slot, 30, 2, False, None, None, None, now, 2)

    results = await asyncio.gather(*(attempt(i) for i in range(60)))
    assert sum(r is not None for r in results) == 2
    assert len(await stores[0].appointments_between("brackel", slot, slot + timedelta(minutes=1))) == 2
    for store in stores:
        await store.close()


async def test_racing_through_the_engine_gets_a_friendly_just_taken(engine, store, clock):
    users = [f"race{i}" for i in range(50)]
    for user in users:
        await start(engine, user, "en")
    action = "bk:c:n:hoerde_hombruch:202611250900:-:-"  # capacity 1, tomorrow 09:00 (Wednesday? no hours)
    # Hörde/Hombruch has Tuesday afternoon hours: 13:00-16:00 -> a 45-minute slot at 15:15 the next week.
    slot = next(
        s
        for s in booking.slots_on(engine.content, engine.content.offices["hoerde_hombruch"], berlin(2026, 12, 1).date())
    )
    action = f"bk:c:n:hoerde_hombruch:{slot.key}:-:-"
    replies = await asyncio.gather(*(engine.handle(press(u, action)) for u in users))
    booked = [r[0] for r in replies if r[0].attachments]
    taken = [r[0] for r in replies if not r[0].attachments]
    assert len(booked) == 1 and len(taken) == 49
    assert all("just taken" in r.text for r in taken)
    assert all(any(a.startswith("bk:") for a in actions(r)) for r in taken)  # offers other times
