"""The appointment conversation: book, list, move, cancel, wait for a free time, ask for a home visit.

Every step is a button whose action carries all the step needs (`bk:<step>:<mode>:<office>:...`), so a
step can be taken back, and an old or forged button is checked again against the store before anything
changes: the slot must still be bookable, and an appointment must belong to the person pressing.
`mode` is `n` for a new booking or `m<id>` for moving appointment <id>.

Longer than our other modules on purpose: the steps read and write one button grammar, and each step's
"back" button names the step before it; kept together, a change to a step shows its neighbours.
"""

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from babel import Locale

from bot import answers, bidi, booking
from bot.actions import APPOINTMENT, APPOINTMENTS, BOOK, HOME_VISIT, WATCH, pack
from bot.booking import MAX_FUTURE_APPOINTMENTS, Slot
from bot.calendar_file import appointment_ics
from bot.clock import Clock
from bot.content import Content, Office
from bot.i18n import Translator
from bot.models import Button, Person, Reply
from bot.normalize import is_id
from bot.ports import Store
from bot.records import Appointment, AppointmentKind, AppointmentStatus, OutboxKind
from bot.screens import back_button, menu_row

SHOW_DAYS = 8  # days with free times offered at once


@dataclass(frozen=True)
class Choice:
    """What a booking action carries."""

    step: str
    mode: str
    office_id: str
    rest: tuple[str, ...]

    @property
    def moving(self) -> int | None:
        return int(self.mode[1:]) if self.mode.startswith("m") and is_id(self.mode[1:]) else None


def parse(action: str) -> Choice | None:
    parts = action.split(":")
    if len(parts) < 4 or parts[0] != BOOK or not (parts[2] == "n" or is_id(parts[2][1:])):
        return None
    return Choice(parts[1], parts[2], parts[3], tuple(parts[4:]))


def topic_label(tr: Translator, topic: str) -> str:
    labels = {
        "letters": tr.gettext("Letters and forms"),
        "housing": tr.gettext("Flat and housing"),
        "work": tr.gettext("Work and Jobcenter"),
        "health": tr.gettext("Health"),
        "school": tr.gettext("School and Kita"),
        "german": tr.gettext("German course"),
        "other": tr.gettext("Something else"),
        "-": tr.gettext("No topic given"),
    }
    return labels.get(topic, labels["-"])


def interpreter_label(tr: Translator, code: str) -> str:
    if code == "-":
        return tr.gettext("No interpreter needed")
    # Language names from CLDR, in the reader's language: no translation of ours to go wrong.
    name = Locale.parse(tr.lang).languages.get(code) or code
    return tr.gettext("Interpreter: {language}").format(language=name)


