"""The text of an answer: the FAQ entry in the person's language, plus facts computed from the offices.

Hours, addresses and phone numbers are never written into FAQ texts: they come from `offices.yaml` here,
so a change of hours is made in one place and reaches every language at once.
"""

from datetime import date, datetime, timedelta

from bot import hours
from bot.content import WEEKDAYS, Content, Office
from bot.facts import office_address, to_be_confirmed
from bot.i18n import Translator

# A Monday, to name weekdays through Babel (2024-01-01 was a Monday).
_MONDAY = date(2024, 1, 1)


def _sample_note(tr: Translator, office: Office, *facts: str, own_line: bool = False) -> str:
    """The "(to be confirmed)" marker when any of the office's `facts` is not confirmed."""
    if office.is_unconfirmed(*facts):
        return ("\n" if own_line else " ") + to_be_confirmed(tr)
    return ""


def relative_day(tr: Translator, day: date, today: date, full: bool = False) -> str:
    """ "today", "tomorrow", a weekday within the week, else weekday and date (`full`: always the date)."""
    if day == today:
        return tr.gettext("today")
    if day == today + timedelta(days=1):
        return tr.gettext("tomorrow")
    if day - today < timedelta(days=7) and not full:
        return tr.weekday(day)
    return tr.day(day)


def status_line(content: Content, office: Office, tr: Translator, now: datetime) -> str:
    state = hours.status(content, office, now, tr.lang)
    lines = []
    if state.today_closed is not None:
        if state.today_closed.holiday is not None:
            lines.append(tr.gettext("Today is a public holiday ({name}).").format(name=state.today_closed.holiday))
        elif state.today_closed.closure is not None:
            reason = state.today_closed.closure.reason[tr.lang]
            lines.append(
                tr.gettext("Closed today: {reason}").format(reason=reason) + _sample_note(tr, office, "closures")
            )
    if state.is_open and state.closes_at is not None:
        lines.append("🟢 " + tr.gettext("Open now, until {time}.").format(time=tr.time(state.closes_at)))
    elif state.next_opening is not None:
        today = now.astimezone(content.timezone).date()
        when = relative_day(tr, state.next_opening.date(), today)
        lines.append(
            "🔴 "
            + tr.gettext("Closed now. Next opening: {day} {time}.").format(day=when, time=tr.time(state.next_opening))
        )
    else:
        lines.append("🔴 " + tr.gettext("Closed now. No opening in the next weeks is known yet."))
    return "\n".join(lines)


def weekly_hours(office: Office, tr: Translator) -> str:
    lines = []
    for index in range(len(WEEKDAYS)):
        ranges = office.ranges_on(index)
        if not ranges:
            continue
        day_name = tr.weekday(_MONDAY + timedelta(days=index))
        spans = ", ".join(f"{tr.time(r.start)}–{tr.time(r.end)}" for r in ranges)
        lines.append(f"{day_name}: {spans}")
    return "\n".join(lines)


def office_hours_block(content: Content, office: Office, tr: Translator, now: datetime) -> str:
    return "\n".join(
        [
            f"🏢 {office.name}",
            status_line(content, office, tr, now),
            weekly_hours(office, tr) + _sample_note(tr, office, "hours", own_line=True),
        ]
    )


def map_link(office: Office) -> str:
    lat, lon = office.coordinates.lat, office.coordinates.lon
    return f"https://www.openstreetmap.org/?mlat={lat:.5f}&mlon={lon:.5f}#map=17/{lat:.5f}/{lon:.5f}"


def office_location_block(office: Office, tr: Translator) -> str:
    return "\n".join(
        [
            f"🏢 {office.name} ({office.partner})",
            "📍 " + office_address(office, tr),
            "🗺 " + map_link(office) + _sample_note(tr, office, "coordinates"),
        ]
    )


def office_contact_block(office: Office, tr: Translator) -> str:
    return "\n".join(
        [
            f"🏢 {office.name}",
            "☎️ " + office.phone + _sample_note(tr, office, "phone"),
            "✉️ " + office.email + _sample_note(tr, office, "email"),
        ]
    )


def offers_block(content: Content, office_id: str | None, tr: Translator) -> str:
    lines = []
    for offer in content.offers_for(office_id):
        text, _lang = content.offer_text(offer.id, tr.lang)
        title = text.title + (" " + to_be_confirmed(tr) if offer.is_unconfirmed("offices", "description") else "")
        lines.append(f"• {title}: {text.description.strip()}")
    return "\n".join(lines)


def offices_for(content: Content, office_id: str | None) -> list[Office]:
    if office_id and office_id in content.offices:
        return [content.offices[office_id]]
    return list(content.offices.values())


def faq_answer(content: Content, faq_id: str, tr: Translator, office_id: str | None, now: datetime) -> str:
    entry, lang = content.faq_text(faq_id, tr.lang)
    parts = [entry.answer.strip()]
    if lang != tr.lang:
        parts.insert(0, tr.gettext("This answer is only available in German so far."))
    offices = offices_for(content, office_id)
    if faq_id == "opening_hours":
        parts.extend(office_hours_block(content, o, tr, now) for o in offices)
    elif faq_id == "location":
        parts.extend(office_location_block(o, tr) for o in offices)
    elif faq_id == "appointment":
        # "Can I come today without an appointment?" is asked as often as how to book one: the answer says
        # that the open office hours need none, so it shows whether the office is open now and when next.
        parts.extend(office_contact_block(o, tr) + "\n" + status_line(content, o, tr, now) for o in offices)
    elif faq_id in ("contact", "home_visit"):
        parts.extend(office_contact_block(o, tr) for o in offices)
    elif faq_id == "offers":
        block = offers_block(content, office_id, tr)
        if block:
            parts.append(block)
    return "\n\n".join(parts)
