"""Facts from a source, and facts that are not: the marker people see, and the operator's list.

Offices, offers and events in the content say where their facts come from (`source:`) or which of them are
not yet confirmed (`unconfirmed:` true, or a list of facts). People see an unconfirmed fact with a short
marker in their own language; `willkommen content check` lists every one of them for the operator.
"""

from dataclasses import dataclass

from bot.content import Content, EventSeed, Office
from bot.i18n import Translator


def to_be_confirmed(tr: Translator) -> str:
    """The marker after an unconfirmed fact, in the reader's language: "(to be confirmed)"."""
    return tr.gettext("(to be confirmed)")


def marked(text: str, tr: Translator, unconfirmed: bool) -> str:
    """`text`, followed by the marker when it is not confirmed."""
    return f"{text} {to_be_confirmed(tr)}" if unconfirmed else text


def office_address(office: Office, tr: Translator) -> str:
    """The office's address in one line, marked when it is not confirmed (for every reply that shows it)."""
    return marked(office.address.one_line(), tr, office.is_unconfirmed("address"))


@dataclass(frozen=True)
class UnconfirmedFact:
    file: str  # "offices.yaml"
    path: str  # "offices[0].phone", as content errors name it
    what: str  # the fact in a few words, with its value

    def line(self) -> str:
        return f"{self.file}: {self.path}: {self.what}"


_OFFICE_WHAT = {
    "address": lambda o: f"address {o.address.one_line()}",
    "coordinates": lambda o: f"map position {o.coordinates.lat}, {o.coordinates.lon}",
    "phone": lambda o: f"phone {o.phone}",
    "email": lambda o: f"e-mail {o.email}",
    "hours": lambda o: "opening hours",
    "closures": lambda o: "closing days " + ", ".join(f"{c.start}..{c.end}" for c in o.closures),
    "postal_codes": lambda o: "postal codes " + ", ".join(o.postal_codes),
    "appointments": lambda o: "appointment slots (length, places, booking rules)",
}

_EVENT_WHAT = {
    "year": lambda e: f"the year {e.starts_at.year}",
    "start": lambda e: f"date and time {e.starts_at:%d.%m.%Y %H:%M}",
    "end": lambda e: f"end time {e.ends_at:%H:%M} (not shown; in the calendar file, marked)",
    "place": lambda e: f"place {e.place}",
    "address": lambda e: f"address {e.address}",
    "registration": lambda e: f"registration {e.registration or '(none)'}",
    "capacity": lambda e: f"places {e.capacity or '(no limit)'}",
    "description": lambda e: "the description",
}


def _office_facts(index: int, office: Office) -> list[UnconfirmedFact]:
    where = f"offices[{index}]"
    if office.wholly_unconfirmed:
        return [UnconfirmedFact("offices.yaml", where, f"every fact of {office.name}")]
    return [
        UnconfirmedFact("offices.yaml", f"{where}.{fact}", f"{_OFFICE_WHAT[fact](office)} ({office.name})")
        for fact in office.FACTS
        if fact in office.unconfirmed_facts
    ]


def _event_facts(index: int, event: EventSeed) -> list[UnconfirmedFact]:
    where = f"events[{index}]"
    title = event.texts["de"].title
    if event.wholly_unconfirmed:
        what = f"the whole event: {title}, {event.starts_at:%d.%m.%Y %H:%M} ({event.seed_key})"
        return [UnconfirmedFact("events.yaml", where, what)]
    facts = []
    for fact in event.FACTS:
        if fact in event.unconfirmed_facts:
            path = f"{where}.{'start' if fact == 'year' else 'texts' if fact == 'description' else fact}"
            facts.append(UnconfirmedFact("events.yaml", path, f"{_EVENT_WHAT[fact](event)} ({title})"))
    return facts


def unconfirmed_facts(content: Content) -> list[UnconfirmedFact]:
    """Every fact of the content that is not confirmed, in file order: offices, offers, events."""
    found: list[UnconfirmedFact] = []
    for i, office in enumerate(content.offices.values()):
        found.extend(_office_facts(i, office))
    for i, offer in enumerate(content.offers):
        title = content.offer_text(offer.id, "de")[0].title
        if offer.wholly_unconfirmed:
            found.append(UnconfirmedFact("offers.yaml", f"offers[{i}]", f"the whole offer {title} ({offer.id})"))
            continue
        if offer.is_unconfirmed("offices"):
            where = ", ".join(offer.offices)
            found.append(UnconfirmedFact("offers.yaml", f"offers[{i}].offices", f"which offices run {title}: {where}"))
        if offer.is_unconfirmed("description"):
            found.append(UnconfirmedFact("offers.yaml", f"offers[{i}]", f"the description of {title} ({offer.id})"))
    for i, event in enumerate(content.event_seeds):
        found.extend(_event_facts(i, event))
    return found
