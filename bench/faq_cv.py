"""Cross-validate the FAQ matcher on the content's own example questions, to choose its thresholds.

The thresholds must not be fitted to tests/data/faq_dev.jsonl (that set measures generalisation), so
they are chosen here: k-fold over the examples and out-of-scope questions of the content, with the
keywords always kept in training. Prints accuracy and wrong rate for a grid of thresholds.

    python bench/faq_cv.py [--folds 5]
"""

import argparse
import json
import random
from collections import defaultdict
from dataclasses import replace

from bot.config import bundled_content_dir
from bot.content import load_content
from bot.detect import detect
from bot.matcher import OUT_OF_SCOPE, Matcher, Thresholds, examples_file_questions
from bot.normalize import normalize


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--folds", type=int, default=5)
    args = parser.parse_args()
    content = load_content(bundled_content_dir())
    questions: list[tuple[str, str, str]] = []
    fixed: list[tuple[str, str, str]] = []
    keywords: dict[str, list[tuple[str, ...]]] = defaultdict(list)
    for lang, text in content.texts.items():
        for faq_id, entry in text.faq.items():
            questions += [(faq_id, q, lang) for q in (*entry.examples, *entry.examples_latin)]
            fixed += [(faq_id, k, lang) for k in entry.keywords]
            keywords[faq_id] += [tuple(normalize(k).split()) for k in entry.keywords if normalize(k)]
        questions += [(OUT_OF_SCOPE, q, lang) for q in text.out_of_scope]
    questions += examples_file_questions(content)
    random.Random(7).shuffle(questions)
    folds = [questions[i :: args.folds] for i in range(args.folds)]
    results: list[tuple[str, str, dict[str, float]]] = []
    # The question's language as the bot would see it: detected from the text, as in a conversation.
    for i, held in enumerate(folds):
        train = [q for j, fold in enumerate(folds) if j != i for q in fold] + fixed
        matcher = Matcher.from_examples(train, keywords)
        results += [(label, text, matcher.scores(text, detect(text).lang)) for label, text, _lang in held]
    grid = []
    base = Thresholds()
    for min_score in (0.15, 0.2, 0.25, 0.3, 0.35, 0.4):
        for min_margin in (0.0, 0.02, 0.04, 0.06, 0.08, 0.1, 0.12):
            t = replace(base, min_score=min_score, min_margin=min_margin)
            right = wrong = 0
            for label, _text, scores in results:
                got = Matcher.decide(scores, t).faq_id
                expect = None if label == OUT_OF_SCOPE else label
                right += got == expect
                wrong += got is not None and got != expect
            grid.append((min_score, min_margin, right / len(results), wrong / len(results)))
    print(f"{len(results)} held-out questions, {args.folds} folds")
    print(f"{'min_score':>10}{'margin':>8}{'accuracy':>10}{'wrong':>8}")
    for min_score, margin, acc, wrong in grid:
        print(f"{min_score:>10.2f}{margin:>8.2f}{acc:>10.1%}{wrong:>8.1%}")
    # A wrong answer costs a refugee more than a forwarded question: count it twice.
    best = max(grid, key=lambda g: g[2] - 2 * g[3])
    print(
        json.dumps(
            {
                "min_score": best[0],
                "min_margin": best[1],
                "accuracy": round(best[2], 4),
                "wrong_rate": round(best[3], 4),
            }
        )
    )


if __name__ == "__main__":
    main()
