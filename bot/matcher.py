"""Match a free-text question to a FAQ id, or stay unsure.

A nearest-neighbour classifier over the content's example questions and keywords in all languages.
Texts become TF-IDF vectors of words, word pairs and letter n-grams (n-grams carry typos, missing
diacritics and word forms); a class scores by its best matching examples. Questions the bot must not
answer (`out_of_scope` in the content) form a class of their own: when it wins, the bot stays unsure,
and so it does when the best class is weak or too close to the runner-up. Staying unsure costs a
forwarded question; a wrong answer can cost a refugee a deadline.
"""

import itertools
import math
from collections import Counter, defaultdict
from dataclasses import dataclass, field

import numpy as np

from bot.content import Content
from bot.normalize import normalize

OUT_OF_SCOPE = "_out_of_scope"
LABEL_IDF_POWER = 1.0
ALWAYS_ANSWER = frozenset({"emergency"})

_GEEZ_START, _GEEZ_END = 0x1200, 0x139F
_ARABIC_PREFIXES = ("وال", "بال", "فال", "کال", "لل", "ال")


@dataclass(frozen=True)
class Thresholds:
    # Chosen by cross-validation on the content's own examples (bench/faq_cv.py), never on the dev set.
    min_score: float = 0.30  # below: unsure
    min_margin: float = 0.12  # best minus runner-up below this: unsure
    top_k: int = 3  # a class scores by the mean of its k best examples
    keyword_boost: float = 0.10  # added once when a keyword of the class appears verbatim
    other_language: float = 0.85  # weight of examples in another language than the question's


@dataclass(frozen=True)
class Match:
    faq_id: str | None  # None: unsure
    score: float
    runner_up: str | None = None
    runner_up_score: float = 0.0
    reason: str = ""  # why unsure ("weak", "close", "out_of_scope", "empty")


def _is_geez(word: str) -> bool:
    return any(_GEEZ_START <= ord(c) <= _GEEZ_END for c in word)


def _stems(word: str) -> list[str]:
    stems = []
    for prefix in _ARABIC_PREFIXES:
        if word.startswith(prefix) and len(word) - len(prefix) >= 3:
            stems.append(word[len(prefix) :])
            break
    return stems


def features(text: str) -> Counter[str]:
    """Raw weighted counts of a text's features (normalised first)."""
    words = normalize(text).split()
    feats: Counter[str] = Counter()
    for word in words:
        forms = [word, *_stems(word)]
        feats["w:" + word] += 1.0
        for stem in forms[1:]:
            feats["w:" + stem] += 0.7
        sizes = (2, 3) if _is_geez(word) else (3, 4, 5)
        grams = []
        for form in forms:
            padded = f"<{form}>"
            for n in sizes:
                grams.extend(padded[i : i + n] for i in range(max(1, len(padded) - n + 1)))
        if grams:
            # Spread a fixed weight over a word's n-grams, so long words do not drown short ones.
            share = 1.5 / math.sqrt(len(grams))
            for gram in grams:
                feats["c:" + gram] += share
    for first, second in itertools.pairwise(words):
        feats[f"b:{first}_{second}"] += 0.7
    return feats


@dataclass
class _Doc:
    label: str
    vector: dict[str, float]
    lang: str | None


@dataclass
class _Index:
    """The postings of all features as two flat arrays (documents, weights) with each feature's span."""

    spans: dict[str, tuple[int, int]]
    docs: np.ndarray
    weights: np.ndarray
    doc_label: np.ndarray  # each document's label, as a number into `labels`
    labels: list[str]
    numbers: dict[str, int]  # label -> its number
    doc_langs: list[str | None]
    keywords: dict[str, list[str]]  # label -> " keyword words " (padded, for a substring test)
    keywords_by_first: dict[str, set[str]]  # a keyword's first word -> labels
    _factors: dict[tuple[str, float], np.ndarray] = field(default_factory=dict)

    @classmethod
    def build(
        cls,
        docs: list[_Doc],
        postings: dict[str, list[tuple[int, float]]],
        keywords: dict[str, list[tuple[str, ...]]],
    ) -> "_Index":
        spans, flat_docs, flat_weights, at = {}, [], [], 0
        for feat, entries in postings.items():
            spans[feat] = (at, at + len(entries))
            at += len(entries)
            flat_docs.extend(i for i, _ in entries)
            flat_weights.extend(w for _, w in entries)
        labels = sorted({d.label for d in docs} | set(keywords))
        number = {label: i for i, label in enumerate(labels)}
        by_first: dict[str, set[str]] = defaultdict(set)
        for label, keyword_list in keywords.items():
            for kw in keyword_list:
                by_first[kw[0]].add(label)
        return cls(
            spans=spans,
            docs=np.array(flat_docs, dtype=np.int64),
            weights=np.array(flat_weights, dtype=np.float64),
            doc_label=np.array([number[d.label] for d in docs], dtype=np.int64),
            labels=labels,
            numbers={label: i for i, label in enumerate(labels)},
            doc_langs=[d.lang for d in docs],
            keywords={label: [f" {' '.join(kw)} " for kw in kws] for label, kws in keywords.items()},
            keywords_by_first=dict(by_first),
        )

    def language_factor(self, lang: str, other: float) -> np.ndarray:
        """Per document: 1, or `other` for an example in another language than `lang`."""
        key = (lang, other)
        if key not in self._factors:
            self._factors[key] = np.array(
                [other if d is not None and d != lang else 1.0 for d in self.doc_langs], dtype=np.float64
            )
        return self._factors[key]


