"""A month of activity made through the real core (Engine, TicketDesk, StaffDesk, ManualClock), and the
figures it must produce, counted by the fixture itself as it goes."""

from collections import Counter
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from booking_helpers import CH, book, press
from conftest import berlin

from bot.clock import ManualClock
from bot.engine import Engine
from bot.models import Incoming, Reply
from bot.staff import StaffDesk
from bot.ticket_staff import StaffInTopic

# (user, language, office) for October; the first three were already there in September.
PEOPLE = [
    ("p01", "ar", "brackel"),
    ("p02", "ar", "brackel"),
    ("p03", "fa", "aplerbeck"),
    ("p04", "ar", "brackel"),
    ("p05", "ar", "huckarde_mengede"),
    ("p06", "ar", "brackel"),
    ("p07", "fa", "brackel"),
    ("p08", "fa", "aplerbeck"),
    ("p09", "fa", "brackel"),
    ("p10", "de", "hoerde_hombruch"),
    ("p11", "en", "brackel"),
    ("p12", "en", "aplerbeck"),
    ("p13", "ti", "brackel"),
]
UNANSWERABLE = [
    "Wie repariere ich mein Fahrrad?",
    "Wo finde ich günstige Fahrradreifen?",
    "Kann mein Nachbar meinen Wellensittich füttern?",
    "How do I fix the chain of my bicycle?",
]
ANSWER_DELAYS = [12, 25, 40, 65, 130, 8]  # minutes from opening a ticket to the staff's first answer


@dataclass
class Expected:
    active: dict[str, set[str]] = field(default_factory=dict)  # month -> people
    chat_days: Counter[str] = field(default_factory=Counter)  # month -> (person, day) pairs
    days_seen: set[tuple[str, str]] = field(default_factory=set)
    tickets: Counter[str] = field(default_factory=Counter)
    tickets_closed: Counter[str] = field(default_factory=Counter)
    ratings: Counter[str] = field(default_factory=Counter)  # up / down / none, in the month closed
    attended: Counter[str] = field(default_factory=Counter)
    missed: Counter[str] = field(default_factory=Counter)
    booked: Counter[str] = field(default_factory=Counter)
    home_visits: Counter[str] = field(default_factory=Counter)
    unresolved: Counter[str] = field(default_factory=Counter)
    topics: dict[str, Counter[str]] = field(default_factory=dict)
    answer_minutes: list[int] = field(default_factory=list)  # October's tickets
    languages: Counter[str] = field(default_factory=Counter)  # October: people per language
    offices: Counter[str] = field(default_factory=Counter)
    questions: dict[str, list[str]] = field(default_factory=dict)  # what each person asked that stayed unresolved


class Month:
    """Drives the core like people and staff would; every step a few minutes apart."""

    def __init__(self, engine: Engine, staff: StaffDesk, clock: ManualClock):
        self.engine, self.staff, self.clock = engine, staff, clock
        self.expected = Expected()
        self.matcher = engine.faq
        self.content = engine.content

    def _month(self) -> str:
        return self.clock.now().strftime("%Y-%m")

    def _seen(self, user: str) -> None:
        day = self.clock.now().date().isoformat()
        self.expected.active.setdefault(day[:7], set()).add(user)
        if (user, day) not in self.expected.days_seen:
            self.expected.days_seen.add((user, day))
            self.expected.chat_days[day[:7]] += 1

    async def handle(self, event: Incoming) -> list[Reply]:
        """What a channel does with a person's message (Telegram routes every text)."""
        self.clock.advance(timedelta(minutes=2))  # well apart: no flood throttle
        self._seen(event.user_id)
        if event.kind == "text":
            return await self.engine.handle(event)
        return await self.engine.handle(event)

    async def first_contact(self, user: str, lang: str, office: str) -> None:
        await self.handle(Incoming(CH, user, "command", action="start", text=office, lang_hint=lang))
        await self.handle(Incoming(CH, user, "action", action="consent:yes"))
        await self.handle(press(user, f"lang:{lang}"))
        await self.handle(press(user, f"office:{office}"))

    def answerable(self, lang: str, n: int, start: int = 0) -> list[tuple[str, str]]:
        """Content examples in `lang` that the matcher answers with their own FAQ id."""
        found = []
        for faq_id in ("opening_hours", "location", "offers", "german_course", "housing", "work"):
            entry = self.content.texts[lang].faq.get(faq_id)
            for example in entry.examples if entry else ():
                if self.matcher.match(example, lang).faq_id == faq_id and not example.strip().isdigit():
                    found.append((faq_id, example))
                    break
        return [found[(start + i) % len(found)] for i in range(n)]

    async def ask(self, user: str, lang: str, faq_id: str, text: str) -> None:
        [reply] = await self.handle(Incoming(CH, user, "text", text=text))
        assert reply.lang == lang
        self.expected.topics.setdefault(self._month(), Counter())[faq_id] += 1

    async def ask_unanswerable(self, user: str, text: str) -> None:
        assert self.matcher.match(text).faq_id is None, text
        await self.handle(Incoming(CH, user, "text", text=text))
        self.expected.unresolved[self._month()] += 1
        self.expected.questions.setdefault(user, []).append(text)

    async def ticket(self, user: str, delay: int | None, rating: str | None) -> None:
        """After an unanswered question: "Ask a person", a staff answer after `delay` minutes, close, rating."""
        await self.handle(press(user, "staff"))
        person = await self.engine.store.get_person(CH, user)
        ticket = await self.engine.store.open_ticket_of(person.id)
        self.expected.tickets[self._month()] += 1
        if delay is not None:
            self.clock.advance(timedelta(minutes=delay))
            await StaffInTopic(self.engine.tickets).for_person(person, "faq", "opening_hours")
            if self._month() == "2026-10":
                self.expected.answer_minutes.append(delay)
        self.clock.advance(timedelta(minutes=5))
        await StaffInTopic(self.engine.tickets).for_person(person, "close", "")
        self.expected.tickets_closed[self._month()] += 1
        if rating:
            await self.handle(press(user, f"rate:{ticket.id}:{rating}"))
        self.expected.ratings[rating or "none"] += 1
        await self.handle(press(user, "bot"))

    async def appointment(self, user: str, came: bool) -> None:
        await book(self, user, day_index=1)
        person = await self.engine.store.get_person(CH, user)
        [item] = [a for a in await self.engine.store.future_appointments(person.id, self.clock.now()) if a.slot]
        assert item.slot is not None
        slot = item.slot.astimezone(self.content.timezone)
        month = slot.strftime("%Y-%m")
        self.expected.booked[month] += 1
        # Marked at once: the clock only moves forward (the flood throttle counts on it), the figures do not care.
        await self.staff.press(f"sa:{item.id}:{'a' if came else 'm'}:{slot.date().isoformat()}")
        (self.expected.attended if came else self.expected.missed)[month] += 1

    async def home_visit(self, user: str) -> None:
        await self.handle(press(user, "hv:ask"))
        await self.handle(press(user, "hv:yes"))
        person = await self.engine.store.get_person(CH, user)
        [item] = await self.engine.store.future_appointments(person.id, self.clock.now())
        day = (self.clock.now() + timedelta(days=2)).date()
        await self.staff.command("visit", f"{item.id} {day.isoformat()} 14:00")
        await self.staff.press(f"sa:{item.id}:a:{day.isoformat()}")
        self.expected.home_visits[day.strftime("%Y-%m")] += 1
        self.expected.booked[day.strftime("%Y-%m")] += 1


