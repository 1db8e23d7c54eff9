"""Find the event a person's question names: "Wann ist der Infoabend?", "pauluskirshe", "language cafe".

An event is named by its title in any of the five languages or by its place. A name counts when every one of
its telling words is in the question (a typo or two allowed in longer words, compounds written apart or
together); words every event of the network shares (lokal willkommen, the offices' names and districts,
Dortmund) tell nothing and are left out. Among the events named, the one with the longest name found wins,
then one in a district the question names, then the earliest.
"""

import functools
import itertools
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from bot.content import Content
from bot.event_view import EventView
from bot.normalize import normalize

_ARABIC_PREFIXES = ("وال", "بال", "فال", "کال", "لل", "ال")
# Short forms people write for the same thing (after normalize()).
_SAME = {
    "information": "info",
    "informations": "info",
    "infos": "info",
    "informationsabend": "infoabend",
    "infoveranstaltung": "infoabend",
    "cafes": "cafe",
}
_ALWAYS_GENERIC = ("lokal", "willkommen", "dortmund")


def _stem(word: str) -> str:
    for prefix in _ARABIC_PREFIXES:
        if word.startswith(prefix) and len(word) - len(prefix) >= 3:
            return word[len(prefix) :]
    return word


@functools.lru_cache(maxsize=4096)
def _words(text: str) -> tuple[str, ...]:
    # Cached: every question is compared with every event's titles in five languages, the offices' names and
    # their districts, which are the same texts each time.
    return tuple(_SAME.get(w, w) for w in (_stem(w) for w in normalize(text).split()) if len(w) >= 2)


@functools.lru_cache(maxsize=65536)
def _within(a: str, b: str, limit: int) -> bool:
    """Levenshtein distance of a and b is at most `limit`. Cached: questions share most of their words ("wann",
    "office", "ist"), and each is compared with the same event names again."""
    if abs(len(a) - len(b)) > limit:
        return False
    previous = list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        current = [i]
        for j, cb in enumerate(b, 1):
            current.append(min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (ca != cb)))
        if min(current) > limit:
            return False
        previous = current
    return previous[-1] <= limit


def _typos_allowed(word: str) -> int:
    return 0 if len(word) < 5 else 1 if len(word) < 9 else 2


def _found(word: str, forms: set[str]) -> bool:
    if word in forms:
        return True
    limit = _typos_allowed(word)
    return limit > 0 and any(_within(word, form, limit) for form in forms)


def generic_words(content: Content) -> frozenset[str]:
    """Words that name the network or its offices and districts: they tell one event from another not at all."""
    words = set(_ALWAYS_GENERIC)
    for office in content.offices.values():
        for text in (office.name, office.partner, *office.districts):
            words.update(_words(text))
    return frozenset(words)


@dataclass(frozen=True)
class _Name:
    words: tuple[str, ...]

    @property
    def joined(self) -> str:
        return "".join(self.words)


def event_names(event: EventView, generic: frozenset[str]) -> list[_Name]:
    """The names of an event: its titles in every language and its place, without the generic words."""
    names = []
    for text in [title for title, _description in event.texts.values()] + [event.place]:
        words = tuple(w for w in _words(text) if w not in generic)
        if words and (len(words) > 1 or len(words[0]) >= 4):
            names.append(_Name(words))
    return names


def _question_forms(words: Sequence[str]) -> set[str]:
    """The question's words, and each two neighbours written together ("sprach cafe" -> "sprachcafe")."""
    return set(words) | {a + b for a, b in itertools.pairwise(words)}


def _named_length(name: _Name, forms: set[str]) -> int:
    """How many letters of `name` the question holds (0: not named)."""
    if all(_found(w, forms) for w in name.words) or (len(name.words) > 1 and _found(name.joined, forms)):
        return len(name.joined)
    return 0


def find_named_event(question: str, events: Sequence[EventView], content: Content) -> EventView | None:
    """The event among `events` that `question` names, or None. Pure: pass the upcoming events."""
    words = _words(question)
    if not words:
        return None
    forms = _question_forms(words)
    generic = generic_words(content)
    districts = _district_mentions(content, forms)
    best: tuple[int, int, float] | None = None
    chosen = None
    for event in events:
        length = max((_named_length(n, forms) for n in event_names(event, generic)), default=0)
        if not length:
            continue
        key = (length, 1 if event.office_id in districts else 0, -event.starts_at.timestamp())
        if best is None or key > best:
            best, chosen = key, event
    return chosen


def _district_mentions(content: Content, forms: set[str]) -> set[str]:
    """Offices whose name or districts the question names."""
    found = set()
    for office in content.offices.values():
        names: Iterable[str] = (office.name, *office.districts)
        if any(w in forms for text in names for w in _words(text) if w not in _ALWAYS_GENERIC):
            found.add(office.id)
    return found
