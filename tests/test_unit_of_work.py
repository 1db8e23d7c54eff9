"""Use cases that write to several places commit all of it or nothing (store.transaction()).

The crash is made in the real SQLite file: a trigger refuses the use case's *last* write. Had the earlier
steps been committed on their own (as before the unit of work), they would survive the failure; in one
transaction they roll back with it, exactly as a process killed between the steps leaves nothing behind.
"""

import sqlite3

import pytest
from booking_helpers import CH, actions, book, press, start
from conftest import agree

from bot.models import Incoming

FAIL_OUTBOX = (
    "CREATE TRIGGER crash_{kind} BEFORE INSERT ON outbox WHEN NEW.kind = '{kind}'"
    " BEGIN SELECT RAISE(ABORT, 'crash between the steps'); END"
)


async def crash_when_queueing(store, kind: str) -> None:
    await store._write(FAIL_OUTBOX.format(kind=kind))


async def counts(store) -> dict[str, int]:
    tables = await store.table_rows()
    return {name: len(rows) for name, rows in tables.items()}


async def test_erasure_and_the_staff_notice_are_one_commit(engine, store):
    await start(engine, "e1")
    await book(engine, "e1")  # a future appointment: staff must be told when it is erased
    [question] = await engine.handle(press("e1", "del"))
    confirm = next(a for a in actions(question) if a.startswith("del:yes:"))
    before = await counts(store)
    await crash_when_queueing(store, "erased")
    with pytest.raises(sqlite3.IntegrityError):
        await engine.handle(press("e1", confirm))
    assert await store.get_person(CH, "e1") is not None  # not erased without telling staff
    assert await counts(store) == before
    await store._write("DROP TRIGGER crash_erased")
    [done] = await engine.handle(press("e1", confirm))
    assert done.text.startswith("✅") and await store.get_person(CH, "e1") is None
    # The person's reminders went with them; the group's notices (booked today, erased) stay.
    assert sorted(r.kind for r in await store.outbox_rows()) == ["erased", "staff_booked"]


async def test_a_booking_its_reminders_and_the_staff_notice_are_one_commit(engine, store):
    await start(engine, "b1")
    await crash_when_queueing(store, "staff_booked")  # the last step of a booking for today
    with pytest.raises(sqlite3.IntegrityError):
        await book(engine, "b1")
    person = await store.get_person(CH, "b1")
    assert await store.future_appointments(person.id, engine.clock.now()) == []  # no booking without reminders
    assert await store.outbox_rows() == []
    await store._write("DROP TRIGGER crash_staff_booked")
    confirmed = await book(engine, "b1")
    assert confirmed.attachments  # the .ics: booked now
    assert sorted(r.kind for r in await store.outbox_rows()) == ["reminder", "staff_booked"]


async def test_an_urgent_message_its_ticket_and_the_groups_notice_are_one_commit(engine, store):
    await agree(engine, "u1", "en")
    await engine.handle(press("u1", "staff"))  # write to a person
    person = await store.get_person(CH, "u1")
    [ticket] = [await store.open_ticket_of(person.id)]
    rows_before = await store.relay_rows(ticket.id)
    await crash_when_queueing(store, "staff_urgent")
    urgent = Incoming(CH, "u1", "text", text="My husband hits me, I am afraid")
    with pytest.raises(sqlite3.IntegrityError):
        await engine.handle(urgent)
    assert not (await store.ticket(ticket.id)).urgent  # not marked urgent without the group being told
    assert await store.relay_rows(ticket.id) == rows_before  # and the message is not half-stored
    await store._write("DROP TRIGGER crash_staff_urgent")
    replies = await engine.handle(urgent)
    assert "112" in replies[0].text  # help first
    assert (await store.ticket(ticket.id)).urgent
    assert [r.kind for r in await store.outbox_rows()] == ["staff_urgent"]
    texts = [r.text or "" for r in await store.relay_rows(ticket.id)]
    assert any(t.startswith("🆘") for t in texts) and "My husband hits me, I am afraid" in texts


async def test_a_failing_inner_unit_rolls_back_only_itself(store):
    person = await store.create_person(CH, "n1", "de", "hint", _now())
    async with store.transaction():
        await store.set_office(person.id, "brackel")
        with pytest.raises(RuntimeError):
            async with store.transaction():
                await store.set_language(person.id, "ar", "chosen")
                raise RuntimeError("inner step fails")
    stored = await store.get_person(CH, "n1")
    assert stored.office_id == "brackel" and stored.language == "de"


async def test_another_task_never_reads_a_unit_of_work_half_done(store):
    import asyncio

    person = await store.create_person(CH, "n2", "de", "hint", _now())
    halfway = asyncio.Event()
    seen = []

    async def writer():
        async with store.transaction():
            await store.set_office(person.id, "brackel")
            halfway.set()
            await asyncio.sleep(0.05)  # other tasks run now
            await store.set_language(person.id, "ar", "chosen")

    async def reader():
        await halfway.wait()
        found = await store.get_person(CH, "n2")
        seen.append((found.office_id, found.language))

    await asyncio.gather(writer(), reader())
    assert seen == [("brackel", "ar")]  # the whole unit, never the office without the language


def _now():
    from datetime import UTC, datetime

    return datetime(2026, 11, 24, 9, 30, tzinfo=UTC)