async def make_month(engine: Engine, staff: StaffDesk, clock: ManualClock) -> Expected:
    month = Month(engine, staff, clock)
    ex = month.expected
    steps: list[tuple[datetime, int, Callable[[], Awaitable[None]]]] = []

    def at(moment: datetime, step: Callable[[], Awaitable[None]]) -> None:
        steps.append((moment, len(steps), step))

    async def ask_some(user: str, lang: str, n: int, start: int) -> None:
        for faq_id, text in month.answerable(lang, n, start):
            await month.ask(user, lang, faq_id, text)

    # September: three people, a little activity (the month before, for the comparison).
    for number, (user, lang, office) in enumerate(PEOPLE[:3]):

        async def september(user=user, lang=lang, office=office) -> None:
            await month.first_contact(user, lang, office)
            await ask_some(user, lang, 1, 0)

        at(berlin(2026, 9, 15 + number, 10, 0), september)

    # October: everyone; person i writes on 1 + i % 3 days, a week apart.
    for number, (user, lang, office) in enumerate(PEOPLE):
        first_day = 1 + number
        ex.languages[lang] += 1
        ex.offices[office] += 1

        async def october(user=user, lang=lang, office=office, number=number) -> None:
            if number >= 3:
                await month.first_contact(user, lang, office)
            await ask_some(user, lang, 2, number)

        at(berlin(2026, 10, first_day, 10, 0), october)
        for extra in range(number % 3):

            async def again(user=user, lang=lang, extra=extra) -> None:
                await ask_some(user, lang, 1, extra)

            at(berlin(2026, 10, first_day + 7 * (extra + 1), 11, 0), again)

    # Unanswered questions, six of them passed to staff as tickets (answered after different delays).
    for number, (user, _lang, _office) in enumerate(PEOPLE[:8]):

        async def unanswered(user=user, number=number) -> None:
            await month.ask_unanswerable(user, UNANSWERABLE[number % len(UNANSWERABLE)])
            if number < len(ANSWER_DELAYS):
                rating = ("up", "up", "down", None, "up", "up")[number]
                await month.ticket(user, ANSWER_DELAYS[number], rating)

        at(berlin(2026, 10, 20, 9, 0) + timedelta(minutes=40 * number), unanswered)

    # Appointments: booked on 14 and 21 October; six came, two did not.
    for number, (user, _lang, _office) in enumerate(PEOPLE[:8]):

        async def appointment(user=user, number=number) -> None:
            await month.appointment(user, came=number not in (2, 5))

        at(berlin(2026, 10, 14 + 7 * (number // 4), 9, 0) + timedelta(minutes=20 * number), appointment)

    # Home visits for two people.
    for number, user in enumerate(("p10", "p13")):

        async def visit(user=user) -> None:
            await month.home_visit(user)

        at(berlin(2026, 10, 15 + number, 9, 30), visit)

    steps.sort(key=lambda s: (s[0], s[1]))
    clock.set(steps[0][0])
    for moment, _order, step in steps:
        clock.set(max(moment, clock.now()))  # forward only
        await step()
    return ex
