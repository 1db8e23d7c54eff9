"""People's rights over their data: the notice they agree to first, what is stored (/mydata), erasure
(/delete), and the retention job that forgets old content by itself.

The decisions live here; `storage` does the reading and deleting. Texts are in the person's language.
"""

import dataclasses
import json
import logging
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from bot import actions, answers
from bot.actions import pack
from bot.clock import Clock
from bot.content import Content
from bot.i18n import Translator
from bot.models import Attachment, Button, Person, Reply
from bot.normalize import is_id
from bot.ports import Store
from bot.records import OutboxKind, Purpose
from bot.screens import menu_row

log = logging.getLogger(__name__)

DELETE_CONFIRM_MINUTES = 15  # an old "yes, delete" button does nothing: the person is asked again


def _sections(tr: Translator) -> dict[str, str]:
    """The export's section names, per table, in the person's language."""
    return {
        "people": tr.gettext("About you"),
        "consents": tr.gettext("What you agreed to"),
        "appointments": tr.gettext("Appointments and home visits"),
        "slot_watches": tr.gettext("Waiting for a free time"),
        "tickets": tr.gettext("Questions to the team"),
        "relay": tr.gettext("Messages the bot passed on"),
        "answers_given": tr.gettext("Answers the bot gave you"),
        "unresolved_questions": tr.gettext("Questions the bot could not answer"),
        "event_reminders": tr.gettext("Event reminders"),
        "deliveries": tr.gettext("News we sent you"),
        "outbox": tr.gettext("Messages waiting to be sent"),
    }


