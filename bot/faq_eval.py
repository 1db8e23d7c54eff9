"""Measure the matcher on a file of labelled questions (JSON lines).

Each line: {"text": "...", "expect": "<faq id>" or null, "lang": "<code>" (optional), "also": ["<faq id>"]
(optional: a second question in the same message), "tags": ["typo", ...] (optional: phenomena)}.

Per item, from `Matcher.understand`:
- right: the answer is the expected topic; with "also" (two questions in one message), the answer is one
  or both of the asked topics and nothing else (which of the two a person asked first says nothing about
  which one the bot should be surer of; `both_topics_rate` says whether the other was answered or offered);
  for `expect: null`, nothing was answered; for "emergency", the emergency answer was given.
- wrong: answered with another topic, or answered at all where `expect` is null: the costly mistake. An
  emergency answer to a question that is no emergency is a false alarm; when the lexicon raised it, the
  numbers are all the person gets, so it counts as wrong; when the classifier or the semantic net raised it,
  the question is answered too, and that answer is judged as any other.
- unsure: nothing answered where an answer was expected (the person can ask a colleague). When the expected
  topic is among the offered choices, the item is also "right among choices".
`choices_recall`: of the items expecting a topic, how many got it answered or offered as a choice.
"""

import json
from collections import defaultdict
from collections.abc import Collection
from dataclasses import dataclass, field
from pathlib import Path

from bot.languages import LANGUAGES
from bot.matcher import EMERGENCY, Matcher, Understanding


class EvalFileError(Exception):
    pass


@dataclass(frozen=True)
class Item:
    text: str
    expect: str | None
    lang: str | None
    also: tuple[str, ...] = ()
    tags: tuple[str, ...] = ()


@dataclass
class Outcome:
    item: Item
    understood: Understanding

    @property
    def got(self) -> str | None:
        """The one answer as the older matcher gave it (emergency first)."""
        return self.understood.faq_id

    @property
    def detected(self) -> str | None:
        return self.understood.detected_lang

    @property
    def emergency(self) -> bool:
        return self.understood.emergency is not None or EMERGENCY in self.understood.answers

    @property
    def right(self) -> bool:
        u, expect = self.understood, self.item.expect
        if expect == EMERGENCY:
            return self.emergency
        if u.alarm_only:
            return False
        if expect is None:
            return not u.answers
        asked = {expect, *self.item.also}
        return bool(u.answers) and set(u.answers) <= asked and (expect in u.answers or bool(self.item.also))

    @property
    def wrong(self) -> bool:
        if self.right:
            return False
        return self.understood.alarm_only or bool(self.understood.answers)

    @property
    def unsure(self) -> bool:
        return not self.right and not self.wrong

    @property
    def among_choices(self) -> bool:
        """Unsure, and the expected topic was offered."""
        return self.unsure and self.item.expect is not None and self.item.expect in self.understood.choices

    @property
    def found(self) -> bool:
        """The expected topic was answered or offered (items that expect one)."""
        u = self.understood
        return self.item.expect is not None and (self.right or (not self.wrong and self.item.expect in u.choices))

    @property
    def false_alarm(self) -> bool:
        return self.item.expect != EMERGENCY and self.emergency


def _rate(part: int, whole: int) -> float:
    return part / whole if whole else 0.0


