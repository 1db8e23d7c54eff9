"""Faults: the real `willkommen run` process, killed with SIGKILL at random moments while people write to it,
and the Bot API down for a while; then counted: who was never answered (lost) and who got the answer twice.

    python -m bench.faults [--people 200] [--kills 20] [--outage 60] [--seed 1]

Each person asks one question. The bot is started, killed (SIGKILL) at a random moment 0-0.5 s after the
round's questions came in, started again, and so on `kills` times; one of the kills comes exactly when a
getUpdates confirms a batch (the moment issue 19 found updates lost). Then, if `outage` > 0, the Bot API
answers 502 to everything but getUpdates for `outage` seconds while the last run goes on. The last run
ends when everyone was answered (or after a time limit) with SIGTERM.

A duplicate can only be a reply Telegram accepted just before a kill, before the bot marked it sent.
"""

import argparse
import asyncio
import os
import random
import signal
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from bench.common import table, write_result
from bench.fakeapi import BenchTelegram
from bench.harness import Updates, prepare_db

ROOT = Path(__file__).resolve().parent.parent
QUESTIONS = ["wann ist das büro offen", "wo ist das büro", "when is the office open", "where is the office"]


async def start(fake: BenchTelegram, db: Path) -> asyncio.subprocess.Process:
    env = {
        **os.environ,
        "TELEGRAM_BOT_TOKEN": fake.token,
        "TELEGRAM_API_BASE": fake.base_url,
        "WILLKOMMEN_DB": str(db),
    }
    return await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "handlers.cli",
        "run",
        cwd=ROOT,
        env=env,
        stdout=asyncio.subprocess.DEVNULL,
        stderr=asyncio.subprocess.DEVNULL,
    )


async def wait_for(condition: Callable[[], object], seconds: float) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return True
        await asyncio.sleep(0.05)
    return bool(condition())


async def run(people: int, kills: int, outage: float, seed: int, workdir: Path) -> dict[str, object]:
    rng = random.Random(seed)
    db = workdir / "faults.sqlite3"
    user_ids = await prepare_db(db, people)
    fake = BenchTelegram()
    await fake.start()
    updates = Updates()
    answered_by_kill: list[int] = []

    def answers() -> dict[int, int]:
        counts = dict.fromkeys(user_ids, 0)
        for chat_id in user_ids:
            counts[chat_id] = len(fake.messages_to(chat_id))
        return counts

    try:
        # Everyone writes while the bot is being killed and started again: a quarter before it runs, most
        # in the kill phases, the last ones during the outage.
        pending = list(user_ids)
        rng.shuffle(pending)
        for user_id in pending[: people // 4]:
            fake.push_update(updates.text(user_id, rng.choice(QUESTIONS)))
        pending = pending[people // 4 :]
        per_round = max(1, len(pending) * 3 // 4 // max(1, kills))
        started_at = time.monotonic()
        for round_number in range(kills):
            process = await start(fake, db)
            arrived = len(fake.arrived)
            await wait_for(lambda: fake.arrived[arrived:].count("getUpdates") >= 1, 600)  # noqa: B023
            for user_id in pending[:per_round]:
                fake.push_update(updates.text(user_id, rng.choice(QUESTIONS)))
            pending = pending[per_round:]
            if round_number == 0:
                # Killed at the very moment a batch is confirmed (after it arrived, before the next).
                fake.on_confirm = lambda offset, p=process: p.send_signal(signal.SIGKILL)
            else:
                await asyncio.sleep(rng.uniform(0, 0.5))  # while the round's updates are being handled
                process.send_signal(signal.SIGKILL)
            await process.wait()
            fake.on_confirm = None
            answered_by_kill.append(sum(1 for c in answers().values() if c))
        process = await start(fake, db)
        arrived = len(fake.arrived)
        await wait_for(lambda: fake.arrived[arrived:].count("getUpdates") >= 1, 600)
        if outage > 0:
            fake.fail(None, 502, times=10_000_000)  # the last ones write while the Bot API is down
        for user_id in pending:
            fake.push_update(updates.text(user_id, rng.choice(QUESTIONS)))
        if outage > 0:
            await asyncio.sleep(outage)
            fake.stop_failing()
        everyone = await wait_for(lambda: all(answers().values()), 300 + 3 * people)
        await asyncio.sleep(1.0)
        process.send_signal(signal.SIGTERM)
        await asyncio.wait_for(process.wait(), 60)
        elapsed = time.monotonic() - started_at
        counts = answers()
    finally:
        await fake.stop()
    lost = sum(1 for c in counts.values() if c == 0)
    duplicated = sum(c - 1 for c in counts.values() if c > 1)
    return {
        "people": people,
        "kills": kills,
        "outage_seconds": outage,
        "seed": seed,
        "everyone_answered": everyone,
        "lost": lost,
        "duplicates": duplicated,
        "people_with_a_duplicate": sum(1 for c in counts.values() if c > 1),
        "answered_after_each_kill": answered_by_kill,
        "failed_calls_during_outage": sum(1 for c in fake.calls if c.status == 502),
        "seconds": round(elapsed, 1),
        "exit_code_at_the_end": process.returncode,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--people", type=int, default=200)
    parser.add_argument("--kills", type=int, default=20)
    parser.add_argument("--outage", type=float, default=60.0)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--out", type=Path)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as workdir:
        result = asyncio.run(run(args.people, args.kills, args.outage, args.seed, Path(workdir)))
    path = write_result("faults", result, args.out)
    keys = ["people", "kills", "outage_seconds", "lost", "duplicates", "everyone_answered", "seconds"]
    print(table(keys, [[result[k] for k in keys]]))
    print(f"written to {path}")


if __name__ == "__main__":
    main()
