"""The 24-hour window of channels like WhatsApp, decided here, in the core.

WhatsApp lets a business send free-form messages only within 24 hours of the person's last message; after
that only message templates Meta approved (content/whatsapp_templates.yaml names them, per language). The
loops that send by themselves (outbox, relay, announcements) reach such a channel through `WindowGuard`,
which decides for each message:

- inside the window (measured from `Person.last_seen_at`, which lags the real last message by up to an hour,
  so the window we use is never longer than WhatsApp's): the message itself;
- outside, a template fits (the person's language, else the file's `fallback` language, e.g. English for
  Tigrinya, which WhatsApp has no template language for): the template in its place. A reminder or an
  announcement carries its facts in the template; "the team answered" is a nudge, and the answer itself stays
  stored until the person writes again (the relay sends it then);
- outside, no template fits: nothing goes to the person; the staff group is told once, and the message is
  held (a staff answer, until the person writes) or dropped (a reminder whose time passes).

A free-form message is never sent outside the window.
"""

import logging
import re
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, ValidationInfo, field_validator

from bot.clock import Clock
from bot.content import ContentError, load_yaml
from bot.i18n import Translator
from bot.languages import LANGUAGES
from bot.messenger import PersonChannel, Refused, StaffChats, StaffRoom, TryLater
from bot.models import Media, MessageRef, Person, Reply, StandIn
from bot.ports import Store

log = logging.getLogger(__name__)

TEMPLATES_FILE = "whatsapp_templates.yaml"
# Sending takes a moment, and a message must arrive inside the window, not just leave inside it.
SAFETY_MARGIN = timedelta(minutes=5)
PARAM_LIMIT = 1024  # a template parameter: one line, at most this long
_PLACEHOLDER = re.compile(r"\{\{\s*(\d+)\s*\}\}")


class Held(Refused):
    """Outside the window and no template fits: not sent (staff were told)."""


class WindowClosed(TryLater):
    """The platform says the window is closed (WhatsApp 131047) although we thought it open."""


