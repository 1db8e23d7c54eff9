"""Housekeeping of the cache folder (WILLKOMMEN_CACHE_DIR): embeddings, lexical index, fitted classifier.

Every edit of the content leaves its old files behind (about 30 MB with the sample content). A file is marked
used whenever it is read; files nobody read or wrote for STALE_AFTER_DAYS are deleted at the next start.
A content edited back within that time finds its files still there.
"""

import logging
import os
import re
import time
from pathlib import Path

log = logging.getLogger(__name__)

STALE_AFTER_DAYS = 30
# Only files of our own naming: WILLKOMMEN_CACHE_DIR may point at a folder shared with other programs.
# A lock file (".<name>.lock") goes with its file.
_NAME = r"(decision-[0-9a-f]{32}\.json|index-[0-9a-f]{32}\.npz|.+-(query|passage)-[0-9a-f]{32}\.np[yz])"
OURS = re.compile(rf"{_NAME}|\.{_NAME}\.lock")


def mark_used(path: Path) -> None:
    try:
        os.utime(path)
    except OSError:
        pass  # a read-only cache is still a cache


def prune_stale(folder: Path, now: float | None = None) -> list[Path]:
    """Delete the cache files in `folder` not used for STALE_AFTER_DAYS; returns those deleted."""
    limit = (time.time() if now is None else now) - STALE_AFTER_DAYS * 86400
    deleted: list[Path] = []
    try:
        candidates = [p for p in folder.iterdir() if OURS.fullmatch(p.name)]
    except OSError:
        return deleted
    for path in candidates:
        try:
            if path.stat().st_mtime < limit:
                path.unlink()
                deleted.append(path)
        except OSError:
            continue  # gone already (another process pruned it), or not ours to delete
    if deleted:
        log.info("cache %s: %d files unused for %d days deleted", folder, len(deleted), STALE_AFTER_DAYS)
    return deleted
