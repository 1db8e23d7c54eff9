"""Appointments and events as .ics files, so people can put them into their phone's calendar."""

import functools
from datetime import datetime, timedelta, tzinfo

from icalendar import Calendar, Event, vText

from bot.content import Office
from bot.models import Attachment


@functools.lru_cache(maxsize=8)
def _vtimezone(zone: tzinfo, year: int) -> bytes:
    """The VTIMEZONE for a zone, as text: making it takes ~30 ms, so it is made once (per zone and year)."""
    calendar = Calendar()
    probe = Event()
    probe.add("dtstart", datetime(year, 1, 1, tzinfo=zone))
    calendar.add_component(probe)
    calendar.add_missing_timezones()
    return next(c for c in calendar.subcomponents if c.name == "VTIMEZONE").to_ical()


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
    # A VTIMEZONE for Europe/Berlin, so every calendar app reads the times right.
    end_marker = b"END:VCALENDAR\r\n"
    data = calendar.to_ical().replace(end_marker, _vtimezone(start.tzinfo, start.year) + end_marker)
    return Attachment(filename, data, "text/calendar")


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