class _Template(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str = Field(pattern=r"^[a-z0-9_]{1,512}$")  # Meta: lower case letters, digits and underscores
    params: list[str] = []  # what each {{n}} is, in order (documentation for whoever registers it)
    bodies: dict[str, str]  # WhatsApp language code -> the approved text (for registering it, and for tests)

    @field_validator("bodies")
    @classmethod
    def _placeholders_match(cls, bodies: dict[str, str], info: ValidationInfo) -> dict[str, str]:
        count = len(info.data.get("params") or [])
        for language, body in bodies.items():
            found = sorted({int(n) for n in _PLACEHOLDER.findall(body)})
            if found != list(range(1, count + 1)):
                raise ValueError(f"{language}: the body must use {{{{1}}}}..{{{{{count}}}}}, found {found}")
        return bodies


Purpose = Literal["reminder", "waiting_list", "announcement", "team_answered"]


class _TemplatesFile(BaseModel):
    model_config = ConfigDict(extra="forbid")

    fallback: str | None = None  # the template language for people whose language has none; None: hold
    languages: dict[str, str] = {}  # our language -> WhatsApp's template language code, where they differ
    templates: dict[Purpose, _Template]

    @field_validator("languages")
    @classmethod
    def _known(cls, languages: dict[str, str]) -> dict[str, str]:
        bad = sorted(set(languages) - set(LANGUAGES))
        if bad:
            raise ValueError(f"unknown languages {bad}")
        return languages


@dataclass(frozen=True)
class TemplateChoice:
    name: str
    language: str  # WhatsApp's language code
    params: tuple[str, ...]


@dataclass(frozen=True)
class Templates:
    """The approved templates: which one stands in for what, in which languages."""

    by_purpose: dict[str, _Template] = field(default_factory=dict)
    fallback: str | None = None
    languages: dict[str, str] = field(default_factory=dict)

    @classmethod
    def empty(cls) -> "Templates":
        return cls()

    @classmethod
    def load(cls, folder: Path) -> "Templates":
        """content/whatsapp_templates.yaml, validated; no file: no templates (everything outside the window is
        held)."""
        path = Path(folder) / TEMPLATES_FILE
        if not path.is_file():
            return cls()
        try:
            raw: Any = load_yaml(path.read_text(encoding="utf-8"))
            parsed = _TemplatesFile.model_validate(raw)
        except yaml.YAMLError as exc:
            raise ContentError([f"{TEMPLATES_FILE}: not valid YAML: {exc}"]) from None
        except ValidationError as exc:
            problems = [
                f"{TEMPLATES_FILE}: {'.'.join(str(p) for p in e['loc']) or '(file)'}: "
                + str(e["msg"]).removeprefix("Value error, ")
                for e in exc.errors()
            ]
            raise ContentError(problems) from None
        return cls(dict(parsed.templates.items()), parsed.fallback, parsed.languages)

    def choose(self, purpose: str, language: str, params: Sequence[str] = ()) -> TemplateChoice | None:
        template = self.by_purpose.get(purpose)
        if template is None:
            return None
        code = self.languages.get(language, language)
        if code not in template.bodies:
            if self.fallback is None or self.fallback not in template.bodies:
                return None
            code = self.fallback
        values = tuple(one_line(p) for p in params)
        if len(values) != len(template.params):
            return None
        return TemplateChoice(template.name, code, values)


def one_line(text: str, limit: int = PARAM_LIMIT) -> str:
    """A template parameter: Meta refuses new lines, tabs and more than four spaces in a row."""
    flat = re.sub(r"\s*\n\s*", " · ", text.strip())
    flat = re.sub(r"[\t ]{2,}", " ", flat.replace("\t", " "))
    return flat if len(flat) <= limit else flat[: limit - 1] + "…"


def in_window(person: Person, window: timedelta, now: datetime) -> bool:
    return now - person.last_seen_at < window - SAFETY_MARGIN


@dataclass
class WindowGuard:
    """A windowed channel as one loop sees it: every message checked against the person's window.

    `purpose`: what this loop's messages stand for when a message does not say (relay: "team_answered",
    announcements: "announcement"); `hold`: keep what cannot go now (TryLater) instead of dropping it (Held).
    """

    inner: Any  # a PersonChannel that is also Windowed (and a FileCarrier)
    store: Store
    clock: Clock
    templates: Templates
    staff: StaffRoom | None
    staff_chats: StaffChats
    staff_tr: Translator
    purpose: str | None = None
    hold: bool = False
    _told: set[tuple[int, str, str]] = field(default_factory=set)  # (person, purpose, last seen): told once

    @property
    def name(self) -> str:
        return str(self.inner.name)

    @property
    def foreign(self) -> bool:
        return bool(getattr(self.inner, "foreign", False))

    async def _person(self, user_id: str) -> Person | None:
        return await self.store.get_person(self.name, user_id)

    async def _open(self, user_id: str) -> Person | None:
        """The person when their window is open; else the stand-in is sent (or staff told) and this raises."""
        person = await self._person(user_id)
        if person is None or in_window(person, self.inner.window, self.clock.now()):
            return person
        return None

    async def _outside(self, user_id: str, replies: Sequence[Reply]) -> int | None:
        person = await self._person(user_id)
        if person is None:
            raise Refused("unknown person")
        stand_in = next((r.stand_in for r in replies if r.stand_in is not None), None)
        if stand_in is None and self.purpose == "announcement":
            stand_in = StandIn("announcement", (" ".join(r.text for r in replies),))
        if stand_in is None and self.purpose is not None:
            stand_in = StandIn(self.purpose)
        key = (person.id, stand_in.purpose if stand_in else "", person.last_seen_at.isoformat())
        choice = self.templates.choose(stand_in.purpose, person.language, stand_in.params) if stand_in else None
        if choice is None:
            if key not in self._told:
                self._told.add(key)
                await self._tell_staff(person, stand_in.purpose if stand_in else "message")
            if self.hold:
                raise TryLater("outside the window: held until the person writes")
            raise Held("outside the window, no template")
        if self.hold:
            # A nudge: once per closed window; the message itself waits for the person's answer.
            if key not in self._told:
                self._told.add(key)
                await self.inner.send_template(user_id, choice.name, choice.language, choice.params)
            raise TryLater("outside the window: the person was told, the message waits")
        return await self.inner.send_template(user_id, choice.name, choice.language, choice.params)

    async def _tell_staff(self, person: Person, purpose: str) -> None:
        chat = self.staff_chats.for_office(person.office_id)
        log.info("person %s: outside the %s window, no template for %s", person.id, self.name, purpose)
        if self.staff is None or chat is None:
            return
        tr = self.staff_tr
        text = "⏸ " + tr.gettext(
            "A message to person #{person} ({channel}, language {language}) was not sent: their last message"
            " is more than 24 hours old, and there is no approved template for it ({purpose})."
        ).format(person=person.id, channel=self.name, language=person.language, purpose=purpose)
        if self.hold:
            text += " " + tr.gettext("It is sent when the person writes again.")
        try:
            await self.staff.post(chat, [Reply(text, tr.lang)])
        except Exception as exc:  # telling staff is a courtesy: never let it lose the message
            log.warning("could not tell staff: %s", type(exc).__name__)

    # -- PersonChannel ----------------------------------------------------------------------------------------

    async def send(self, user_id: str, replies: Sequence[Reply], reply_to: int | None = None) -> int | None:
        if await self._open(user_id) is None:
            return await self._outside(user_id, replies)
        plain = [replace(r, stand_in=None) for r in replies]
        try:
            return await self.inner.send(user_id, plain, reply_to)
        except WindowClosed:
            return await self._outside(user_id, replies)

    async def copy_to(self, user_id: str, source: MessageRef, reply_to: int | None = None) -> int:
        if await self._open(user_id) is None:
            await self._outside(user_id, [])
        return await self.inner.copy_to(user_id, source, reply_to)

    async def edit_text(self, user_id: str, message_id: int, text: str) -> None:
        if await self._open(user_id) is None:
            await self._outside(user_id, [])
        await self.inner.edit_text(user_id, message_id, text)

    async def send_media(self, user_id: str, media: Media, data: bytes, reply_to: int | None = None) -> int:
        if await self._open(user_id) is None:
            await self._outside(user_id, [])
        return await self.inner.send_media(user_id, media, data, reply_to)

    async def download(self, media: Media) -> bytes:
        return await self.inner.download(media)


def guarded(
    people: dict[str, PersonChannel],
    purpose: str | None,
    hold: bool,
    store: Store,
    clock: Clock,
    templates: Templates,
    staff: StaffRoom | None,
    staff_chats: StaffChats,
    staff_tr: Translator,
) -> dict[str, PersonChannel]:
    """The channels as one loop sees them: windowed ones behind a guard."""
    return {
        name: (
            WindowGuard(channel, store, clock, templates, staff, staff_chats, staff_tr, purpose, hold)  # type: ignore[misc]
            if getattr(channel, "window", None) is not None
            else channel
        )
        for name, channel in people.items()
    }
