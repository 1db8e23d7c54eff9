"""Booking race: many people press "confirm" for the last free places at the same moment, through the
whole Telegram stack (aiogram, our middlewares, the engine, SQLite).

    python -m bench.booking_race [--people 200] [--places 3]

A day at Brackel (capacity 2 per slot) is filled up until `places` places are left in its last slots;
then every person presses "confirm" for one of those slots, all at once. Counted from the database
afterwards: bookings per slot against the capacity (an overbooking is any booking past it).
"""

import argparse
import asyncio
import tempfile
import time
from datetime import timedelta
from pathlib import Path

from bench.common import percentile, table, write_result
from bench.fakeapi import BenchTelegram
from bench.harness import Updates, channel, feed_raw, prepare_db
from bot import booking

OFFICE = "brackel"


async def fill_day(store, content, now, places: int) -> list[booking.Slot]:
    """Book a whole day except `places` places in its last slots; returns the slots left open."""
    office = content.offices[OFFICE]
    capacity = office.appointments.capacity
    day = now.date() + timedelta(days=1)
    while not booking.slots_on(content, office, day) or len(booking.slots_on(content, office, day)) * capacity < places:
        day += timedelta(days=1)
    slots = booking.slots_on(content, office, day)
    open_slots = slots[-((places + capacity - 1) // capacity) :]
    left = places
    filler = 0
    for slot in reversed(slots):
        taken = capacity - min(capacity, left) if slot in open_slots else capacity
        left -= capacity - taken
        for _ in range(taken):
            filler += 1
            person = await store.create_person("bench", f"filler{filler}", "de", "chosen", now)
            booked = await store.book(
                person.id, OFFICE, slot.start, slot.minutes, capacity, False, None, None, None, now, 2
            )
            assert booked is not None
    return open_slots


async def run(people: int, places: int, workdir: Path) -> dict[str, object]:
    db = workdir / "race.sqlite3"
    users = await prepare_db(db, people)
    fake = BenchTelegram()
    await fake.start()
    try:
        async with channel(fake.base_url, fake.token, db) as bot_channel:
            app, clock = bot_channel.app, bot_channel.clock
            open_slots = await fill_day(app.store, app.content, clock.now(), places)
            updates = Updates()
            presses = []
            for i, user in enumerate(users):
                slot = open_slots[i % len(open_slots)]
                action = f"bk:c:n:{OFFICE}:{slot.key}:-:-"
                summary = fake.bot_message(user, [action])
                presses.append(updates.press(user, summary["message_id"], action))
            latencies: list[float] = []

            async def press(update: dict) -> None:
                started = time.perf_counter()
                await feed_raw(bot_channel, update)
                latencies.append(time.perf_counter() - started)

            started = time.perf_counter()
            await asyncio.gather(*(press(u) for u in presses))
            seconds = time.perf_counter() - started
            capacity = app.content.offices[OFFICE].appointments.capacity
            per_slot = []
            for slot in open_slots:
                rows = await app.store.appointments_between(OFFICE, slot.start, slot.start + timedelta(minutes=1))
                per_slot.append(len(rows))
            winners = sum(1 for c in fake.calls_to("sendDocument"))  # the .ics goes to those who got a place
    finally:
        await fake.stop()
    overbooked = sum(max(0, n - capacity) for n in per_slot)
    return {
        "people": people,
        "places_left": places,
        "slots": len(open_slots),
        "capacity_per_slot": capacity,
        "bookings_in_open_slots": per_slot,
        "booked_by_racers": sum(per_slot) - (len(open_slots) * capacity - places),
        "confirmations_sent": winners,
        "overbookings": overbooked,
        "seconds": seconds,
        "p50_ms": percentile(latencies, 0.5) * 1000,
        "p99_ms": percentile(latencies, 0.99) * 1000,
        "goal_overbookings": 0,
    }


def main(argv: list[str] | None = None) -> dict[str, object]:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--people", type=int, default=200)
    parser.add_argument("--places", type=int, default=3, help="places left when the race starts")
    parser.add_argument("--out", type=Path, default=None)
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as workdir:
        result = asyncio.run(run(args.people, args.places, Path(workdir)))
    row = [
        result[k] for k in ("people", "places_left", "booked_by_racers", "overbookings", "seconds", "p50_ms", "p99_ms")
    ]
    print(table(["people", "places", "booked", "overbooked", "seconds", "p50 ms", "p99 ms"], [row]))
    print("result:", write_result("booking_race", result, args.out))
    return result


if __name__ == "__main__":
    main()
