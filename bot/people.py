"""Who is writing: find or create the person, note their last contact, follow the language they write in."""

import dataclasses
from dataclasses import dataclass
from datetime import timedelta

from bot.clock import Clock
from bot.detect import detect
from bot.languages import from_hint
from bot.models import Incoming, Person
from bot.ports import Store

# Last contact only decides retention (months): once an hour is precise enough, and saves a write on nearly
# every message.
LAST_SEEN_PRECISION = timedelta(hours=1)


def changed(person: Person, **changes: object) -> Person:
    return dataclasses.replace(person, **changes)  # type: ignore[arg-type]


@dataclass
class People:
    store: Store
    clock: Clock
    default_language: str

    async def find(self, channel: str, user_id: str) -> Person | None:
        return await self.store.get_person(channel, user_id)

    async def arrive(self, event: Incoming, known: Person | None = None) -> tuple[Person, bool]:
        """The person behind `event` (created at first contact, with only their language); True when new."""
        person = known or await self.find(event.channel, event.user_id)
        if person is not None:
            await self.seen(person)
            return person, False
        found = detect(event.text, event.lang_hint) if event.kind == "text" else None
        if found is not None and found.lang is not None:
            lang, source = found.lang, "detected"
        else:
            lang, source = from_hint(event.lang_hint) or self.default_language, "hint"
        now = self.clock.now()
        person = await self.store.create_person(event.channel, event.user_id, lang, source, now)  # type: ignore[arg-type]
        return person, True

    async def seen(self, person: Person) -> None:
        now = self.clock.now()
        if now - person.last_seen_at >= LAST_SEEN_PRECISION:
            await self.store.touch(person.id, now)

    async def follow_language(self, person: Person, lang: str | None) -> Person:
        """Answer in the language the person writes in (`lang`: what their text clearly shows, None when it
        shows little), unless they chose one in the menu."""
        if person.language_source == "chosen" or lang is None or lang == person.language:
            return person
        await self.store.set_language(person.id, lang, "detected")
        return changed(person, language=lang, language_source="detected")

    async def choose_language(self, person: Person, lang: str) -> Person:
        await self.store.set_language(person.id, lang, "chosen")
        return changed(person, language=lang, language_source="chosen")

    async def choose_office(self, person: Person, office_id: str | None) -> Person:
        await self.store.set_office(person.id, office_id)
        return changed(person, office_id=office_id)

    async def note_activity(self, person: Person, day: str) -> None:
        """The day counts as a contact in the figures (with the office and language of that moment)."""
        await self.store.record_activity(person.id, day)