@dataclass
class Report:
    outcomes: list[Outcome] = field(default_factory=list)

    @property
    def n(self) -> int:
        return len(self.outcomes)

    def _chosen(self, lang: str | None) -> list[Outcome]:
        return [o for o in self.outcomes if lang is None or o.item.lang == lang]

    def accuracy(self, lang: str | None = None) -> float:
        chosen = self._chosen(lang)
        return _rate(sum(o.right for o in chosen), len(chosen))

    def wrong_rate(self, lang: str | None = None) -> float:
        chosen = self._chosen(lang)
        return _rate(sum(o.wrong for o in chosen), len(chosen))

    def unsure_rate(self, lang: str | None = None) -> float:
        chosen = self._chosen(lang)
        return _rate(sum(o.unsure for o in chosen), len(chosen))

    def choices_recall(self, lang: str | None = None) -> float:
        chosen = [o for o in self._chosen(lang) if o.item.expect is not None and o.item.expect != EMERGENCY]
        return _rate(sum(o.found for o in chosen), len(chosen))

    def emergency_recall(self) -> float | None:
        chosen = [o for o in self.outcomes if o.item.expect == EMERGENCY]
        return _rate(sum(o.emergency for o in chosen), len(chosen)) if chosen else None

    def false_alarm_rate(self) -> float:
        chosen = [o for o in self.outcomes if o.item.expect != EMERGENCY]
        return _rate(sum(o.false_alarm for o in chosen), len(chosen))

    def both_topics_rate(self) -> float | None:
        """Items with a second question: both topics answered or offered."""
        chosen = [o for o in self.outcomes if o.item.also]
        if not chosen:
            return None
        covered = 0
        for o in chosen:
            seen = {*o.understood.answers, *o.understood.choices}
            covered += o.item.expect in seen and all(a in seen for a in o.item.also)
        return covered / len(chosen)

    def lang_accuracy(self, lang: str | None = None) -> float | None:
        chosen = [o for o in self._chosen(lang) if o.item.lang]
        if not chosen:
            return None
        return sum(o.detected == o.item.lang for o in chosen) / len(chosen)

    def summary(self) -> dict[str, object]:
        def r(value: float | None) -> float | None:
            return None if value is None else round(value, 4)

        langs = [lang for lang in LANGUAGES if any(o.item.lang == lang for o in self.outcomes)]
        return {
            "n": self.n,
            "accuracy": r(self.accuracy()),
            "wrong_rate": r(self.wrong_rate()),
            "lang_accuracy": r(self.lang_accuracy()),
            "unsure_rate": r(self.unsure_rate()),
            "choices_recall": r(self.choices_recall()),
            "emergency_recall": r(self.emergency_recall()),
            "false_alarm_rate": r(self.false_alarm_rate()),
            "both_topics_rate": r(self.both_topics_rate()),
            "per_language": {
                lang: {
                    "n": len(self._chosen(lang)),
                    "accuracy": r(self.accuracy(lang)),
                    "wrong_rate": r(self.wrong_rate(lang)),
                    "unsure_rate": r(self.unsure_rate(lang)),
                    "choices_recall": r(self.choices_recall(lang)),
                    "lang_accuracy": r(self.lang_accuracy(lang)),
                }
                for lang in langs
            },
        }

    @staticmethod
    def _row(name: str, items: list[Outcome], lang_ok: str) -> str:
        n = len(items)
        right = sum(o.right for o in items)
        wrong = sum(o.wrong for o in items)
        unsure = sum(o.unsure for o in items)
        among = sum(o.among_choices for o in items)
        return (
            f"{name:<20}{n:>6}{_rate(right, n):>10.1%}{_rate(wrong, n):>8.1%}{_rate(unsure, n):>8.1%}"
            f"{_rate(among, unsure):>10.1%}{lang_ok:>9}"
        )

    def table(self) -> str:
        """Per language, then per tag: right, wrong, unsure, and of the unsure the share with the right topic
        among the offered choices."""
        header = f"{'':<20}{'n':>6}{'right':>10}{'wrong':>8}{'unsure':>8}{'in choice':>10}{'lang ok':>9}"
        by_lang: dict[str, list[Outcome]] = defaultdict(list)
        by_tag: dict[str, list[Outcome]] = defaultdict(list)
        for o in self.outcomes:
            by_lang[o.item.lang or "?"].append(o)
            for tag in o.item.tags:
                by_tag[tag].append(o)
        lines = ["lang" + header[4:]]
        for lang in [lang for lang in (*LANGUAGES, "?") if lang in by_lang]:
            items = by_lang[lang]
            ok = "-" if lang == "?" else f"{sum(o.detected == lang for o in items) / len(items):.1%}"
            lines.append(self._row(lang, items, ok))
        lines.append(self._row("all", self.outcomes, ""))
        if by_tag:
            lines += ["", "tag" + header[3:]]
            for tag in sorted(by_tag):
                items = by_tag[tag]
                with_lang = [o for o in items if o.item.lang]
                ok = f"{sum(o.detected == o.item.lang for o in with_lang) / len(with_lang):.1%}" if with_lang else "-"
                lines.append(self._row(tag, items, ok))
        extra = [f"right topic answered or among the choices: {self.choices_recall():.1%}"]
        emergency = self.emergency_recall()
        if emergency is not None:
            extra.append(f"emergencies answered with the numbers: {emergency:.1%}")
        extra.append(f"false emergency alarms: {self.false_alarm_rate():.1%}")
        both = self.both_topics_rate()
        if both is not None:
            extra.append(f"two questions, both topics answered or offered: {both:.1%}")
        return "\n".join([*lines, "", *extra])

    def mistakes(self) -> list[Outcome]:
        return [o for o in self.outcomes if not o.right]


def _ids(value: object, path: Path, number: int, key: str) -> tuple[str, ...]:
    if value is None:
        return ()
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise EvalFileError(f"{path}:{number}: '{key}' must be a list of strings")
    return tuple(value)


def read_items(path: Path, topics: Collection[str] | None = None) -> list[Item]:
    """The file's items; with `topics` (the content's FAQ ids), an id not among them is an error: a label
    that can never be right would count a correct "no topic" as a mistake (a file once had "null" quoted)."""
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
        also = _ids(data.get("also"), path, number, "also")
        tags = _ids(data.get("tags"), path, number, "tags")
        unknown = [x for x in (expect, *also) if topics is not None and x is not None and x not in topics]
        if unknown:
            raise EvalFileError(
                f"{path}:{number}: {unknown[0]!r} is not a FAQ id of the content (for no topic: null, without quotes)"
            )
        items.append(Item(data["text"], expect, lang, also, tags))
    return items


def evaluate(matcher: Matcher, items: list[Item]) -> Report:
    """Each item understood as a first message: the text alone decides the language (no known language)."""
    report = Report()
    understood = matcher.understand_all([item.text for item in items])
    report.outcomes.extend(Outcome(item, u) for item, u in zip(items, understood, strict=True))
    return report
