"""The matcher's lexical index on disk, beside the embeddings (WILLKOMMEN_CACHE_DIR).

Building the index of ~10,000 examples takes about 3 s of CPU, at every start of the bot and of every
`willkommen` command; reading it back takes a tenth of that. The file is keyed by the examples and by the
code that turns text into features (bot/matcher.py, bot/normalize.py): a changed example or a changed
normaliser builds anew, never reads a stale index. Numbers and plain text only (no pickle), written whole
or not at all; an unreadable file is built again.
"""

import json
import logging
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from bot.cache_files import mark_used

log = logging.getLogger(__name__)


@dataclass
class IndexParts:
    """What building the lexical index computes from the examples."""

    idf: dict[str, float]
    spans: dict[str, tuple[int, int]]  # feature -> its postings in docs/weights
    docs: np.ndarray
    weights: np.ndarray
    doc_label: np.ndarray
    labels: list[str]
    doc_langs: list[str | None]
    distinctive: dict[str, np.ndarray]  # word -> the few labels using it
    # For each example (in the order given), whether it is one of its label's keywords: normalising ~10,000
    # examples to find out costs ~0.8 s at every start. None: not computed (found when needed).
    keyword_flags: np.ndarray | None = None


def write(path: Path, parts: IndexParts) -> None:
    features = list(parts.spans)
    if set(features) != set(parts.idf):
        return  # every feature has postings; if not, this index is not one the file can hold: build each time
    words = list(parts.distinctive)
    lengths = [len(parts.distinctive[w]) for w in words]
    meta = {"features": features, "labels": parts.labels, "doc_langs": parts.doc_langs, "words": words}
    optional: dict[str, Any] = (
        {} if parts.keyword_flags is None else {"keyword_flags": parts.keyword_flags.astype(bool)}
    )
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        partial = path.with_name(f".{path.name}.{os.getpid()}.tmp")
        with partial.open("wb") as handle:
            np.savez(
                handle,
                meta=np.frombuffer(json.dumps(meta, ensure_ascii=False).encode(), dtype=np.uint8),
                idf=np.array([parts.idf[f] for f in features], dtype=np.float64),
                starts=np.array([parts.spans[f][0] for f in features], dtype=np.int32),
                ends=np.array([parts.spans[f][1] for f in features], dtype=np.int32),
                docs=parts.docs.astype(np.int32),  # half the file; read back as int64
                weights=parts.weights,
                doc_label=parts.doc_label,
                word_lengths=np.array(lengths, dtype=np.int64),
                word_labels=np.concatenate([parts.distinctive[w] for w in words]) if words else np.zeros(0, np.int64),
                **optional,
            )
        os.replace(partial, path)
    except OSError as exc:
        log.warning("cannot write the index cache %s (%s): the next start builds it again", path, exc)


def read(path: Path) -> IndexParts | None:
    if not path.is_file():
        return None
    try:
        with np.load(path, allow_pickle=False) as stored:
            meta = json.loads(stored["meta"].tobytes().decode())
            features = meta["features"]
            idf, starts, ends = stored["idf"].tolist(), stored["starts"].tolist(), stored["ends"].tolist()
            word_labels = np.split(stored["word_labels"], np.cumsum(stored["word_lengths"])[:-1])
            mark_used(path)
            return IndexParts(
                idf=dict(zip(features, idf, strict=True)),
                spans=dict(zip(features, zip(starts, ends, strict=True), strict=True)),
                docs=stored["docs"].astype(np.int64),
                weights=stored["weights"],
                doc_label=stored["doc_label"],
                labels=meta["labels"],
                doc_langs=meta["doc_langs"],
                distinctive=dict(zip(meta["words"], word_labels, strict=True)) if meta["words"] else {},
                keyword_flags=stored["keyword_flags"] if "keyword_flags" in stored.files else None,
            )
    except (OSError, ValueError, KeyError, TypeError) as exc:
        log.warning("index cache %s unreadable (%s): building it again", path, exc)
        return None
