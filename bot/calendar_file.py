"""An appointment as an .ics file, so people can put it into their phone's calendar."""

from datetime import datetime, timedelta

from icalendar import Calendar, Event, vText

from bot.content import Office
from bot.models import Attachment


def appointment_ics(
    appointment_id: int,
    office: Office,
    start: datetime,
    minutes: int,
    title: str,
    description: str,
    now: datetime,
) -> Attachment:
    calendar = Calendar()
    calendar.add("prodid", "-//lokal willkommen//bot//DE")
    calendar.add("version", "2.0")
    calendar.add("method", "PUBLISH")
    event = Event()
    event.add("uid", f"appointment-{appointment_id}@lokal-willkommen.bot")
    event.add("dtstamp", now)
    event.add("dtstart", start)  # aware, in the office's zone: written with its TZID
    event.add("dtend", start + timedelta(minutes=minutes))
    event.add("summary", title)
    event.add("description", description)
    event["location"] = vText(f"{office.name}, {office.address.one_line()}")
    event.add("geo", (office.coordinates.lat, office.coordinates.lon))
    calendar.add_component(event)
    calendar.add_missing_timezones()  # a VTIMEZONE for Europe/Berlin, so every calendar app reads it right
    return Attachment(f"appointment-{appointment_id}.ics", calendar.to_ical(), "text/calendar")


def event_ics(
    event_id: int, title: str, description: str, location: str, start: datetime, end: datetime, now: datetime
) -> Attachment:
    calendar = Calendar()
    calendar.add("prodid", "-//lokal willkommen//bot//DE")
    calendar.add("version", "2.0")
    event = Event()
    event.add("uid", f"event-{event_id}@lokal-willkommen.bot")
    event.add("dtstamp", now)
    event.add("dtstart", start)
    event.add("dtend", end)
    event.add("summary", title)
    event.add("description", description)
    event["location"] = vText(location)
    calendar.add_component(event)
    calendar.add_missing_timezones()
    return Attachment(f"event-{event_id}.ics", calendar.to_ical(), "text/calendar")
