"""Events: what people see ("Events" in the menu), reminders the day before, calendar files, and the
guided flow staff use to publish, edit and cancel them (`/event`)."""

import dataclasses
import re
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from bot import actions, audit, bidi, event_view
from bot.actions import pack
from bot.calendar_file import event_ics
from bot.clock import Clock
from bot.content import Content, EventSeed
from bot.event_finder import find_named_event
from bot.i18n import Translator
from bot.languages import LANGUAGES, NATIVE_NAMES
from bot.models import Actor, Button, Person, Reply
from bot.normalize import is_id, normalize_digits
from bot.ports import Store
from bot.records import DraftKind, Event, EventStatus, NewEvent, OutboxKind
from bot.screens import back_button, menu_row

LIST_WEEKS = 6
NAMED_EVENT_DAYS = 366  # a question naming an event finds it this far ahead
TRANSLATED = [lang for lang in LANGUAGES if lang != "de"]
_WHEN = re.compile(r"(\d{1,2})\.(\d{1,2})\.(\d{4})\s+(\d{1,2})[:.](\d{2})\s*[-–]\s*(\d{1,2})[:.](\d{2})")


@dataclass
class Events:
    store: Store
    content: Content
    clock: Clock
    translators: dict[str, Translator]

    async def seed(self, seeds: list[EventSeed]) -> int:
        """Put the content's sample events into the store once (by their key)."""
        added = 0
        for seed in seeds:
            if await self.store.event_seeded(seed.seed_key):
                continue
            event = NewEvent(
                starts_at=seed.starts_at,
                ends_at=seed.ends_at,
                place=seed.place,
                address=seed.address,
                texts={lang: (t.title, t.description) for lang, t in seed.texts.items()},
                office_id=seed.office_id,
                registration=seed.registration,
                capacity=seed.capacity,
                seed_key=seed.seed_key,
            )
            await self.store.save_event(event, self.clock.now())
            added += 1
        return added

    def _local(self, value: datetime) -> datetime:
        return value.astimezone(self.content.timezone)

    async def listing(self, person: Person, tr: Translator) -> Reply:
        now = self.clock.now()
        events = await self.store.upcoming_events(now, now + timedelta(weeks=LIST_WEEKS))
        # The person's own district first, then the network's events for everyone, then other districts.
        events.sort(key=lambda e: (0 if e.office_id == person.office_id else 1 if not e.office_id else 2, e.starts_at))
        if not events:
            text = tr.gettext("There are no events planned in the next weeks. Ask the team at the office.")
            return Reply(text, person.language, menu_row(tr), replace=True)
        lines = ["🎉 " + tr.gettext("Events in the next weeks:")]
        rows = []
        for event in events[:10]:
            view = event_view.event_view(event, self.content)
            label, fallback = event_view.listing_label(view, tr)
            lines.append("• " + label + (" " + tr.gettext("(in German)") if fallback else ""))
            short, _ = event_view.listing_label(view, tr, with_marker=False)
            rows.append((Button("ℹ️ " + short[:60], pack(actions.EVENT, "d", event.id)),))
        return Reply("\n".join(lines), person.language, (*rows, *menu_row(tr)), replace=True)

    async def details(self, person: Person, tr: Translator, event_id: int) -> Reply:
        event = await self.store.event(event_id)
        if event is None or event.status != EventStatus.PUBLISHED:
            text = tr.gettext("This event is no longer planned.")
            return Reply(text, person.language, menu_row(tr))
        view = event_view.event_view(event, self.content)
        now = self.clock.now()
        lines = event_view.details_lines(view, tr, now)
        rows: tuple[tuple[Button, ...], ...] = ((back_button(tr, actions.EVENTS),),)
        if not event_view.is_over(view, now):  # an old button of a past event: no reminder, no calendar file
            wanted = (
                Button("🔔 " + tr.gettext("Remind me the day before"), pack(actions.EVENT, "r", event_id)),
                Button("📅 " + tr.gettext("Calendar file"), pack(actions.EVENT, "i", event_id)),
            )
            rows = (wanted, *rows)
        return Reply("\n".join(lines), person.language, rows, replace=True)

    async def named(self, person: Person, tr: Translator, question: str) -> Reply | None:
        """The details of the upcoming event that `question` names ("Pauluskirche", "Sprachcafé"), or None."""
        now = self.clock.now()
        rows = await self.store.upcoming_events(now, now + timedelta(days=NAMED_EVENT_DAYS))
        found = find_named_event(question, [event_view.event_view(r, self.content) for r in rows], self.content)
        if found is None:
            return None
        return dataclasses.replace(await self.details(person, tr, found.id), replace=False)

    async def handle(self, person: Person, tr: Translator, action: str) -> list[Reply]:
        parts = action.split(":")
        if len(parts) != 3 or not is_id(parts[2]):
            return [await self.listing(person, tr)]
        verb, event_id = parts[1], int(parts[2])
        if verb == "d":
            return [await self.details(person, tr, event_id)]
        event = await self.store.event(event_id)
        if event is None or event.status != EventStatus.PUBLISHED:
            return [Reply(tr.gettext("This event is no longer planned."), person.language, menu_row(tr))]
        view = event_view.event_view(event, self.content)
        if event_view.is_over(view, self.clock.now()):
            return [Reply(tr.gettext("This event is over."), person.language, menu_row(tr))]
        _title, description, _ = view.text(person.language)
        if verb == "r":
            now = self.clock.now()
            await self.store.add_event_reminder(event_id, person.id, now)
            due = max(event.starts_at - timedelta(days=1), now)
            await self.store.enqueue(
                f"event_reminder:{event_id}:{person.id}", OutboxKind.EVENT_REMINDER, person.id, str(event_id), due, now
            )
            text = tr.gettext("I will remind you the day before.")
            return [Reply(text, person.language, menu_row(tr))]
        if verb == "i":
            attachment = event_ics(
                event_id,
                event_view.calendar_title(view, tr),
                description,
                f"{event.place}, {event.address}",
                self._local(event.starts_at),
                self._local(event.ends_at),
                self.clock.now(),
            )
            text = tr.gettext("The calendar file puts the event into your phone's calendar.")
            return [Reply(text, person.language, menu_row(tr), attachments=(attachment,))]
        return [await self.listing(person, tr)]

    async def cancel(self, event_id: int, actor: Actor | None = None) -> int:
        """Cancel an event; everyone who asked for a reminder is told. Returns how many."""
        now = self.clock.now()
        async with self.store.transaction():
            if not await self.store.cancel_event(event_id, now):
                return 0
            await audit.record(self.store, now, actor, "event_cancelled", f"#{event_id}")
            people = await self.store.event_reminder_people(event_id)
            for person_id in people:
                key = f"event_cancelled:{event_id}:{person_id}"
                await self.store.enqueue(key, OutboxKind.EVENT_CANCELLED, person_id, str(event_id), now, now)
        return len(people)

    def render_reminder(self, event: Event | None, tr: Translator, cancelled: bool) -> Reply | None:
        if event is None:
            return None
        view = event_view.event_view(event, self.content)
        title, _ = event_view.title(view, tr)
        start = view.starts_at
        if cancelled:
            text = "🚫 " + tr.gettext("Cancelled: {title} on {day}. We are sorry.").format(
                title=title, day=tr.day(start.date())
            )
            return Reply(text, tr.lang, menu_row(tr))
        if event.status != EventStatus.PUBLISHED or start < self.clock.now():
            return None
        text = "⏰ " + event_view.reminder_text(view, tr)
        return Reply(
            text,
            tr.lang,
            (
                (Button("ℹ️ " + tr.gettext("Details"), pack(actions.EVENT, "d", event.id, new_message=True)),),
                *menu_row(tr),
            ),
        )


