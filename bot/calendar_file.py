"""Appointments and events as .ics files, so people can put them into their phone's calendar."""

from datetime import datetime, timedelta

from icalendar import Calendar, Event, vText

from bot.content import Office
from bot.models import Attachment


def _ics(
    uid: str,
    filename: str,
    title: str,
    description: str,
    location: str,
    start: datetime,
    end: datetime,
    now: datetime,
    geo: tuple[float, float] | None = None,
) -> Attachment:
    calendar = Calendar()
    calendar.add("prodid", "-//lokal willkommen//bot//DE")
    calendar.add("version", "2.0")
    calendar.add("method", "PUBLISH")
    event = Event()
    event.add("uid", uid)
    event.add("dtstamp", now)
    event.add("dtstart", start)  # aware, in the office's zone: written with its TZID
    event.add("dtend", end)
    event.add("summary", title)
    event.add("description", description)
    event["location"] = vText(location)
    if geo is not None:
        event.add("geo", geo)
    calendar.add_component(event)
    calendar.add_missing_timezones()  # a VTIMEZONE for Europe/Berlin, so every calendar app reads it right
    return Attachment(filename, calendar.to_ical(), "text/calendar")


def appointment_ics(
    appointment_id: int,
    office: Office,
    start: datetime,
    minutes: int,
    title: str,
    description: str,
    now: datetime,
) -> Attachment:
    return _ics(
        f"appointment-{appointment_id}@lokal-willkommen.bot",
        f"appointment-{appointment_id}.ics",
        title,
        description,
        f"{office.name}, {office.address.one_line()}",
        start,
        start + timedelta(minutes=minutes),
        now,
        (office.coordinates.lat, office.coordinates.lon),
    )


def event_ics(
    event_id: int, title: str, description: str, location: str, start: datetime, end: datetime, now: datetime
) -> Attachment:
    return _ics(
        f"event-{event_id}@lokal-willkommen.bot", f"event-{event_id}.ics", title, description, location, start, end, now
    )