@dataclass
class BookingFlow:
    store: Store
    content: Content
    clock: Clock
    reminder_hours: tuple[int, ...] = (24, 3)

    # -- entry points ---------------------------------------------------------------------------------------

    async def hub(self, person: Person, tr: Translator) -> Reply:
        """ "Appointments": what the person has, and how to book."""
        now = self.clock.now()
        items = await self.store.future_appointments(person.id, now)
        lines = [tr.gettext("Your appointments:") if items else tr.gettext("You have no appointment yet.")]
        rows: list[tuple[Button, ...]] = []
        for item in items:
            lines.append("• " + self._describe(item, tr))
            if item.kind == AppointmentKind.DROP_IN:
                when = self._short_when(item, tr)
                rows.append(
                    (
                        Button("✏️ " + tr.gettext("Move {when}").format(when=when), f"{BOOK}:o:m{item.id}:-"),
                        Button("❌ " + tr.gettext("Cancel {when}").format(when=when), f"{APPOINTMENT}:x:{item.id}"),
                    )
                )
        drop_ins = [i for i in items if i.kind == AppointmentKind.DROP_IN]
        if len(drop_ins) < MAX_FUTURE_APPOINTMENTS:
            rows.append((Button("➕ " + tr.gettext("Book an appointment"), f"{BOOK}:o:n:-"),))
        else:
            lines.append(tr.gettext("You can have up to two appointments at a time."))
        if not any(i.kind == AppointmentKind.HOME_VISIT for i in items):
            rows.append((Button("🏡 " + tr.gettext("Ask for a home visit"), f"{HOME_VISIT}:ask"),))
        lines.append(tr.gettext("You can also come without an appointment during opening hours."))
        return Reply("\n".join(lines), person.language, (*rows, *menu_row(tr)), replace=True)

    async def handle(self, person: Person, tr: Translator, action: str, first_name: str | None) -> list[Reply]:
        family = action.partition(":")[0]
        if family == APPOINTMENT:
            return await self._appointment_action(person, tr, action)
        if family == HOME_VISIT:
            return await self._home_visit(person, tr, action, first_name)
        if family == WATCH:
            return await self._watch(person, tr, action)
        choice = parse(action)
        if choice is None:
            return [self._stale(person, tr)]
        if choice.step == "o":
            return [await self._offices(person, tr, choice)]
        office = self.content.offices.get(choice.office_id)
        if office is None:
            return [self._stale(person, tr)]
        moving = choice.moving
        if moving is not None and not await self._owns_booked(person, moving):
            return [self._stale(person, tr)]
        if choice.step == "d":
            return [await self._days(person, tr, choice, office)]
        if choice.step == "w":
            return [await self._full_days(person, tr, choice, office)]
        if choice.step == "t" and choice.rest:
            day = booking.parse_day_key(choice.rest[0])
            return [await self._times(person, tr, choice, office, day)] if day else [self._stale(person, tr)]
        slot = self._slot(office, choice.rest[0]) if choice.rest else None
        if slot is None:
            return [self._stale(person, tr)]
        if not booking.in_reach(self.content, office, slot, self.clock.now()):
            return [await self._too_late(person, tr, choice, office)]
        if choice.step == "p":
            return [self._topics(person, tr, choice, slot)]
        if choice.step == "i" and len(choice.rest) >= 2:
            return [self._interpreters(person, tr, choice, slot)]
        if choice.step in ("s", "c"):
            topic, interpreter = await self._details(person, choice)
            if topic is None or interpreter is None:
                return [self._stale(person, tr)]
            if choice.step == "s":
                return [self._summary(person, tr, choice, office, slot, topic, interpreter)]
            return await self._confirm(person, tr, choice, office, slot, topic, interpreter, first_name)
        return [self._stale(person, tr)]

    # -- steps ----------------------------------------------------------------------------------------------

    async def _offices(self, person: Person, tr: Translator, choice: Choice) -> Reply:
        if choice.moving is not None and not await self._owns_booked(person, choice.moving):
            return self._stale(person, tr)
        back = back_button(tr, APPOINTMENTS)
        rows = []
        ordered = sorted(self.content.offices.values(), key=lambda o: o.id != person.office_id)
        for office in ordered:
            mark = "✅ " if office.id == person.office_id else ""
            rows.append((Button(f"{mark}🏢 {office.name}", f"{BOOK}:d:{choice.mode}:{office.id}"),))
        text = "📅 " + tr.gettext("Step 1: Which office do you want to visit?")
        if person.office_id:
            text += "\n" + tr.gettext("Your office is marked with ✅.")
        return Reply(text, person.language, (*rows, (back,)), replace=True)

    async def _free(self, office: Office, day: date) -> list[Slot]:
        start, end = booking.day_bounds(self.content, day)
        counts = await self.store.slot_counts(office.id, start, end)
        blocks = await self.store.blocks(office.id, day.isoformat(), day.isoformat())
        return booking.free_slots(self.content, office, day, self.clock.now(), counts, blocks)

    async def _days_with(self, office: Office) -> tuple[list[date], list[date]]:
        """Days in reach with free times, and days in reach that have times but all are taken."""
        free: list[date] = []
        full: list[date] = []
        for day in booking.days_in_reach(self.content, office, self.clock.now()):
            if not booking.slots_on(self.content, office, day):
                continue
            (free if await self._free(office, day) else full).append(day)
        return free, full

    async def _days(self, person: Person, tr: Translator, choice: Choice, office: Office) -> Reply:
        free, full = await self._days_with(office)
        back = back_button(tr, f"{BOOK}:o:{choice.mode}:-")
        if not free:
            text = tr.gettext("{office} has no free time in the next {days} days.").format(
                office=office.name, days=office.appointments.horizon_days
            )
            watch = Button("🔔 " + tr.gettext("Tell me when a time is free"), f"{BOOK}:w:{choice.mode}:{office.id}")
            return Reply(text, person.language, ((watch,), (back,)), replace=True)
        buttons = [
            Button(self._day_label(tr, day), f"{BOOK}:t:{choice.mode}:{office.id}:{booking.day_key(day)}")
            for day in free[:SHOW_DAYS]
        ]
        rows: list[tuple[Button, ...]] = [tuple(buttons[i : i + 2]) for i in range(0, len(buttons), 2)]
        if full:
            rows.append(
                (
                    Button(
                        "🔔 " + tr.gettext("A full day? Get told when a time is free"),
                        f"{BOOK}:w:{choice.mode}:{office.id}",
                    ),
                )
            )
        text = "📅 " + tr.gettext("Step 2: Choose a day at {office}.").format(office=office.name)
        return Reply(text, person.language, (*rows, (back,)), replace=True)

    async def _full_days(self, person: Person, tr: Translator, choice: Choice, office: Office) -> Reply:
        _free, full = await self._days_with(office)
        rows = [
            (Button("🔔 " + self._day_label(tr, day), f"{WATCH}:{office.id}:{booking.day_key(day)}"),)
            for day in full[:SHOW_DAYS]
        ]
        text = tr.gettext("Which day do you want? If a time becomes free on that day, I will tell you once.")
        if not rows:
            text = tr.gettext("No day is full right now. Choose a free time instead.")
        back = back_button(tr, f"{BOOK}:d:{choice.mode}:{office.id}")
        return Reply(text, person.language, (*rows, (back,)), replace=True)

    async def _times(self, person: Person, tr: Translator, choice: Choice, office: Office, day: date) -> Reply:
        slots = await self._free(office, day)
        back = back_button(tr, f"{BOOK}:d:{choice.mode}:{office.id}")
        if not slots:
            return await self._day_full(person, tr, choice, office, day)
        buttons = [Button("🕒 " + tr.time(s.start), f"{self._next_step(choice)}:{office.id}:{s.key}") for s in slots]
        rows: list[tuple[Button, ...]] = [tuple(buttons[i : i + 3]) for i in range(0, len(buttons), 3)]
        text = "📅 " + tr.gettext("Step 3: Choose a time on {day}.").format(day=tr.day(day))
        return Reply(text, person.language, (*rows, (back,)), replace=True)

    def _next_step(self, choice: Choice) -> str:
        # Moving keeps the topic and interpreter of the appointment: straight to the summary.
        return f"{BOOK}:s:{choice.mode}" if choice.moving is not None else f"{BOOK}:p:{choice.mode}"

    async def _day_full(self, person: Person, tr: Translator, choice: Choice, office: Office, day: date) -> Reply:
        free, _full = await self._days_with(office)
        text = tr.gettext("{day} is fully booked now.").format(day=tr.day(day))
        rows: list[tuple[Button, ...]] = []
        later = [d for d in free if d > day] or free
        if later:
            nxt = later[0]
            text += " " + tr.gettext("The next day with free times is {day}.").format(day=tr.day(nxt))
            rows.append(
                (
                    Button(
                        "📅 " + self._day_label(tr, nxt), f"{BOOK}:t:{choice.mode}:{office.id}:{booking.day_key(nxt)}"
                    ),
                )
            )
        rows.append(
            (
                Button(
                    "🔔 " + tr.gettext("Tell me if a time on this day becomes free"),
                    f"{WATCH}:{office.id}:{booking.day_key(day)}",
                ),
            )
        )
        rows.append((back_button(tr, f"{BOOK}:d:{choice.mode}:{office.id}"),))
        return Reply(text, person.language, tuple(rows), replace=True)

    def _topics(self, person: Person, tr: Translator, choice: Choice, slot: Slot) -> Reply:
        base = f"{BOOK}:i:{choice.mode}:{slot.office_id}:{slot.key}"
        buttons = [Button(topic_label(tr, t), f"{base}:{t}") for t in booking.TOPICS]
        rows: list[tuple[Button, ...]] = [tuple(buttons[i : i + 2]) for i in range(0, len(buttons), 2)]
        rows.append((Button("⏭ " + tr.gettext("Skip"), f"{base}:-"),))
        back = back_button(tr, f"{BOOK}:t:{choice.mode}:{slot.office_id}:{booking.day_key(slot.start.date())}")
        text = "📝 " + tr.gettext("Step 4: What is it about? This helps the team to prepare. You can skip it.")
        return Reply(text, person.language, (*rows, (back,)), replace=True)

    def _interpreters(self, person: Person, tr: Translator, choice: Choice, slot: Slot) -> Reply:
        topic = choice.rest[1]
        base = f"{BOOK}:s:{choice.mode}:{slot.office_id}:{slot.key}:{topic}"
        rows: list[tuple[Button, ...]] = [(Button("🙂 " + interpreter_label(tr, "-"), f"{base}:-"),)]
        names = [Button("🗣 " + interpreter_label(tr, code), f"{base}:{code}") for code in booking.INTERPRETER_LANGUAGES]
        rows += [tuple(names[i : i + 2]) for i in range(0, len(names), 2)]
        back = back_button(tr, f"{BOOK}:p:{choice.mode}:{slot.office_id}:{slot.key}")
        text = "🗣 " + tr.gettext("Step 5: Do you need an interpreter? For which language?")
        return Reply(text, person.language, (*rows, (back,)), replace=True)

    async def _details(self, person: Person, choice: Choice) -> tuple[str | None, str | None]:
        if choice.moving is not None:
            old = await self.store.appointment(choice.moving)
            return (old.topic or "-", old.interpreter or "-") if old else (None, None)
        if len(choice.rest) < 3:
            return None, None
        topic, interpreter = choice.rest[1], choice.rest[2]
        if topic not in (*booking.TOPICS, "-") or interpreter not in (*booking.INTERPRETER_LANGUAGES, "-"):
            return None, None
        return topic, interpreter

    def _summary(
        self, person: Person, tr: Translator, choice: Choice, office: Office, slot: Slot, topic: str, interpreter: str
    ) -> Reply:
        lines = [
            "✅ " + tr.gettext("Please check your appointment:"),
            f"🏢 {office.name}",
            "📍 " + office.address.one_line(),
            "📅 " + tr.day(slot.start.date()),
            "🕒 " + f"{tr.time(slot.start)}–{tr.time(slot.end)}",
            "📝 " + topic_label(tr, topic),
            "🗣 " + interpreter_label(tr, interpreter),
        ]
        rest = ":".join(choice.rest[1:]) if choice.moving is None else ""
        confirm = f"{BOOK}:c:{choice.mode}:{office.id}:{slot.key}" + (f":{rest}" if rest else "")
        if choice.moving is None:
            back = back_button(tr, f"{BOOK}:i:{choice.mode}:{office.id}:{slot.key}:{topic}")
        else:
            back = back_button(tr, f"{BOOK}:t:{choice.mode}:{office.id}:{booking.day_key(slot.start.date())}")
        rows = (
            (Button("✅ " + tr.gettext("Yes, book it"), confirm),),
            (back, Button("✖️ " + tr.gettext("Stop"), APPOINTMENTS)),
        )
        return Reply("\n".join(lines), person.language, rows, replace=True)

    async def _confirm(
        self,
        person: Person,
        tr: Translator,
        choice: Choice,
        office: Office,
        slot: Slot,
        topic: str,
        interpreter: str,
        first_name: str | None,
    ) -> list[Reply]:
        now = self.clock.now()
        day = slot.start.date().isoformat()
        try:
            # One commit: the booking, the freed time of a moved one, the reminders and the staff notice.
            async with self.store.transaction():
                blocks = await self.store.blocks(office.id, day, day)
                new_id = await self.store.book(
                    person.id,
                    office.id,
                    slot.start,
                    slot.minutes,
                    office.appointments.capacity,
                    booking.is_blocked(slot, blocks),
                    None if topic == "-" else topic,
                    None if interpreter == "-" else interpreter,
                    bidi.clean_line(first_name or "", 40) or None,
                    now,
                    MAX_FUTURE_APPOINTMENTS,
                    replacing=choice.moving,
                )
                if new_id is not None:
                    if choice.moving is not None:
                        await self._freed(office.id, choice.moving, now)
                    await self._schedule(new_id, person, office, slot, now)
        except LookupError:
            return [self._stale(person, tr)]
        if new_id is None:
            return [await self._not_booked(person, tr, choice, office, slot)]
        intro = (
            tr.gettext("Your appointment is booked.")
            if choice.moving is None
            else tr.gettext("Your appointment is moved.")
        )
        text = "\n".join(
            [
                "✅ " + intro,
                f"🏢 {office.name}",
                "📍 " + office.address.one_line(),
                "📅 " + tr.day(slot.start.date()) + ", " + f"{tr.time(slot.start)}–{tr.time(slot.end)}",
                "",
                "🎒 "
                + tr.gettext(
                    "Please bring: your ID or residence permit, and the letters or papers you have questions about."
                ),
                tr.gettext("If you cannot come, please cancel in the chat, so someone else can have the time."),
                "",
                tr.gettext("The calendar file below puts the appointment into your phone's calendar."),
            ]
        )
        ics = appointment_ics(
            new_id,
            office,
            slot.start,
            slot.minutes,
            tr.gettext("Appointment at {office}").format(office=office.name),
            tr.gettext(
                "Please bring: your ID or residence permit, and the letters or papers you have questions about."
            ),
            now,
        )
        rows = ((Button("📋 " + tr.gettext("My appointments"), pack(APPOINTMENTS, new_message=True)),), *menu_row(tr))
        return [Reply(text, person.language, rows, replace=False, attachments=(ics,))]

    def _booked_already(self, person: Person, tr: Translator) -> Reply:
        text = "✅ " + tr.gettext("You have booked this time already.")
        rows = ((Button("📋 " + tr.gettext("My appointments"), APPOINTMENTS),), *menu_row(tr))
        return Reply(text, person.language, rows, replace=True)

    async def _not_booked(self, person: Person, tr: Translator, choice: Choice, office: Office, slot: Slot) -> Reply:
        future = await self.store.future_appointments(person.id, self.clock.now())
        drop_ins = [f for f in future if f.kind == AppointmentKind.DROP_IN and f.id != choice.moving]
        if len(drop_ins) >= MAX_FUTURE_APPOINTMENTS:
            text = tr.gettext("You already have two appointments. Please cancel or move one of them first.")
            return Reply(
                text,
                person.language,
                ((Button("📋 " + tr.gettext("My appointments"), APPOINTMENTS),), *menu_row(tr)),
                replace=True,
            )
        if any(f.id != choice.moving and f.office_id == office.id and f.slot == slot.start for f in drop_ins):
            # "Yes, book it" pressed twice, pressed again later, or its update replayed: one place (the
            # schema holds it too, migration 0013), one confirmation.
            return self._booked_already(person, tr)
        slots = await self._free(office, slot.start.date())
        text = tr.gettext("Sorry, this time was just taken by someone else.")
        if slots:
            text += " " + tr.gettext("Here are the next free times:")
            buttons = [
                Button("🕒 " + tr.time(s.start), f"{self._next_step(choice)}:{office.id}:{s.key}") for s in slots
            ]
            rows = [tuple(buttons[i : i + 3]) for i in range(0, min(len(buttons), 9), 3)]
            rows.append((back_button(tr, f"{BOOK}:d:{choice.mode}:{office.id}"),))
            return Reply(text, person.language, tuple(rows), replace=True)
        return await self._day_full(person, tr, choice, office, slot.start.date())

    async def _too_late(self, person: Person, tr: Translator, choice: Choice, office: Office) -> Reply:
        text = tr.gettext("This time can no longer be booked. Please choose another one.")
        return Reply(
            text,
            person.language,
            ((Button("📅 " + tr.gettext("Choose a day"), f"{BOOK}:d:{choice.mode}:{office.id}"),),),
            replace=True,
        )

    # -- after booking: reminders and notices -----------------------------------------------------------------

    async def _schedule(self, appointment_id: int, person: Person, office: Office, slot: Slot, now: datetime) -> None:
        for hours_before in self.reminder_hours:
            due = slot.start - timedelta(hours=hours_before)
            if due > now:
                await self.store.enqueue(
                    f"reminder:{appointment_id}:{hours_before}",
                    OutboxKind.REMINDER,
                    person.id,
                    str(appointment_id),
                    due,
                    now,
                )
        if slot.start.date() == now.astimezone(self.content.timezone).date():
            await self.store.enqueue(
                f"staff_booked:{appointment_id}", OutboxKind.STAFF_BOOKED, None, str(appointment_id), now, now
            )

    async def _freed(self, office_id: str, appointment_id: int, now: datetime) -> None:
        """A booked time became free: tell the first person waiting for that day, and staff if it is today."""
        item = await self.store.appointment(appointment_id)
        if item is None or item.slot is None:
            return
        start = item.slot.astimezone(self.content.timezone)
        watcher = await self.store.take_watcher(office_id, start.date().isoformat(), now)
        if watcher is not None:
            ref = f"{office_id}:{booking.day_key(start.date())}"
            key = f"slot_free:{appointment_id}:{watcher}"
            await self.store.enqueue(key, OutboxKind.SLOT_FREE, watcher, ref, now, now)
        if start.date() == now.astimezone(self.content.timezone).date():
            await self.store.enqueue(
                f"staff_cancelled:{appointment_id}", OutboxKind.STAFF_CANCELLED, None, str(appointment_id), now, now
            )

    # -- my appointments: cancel, confirm --------------------------------------------------------------------

    async def _owns_booked(self, person: Person, appointment_id: int) -> bool:
        item = await self.store.appointment(appointment_id)
        return bool(
            item
            and item.person_id == person.id
            and item.status == AppointmentStatus.BOOKED
            and item.slot
            and item.slot > self.clock.now()
        )

    async def _appointment_action(self, person: Person, tr: Translator, action: str) -> list[Reply]:
        parts = action.split(":")
        if len(parts) != 3 or not is_id(parts[2]):
            return [self._stale(person, tr)]
        verb, appointment_id = parts[1], int(parts[2])
        if not await self._owns_booked(person, appointment_id):
            return [self._stale(person, tr)]
        item = await self.store.appointment(appointment_id)
        assert item is not None
        when = self._describe(item, tr)
        if verb == "x":
            rows = (
                (Button("❌ " + tr.gettext("Yes, cancel it"), f"{APPOINTMENT}:X:{appointment_id}"),),
                (Button("↩️ " + tr.gettext("No, keep it"), APPOINTMENTS),),
            )
            return [
                Reply(
                    tr.gettext("Do you want to cancel this appointment?") + "\n" + when,
                    person.language,
                    rows,
                    replace=True,
                )
            ]
        if verb == "X":
            now = self.clock.now()
            async with self.store.transaction():
                cancelled = await self.store.cancel_appointment(appointment_id, person.id, now)
                if cancelled:
                    await self._freed(item.office_id, appointment_id, now)
            if not cancelled:
                return [self._stale(person, tr)]
            text = tr.gettext("Your appointment is cancelled.") + "\n" + when
            return [
                Reply(
                    text,
                    person.language,
                    ((Button("📋 " + tr.gettext("My appointments"), APPOINTMENTS),), *menu_row(tr)),
                    replace=True,
                )
            ]
        if verb == "ok":
            text = tr.gettext("Thank you! We look forward to seeing you.") + "\n" + when
            return [Reply(text, person.language, menu_row(tr), replace=True)]
        return [self._stale(person, tr)]

    async def _watch(self, person: Person, tr: Translator, action: str) -> list[Reply]:
        parts = action.split(":")
        office = self.content.offices.get(parts[1]) if len(parts) == 3 else None
        day = booking.parse_day_key(parts[2]) if len(parts) == 3 else None
        if office is None or day is None or day < self.clock.now().astimezone(self.content.timezone).date():
            return [self._stale(person, tr)]
        await self.store.watch_day(person.id, office.id, day.isoformat(), self.clock.now())
        text = tr.gettext("Good. If a time at {office} becomes free on {day}, I will tell you once.").format(
            office=office.name, day=tr.day(day)
        )
        return [Reply(text, person.language, menu_row(tr), replace=True)]

    async def _home_visit(self, person: Person, tr: Translator, action: str, first_name: str | None) -> list[Reply]:
        if action == f"{HOME_VISIT}:ask":
            text = tr.gettext(
                "Someone from the team can visit you at home, for example to help with your new flat."
                " The visit is free. Do you want to ask for a visit? The team will tell you the time."
            )
            rows = (
                (Button("🏡 " + tr.gettext("Yes, please visit me"), f"{HOME_VISIT}:yes"),),
                (back_button(tr, APPOINTMENTS),),
            )
            return [Reply(text, person.language, rows, replace=True)]
        if action == f"{HOME_VISIT}:yes":
            office_id = person.office_id or next(iter(self.content.offices))
            now = self.clock.now()
            async with self.store.transaction():
                visit_id = await self.store.request_home_visit(
                    person.id, office_id, bidi.clean_line(first_name or "", 40) or None, now
                )
                await self.store.enqueue(
                    f"home_visit_request:{visit_id}", OutboxKind.HOME_VISIT_REQUEST, None, str(visit_id), now, now
                )
            text = tr.gettext("Your request is sent to the team. They will tell you the time of the visit here.")
            return [Reply(text, person.language, menu_row(tr), replace=True)]
        return [self._stale(person, tr)]

    # -- helpers ---------------------------------------------------------------------------------------------

    def _slot(self, office: Office, key: str) -> Slot | None:
        start = booking.parse_slot_key(self.content, key)
        return booking.find_slot(self.content, office, start) if start else None

    def _day_label(self, tr: Translator, day: date) -> str:
        return answers.relative_day(tr, day, self.clock.now().astimezone(self.content.timezone).date(), full=True)

    def _short_when(self, item: Appointment, tr: Translator) -> str:
        if item.slot is None:
            return ""
        start = item.slot.astimezone(self.content.timezone)
        return f"{tr.date_short(start.date())} {tr.time(start)}"

    def _describe(self, item: Appointment, tr: Translator) -> str:
        office = self.content.offices.get(item.office_id)
        name = office.name if office else item.office_id
        if item.slot is None:
            return tr.gettext("Home visit: asked for, the team will tell you the time")
        start = item.slot.astimezone(self.content.timezone)
        label = tr.gettext("Home visit") if item.kind == AppointmentKind.HOME_VISIT else name
        return f"{label}: {tr.day(start.date())}, {tr.time(start)}"

    def _stale(self, person: Person, tr: Translator) -> Reply:
        text = tr.gettext("This button is out of date, or the appointment is no longer yours to change.")
        return Reply(
            text,
            person.language,
            ((Button("📋 " + tr.gettext("My appointments"), pack(APPOINTMENTS, new_message=True)),), *menu_row(tr)),
        )