# -- the staff's guided flow: /event (new) or /event <id> (edit) ------------------------------------------------

EVENT_STEPS = (
    "title",
    "description",
    "when",
    "place",
    "address",
    "office",
    "registration",
    "capacity",
    *[f"text_{lang}" for lang in TRANSLATED],
    "preview",
)


@dataclass
class EventFlow:
    events: Events
    tr: Translator  # the staff's language

    def prompt(self, step: str, data: dict[str, Any]) -> Reply:
        tr = self.tr
        keep = tr.gettext(" (send . to keep the current one)") if data.get("event_id") else ""
        texts = {
            "title": tr.gettext("New event. Title in German?"),
            "description": tr.gettext("Short description in German?"),
            "when": tr.gettext("Date and time, e.g. 06.07.2027 19:00-21:00"),
            "place": tr.gettext("Name of the place, e.g. Pauluskirche"),
            "address": tr.gettext("Address, e.g. Schützenstraße 35, 44147 Dortmund"),
            "registration": tr.gettext("How to register (e-mail or phone), or /skip"),
            "capacity": tr.gettext("How many places? A number, or /skip"),
        }
        if step == "office":
            rows = [(Button(o.name, f"evf:office:{o.id}"),) for o in self.events.content.offices.values()]
            rows.append((Button(tr.gettext("For everyone"), "evf:office:-"),))
            return Reply(tr.gettext("For which district?"), tr.lang, tuple(rows))
        if step.startswith("text_"):
            lang = step.removeprefix("text_")
            text = tr.gettext(
                "Translation into {language}: title in the first line, description below. Or /skip"
            ).format(language=NATIVE_NAMES[lang])
            return Reply(text + keep, tr.lang)
        if step == "preview":
            return self.preview(data)
        return Reply(texts[step] + keep, tr.lang)

    def preview(self, data: dict[str, Any]) -> Reply:
        tr = self.tr
        lines = ["👀 " + tr.gettext("Preview in every language:")]
        for lang in LANGUAGES:
            title, description = data["texts"].get(lang) or data["texts"]["de"]
            note = "" if lang in data["texts"] else " " + tr.gettext("(German, no translation)")
            lines.append(f"\n[{lang}]{note} {title}\n{description}")
        lines.append(f"\n📅 {data['when']} · 📍 {data['place']}, {data['address']}")
        rows = (
            (Button("✅ " + tr.gettext("Publish"), "evf:publish"), Button("✖️ " + tr.gettext("Discard"), "evf:drop")),
        )
        return Reply("\n".join(lines), tr.lang, rows)

    @staticmethod
    def parse_when(value: str, content: Content) -> tuple[datetime, datetime] | None:
        match = _WHEN.fullmatch(normalize_digits(value.strip()))
        if not match:
            return None
        d, m, y, h1, m1, h2, m2 = (int(g) for g in match.groups())
        try:
            start = datetime(y, m, d, h1, m1, tzinfo=content.timezone)
            end = datetime(y, m, d, h2, m2, tzinfo=content.timezone)
        except ValueError:
            return None
        return (start, end) if end > start else None

    async def start(self, chat: int, user: int, event_id: int | None) -> Reply:
        data: dict[str, Any] = {"step": "title", "texts": {}}
        if event_id is not None:
            event = await self.events.store.event(event_id)
            if event is None:
                return Reply(self.tr.gettext("There is no event #{number}.").format(number=event_id), self.tr.lang)
            start = self.events._local(event.starts_at)
            end = self.events._local(event.ends_at)
            data.update(
                event_id=event_id,
                texts={k: list(v) for k, v in event.texts.items()},
                when=f"{start:%d.%m.%Y %H:%M}-{end:%H:%M}",
                place=event.place,
                address=event.address,
                office=event.office_id,
                registration=event.registration,
                capacity=event.capacity,
            )
        await self._save(chat, user, data)
        return self.prompt("title", data)

    async def _save(self, chat: int, user: int, data: dict[str, Any]) -> None:
        await self.events.store.save_draft(chat, user, DraftKind.EVENT, data, self.events.clock.now())

    async def answer(self, chat: int, user: int, data: dict[str, Any], text: str) -> Reply:
        """The staff member's answer to the current step."""
        tr = self.tr
        step = data["step"]
        # Titles and texts from staff reach people: no control characters or bidi overrides in them.
        value = bidi.strip_overrides(text).strip()
        keep = value == "." and data.get("event_id")
        skip = value.lower() == "/skip"
        if step == "title" and not keep:
            if not value:
                return self.prompt(step, data)
            data["texts"]["de"] = [bidi.clean_line(value, 120), data["texts"].get("de", ["", ""])[1]]
        elif step == "description" and not keep:
            data["texts"]["de"][1] = value[:1500]
        elif step == "when" and not keep:
            if self.parse_when(value, self.events.content) is None:
                return Reply(
                    tr.gettext("I did not understand the date. Please write it like 06.07.2027 19:00-21:00"), tr.lang
                )
            data["when"] = value
        elif step in ("place", "address") and not keep:
            data[step] = bidi.clean_line(value, 200)
        elif step == "registration" and not keep:
            data["registration"] = None if skip else value[:300]
        elif step == "capacity" and not keep:
            if not skip and not normalize_digits(value).isdigit():
                return self.prompt(step, data)
            data["capacity"] = None if skip else int(normalize_digits(value))
        elif step.startswith("text_") and not keep:
            lang = step.removeprefix("text_")
            if skip:
                data["texts"].pop(lang, None)
            else:
                title, _, description = value.partition("\n")
                data["texts"][lang] = [bidi.clean_line(title, 120), description.strip()[:1500] or title.strip()]
        elif step == "office":
            return self.prompt(step, data)
        data["step"] = EVENT_STEPS[EVENT_STEPS.index(step) + 1]
        await self._save(chat, user, data)
        return self.prompt(data["step"], data)

    async def press(self, chat: int, user: int, data: dict[str, Any], action: str, actor: Actor | None = None) -> Reply:
        tr = self.tr
        if action.startswith("evf:office:") and data["step"] == "office":
            office = action.removeprefix("evf:office:")
            data["office"] = None if office == "-" else office
            data["step"] = "registration"
            await self._save(chat, user, data)
            return self.prompt("registration", data)
        if action == "evf:drop":
            await self.events.store.drop_draft(chat, user)
            return Reply(tr.gettext("Discarded."), tr.lang)
        if action == "evf:publish" and data["step"] == "preview":
            start, end = self.parse_when(data["when"], self.events.content)  # type: ignore[misc]
            event = NewEvent(
                starts_at=start,
                ends_at=end,
                place=data["place"],
                address=data["address"],
                texts={lang: (t[0], t[1]) for lang, t in data["texts"].items()},
                office_id=data.get("office"),
                registration=data.get("registration"),
                capacity=data.get("capacity"),
            )
            store, now = self.events.store, self.events.clock.now()
            async with store.transaction():
                # The draft is taken in the same unit: a second tap (or a replayed update) finds it gone.
                if not await store.take_draft(chat, user, data):
                    return Reply(tr.gettext("Done already."), tr.lang)
                event_id = await store.save_event(event, now, data.get("event_id"))
                await audit.record(store, now, actor, "event_published", f"#{event_id}", data.get("office"))
            return Reply(
                tr.gettext("Published: event #{number}. People see it under Events.").format(number=event_id), tr.lang
            )
        return self.prompt(data["step"], data)