@dataclass
class Matcher:
    thresholds: Thresholds = field(default_factory=Thresholds)
    _idf: dict[str, float] = field(default_factory=dict)
    _postings: dict[str, list[tuple[int, float]]] = field(default_factory=lambda: defaultdict(list))
    _docs: list[_Doc] = field(default_factory=list)
    _keywords: dict[str, list[tuple[str, ...]]] = field(default_factory=dict)
    _index: "_Index | None" = None
    _labelled: list[tuple[str, str, str | None]] = field(default_factory=list)

    @classmethod
    def from_content(cls, content: Content, thresholds: Thresholds | None = None) -> "Matcher":
        labelled: list[tuple[str, str, str | None]] = []
        keywords: dict[str, list[tuple[str, ...]]] = defaultdict(list)
        for lang, text in content.texts.items():
            for faq_id, entry in text.faq.items():
                for example in (*entry.examples, *entry.examples_latin, *entry.keywords):
                    labelled.append((faq_id, example, lang))
                for keyword in entry.keywords:
                    tokens = tuple(normalize(keyword).split())
                    if tokens:
                        keywords[faq_id].append(tokens)
            for example in (*text.out_of_scope, *text.out_of_scope_keywords):
                labelled.append((OUT_OF_SCOPE, example, lang))
            for keyword in text.out_of_scope_keywords:
                tokens = tuple(normalize(keyword).split())
                if tokens:
                    keywords[OUT_OF_SCOPE].append(tokens)
        return cls.from_examples(labelled, keywords, thresholds)

    @classmethod
    def from_examples(
        cls,
        labelled: list[tuple[str, str, str | None]],
        keywords: dict[str, list[tuple[str, ...]]] | None = None,
        thresholds: Thresholds | None = None,
    ) -> "Matcher":
        matcher = cls(thresholds=thresholds or Thresholds())
        raw = [(label, features(text), lang) for label, text, lang in labelled]
        raw = [(label, feats, lang) for label, feats, lang in raw if feats]
        raw.sort(key=lambda item: item[0])  # each label's examples side by side (see _Index)
        df: Counter[str] = Counter()
        for _, feats, _lang in raw:
            df.update(feats.keys())
        n = len(raw)
        # Weight a feature by how rare it is among examples and among labels: a word every topic uses
        # ("office", "help", "مكتب") says little about which topic is meant.
        labels_with: dict[str, set[str]] = defaultdict(set)
        for label, feats, _lang in raw:
            for feat in feats:
                labels_with[feat].add(label)
        n_labels = len({label for label, _, _ in raw}) or 1
        matcher._idf = {
            f: (math.log((n + 1) / (d + 1)) + 1.0) * (math.log((n_labels + 1) / len(labels_with[f])) ** LABEL_IDF_POWER)
            for f, d in df.items()
        }
        for label, feats, lang in raw:
            vector = matcher._weigh(feats)
            index = len(matcher._docs)
            matcher._docs.append(_Doc(label, vector, lang))
            for feat, weight in vector.items():
                matcher._postings[feat].append((index, weight))
        matcher._keywords = dict(keywords or {})
        matcher._index = _Index.build(matcher._docs, matcher._postings, matcher._keywords)
        matcher._postings = defaultdict(list)  # now in the index, as arrays
        # The vectors are in the index too: keeping them costs tens of MB with the sample content alone.
        matcher._docs = [_Doc(d.label, {}, d.lang) for d in matcher._docs]
        matcher._labelled = list(labelled)
        return matcher

    def with_examples(self, extra: list[tuple[str, str, str | None]]) -> "Matcher":
        """A new matcher that also knows these (label, text, language) examples: weights are computed anew,
        so words only the new examples use count too."""
        return Matcher.from_examples([*self._labelled, *extra], self._keywords, self.thresholds)

    def _weigh(self, feats: Counter[str]) -> dict[str, float]:
        vector = {
            f: (1.0 + math.log(c)) * self._idf[f] if c >= 1 else c * self._idf[f]
            for f, c in feats.items()
            if f in self._idf
        }
        norm = math.sqrt(sum(w * w for w in vector.values()))
        return {f: w / norm for f, w in vector.items()} if norm else {}

    def scores(self, text: str, lang: str | None = None) -> dict[str, float]:
        """Each label's score for `text` (labels without any shared feature are left out).

        With `lang`, examples in other languages count less: Arabic and Persian share letters, and a word
        of one can be another word of the other ("ادرس": "I study" / "address").
        """
        if self._index is None:
            return {}
        totals, scored = self._label_scores(text, lang)
        return {self._index.labels[i]: float(totals[i]) for i in np.flatnonzero(scored).tolist()}

    def _label_scores(self, text: str, lang: str | None) -> tuple[np.ndarray, np.ndarray]:
        """Per label (numbered as in the index): its score, and whether it has one at all."""
        index = self._index
        assert index is not None
        query = self._weigh(features(text))
        # The same sums as a loop over the postings, in the same order (so the same floats), done by numpy:
        # with a thousand FAQ entries a question touches tens of thousands of postings.
        starts, lengths, weights = [], [], []
        for feat, weight in query.items():
            span = index.spans.get(feat)
            if span is not None:
                starts.append(span[0])
                lengths.append(span[1] - span[0])
                weights.append(weight)
        if starts:
            # All postings of the question's features in one gather; bincount then adds each document's
            # contributions in array order, i.e. feature by feature as a loop would: the same floats.
            lengths_a = np.array(lengths)
            offsets = np.repeat(np.array(starts) - np.cumsum(np.r_[0, lengths_a[:-1]]), lengths_a)
            positions = offsets + np.arange(int(lengths_a.sum()))
            contributions = np.repeat(np.array(weights), lengths_a) * index.weights[positions]
            sims = np.bincount(index.docs[positions], weights=contributions, minlength=len(self._docs))
        else:
            sims = np.zeros(len(self._docs))
        if lang is not None:
            sims *= index.language_factor(lang, self.thresholds.other_language)
        touched = np.flatnonzero(sims)
        values = sims[touched]
        labels = index.doc_label[touched]
        # Each label scores by the mean of its k best examples. A label's examples are numbered side by
        # side, so `touched` comes grouped by label: take each group's best, k times (no sorting needed).
        firsts = np.flatnonzero(np.r_[True, labels[1:] != labels[:-1]]) if len(labels) else labels
        sizes = np.diff(np.r_[firsts, len(labels)])
        totals = np.zeros(len(index.labels))
        positions = np.arange(len(values))
        for round_ in range(self.thresholds.top_k):
            if not len(values):
                break
            best = np.maximum.reduceat(values, firsts)
            totals[labels[firsts]] += np.where(sizes > round_, best, 0.0)
            at = np.minimum.reduceat(np.where(values == np.repeat(best, sizes), positions, len(values)), firsts)
            values[at[at < len(values)]] = -np.inf
        totals /= self.thresholds.top_k
        scored = np.zeros(len(index.labels), dtype=bool)
        scored[labels] = True
        tokens = normalize(text).split()
        joined = f" {' '.join(tokens)} "
        # A keyword can only be present when its first word is: look only at those.
        candidates = {label for token in set(tokens) for label in index.keywords_by_first.get(token, ())}
        for label in candidates:
            if any(keyword in joined for keyword in index.keywords[label]):
                number = index.numbers[label]
                totals[number] += self.thresholds.keyword_boost
                scored[number] = True
        return totals, scored

    def match(self, text: str, lang: str | None = None) -> Match:
        if not normalize(text):
            return Match(None, 0.0, reason="empty")
        if self._index is None:
            return self.decide({}, self.thresholds)
        # Only the best two labels decide: no need to rank the other hundreds.
        totals, scored = self._label_scores(text, lang)
        candidates = np.flatnonzero(scored)
        top = candidates[np.argsort(-totals[candidates], kind="stable")[:2]]
        return self.decide({self._index.labels[i]: float(totals[i]) for i in top.tolist()}, self.thresholds)

    @staticmethod
    def decide(scores: dict[str, float], thresholds: Thresholds) -> Match:
        ranked = sorted(scores.items(), key=lambda kv: kv[1], reverse=True)
        if not ranked:
            return Match(None, 0.0, reason="weak")
        best, best_score = ranked[0]
        second, second_score = ranked[1] if len(ranked) > 1 else (None, 0.0)
        if best == OUT_OF_SCOPE:
            return Match(None, best_score, second, second_score, reason="out_of_scope")
        if best_score < thresholds.min_score:
            return Match(None, best_score, second, second_score, reason="weak")
        # A plausible emergency is answered even when another topic is close: the numbers harm no one.
        if best_score - second_score < thresholds.min_margin and best not in ALWAYS_ANSWER:
            return Match(None, best_score, second, second_score, reason="close")
        return Match(best, best_score, second, second_score)