@dataclass
class PrivacyDesk:
    store: Store
    content: Content
    clock: Clock
    translators: dict[str, Translator]
    staff_tr: Translator
    keep_messages_days: int = 90
    keep_inactive_days: int = 365
    _retention_day: date | None = None
    scrub_wanted: bool = False

    # -- the notice ------------------------------------------------------------------------------------------

    def notice(self, tr: Translator, office_id: str | None) -> str:
        """The `privacy` FAQ answer with this installation's retention periods filled in."""
        text = answers.faq_answer(self.content, "privacy", tr, office_id, self.clock.now())
        return text.replace("{keep_days}", str(self.keep_messages_days)).replace(
            "{inactive_months}", str(max(1, round(self.keep_inactive_days / 30.4)))
        )

    def privacy_reply(self, person: Person) -> Reply:
        """/privacy for someone who agreed: the same notice, with their rights as buttons."""
        tr = self.translators[person.language]
        rows = (
            (
                Button("📄 " + tr.gettext("My data"), actions.MY_DATA),
                Button("🗑 " + tr.gettext("Delete my data"), actions.DELETE),
            ),
            *menu_row(tr),
        )
        return Reply("🔒 " + self.notice(tr, person.office_id), person.language, rows)

    async def agree(self, person: Person, purposes: Iterable[Purpose] = tuple(Purpose)) -> Person:
        """The person agreed to store data for these purposes (all of them: the whole notice)."""
        await self.store.give_consent(person.id, purposes, self.clock.now())
        return dataclasses.replace(person, consents=person.consents | {str(p) for p in purposes})

    # -- /mydata -----------------------------------------------------------------------------------------------

    async def export(self, person: Person) -> Reply:
        tr = self.translators[person.language]
        now = self.clock.now()
        data = await self.store.export_person(person.id)
        lines = [
            "lokal willkommen – " + tr.gettext("Everything we store about you"),
            tr.day(now.astimezone(self.content.timezone).date()) + ", " + tr.time(now),
            "",
            tr.gettext(
                "Messages you wrote to the team and photos or files are not stored by us: they stay in your"
                " Telegram chat. Times are in UTC."
            ),
        ]
        sections = _sections(tr)
        for table, rows in data.items():
            lines += ["", "== " + sections[table] + f" ({len(rows)})"]
            for row in rows:
                lines.append("")
                lines += [f"{key}: {_value(value)}" for key, value in row.items() if value not in (None, "")]
        lines += ["", "-- JSON --", json.dumps(data, ensure_ascii=False, indent=1, default=str)]
        body = "\n".join(lines) + "\n"
        name = f"lokal-willkommen-{now.date().isoformat()}.txt"
        text = (
            tr.gettext("Here is everything we store about you, as a file.")
            + " "
            + tr.gettext("To delete it, write /delete.")
        )
        return Reply(text, person.language, menu_row(tr), attachments=(Attachment(name, body.encode(), "text/plain"),))

    # -- /delete -----------------------------------------------------------------------------------------------

    def confirm_delete(self, person: Person) -> Reply:
        tr = self.translators[person.language]
        stamp = int(self.clock.now().timestamp() // 60)
        text = tr.gettext(
            "Do you want to delete all your data? Your appointments are cancelled, your questions to the team"
            " are closed, and the team is told. This cannot be undone."
        )
        rows = (
            (Button("🗑 " + tr.gettext("Yes, delete everything"), pack(actions.DELETE, "yes", stamp)),),
            (Button("↩️ " + tr.gettext("No, keep my data"), actions.MENU),),
        )
        return Reply(text, person.language, rows)

    def confirmation_fresh(self, args: tuple[str, ...]) -> bool:
        """The arguments of a "yes, delete" button (`del:yes:<minute>`): pressed within the time allowed?"""
        if len(args) != 2 or args[0] != "yes" or not is_id(args[1]):
            return False
        age = self.clock.now().timestamp() // 60 - int(args[1])
        return 0 <= age <= DELETE_CONFIRM_MINUTES

    async def erase(self, person: Person, reason: str = "request") -> bool:
        """Delete the person; staff are told (their topic is closed, appointments named) via the outbox, in
        the same commit: an erasure never happens without the notice, nor the notice without the erasure."""
        now = self.clock.now()
        async with self.store.transaction():
            # Someone who declined the notice never agreed to be counted either.
            told = await self.store.erase_person(person.id, now, keep_counts=reason != "declined")
            if told is None:
                return False
            notice = bool(told.topic or told.cancelled or told.open_tickets)
            if notice:
                ref = {
                    "reason": reason,
                    "topic": told.topic,
                    "office": person.office_id,
                    "tickets": list(told.open_tickets),
                    "cancelled": [
                        {"office": a.office_id, "slot": a.slot.isoformat() if a.slot else None, "kind": str(a.kind)}
                        for a in told.cancelled
                    ],
                }
                key = f"erased:{now.isoformat()}:{person.id}"
                await self.store.enqueue(key, OutboxKind.ERASED, None, json.dumps(ref), now, now)
        await self._scrub_after_erasure()
        return True

    async def _scrub_after_erasure(self) -> None:
        # Now, and once more after the reply that tells the person (it is stored with their chat id until sent).
        self.scrub_wanted = True
        await self._scrub()

    async def _scrub(self) -> None:
        try:
            await self.store.scrub()
        except Exception as exc:  # the erasure itself is committed; the next scrub empties the log
            self.scrub_wanted = True
            log.error("emptying the write-ahead log failed: %s", type(exc).__name__)

    async def scrub_if_wanted(self) -> None:
        """After replies were sent: empty the write-ahead log if a person was erased since the last time."""
        if self.scrub_wanted:
            self.scrub_wanted = False
            await self._scrub()

    def erased_reply(self, lang: str) -> Reply:
        tr = self.translators[lang]
        text = tr.gettext(
            "All your data is deleted. Thank you for using lokal willkommen. Write /start to begin again."
        )
        return Reply("✅ " + text, lang)

    # -- retention ---------------------------------------------------------------------------------------------

    async def retention_if_due(self) -> dict[str, int] | None:
        """The daily job: runs once per calendar day (and once after each start)."""
        today = self.clock.now().astimezone(self.content.timezone).date()
        if self._retention_day == today:
            return None
        counts = await self.retention()
        self._retention_day = today
        return counts

    async def retention(self) -> dict[str, int]:
        """Forget old content and people long gone. Logs counts only."""
        now = self.clock.now()
        counts = await self.store.purge_contents(now - timedelta(days=self.keep_messages_days))
        removed = 0
        cutoff = now - timedelta(days=self.keep_inactive_days)
        while batch := await self.store.inactive_people(cutoff):
            for person_id in batch:
                person = await self.store.person_by_id(person_id)
                if person is not None and await self.erase(person, reason="inactive"):
                    removed += 1
        counts["people_removed"] = removed
        await self._scrub()  # what was purged leaves the write-ahead log too
        log.info("retention: %s", ", ".join(f"{k}={v}" for k, v in sorted(counts.items())))
        return counts

    def staff_notice(self, ref: dict) -> str:
        """What staff read when a person's data was erased: no name, nothing the person wrote."""
        tr = self.staff_tr
        if ref["reason"] == "inactive":
            head = tr.gettext("A person's data was deleted after a long time without contact.")
        else:
            head = tr.gettext("A person deleted all their data.")
        lines = ["🗑 " + head]
        for number in ref["tickets"]:
            lines.append(tr.gettext("Ticket #{number} is closed; this topic takes no answers.").format(number=number))
        for item in ref["cancelled"]:
            office = self.content.offices.get(item["office"])
            where = office.name if office else item["office"]
            if item["slot"]:
                start = datetime.fromisoformat(item["slot"]).astimezone(self.content.timezone)
                when = f"{tr.day(start.date())} {tr.time(start)}"
                lines.append("🚫 " + tr.gettext("Cancelled: {when} at {office}").format(when=when, office=where))
            else:
                lines.append("🚫 " + tr.gettext("Home visit request cancelled ({office})").format(office=where))
        return "\n".join(lines)


def _value(value: object) -> str:
    text = str(value)
    return text if len(text) < 2000 else text[:2000] + "…"
