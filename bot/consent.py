"""Consent at the moment of need: answering needs no stored personal data, so nobody has to accept a notice
before learning when the door opens. When a person starts something that must store data (book, write to
the team, news, an event reminder), they are told in two short sentences what is stored and for how long,
with OK / No and the full notice; OK goes on with what they started, No stores nothing.

Without consent only the person's settings (language, office) and pseudonymous counts are kept; see
PRIVACY.md for the list and the legal basis.
"""

from dataclasses import dataclass

from bot import actions
from bot.actions import Pressed, pack, unpack
from bot.i18n import Translator
from bot.models import Button, Person, Reply
from bot.records import Purpose

OK = "ok"  # ok:<the action the person pressed>: agree to its purpose, then do it


def purpose_of(pressed: Pressed) -> Purpose | None:
    """What a button would store, if anything: the purpose a person must agree to first."""
    if pressed.name == actions.BOOK and pressed.arg == "c" and len(pressed.args) > 1 and pressed.args[1] == "n":
        return Purpose.APPOINTMENTS  # confirming a new booking (moving one was booked with consent)
    if pressed.name == actions.HOME_VISIT and pressed.arg == "yes":
        return Purpose.APPOINTMENTS
    if pressed.name == actions.WATCH:
        return Purpose.APPOINTMENTS
    if pressed.name == actions.TO_STAFF:
        return Purpose.TEAM
    if pressed.name == actions.NEWS and pressed.arg == "on":
        return Purpose.NEWS
    if pressed.name == actions.EVENT and pressed.arg == "r":
        return Purpose.REMINDERS
    return None


def ok_action(pressed: Pressed) -> str:
    return pack(OK, pressed.raw)


def can_carry(pressed: Pressed) -> bool:
    """The OK button can carry this action on (every action the bot makes can; a forged long one cannot)."""
    return len(f"{OK}:{pressed.raw}".encode()) <= actions.MAX_BYTES


def agreed_to(pressed: Pressed) -> Pressed | None:
    """The action an OK button carries (None if it is not one that needs consent: old or forged)."""
    inner = unpack(":".join(pressed.args))
    return inner if purpose_of(inner) is not None else None


@dataclass(frozen=True)
class ConsentTexts:
    keep_messages_days: int
    keep_inactive_days: int

    def what_is_stored(self, tr: Translator, purpose: Purpose) -> str:
        days = self.keep_messages_days
        months = max(1, round(self.keep_inactive_days / 30.4))
        if purpose == Purpose.APPOINTMENTS:
            return tr.gettext(
                "For this I store your appointment and your first name. The name is deleted {days} days after"
                " the appointment."
            ).format(days=days)
        if purpose == Purpose.TEAM:
            return tr.gettext(
                "For this I store your messages for the team. The texts are deleted {days} days after your"
                " question is closed."
            ).format(days=days)
        if purpose == Purpose.NEWS:
            return tr.gettext("For this I store that you want news, until you switch it off.")
        return tr.gettext(
            "For this I store which event you want a reminder for, until you delete your data or for {months}"
            " months after your last message."
        ).format(months=months)

    def ask(self, tr: Translator, person: Person, pressed: Pressed) -> Reply:
        purpose = purpose_of(pressed)
        assert purpose is not None
        text = "🔒 " + self.what_is_stored(tr, purpose) + " " + tr.gettext("Is that OK?")
        rows = (
            (
                Button("✅ " + tr.gettext("OK"), ok_action(pressed)),
                Button("❌ " + tr.gettext("No"), pack(actions.CONSENT, "no")),
            ),
            (Button("🔒 " + tr.gettext("Full privacy notice"), pack(actions.FAQ, "privacy", new_message=True)),),
        )
        return Reply(text, person.language, rows, replace=not pressed.new_message)

    @staticmethod
    def first_line(tr: Translator) -> str:
        return "🔒 " + tr.gettext("I store nothing about you unless you book an appointment or write to the team.")

    @staticmethod
    def notice_button(tr: Translator) -> Button:
        return Button("🔒 " + tr.gettext("Privacy"), pack(actions.FAQ, "privacy", new_message=True))
