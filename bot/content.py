"""The network's content (offices, offers, FAQ texts) read from YAML and validated as a whole.

Validation reports every problem at once, each as "file: key.path: what is wrong", so whoever edits the
content can fix all of it in one go.

Longer than our other modules on purpose: it is the one schema of every content file (the models are small)
plus the cross-file checks; split up, a reader would hunt for the rule that rejected their file.
"""

import re
from dataclasses import dataclass, field
from datetime import date, datetime, time
from pathlib import Path
from typing import Annotated, Any, ClassVar, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import holidays as holidays_lib
import yaml
from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    ValidationError,
    field_validator,
    model_validator,
)

from bot.languages import LANGUAGES

SOURCE_LANGUAGE = "de"
WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
REQUIRED_FAQ_IDS = (
    "opening_hours",
    "location",
    "contact",
    "appointment",
    "offers",
    "events",
    "german_course",
    "work",
    "housing",
    "letters",
    "health",
    "school_kita",
    "interpreter",
    "leisure",
    "volunteering",
    "home_visit",
    "costs",
    "privacy",
    "emergency",
)
OFFER_CATEGORIES = (
    "counselling",
    "language",
    "letters",
    "leisure",
    "sports",
    "clothes",
    "family",
    "work",
    "housing",
    "health",
    "volunteering",
)
ID_PATTERN = r"^[a-z0-9_]{2,40}$"


class ContentError(Exception):
    def __init__(self, problems: list[str]):
        self.problems = problems
        super().__init__("Content is invalid:\n" + "\n".join(f"  {p}" for p in problems))


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


def _parse_range(value: Any) -> Any:
    if isinstance(value, str):
        match = re.fullmatch(r"\s*(\d{1,2}):(\d{2})\s*-\s*(\d{1,2}):(\d{2})\s*", value)
        if not match:
            raise ValueError(f"{value!r} is not a time range like 09:00-13:00")
        h1, m1, h2, m2 = (int(g) for g in match.groups())
        if h1 > 23 or h2 > 24 or m1 > 59 or m2 > 59 or (h2 == 24 and m2 != 0):
            raise ValueError(f"{value!r} has an impossible time")
        end = time(23, 59, 59) if h2 == 24 else time(h2, m2)
        return {"start": time(h1, m1), "end": end}
    return value


class TimeRange(_Strict):
    start: time
    end: time

    @model_validator(mode="after")
    def _ordered(self) -> "TimeRange":
        if self.end <= self.start:
            raise ValueError(f"ends at {self.end:%H:%M}, not after it starts at {self.start:%H:%M}")
        return self


Range = Annotated[TimeRange, BeforeValidator(_parse_range)]


def _local_text_check(value: dict[str, str]) -> dict[str, str]:
    unknown = set(value) - set(LANGUAGES)
    if unknown:
        raise ValueError(f"unknown language(s) {', '.join(sorted(unknown))}")
    missing = [lang for lang in LANGUAGES if not str(value.get(lang) or "").strip()]
    if missing:
        raise ValueError(f"text missing for {', '.join(missing)}")
    return value


class Address(_Strict):
    street: str = Field(min_length=3)
    postal_code: str = Field(pattern=r"^\d{5}$")
    city: str = Field(min_length=2)

    def one_line(self) -> str:
        return f"{self.street}, {self.postal_code} {self.city}"


class Coordinates(_Strict):
    lat: float = Field(ge=-90, le=90)
    lon: float = Field(ge=-180, le=180)


class Closure(_Strict):
    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)
    start: date = Field(alias="from")
    end: date = Field(alias="to")
    reason: dict[str, str]

    @field_validator("reason")
    @classmethod
    def _all_languages(cls, value: dict[str, str]) -> dict[str, str]:
        return _local_text_check(value)

    @model_validator(mode="after")
    def _ordered(self) -> "Closure":
        if self.end < self.start:
            raise ValueError(f"ends {self.end} before it starts {self.start}")
        return self


class Appointments(_Strict):
    """How drop-in appointments can be booked at an office."""

    slot_minutes: int = Field(30, ge=10, le=240)
    capacity: int = Field(2, ge=1, le=20)  # people seen at the same time (one per social worker)
    horizon_days: int = Field(14, ge=1, le=90)
    lead_minutes: int = Field(120, ge=0, le=7 * 24 * 60)
    # Consultation hours for booked appointments; missing: the office's opening hours.
    hours: dict[Literal["mon", "tue", "wed", "thu", "fri", "sat", "sun"], list[Range]] | None = None


