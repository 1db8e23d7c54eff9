"""Measure the matcher on a file of labelled questions (JSON lines).

Each line: {"text": "...", "expect": "<faq id>" or null, "lang": "<code>" (optional)}. An item is right when
the answer equals `expect` (for null: the bot stayed unsure). Wrong means answered with another id, or
answered at all where `expect` is null: the costly mistake. Unsure where an answer was expected is
neither right nor wrong: the person is asked to let a colleague answer.
"""

import json
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path

from bot.detect import detect
from bot.languages import LANGUAGES
from bot.matcher import Matcher


class EvalFileError(Exception):
    pass


@dataclass(frozen=True)
class Item:
    text: str
    expect: str | None
    lang: str | None


@dataclass
class Outcome:
    item: Item
    got: str | None
    detected: str | None


@dataclass
class Report:
    outcomes: list[Outcome] = field(default_factory=list)

    @property
    def n(self) -> int:
        return len(self.outcomes)

    @staticmethod
    def _right(o: Outcome) -> bool:
        return o.got == o.item.expect

    @staticmethod
    def _wrong(o: Outcome) -> bool:
        return o.got is not None and o.got != o.item.expect

    def accuracy(self, lang: str | None = None) -> float:
        chosen = [o for o in self.outcomes if lang is None or o.item.lang == lang]
        return sum(self._right(o) for o in chosen) / len(chosen) if chosen else 0.0

    def wrong_rate(self, lang: str | None = None) -> float:
        chosen = [o for o in self.outcomes if lang is None or o.item.lang == lang]
        return sum(self._wrong(o) for o in chosen) / len(chosen) if chosen else 0.0

    def lang_accuracy(self) -> float | None:
        chosen = [o for o in self.outcomes if o.item.lang]
        if not chosen:
            return None
        return sum(o.detected == o.item.lang for o in chosen) / len(chosen)

    def summary(self) -> dict[str, object]:
        lang_acc = self.lang_accuracy()
        return {
            "n": self.n,
            "accuracy": round(self.accuracy(), 4),
            "wrong_rate": round(self.wrong_rate(), 4),
            "lang_accuracy": None if lang_acc is None else round(lang_acc, 4),
        }

    def table(self) -> str:
        by_lang: dict[str, list[Outcome]] = defaultdict(list)
        for o in self.outcomes:
            by_lang[o.item.lang or "?"].append(o)
        lines = [f"{'lang':<6}{'n':>6}{'accuracy':>10}{'wrong':>8}{'unsure':>8}{'lang ok':>9}"]
        order = [lang for lang in (*LANGUAGES, "?") if lang in by_lang]
        for lang in order:
            items = by_lang[lang]
            right = sum(self._right(o) for o in items)
            wrong = sum(self._wrong(o) for o in items)
            unsure = sum(o.got is None and o.item.expect is not None for o in items)
            lang_ok = "-" if lang == "?" else f"{sum(o.detected == lang for o in items) / len(items):.1%}"
            lines.append(
                f"{lang:<6}{len(items):>6}{right / len(items):>10.1%}{wrong / len(items):>8.1%}"
                f"{unsure / len(items):>8.1%}{lang_ok:>9}"
            )
        lines.append(f"{'all':<6}{self.n:>6}{self.accuracy():>10.1%}{self.wrong_rate():>8.1%}")
        return "\n".join(lines)

    def mistakes(self) -> list[Outcome]:
        return [o for o in self.outcomes if not self._right(o)]


def read_items(path: Path) -> list[Item]:
    items = []
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except OSError as exc:
        raise EvalFileError(f"{path}: cannot read ({exc.strerror})") from None
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        try:
            data = json.loads(line)
        except json.JSONDecodeError as exc:
            raise EvalFileError(f"{path}:{number}: not JSON ({exc.msg})") from None
        if not isinstance(data, dict) or not isinstance(data.get("text"), str) or "expect" not in data:
            raise EvalFileError(f"{path}:{number}: needs an object with 'text' and 'expect'")
        expect, lang = data["expect"], data.get("lang")
        if expect is not None and not isinstance(expect, str):
            raise EvalFileError(f"{path}:{number}: 'expect' must be a FAQ id or null")
        if lang is not None and lang not in LANGUAGES:
            raise EvalFileError(f"{path}:{number}: 'lang' must be one of {', '.join(LANGUAGES)}")
        items.append(Item(data["text"], expect, lang))
    return items


def evaluate(matcher: Matcher, items: list[Item]) -> Report:
    report = Report()
    for item in items:
        lang = detect(item.text).lang
        report.outcomes.append(Outcome(item, matcher.match(item.text, lang).faq_id, lang))
    return report
