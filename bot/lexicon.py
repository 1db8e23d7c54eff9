"""Phrase lists from the content that decide before (and regardless of) the FAQ classifier.

- `content/emergency.yaml`: the emergency safety net. A hit always wins: the person gets the emergency
  numbers whatever the classifier says.
- `content/scope.yaml`: other cities and other authorities, whose facts are not ours.

Both are validated when the matcher is built (a problem raises ContentError naming the file and key, like
the rest of the content). A phrase's words must come in order, each within `GAP` words of the one before;
"word*" matches a word starting with "word", "*word" one ending with it, "*word*" one containing it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from bot.content import ContentError, Review, load_yaml
from bot.normalize import normalize

EMERGENCY_KINDS = ("suicide", "not_breathing", "bleeding", "violence", "child", "fire", "medical")
LEXICON_LANGUAGES = ("de", "en", "ar", "ar_latin", "fa", "fa_latin", "ti", "ti_latin")
GAP = 4  # a phrase's next word may come up to 3 words later ("hat mich geschlagen und bedroht")
_CLITICS = ("وال", "بال", "فال", "لل", "ال", "و", "ف", "ب", "ل")


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


Phrases = list[str]


class EmergencyFile(_Strict):
    review: Review
    kinds: dict[Literal[EMERGENCY_KINDS], dict[Literal[LEXICON_LANGUAGES], Phrases]]  # type: ignore[valid-type]
    not_now: dict[Literal[LEXICON_LANGUAGES], Phrases] = Field(default_factory=dict)  # type: ignore[valid-type]


class ScopeFile(_Strict):
    review: Review
    our_places: Phrases = Field(default_factory=list)
    other_places: Phrases = Field(default_factory=list)
    home_places: Phrases = Field(default_factory=list)
    other_authorities: Phrases = Field(default_factory=list)
    authority_topics: list[str] = Field(default_factory=list)
    office_topics: list[str] = Field(default_factory=list)


@dataclass(frozen=True)
class _Word:
    text: str
    mode: str  # "=", "prefix", "suffix", "contains"

    def matches(self, token: str) -> bool:
        if self.mode == "=":
            if token == self.text:
                return True
            # Arabic writes "and", "so", "with", "to", "the" onto the next word: "وما" is "و" + "ما".
            return any(token.startswith(c) and token[len(c) :] == self.text for c in _CLITICS)
        if self.mode == "prefix":
            return token.startswith(self.text)
        if self.mode == "suffix":
            return token.endswith(self.text)
        return self.text in token


@dataclass(frozen=True)
class Phrase:
    source: str
    words: tuple[_Word, ...]
    at_end: bool = False  # "... $": the last word ends its sentence or clause ("I can't go on.", not "... on the bus")

    def found_in(self, tokens: list[str]) -> bool:
        first = self.words[0]
        for start, token in enumerate(tokens):
            if first.matches(token) and self._rest(tokens, start, 1):
                return True
        return False

    def _rest(self, tokens: list[str], at: int, i: int) -> bool:
        if i == len(self.words):
            return not self.at_end or at == len(tokens) - 1
        word = self.words[i]
        for j in range(at + 1, min(len(tokens), at + 1 + GAP)):
            if word.matches(tokens[j]) and self._rest(tokens, j, i + 1):
                return True
        return False


def compile_phrase(source: str) -> Phrase | None:
    words = []
    raws = source.split()
    at_end = bool(raws) and raws[-1] == "$"
    for raw in raws[:-1] if at_end else raws:
        prefix, suffix = raw.startswith("*"), raw.endswith("*")
        core = normalize(raw.strip("*"))
        if not core:
            continue
        mode = "contains" if prefix and suffix else "suffix" if prefix else "prefix" if suffix else "="
        # normalize() can split a word in two ("e-mail"): each part is a word of the phrase.
        parts = core.split()
        for k, part in enumerate(parts):
            part_mode = mode
            if len(parts) > 1:
                part_mode = ("suffix" if prefix else "=") if k == 0 else ("prefix" if suffix else "=")
                if 0 < k < len(parts) - 1:
                    part_mode = "="
            words.append(_Word(part, part_mode))
    return Phrase(source, tuple(words), at_end) if words else None


class _PhraseSet:
    """Phrases indexed by their first word, so a message checks few of them: by the exact word, or by the first
    two letters of a "word*" and the last two of a "*word"; only "*word*" phrases are checked for every
    message. (Kinds are checked in order, so which phrase of a kind is found first does not matter.)"""

    def __init__(self, phrases: list[Phrase]) -> None:
        self.by_first: dict[str, list[Phrase]] = {}
        self.by_start: dict[str, list[Phrase]] = {}
        self.by_end: dict[str, list[Phrase]] = {}
        self.loose: list[Phrase] = []
        for phrase in phrases:
            first = phrase.words[0]
            if first.mode == "=":
                self.by_first.setdefault(first.text, []).append(phrase)
            elif first.mode == "prefix" and len(first.text) >= 2:
                self.by_start.setdefault(first.text[:2], []).append(phrase)
            elif first.mode == "suffix" and len(first.text) >= 2:
                self.by_end.setdefault(first.text[-2:], []).append(phrase)
            else:
                self.loose.append(phrase)

    def first_hit(self, tokens: list[str]) -> Phrase | None:
        firsts = dict.fromkeys(
            [*tokens, *(t[len(c) :] for t in tokens for c in _CLITICS if t.startswith(c) and len(t) > len(c))]
        )
        candidates = [self.by_first.get(token, ()) for token in firsts]
        candidates += [self.by_start.get(start, ()) for start in dict.fromkeys(t[:2] for t in tokens)]
        candidates += [self.by_end.get(end, ()) for end in dict.fromkeys(t[-2:] for t in tokens)]
        candidates.append(self.loose)
        for phrases in candidates:
            for phrase in phrases:
                if phrase.found_in(tokens):
                    return phrase
        return None


@dataclass(frozen=True)
class EmergencyHit:
    kind: str
    phrase: str


_CLAUSE_END = re.compile(r"[,،;؛:]")
_SENTENCE_END = re.compile(r"(?<![.\d])\.(?![.\d])|[!?؟።\n]+")
# A stroke or a fire "last year", a fire drill, the news of a fire, a hospital asked for "not an emergency":
# questions about something else, not an emergency now (content/emergency.yaml, `not_now`). Violence, threats,
# suicidal thoughts and a child in danger stay emergencies however they are told.
PAST_CAN_END = frozenset({"medical", "not_breathing", "bleeding", "fire"})


class EmergencyLexicon:
    def __init__(self, kinds: dict[str, list[Phrase]], not_now: list[str] | None = None) -> None:
        # In the order of EMERGENCY_KINDS: suicidal thoughts first (their answer adds the crisis lines).
        self.kinds = {kind: _PhraseSet(kinds.get(kind, [])) for kind in EMERGENCY_KINDS}
        # Word for word and side by side: "not breathing, it is an emergency" must not read as "not an emergency".
        self.not_now = tuple(f" {words} " for words in dict.fromkeys(normalize(p) for p in not_now or []) if words)

    def find(self, text: str) -> EmergencyHit | None:
        tokens = normalize(text).split()
        if not tokens:
            return None
        spaced = f" {' '.join(tokens)} "
        # A phrase's words within one sentence: "آني خايف. منو يشوف ..." is "I am afraid. Who sees ...", not
        # "afraid of him". A pause ("...", "…") or a comma does not end a sentence. Its clauses (parts between
        # commas) are read too, for the phrases that must end one: "I can't go on, please help".
        sentences = _SENTENCE_END.split(text)
        clauses = [clause for part in sentences if _CLAUSE_END.search(part) for clause in _CLAUSE_END.split(part)]
        segments = [words for part in sentences + clauses if (words := normalize(part).split())]
        for kind, phrases in self.kinds.items():
            hit = next((h for words in segments if (h := phrases.first_hit(words)) is not None), None)
            if hit is None:
                continue
            if kind in PAST_CAN_END and any(words in spaced for words in self.not_now):
                continue
            return EmergencyHit(kind, hit.source)
        return None


class Scope:
    def __init__(self, data: ScopeFile) -> None:
        self.ours = _PhraseSet(_compile_all(data.our_places))
        self.places = _PhraseSet(_compile_all(data.other_places))
        self.homes = _PhraseSet(_compile_all(data.home_places))
        self.authorities = _PhraseSet(_compile_all(data.other_authorities))
        self.authority_topics = frozenset(data.authority_topics)
        self.office_topics = frozenset(data.office_topics)

    def other_place(self, text: str) -> str | None:
        """The other city a question names, unless it also names one of ours."""
        tokens = normalize(text).split()
        hit = self.places.first_hit(tokens)
        if hit is None or self.ours.first_hit(tokens) is not None:
            return None
        return hit.source

    def other_authority(self, text: str) -> str | None:
        hit = self.authorities.first_hit(normalize(text).split())
        return None if hit is None else hit.source

    def home_place(self, text: str) -> str | None:
        """A city or country people come from: only its hours, address or phone are not ours to answer."""
        hit = self.homes.first_hit(normalize(text).split())
        return None if hit is None else hit.source

    def facts_elsewhere(self, text: str) -> str | None:
        """Why hours, an address or a phone asked for here would be someone else's: "other_authority" or
        "other_place" (a place people come from, unless one of ours is named too: "I am from Homs, I live in
        Brackel now: where is your office?"), else None."""
        if self.other_authority(text):
            return "other_authority"
        if self.home_place(text) and self.ours.first_hit(normalize(text).split()) is None:
            return "other_place"
        return None


def _compile_all(sources: list[str]) -> list[Phrase]:
    return [p for p in (compile_phrase(s) for s in sources) if p is not None]


def _read(path: Path, model: type[BaseModel], display: str) -> BaseModel:
    try:
        data = load_yaml(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise ContentError([f"{display}: cannot read ({exc.strerror})"]) from None
    except yaml.YAMLError as exc:
        raise ContentError([f"{display}: not valid YAML ({getattr(exc, 'problem', exc)})"]) from None
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        problems = []
        for error in exc.errors():
            where = ".".join(str(p) for p in error["loc"]) or "(top level)"
            problems.append(f"{display}: {where}: {str(error['msg']).removeprefix('Value error, ')}")
        raise ContentError(problems) from None


def _folder(content_folder: Path | None) -> Path:
    from bot.config import bundled_content_dir

    if content_folder is not None and (Path(content_folder) / "emergency.yaml").is_file():
        return Path(content_folder)
    return bundled_content_dir()


@lru_cache(maxsize=8)
def _load(folder: Path, mtimes: tuple[float, float]) -> tuple[EmergencyLexicon, Scope]:
    emergency = _read(folder / "emergency.yaml", EmergencyFile, "emergency.yaml")
    assert isinstance(emergency, EmergencyFile)
    problems = []
    kinds: dict[str, list[Phrase]] = {}
    for kind in EMERGENCY_KINDS:
        languages = emergency.kinds.get(kind)
        if not languages:
            problems.append(f"emergency.yaml: kinds.{kind}: missing")
            continue
        for lang in LEXICON_LANGUAGES:
            phrases = _compile_all(languages.get(lang, []))
            if not phrases:
                problems.append(f"emergency.yaml: kinds.{kind}.{lang}: needs at least one phrase")
            kinds.setdefault(kind, []).extend(phrases)
    scope = _read(folder / "scope.yaml", ScopeFile, "scope.yaml") if (folder / "scope.yaml").is_file() else None
    if problems:
        raise ContentError(problems)
    not_now = [phrase for lang in LEXICON_LANGUAGES for phrase in emergency.not_now.get(lang, [])]
    return EmergencyLexicon(kinds, not_now), Scope(
        scope if isinstance(scope, ScopeFile) else ScopeFile(review=emergency.review)
    )


def load_lexicons(content_folder: Path | None = None) -> tuple[EmergencyLexicon, Scope]:
    """The emergency lexicon and the scope lists of a content folder (the bundled ones when it has none)."""
    folder = _folder(content_folder)
    mtimes = tuple(
        (folder / name).stat().st_mtime if (folder / name).is_file() else 0.0
        for name in ("emergency.yaml", "scope.yaml")
    )
    return _load(folder, mtimes)