# Which facts of an office, an event or an offer can be marked as not yet confirmed (`unconfirmed: [...]`).
OFFICE_FACTS = ("address", "coordinates", "phone", "email", "hours", "closures", "postal_codes", "appointments")
EVENT_FACTS = ("year", "start", "end", "place", "address", "registration", "capacity", "description")
OFFER_FACTS = ("offices", "description")


def _unconfirmed_value(value: Any, allowed: tuple[str, ...]) -> Any:
    if isinstance(value, bool):
        return value
    if isinstance(value, list) and value and all(isinstance(v, str) for v in value):
        unknown = [v for v in value if v not in allowed]
        if unknown:
            names = ", ".join(repr(v) for v in unknown)
            raise ValueError(f"{names} is not a fact that can be unconfirmed; use one of {', '.join(allowed)}")
        return value
    raise ValueError(f"write true (nothing confirmed) or a list of facts from: {', '.join(allowed)}")


class _Sourced(_Strict):
    """Where the facts of an entry come from: `source:` (a short citation) and/or `unconfirmed:` (true: none of
    them is confirmed; a list: these facts are not). An entry must have at least one of the two."""

    FACTS: ClassVar[tuple[str, ...]] = ()
    source: str | None = Field(None, min_length=3, max_length=400)
    unconfirmed: bool | list[str] = False

    @field_validator("unconfirmed", mode="before")
    @classmethod
    def _known_facts(cls, value: Any) -> Any:
        return _unconfirmed_value(value, cls.FACTS)

    @model_validator(mode="after")
    def _has_provenance(self) -> "_Sourced":
        if not (self.source or "").strip() and not self.unconfirmed:
            raise ValueError(
                "say where the facts come from (source: site, page, date)"
                " or mark them as not confirmed (unconfirmed: true, or a list of facts)"
            )
        return self

    @property
    def wholly_unconfirmed(self) -> bool:
        return self.unconfirmed is True

    @property
    def unconfirmed_facts(self) -> tuple[str, ...]:
        """The facts listed as not confirmed (none when the whole entry is, or nothing is)."""
        return tuple(self.unconfirmed) if isinstance(self.unconfirmed, list) else ()

    def is_unconfirmed(self, *facts: str) -> bool:
        """True when any of `facts` is not confirmed (every fact is, with `unconfirmed: true`)."""
        if self.unconfirmed is True:
            return True
        return any(f in self.unconfirmed_facts for f in facts)


def _renamed_sample_values(value: Any) -> Any:
    if isinstance(value, dict) and "sample_values" in value:
        raise ValueError("sample_values: now called unconfirmed (same list of facts)")
    return value


class Office(_Sourced):
    FACTS: ClassVar[tuple[str, ...]] = OFFICE_FACTS
    # At most 20 characters: office ids travel in button data, which Telegram limits to 64 bytes.
    id: str = Field(pattern=ID_PATTERN, max_length=20)
    name: str = Field(min_length=3)
    partner: str = Field(min_length=2)
    districts: list[str] = Field(min_length=1)
    postal_codes: list[Annotated[str, Field(pattern=r"^\d{5}$")]] = Field(default_factory=list)
    address: Address
    coordinates: Coordinates
    phone: str = Field(pattern=r"^\+\d[\d ]{6,20}$")
    email: str = Field(pattern=r"^[^@\s]+@[^@\s]+\.[a-z]{2,}$")
    hours: dict[Literal["mon", "tue", "wed", "thu", "fri", "sat", "sun"], list[Range]]
    closures: list[Closure] = Field(default_factory=list)
    appointments: Appointments = Field(default_factory=Appointments)
    # Tickets of this office's people go to this group instead of STAFF_CHAT_ID (a supergroup with topics).
    staff_chat_id: int | None = Field(None, lt=0)

    @model_validator(mode="before")
    @classmethod
    def _no_sample_values(cls, value: Any) -> Any:
        return _renamed_sample_values(value)

    def ranges_on(self, weekday: int) -> list[TimeRange]:
        return sorted(self.hours.get(WEEKDAYS[weekday], []), key=lambda r: r.start)  # type: ignore[call-overload]

    def consultation_ranges_on(self, weekday: int) -> list[TimeRange]:
        hours = self.appointments.hours if self.appointments.hours is not None else self.hours
        return sorted(hours.get(WEEKDAYS[weekday], []), key=lambda r: r.start)  # type: ignore[call-overload]


class HolidayRegion(_Strict):
    country: str = Field(pattern=r"^[A-Z]{2}$")
    subdivision: str | None = None


class OfficesFile(_Strict):
    timezone: str
    holidays: HolidayRegion
    offices: list[Office] = Field(min_length=1)

    @field_validator("timezone")
    @classmethod
    def _known_zone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError(f"unknown time zone {value!r}") from None
        return value


