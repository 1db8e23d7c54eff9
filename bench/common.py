"""What every benchmark shares: the machine's description, percentiles, the table and the JSON result, and
simulated people stored in bulk."""

import json
import os
import platform
import sqlite3
from collections.abc import Sequence
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench" / "results"
LANGS = ("de", "en", "ar", "fa", "ti")
OFFICES = ("brackel", "huckarde_mengede", "hoerde_hombruch", "aplerbeck")
BERLIN = ZoneInfo("Europe/Berlin")


def bench_now() -> datetime:
    """A Tuesday morning in November 2026 (as in the tests): offices open, slots bookable."""
    return datetime(2026, 11, 24, 10, 30, tzinfo=BERLIN)


def machine() -> dict[str, object]:
    model = ""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return {
        "cores": os.cpu_count(),
        "cpu": model or platform.processor(),
        "python": platform.python_version(),
        "platform": platform.platform(),
        # The machine is shared: the load average says how much else ran on the cores meanwhile.
        "load_average": [round(x, 2) for x in os.getloadavg()],
    }


def percentile(values: Sequence[float], share: float) -> float:
    """Nearest-rank percentile (share in 0..1); 0.0 for no values."""
    if not values:
        return 0.0
    ordered = sorted(values)
    rank = max(0, min(len(ordered) - 1, round(share * len(ordered) + 0.5) - 1))
    return ordered[rank]


def table(headers: Sequence[str], rows: Sequence[Sequence[object]]) -> str:
    cells = [[str(h) for h in headers]] + [[_cell(v) for v in row] for row in rows]
    widths = [max(len(row[i]) for row in cells) for i in range(len(headers))]
    lines = ["  ".join(c.rjust(w) for c, w in zip(row, widths, strict=True)) for row in cells]
    lines.insert(1, "  ".join("-" * w for w in widths))
    return "\n".join(lines)


def _cell(value: object) -> str:
    if isinstance(value, float):
        return f"{value:.3f}" if abs(value) < 100 else f"{value:.0f}"
    return str(value)


def write_result(name: str, result: dict[str, object], out: Path | None = None) -> Path:
    path = out or RESULTS / f"{name}.json"
    path.parent.mkdir(parents=True, exist_ok=True)
    payload = {"benchmark": name, "machine": machine(), "at": datetime.now().isoformat(timespec="seconds"), **result}
    path.write_text(json.dumps(payload, indent=2, ensure_ascii=False) + "\n")
    return path


def add_people(db_path: Path, count: int, first_user_id: int, now: datetime, channel: str = "telegram") -> list[int]:
    """Store `count` people at once, as if each had already started a conversation and agreed to news.

    The one place that decides what an existing person looks like: with the privacy consent of issue 7 in
    the schema (people.consent_at, and per purpose since issue 14), they have consented too, so the bot answers them like anyone who did.
    Returns the Telegram user ids (first_user_id, first_user_id + 1, ...). The schema must exist already
    (open the store once before).
    """
    user_ids = list(range(first_user_id, first_user_id + count))
    stamp = now.astimezone(ZoneInfo("UTC")).isoformat()
    with sqlite3.connect(db_path) as db:
        columns = {row[1] for row in db.execute("PRAGMA table_info(people)")}
        names = ["channel", "user_id", "language", "language_source", "office_id", "created_at", "last_seen_at"]
        names += ["news"] + (["consent_at"] if "consent_at" in columns else [])
        rows = []
        for i, user_id in enumerate(user_ids):
            row: list[object] = [channel, str(user_id), LANGS[i % 5], "chosen", OFFICES[i % 4], stamp, stamp, 1]
            rows.append(row + ([stamp] if "consent_at" in columns else []))
        db.executemany(
            f"INSERT INTO people ({', '.join(names)}) VALUES ({', '.join('?' * len(names))})",
            rows,
        )
        if db.execute("SELECT 1 FROM sqlite_master WHERE name = 'consents'").fetchone():
            # Consent per purpose (issue 14): they agreed to everything, like people who used the bot before.
            db.execute(
                "INSERT OR IGNORE INTO consents (person_id, purpose, given_at) SELECT people.id, p.purpose, ?"
                " FROM people, (SELECT 'appointments' AS purpose UNION ALL SELECT 'team' UNION ALL"
                " SELECT 'news' UNION ALL SELECT 'reminders') AS p WHERE people.channel = ?",
                (stamp, channel),
            )
    return user_ids
