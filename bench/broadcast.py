"""Broadcast: an announcement to everyone against a fake server that enforces Telegram's limits, with the
sender killed halfway and a new one started on the same SQLite file.

    python -m bench.broadcast [--people 10000] [--limit 30]

The fake server allows `limit` messages in any second overall and one per second per chat, and answers a
429 with retry_after past that. The first sender (the real Broadcaster, real aiogram client, our retrying
session) is cancelled once half the people have their message; a second one, with a new boot id and a new
store connection, finishes the job. Counted at the fake server: messages per person (duplicates, losses),
429s, and the achieved rate over the whole run as a share of the limit. 10,000 people at 30/s take about
5.5 minutes; `--people` makes it shorter.
"""

import argparse
import asyncio
import tempfile
import time
from collections import Counter
from pathlib import Path

from telegram_env import settings_for

from bench.common import table, write_result
from bench.fakeapi import BenchTelegram
from bench.harness import prepare_db
from bot.bootstrap import build_app
from bot.broadcast import Broadcaster
from bot.clock import ManualClock
from handlers.telegram.app import make_bot
from handlers.telegram.messenger import telegram_ports

STAFF_ID = -100777
GOAL_SHARE = 0.95


async def _sender(fake: BenchTelegram, db: Path, boot_id: str, limit: int):
    settings = settings_for(fake, db, STAFF_CHAT_ID=str(STAFF_ID))
    clock = ManualClock()
    app = await build_app(settings, clock)
    bot = make_bot(settings, request_timeout=30)
    return (
        app,
        bot,
        Broadcaster(*telegram_ports(bot), app.store, app.announcements, clock, boot_id, STAFF_ID, rate=limit),
    )


async def run(people: int, limit: int, workdir: Path) -> dict[str, object]:
    db = workdir / "broadcast.sqlite3"
    users = await prepare_db(db, people)
    fake = BenchTelegram()
    fake.staff_group(STAFF_ID)
    fake.enforce_limits(overall=limit, per_chat=1)
    await fake.start()
    user_set = set(users)

    def delivered() -> int:
        return sum(1 for m, c, _ in fake.log if m == "sendMessage" and c in user_set)

    try:
        app, bot, first = await _sender(fake, db, "first-run", limit)
        audience = await app.store.audience("all", None)
        announcement_id = await app.store.create_announcement(
            "all", audience, {"de": "Sprachcafé am Freitag", "en": "Language café on Friday"}, first.clock.now()
        )
        started = time.monotonic()
        task = asyncio.create_task(first.send(announcement_id, asyncio.Event()))
        await fake.wait_for(lambda: delivered() >= people // 2 or task.done(), timeout=people)
        task.cancel()  # killed halfway
        try:
            await task
        except asyncio.CancelledError:
            pass
        await first.settle()
        await bot.session.close()
        await app.close()
        restart_at = time.monotonic()
        app, bot, second = await _sender(fake, db, "second-run", limit)
        restart_seconds = time.monotonic() - restart_at
        await second.send(announcement_id, asyncio.Event())
        seconds = time.monotonic() - started
        final = await app.store.announcement(announcement_id)
        await bot.session.close()
        await app.close()
    finally:
        await fake.stop()
    ok = [c for c in fake.calls if c.method == "sendMessage" and c.status == 200 and int(c.params["chat_id"]) > 0]
    per_person = Counter(int(c.params["chat_id"]) for c in ok)
    times = sorted(c.at for c in ok)
    busiest = 0
    j = 0
    for i, t in enumerate(times):
        while times[j] <= t - 1.0:
            j += 1
        busiest = max(busiest, i - j + 1)
    sent = sum(per_person.values())
    rate = sent / seconds
    # Without the restart (a new process's start-up, counted above): the sending itself.
    sending_rate = sent / max(1e-9, seconds - restart_seconds)
    return {
        "people": people,
        "limit_per_second": limit,
        "sent": sent,
        "duplicates": sum(n - 1 for n in per_person.values() if n > 1),
        "losses": sum(1 for u in users if per_person[u] == 0),
        "too_many_requests_429": fake.too_many,
        "seconds": seconds,
        "seconds_to_restart": restart_seconds,
        "achieved_per_second": rate,
        "share_of_limit": rate / limit,
        "share_of_limit_without_restart": sending_rate / limit,
        "busiest_second": busiest,
        "final_counts": {str(k): v for k, v in final.counts.items()} if final else {},
        "goal_share": GOAL_SHARE,
    }


def main(argv: list[str] | None = None) -> dict[str, object]:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--people", type=int, default=10000)
    parser.add_argument("--limit", type=int, default=30, help="messages per second the fake server allows")
    parser.add_argument("--out", type=Path, default=None)
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as workdir:
        result = asyncio.run(run(args.people, args.limit, Path(workdir)))
    keys = ("people", "sent", "duplicates", "losses", "too_many_requests_429", "seconds", "achieved_per_second")
    row = [result[k] for k in keys] + [f"{result['share_of_limit']:.1%}"]
    print(table(["people", "sent", "duplicates", "losses", "429s", "seconds", "per second", "share of limit"], [row]))
    print(f"goal: at least {GOAL_SHARE:.0%} of the limit, no duplicate, no loss")
    print("result:", write_result("broadcast", result, args.out))
    return result


if __name__ == "__main__":
    main()