class Offer(_Sourced):
    FACTS: ClassVar[tuple[str, ...]] = OFFER_FACTS
    id: str = Field(pattern=ID_PATTERN)
    category: Literal[OFFER_CATEGORIES]  # type: ignore[valid-type]
    offices: list[str] = Field(min_length=1)


class OffersFile(_Strict):
    offers: list[Offer] = Field(default_factory=list)


ReviewStatus = Literal["draft", "reviewed"]


class Review(_Strict):
    status: ReviewStatus
    drafted_by: str | None = None
    reviewed_by: str | None = None


class FaqText(_Strict):
    title: str | None = Field(None, min_length=1, max_length=40)  # a button's text ("did you mean ...?")
    answer: str = Field(min_length=1)
    examples: list[str] = Field(default_factory=list)
    keywords: list[str] = Field(default_factory=list)
    examples_latin: list[str] = Field(default_factory=list)
    review: ReviewStatus | None = None


class OfferText(_Strict):
    title: str = Field(min_length=1)
    description: str = Field(min_length=1)
    review: ReviewStatus | None = None


class LanguageFile(_Strict):
    language: Literal["de", "en", "ar", "fa", "ti"]
    review: Review
    faq: dict[str, FaqText] = Field(default_factory=dict)
    out_of_scope: list[str] = Field(default_factory=list)
    # Words that mark a question as one the bot must not answer (a lawyer, a court, the asylum case ...).
    out_of_scope_keywords: list[str] = Field(default_factory=list)
    offers: dict[str, OfferText] = Field(default_factory=dict)

    def status_of(self, entry: FaqText | OfferText) -> ReviewStatus:
        return entry.review or self.review.status


class ExamplesFile(_Strict):
    """examples/<lang>.yaml: more example questions for the matcher, written as people write on their phones.
    Nobody sees them; they only teach the matcher (kept apart from texts/, which a translator reviews)."""

    language: Literal["de", "en", "ar", "fa", "ti"]
    review: Review
    faq: dict[str, list[str]] = Field(default_factory=dict)
    out_of_scope: list[str] = Field(default_factory=list)


class EventSeedText(_Strict):
    title: str = Field(min_length=1, max_length=120)
    description: str = Field(min_length=1)
    review: ReviewStatus | None = None  # missing: a draft


class EventSeed(_Sourced):
    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)
    FACTS: ClassVar[tuple[str, ...]] = EVENT_FACTS
    seed_key: str = Field(alias="key", pattern=ID_PATTERN)
    office_id: str | None = Field(None, alias="office")
    starts_at: datetime = Field(alias="start")
    ends_at: datetime = Field(alias="end")
    place: str
    address: str
    registration: str | None = None
    capacity: int | None = Field(None, ge=1)
    texts: dict[str, EventSeedText]

    @field_validator("texts")
    @classmethod
    def _german_required(cls, value: dict[str, EventSeedText]) -> dict[str, EventSeedText]:
        if "de" not in value:
            raise ValueError("German (de) is required")
        unknown = set(value) - set(LANGUAGES)
        if unknown:
            raise ValueError(f"unknown language(s) {', '.join(sorted(unknown))}")
        return value

    @model_validator(mode="after")
    def _ordered(self) -> "EventSeed":
        if self.starts_at.tzinfo is None or self.ends_at.tzinfo is None:
            raise ValueError("start and end need a UTC offset, e.g. 2027-07-06T19:00:00+02:00")
        if self.ends_at <= self.starts_at:
            raise ValueError(f"ends {self.ends_at.isoformat()}, not after it starts {self.starts_at.isoformat()}")
        return self


class EventsFile(_Strict):
    events: list[EventSeed] = Field(default_factory=list)


@dataclass(frozen=True)
class Content:
    offices: dict[str, Office]
    offers: list[Offer]
    texts: dict[str, LanguageFile]
    timezone: ZoneInfo
    holiday_region: HolidayRegion
    source: Path
    _holidays: Any = field(default=None, repr=False, compare=False)
    event_seeds: tuple[EventSeed, ...] = ()
    examples: dict[str, ExamplesFile] = field(default_factory=dict)

    @property
    def faq_ids(self) -> tuple[str, ...]:
        return tuple(self.texts[SOURCE_LANGUAGE].faq)

    def faq_text(self, faq_id: str, lang: str) -> tuple[FaqText, str]:
        """The FAQ entry in `lang`, or in German when that language lacks it; returns (entry, its language)."""
        entry = self.texts.get(lang, None)
        if entry is not None and faq_id in entry.faq:
            return entry.faq[faq_id], lang
        return self.texts[SOURCE_LANGUAGE].faq[faq_id], SOURCE_LANGUAGE

    def offer_text(self, offer_id: str, lang: str) -> tuple[OfferText, str]:
        entry = self.texts.get(lang, None)
        if entry is not None and offer_id in entry.offers:
            return entry.offers[offer_id], lang
        return self.texts[SOURCE_LANGUAGE].offers[offer_id], SOURCE_LANGUAGE

    def holiday_name(self, day: date, lang: str) -> str | None:
        """The public holiday on `day` (name in German or English; None if it is a working day)."""
        names = self._holidays
        if day not in names["de"]:
            return None
        return (names["en"] if lang == "en" else names["de"]).get(day)

    def office_for_postal_code(self, code: str) -> Office | None:
        return next((o for o in self.offices.values() if code in o.postal_codes), None)

    def offers_for(self, office_id: str | None) -> list[Offer]:
        return [o for o in self.offers if office_id is None or "all" in o.offices or office_id in o.offices]


def _loc(parts: tuple[Any, ...]) -> str:
    out = ""
    for part in parts:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += ("." if out else "") + str(part)
    return out or "(top level)"


def load_yaml(source: Any) -> Any:
    """YAML as safe_load reads it, with libyaml's C parser where PyYAML has it (ten times faster: the content
    is read at every start)."""
    return yaml.load(source, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))


def _read_yaml(path: Path, display: str, problems: list[str]) -> Any:
    if not path.is_file():
        problems.append(f"{display}: file is missing")
        return None
    try:
        with path.open(encoding="utf-8") as handle:
            return load_yaml(handle)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"line {mark.line + 1}, column {mark.column + 1}: " if mark else ""
        problems.append(f"{display}: {where}not valid YAML ({getattr(exc, 'problem', exc)})")
    except UnicodeDecodeError:
        problems.append(f"{display}: not UTF-8 text")
    return None


def _validate(model: type[BaseModel], data: Any, display: str, problems: list[str]) -> Any:
    if data is None:
        if display not in " ".join(problems):
            problems.append(f"{display}: file is empty")
        return None
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        for error in exc.errors():
            loc = tuple(p for p in error["loc"] if not (isinstance(p, str) and p.startswith("function-")))
            message = str(error["msg"]).removeprefix("Value error, ")
            if error["type"] == "literal_error":
                message = f"{error.get('input')!r} is not allowed; {message[0].lower()}{message[1:]}"
            problems.append(f"{display}: {_loc(loc)}: {message}")
        return None


def _report_reused_ids(display: str, key: str, ids: list[str], problems: list[str]) -> None:
    seen: set[str] = set()
    for i, item_id in enumerate(ids):
        if item_id in seen:
            problems.append(f"{display}: {key}[{i}].id: {item_id!r} is used twice")
        seen.add(item_id)


def _cross_check(
    offices: OfficesFile | None,
    office_ids: set[str],
    offers: OffersFile | None,
    texts: dict[str, LanguageFile],
    problems: list[str],
) -> None:
    if offices is not None:
        _report_reused_ids("offices.yaml", "offices", [o.id for o in offices.offices], problems)
    source = texts.get(SOURCE_LANGUAGE)
    if offers is not None:
        _report_reused_ids("offers.yaml", "offers", [o.id for o in offers.offers], problems)
        for offer in offers.offers:
            if source is not None and offer.id not in source.offers:
                problems.append(f"texts/{SOURCE_LANGUAGE}.yaml: offers.{offer.id}: missing (offer in offers.yaml)")
    if source is None:
        return
    for faq_id in REQUIRED_FAQ_IDS:
        if faq_id not in source.faq:
            problems.append(f"texts/{SOURCE_LANGUAGE}.yaml: faq.{faq_id}: missing (a required FAQ id)")
    for faq_id in source.faq:
        if re.fullmatch(ID_PATTERN, faq_id) is None:
            problems.append(f"texts/{SOURCE_LANGUAGE}.yaml: faq.{faq_id}: id must match {ID_PATTERN}")
    offer_ids = {o.id for o in offers.offers} if offers else set()
    known_ids = set(source.faq) | set(REQUIRED_FAQ_IDS)
    for lang, text in texts.items():
        for faq_id in text.faq:
            if faq_id not in known_ids:
                problems.append(f"texts/{lang}.yaml: faq.{faq_id}: unknown FAQ id (not in texts/de.yaml)")
        for offer_id in text.offers:
            if offers is not None and offer_id not in offer_ids:
                problems.append(f"texts/{lang}.yaml: offers.{offer_id}: unknown offer (not in offers.yaml)")
        privacy = text.faq.get("privacy")
        # The privacy answer is the notice people agree to: it must name their rights and the periods.
        missing = [t for t in PRIVACY_TOKENS if privacy is not None and t not in privacy.answer]
        if missing:
            problems.append(f"texts/{lang}.yaml: faq.privacy.answer: must contain {', '.join(missing)}")


PRIVACY_TOKENS = ("/mydata", "/delete", "{keep_days}", "{inactive_months}")


def _check_offer_offices(raw_offers: Any, office_ids: set[str], problems: list[str]) -> None:
    """Offers must name known offices; checked on the raw file so one bad offer does not hide another."""
    entries = raw_offers.get("offers") if isinstance(raw_offers, dict) else None
    for i, offer in enumerate(entries if isinstance(entries, list) else []):
        refs = offer.get("offices") if isinstance(offer, dict) else None
        for j, ref in enumerate(refs if isinstance(refs, list) else []):
            if ref != "all" and ref not in office_ids:
                problems.append(f"offers.yaml: offers[{i}].offices[{j}]: unknown office {ref!r}")


def _load_examples(folder: Path, source: LanguageFile | None, problems: list[str]) -> dict[str, ExamplesFile]:
    """The optional examples/<lang>.yaml files; each FAQ id must be one of texts/de.yaml's."""
    found: dict[str, ExamplesFile] = {}
    for lang in LANGUAGES:
        display = f"examples/{lang}.yaml"
        path = folder / "examples" / f"{lang}.yaml"
        if not path.is_file():
            continue
        parsed = _validate(ExamplesFile, _read_yaml(path, display, problems), display, problems)
        if parsed is None:
            continue
        if parsed.language != lang:
            problems.append(f"{display}: language: says {parsed.language!r}, file name says {lang!r}")
        for faq_id in parsed.faq:
            if source is not None and faq_id not in source.faq:
                problems.append(f"{display}: faq.{faq_id}: unknown FAQ id (not in texts/de.yaml)")
        found[lang] = parsed
    return found


def load_content(folder: Path) -> Content:
    """Read and validate every content file under `folder`; raise ContentError listing all problems."""
    folder = Path(folder)
    problems: list[str] = []
    raw_offices = _read_yaml(folder / "offices.yaml", "offices.yaml", problems)
    offices = _validate(OfficesFile, raw_offices, "offices.yaml", problems)
    # Office ids even from an invalid offices.yaml, so offers are still checked against them.
    raw_list = raw_offices.get("offices") if isinstance(raw_offices, dict) else None
    office_ids: set[str] = (
        {str(o.get("id")) for o in raw_list if isinstance(o, dict)} if isinstance(raw_list, list) else set()
    )
    raw_offers = _read_yaml(folder / "offers.yaml", "offers.yaml", problems)
    offers = _validate(OffersFile, raw_offers, "offers.yaml", problems)
    texts: dict[str, LanguageFile] = {}
    for lang in LANGUAGES:
        display = f"texts/{lang}.yaml"
        path = folder / "texts" / f"{lang}.yaml"
        if not path.is_file() and lang != SOURCE_LANGUAGE:
            continue  # a language without a file falls back to German; `willkommen translations` reports it
        parsed = _validate(LanguageFile, _read_yaml(path, display, problems), display, problems)
        if parsed is not None:
            if parsed.language != lang:
                problems.append(f"{display}: language: says {parsed.language!r}, file name says {lang!r}")
            texts[lang] = parsed
    examples = _load_examples(folder, texts.get(SOURCE_LANGUAGE), problems)
    events = None
    if (folder / "events.yaml").is_file():
        events = _validate(
            EventsFile, _read_yaml(folder / "events.yaml", "events.yaml", problems), "events.yaml", problems
        )
    _check_offer_offices(raw_offers, office_ids, problems)
    _cross_check(offices, office_ids, offers, texts, problems)
    if problems:
        raise ContentError(problems)
    assert offices is not None and offers is not None
    region = offices.holidays
    names = {
        "de": holidays_lib.country_holidays(region.country, subdiv=region.subdivision, language="de"),
        "en": holidays_lib.country_holidays(region.country, subdiv=region.subdivision, language="en_US"),
    }
    return Content(
        offices={o.id: o for o in offices.offices},
        offers=list(offers.offers),
        texts=texts,
        timezone=ZoneInfo(offices.timezone),
        holiday_region=region,
        source=folder,
        _holidays=names,
        event_seeds=tuple(events.events) if events else (),
        examples=examples,
    )
