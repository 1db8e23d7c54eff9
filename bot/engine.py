"""The conversation: one thing a person did in, the bot's replies out. No messaging platform in here.

Channels (console, Telegram, ...) turn their events into `Incoming` and show the `Reply` list they get.
"""

import dataclasses
import re
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from bot import answers, bidi
from bot.booking_flow import BookingFlow
from bot.buttons import LANGUAGE_MENU, MENU, NEW_MESSAGE, menu_row
from bot.clock import Clock
from bot.commands import STAFF_ONLY_COMMANDS
from bot.content import Content
from bot.detect import detect
from bot.events import Events
from bot.i18n import Translator
from bot.languages import DEFAULT_LANGUAGE, LANGUAGE_WORD_ALL, LANGUAGES, NATIVE_NAMES, from_hint
from bot.matcher import Matcher
from bot.models import Button, Incoming, Person, Reply, Routed
from bot.normalize import normalize
from bot.ports import Store
from bot.privacy import CONSENT_NO, CONSENT_YES, DELETE, MY_DATA, PrivacyDesk
from bot.records import Direction, OutboxKind, RelayKind
from bot.throttle import Throttle
from bot.tickets import TicketDesk

LAST_SEEN_PRECISION = timedelta(hours=1)
MAX_QUESTION_CHARS = 1000  # longer questions are cut (the person is told) before they are matched and stored

# Greetings alone are not questions: they get the welcome and the menu, not "I am not sure".
_GREETINGS = frozenset(
    normalize(w)
    for w in (
        "hallo hi hey hello moin servus guten tag morgen abend good morning evening salam salaam salam alaikum"
        " alaykum aleikum assalamu marhaba merhaba ahlan سلام السلام عليكم مرحبا اهلا صباح الخير مساء درود"
        " خوبی ሰላም ሰላማት እንቋዕ ደሓን ሓደርኩም"
    ).split()
)

# Actions carried by buttons. Short: Telegram allows 64 bytes of callback data.
OFFICE_MENU = "offices"
HOURS = "hours"
LOCATION = "where"
APPOINTMENTS = "appts"
EVENTS = "events"
OFFERS = "offers"
ASK = "ask"
TO_STAFF = "staff"
CONTACT = "contact"
BOOKING_PREFIXES = ("bk", "ap", "hv", "wt")
NEWS = "news"


@dataclass
class Engine:
    store: Store
    content: Content
    matcher: Matcher
    translators: dict[str, Translator]
    clock: Clock
    default_language: str = DEFAULT_LANGUAGE
    reminder_hours: tuple[int, ...] = (24, 3)
    staff_language: str = "de"
    keep_messages_days: int = 90
    keep_inactive_days: int = 365
    booking: BookingFlow = field(init=False)
    tickets: TicketDesk = field(init=False)
    events: Events = field(init=False)
    privacy: PrivacyDesk = field(init=False)
    throttle: Throttle = field(init=False)

    def __post_init__(self) -> None:
        self.throttle = Throttle(self.clock)
        self.privacy = PrivacyDesk(
            self.store,
            self.content,
            self.clock,
            self.translators,
            self.translators[self.staff_language],
            self.keep_messages_days,
            self.keep_inactive_days,
        )
        self.booking = BookingFlow(self.store, self.content, self.clock, self.reminder_hours)
        self.events = Events(self.store, self.content, self.clock, self.translators)
        self.tickets = TicketDesk(
            self.store, self.content, self.clock, self.translators, self.translators[self.staff_language]
        )

    async def route(self, event: Incoming) -> Routed:
        """Like `handle`, but a person writing to staff gets their message relayed into their ticket."""
        slowed = await self._throttled(event)
        if slowed is not None:
            return Routed(slowed)
        if event.kind not in ("text", "unsupported"):
            return Routed(await self._handle(event))
        person = await self.store.get_person(event.channel, event.user_id)
        if person is None or person.banned or not person.staff_mode or not person.consented:
            return Routed(await self._handle(event, person))
        now = self.clock.now()
        await self._seen(person, now)
        text = event.text if event.kind == "text" else ""
        replies: list[Reply] = []
        if text and self.matcher.match(text, detect(text).lang or person.language).faq_id == "emergency":
            # Help first, at once; then the team sees the message marked urgent.
            replies.append(self._faq(person, "emergency"))
        ticket, new = await self.tickets.open(person, text or None)
        if replies:
            await self.store.mark_urgent(ticket.id)
            await self.store.add_relay(
                ticket.id,
                Direction.IN,
                RelayKind.TEXT,
                now,
                text="🆘 "
                + self.tickets.staff_tr.gettext(
                    "URGENT: the next message looks like an emergency. The person got the emergency numbers."
                ),
            )
            await self.store.enqueue(
                f"staff_urgent:{ticket.id}:{now.isoformat()}", OutboxKind.STAFF_URGENT, None, str(ticket.id), now, now
            )
        if new or replies:
            replies.append(self.tickets.acknowledgement(person, new))
        await self._note_activity(person)
        return Routed([self._finish(r) for r in replies], ticket.id)

    async def handle(self, event: Incoming) -> list[Reply]:
        slowed = await self._throttled(event)
        if slowed is not None:
            return slowed
        return await self._handle(event)

    async def _throttled(self, event: Incoming) -> list[Reply] | None:
        """None: go on. Else what a person who floods the bot gets: one friendly word, then silence."""
        verdict = self.throttle.check(f"{event.channel}:{event.user_id}")
        if verdict == "ok":
            return None
        if verdict == "silent":
            return []
        tr = await self._translator_for(event.channel, event.user_id)
        text = tr.gettext("You are sending many messages very fast. Please wait a minute, then write again.")
        return [self._finish(Reply("⏳ " + text, tr.lang))]

    async def _handle(self, event: Incoming, known: Person | None = None) -> list[Reply]:
        person, is_new = await self._person(event, known)
        if person.banned:
            if person.ban_told:
                return []  # told once; from now on a deliberate silence
            await self.store.mark_ban_told(person.id)
            tr = self.tr(person)
            text = tr.gettext("The team has stopped this conversation. In an emergency call 112 or 110.")
            return [self._finish(Reply(text, person.language))]
        if not person.consented:
            return [self._finish(r) for r in await self._before_consent(person, event)]
        if event.kind == "command":
            replies = await self._command(person, event, is_new)
        elif event.kind == "action":
            replies = await self._action(person, event.action, event.meta.get("first_name"))
        elif event.kind == "unsupported":
            replies = [self._unsupported(person)]
        else:
            replies = await self._text(person, event.text, is_new)
        await self._note_activity(person)
        return [self._finish(r) for r in replies]

    async def _note_activity(self, person: Person) -> None:
        """The day counts as a contact in the figures (after handling: with the office and language it set)."""
        day = self.clock.now().astimezone(self.content.timezone).date().isoformat()
        await self.store.record_activity(person.id, day)

    async def _before_consent(self, person: Person, event: Incoming) -> list[Reply]:
        """Until the person agrees to the privacy notice, only their language is stored; emergencies are
        answered at once all the same."""
        privacy = self.privacy
        action = event.action.removesuffix(NEW_MESSAGE)
        if event.kind == "action" and (action == CONSENT_YES or action.startswith(CONSENT_YES + ":")):
            await privacy.agree(person)
            office = action.removeprefix(CONSENT_YES).lstrip(":")
            if office in self.content.offices:
                await self.store.set_office(person.id, office)
                person = _with(person, office_id=office)
            person = _with(person, consented=True)
            tr = self.tr(person)
            return [self._welcome(person, with_languages=False, intro=tr.gettext("Thank you! Now you can ask me."))]
        if event.kind == "action" and action == CONSENT_NO:
            await privacy.erase(person, reason="declined")
            return [privacy.declined(person)]
        if event.kind == "action" and action == LANGUAGE_MENU:
            return [self._language_menu(person, replace=not event.action.endswith(NEW_MESSAGE))]
        if event.kind == "action" and action.startswith("lang:") and action[5:] in LANGUAGES:
            await self.store.set_language(person.id, action[5:], "chosen")
            person = _with(person, language=action[5:], language_source="chosen")
            return [privacy.consent_request(person, replace=not event.action.endswith(NEW_MESSAGE))]
        if event.kind == "command" and event.action in ("language", "lang"):
            if event.text.strip() in LANGUAGES:
                return await self._before_consent(
                    person, dataclasses.replace(event, kind="action", action=f"lang:{event.text.strip()}")
                )
            return [self._language_menu(person)]
        office_hint = event.text.strip().lower() if event.kind == "command" and event.action == "start" else ""
        replies = []
        if event.kind == "text":
            person = await self._follow_language(person, event.text)
            text = event.text[:MAX_QUESTION_CHARS]
            if self.matcher.match(text, detect(text).lang or person.language).faq_id == "emergency":
                replies.append(self._faq(person, "emergency"))
        replies.append(privacy.consent_request(person, office_hint))
        return replies

    async def _translator_for(self, channel: str, user_id: str) -> Translator:
        """The known person's language, or the default for someone not stored (yet)."""
        person = await self.store.get_person(channel, user_id)
        return self.translators[person.language if person else self.default_language]

    async def file_too_big(self, channel: str, user_id: str) -> Reply:
        tr = await self._translator_for(channel, user_id)
        text = tr.gettext(
            "This file is too big to pass on (more than 50 MB). Please send a photo of the page or a smaller file."
        )
        return self._finish(Reply(text, tr.lang))

    async def apology(self, channel: str, user_id: str) -> Reply:
        """What to say when handling a person's message failed on our side."""
        tr = await self._translator_for(channel, user_id)
        text = tr.gettext("Sorry, something went wrong on our side. Please try again in a moment.")
        return self._finish(Reply(text, tr.lang, self._menu_row(tr)))

    # -- people and languages --------------------------------------------------------------------------------

    async def _person(self, event: Incoming, known: Person | None = None) -> tuple[Person, bool]:
        now = self.clock.now()
        person = known or await self.store.get_person(event.channel, event.user_id)
        if person is not None:
            await self._seen(person, now)
            return person, False
        found = detect(event.text, event.lang_hint) if event.kind == "text" else None
        if found is not None and found.lang is not None:
            lang, source = found.lang, "detected"
        else:
            lang, source = from_hint(event.lang_hint) or self.default_language, "hint"
        person = await self.store.create_person(event.channel, event.user_id, lang, source, now)  # type: ignore[arg-type]
        return person, True

    async def _seen(self, person: Person, now: datetime) -> None:
        # Last contact only decides retention (months): once an hour is precise enough, and saves a write
        # on nearly every message.
        if now - person.last_seen_at >= LAST_SEEN_PRECISION:
            await self.store.touch(person.id, now)

    async def _follow_language(self, person: Person, text: str) -> Person:
        """Answer in the language the person writes in, unless they chose one in the menu."""
        if person.language_source == "chosen":
            return person
        found = detect(text)  # the text alone: the platform's hint was already used at first contact
        if found.lang is None or found.lang == person.language:
            return person
        await self.store.set_language(person.id, found.lang, "detected")
        return _with(person, language=found.lang, language_source="detected")

    def tr(self, person: Person) -> Translator:
        return self.translators.get(person.language) or self.translators[DEFAULT_LANGUAGE]

    # -- what the person did ----------------------------------------------------------------------------------

    async def _command(self, person: Person, event: Incoming, is_new: bool) -> list[Reply]:
        name, arg = event.action, event.text.strip()
        if name == "start":
            office = arg.lower()
            if office in self.content.offices:
                await self.store.set_office(person.id, office)
                person = _with(person, office_id=office)
            return [self._welcome(person, with_languages=is_new or person.language_source != "chosen")]
        if name == "menu":
            return [self._menu(person)]
        if name == "news":
            return [self._news(person)]
        if name == "events":
            return [dataclasses.replace(await self.events.listing(person, self.tr(person)), replace=False)]
        if name in ("appointments", "book"):
            return [dataclasses.replace(await self.booking.hub(person, self.tr(person)), replace=False)]
        if name in ("language", "lang"):
            if arg in LANGUAGES:
                return await self._action(person, f"lang:{arg}")
            return [self._language_menu(person)]
        if name == "help":
            return [self._help(person)]
        if name == "privacy":
            return [self.privacy.privacy_reply(person)]
        if name == "mydata":
            return [await self.privacy.export(person)]
        if name == "delete":
            return [self.privacy.confirm_delete(person)]
        if name == "office":
            return [self._office_menu(person)]
        tr = self.tr(person)
        if name in STAFF_ONLY_COMMANDS:
            return [self._menu(person)]  # a staff command outside the staff group: just the person's menu
        return [
            Reply(
                tr.gettext("I don't know this command.") + "\n\n" + self._help_text(tr),
                person.language,
                self._menu_row(tr),
            )
        ]

    async def _action(self, person: Person, action: str, first_name: str | None = None) -> list[Reply]:
        replies = await self._navigate(person, action.removesuffix(NEW_MESSAGE), first_name)
        if action.endswith(NEW_MESSAGE):
            return [dataclasses.replace(r, replace=False) for r in replies]
        return replies

    async def _navigate(self, person: Person, action: str, first_name: str | None = None) -> list[Reply]:
        tr = self.tr(person)
        name, _, arg = action.partition(":")
        if name == MENU:
            return [self._menu(person, replace=True)]
        if name == LANGUAGE_MENU:
            return [self._language_menu(person, replace=True)]
        if name == "lang" and arg in LANGUAGES:
            await self.store.set_language(person.id, arg, "chosen")
            person = _with(person, language=arg, language_source="chosen")
            tr = self.tr(person)
            return [self._menu(person, replace=True, intro=tr.gettext("I will write to you in English now."))]
        if name == OFFICE_MENU:
            return [self._office_menu(person, replace=True)]
        if name == "office" and (arg in self.content.offices or arg == "none"):
            office_id = None if arg == "none" else arg
            await self.store.set_office(person.id, office_id)
            person = _with(person, office_id=office_id)
            tr = self.tr(person)
            intro = (
                tr.gettext("Your office is now: {name}.").format(name=self.content.offices[arg].name)
                if office_id
                else tr.gettext("I will show you all offices.")
            )
            return [self._menu(person, replace=True, intro=intro)]
        if name == HOURS:
            return [self._faq(person, "opening_hours")]
        if name == LOCATION:
            return [self._faq(person, "location")]
        if name == CONTACT:
            return [self._faq(person, "contact")]
        if name == OFFERS:
            return [self._faq(person, "offers")]
        if name == "faq" and arg == "privacy":
            return [self.privacy.privacy_reply(person)]
        if name == "faq" and arg in self.content.faq_ids:
            return [self._faq(person, arg)]
        if name == APPOINTMENTS:
            return [await self.booking.hub(person, tr)]
        if name in BOOKING_PREFIXES:
            return await self.booking.handle(person, tr, action, first_name)
        if name == EVENTS:
            return [await self.events.listing(person, tr)]
        if name == "ev":
            return await self.events.handle(person, tr, action)
        if name == NEWS:
            if arg in ("on", "off"):
                await self.store.set_news(person.id, arg == "on")
                person = _with(person, news=arg == "on")
            return [self._news(person, replace=True, changed=bool(arg))]
        if name == MY_DATA:
            return [dataclasses.replace(await self.privacy.export(person), replace=False)]
        if name == DELETE and not arg:
            return [self.privacy.confirm_delete(person)]
        if name == DELETE:
            if not self.privacy.confirmation_fresh(action):
                return [self.privacy.confirm_delete(person)]  # an old or forged button: ask again
            await self.privacy.erase(person)
            return [self.privacy.erased_reply(person.language)]
        if name == "consent":
            return [self._menu(person, replace=True)]  # agreed already
        if name == ASK:
            text = tr.gettext("Write your question in your own words, in your language. I will try to answer it.")
            rows = ((Button("🙋 " + tr.gettext("Write to a person"), TO_STAFF),), *self._menu_row(tr))
            return [Reply(text, person.language, rows)]
        if name == TO_STAFF:
            if person.banned:
                return []
            await self.store.set_staff_mode(person.id, True)
            person = _with(person, staff_mode=True)
            _ticket, new = await self.tickets.open(person, await self.store.last_unresolved(person.id))
            return [self.tickets.acknowledgement(person, new)]
        if name == "bot":
            await self.store.set_staff_mode(person.id, False)
            person = _with(person, staff_mode=False)
            return [
                self._menu(
                    person, intro=tr.gettext("The bot answers your questions again. To write to a person, press 🙋.")
                )
            ]
        if name == "rate":
            thanks = await self.tickets.rate(person, action)
            return (
                [thanks]
                if thanks
                else [self._menu(person, intro=tr.gettext("This button no longer works. Here is the menu."))]
            )
        # An unknown or outdated button: say so kindly and show the menu again.
        return [self._menu(person, intro=tr.gettext("This button no longer works. Here is the menu."))]

    async def _text(self, person: Person, text: str, is_new: bool) -> list[Reply]:
        text = (text or "").strip()
        if len(text) > MAX_QUESTION_CHARS:
            replies = await self._text(person, text[:MAX_QUESTION_CHARS], is_new)
            note = "✂️ " + self.tr(person).gettext(
                "Your message was very long. I read only the beginning. Please ask one short question at a time."
            )
            first = replies[0]
            return [dataclasses.replace(first, text=note + "\n\n" + first.text), *replies[1:]]
        person = await self._follow_language(person, text) if not is_new else person
        tr = self.tr(person)
        if not text:
            return [self._menu(person, intro=tr.gettext("I did not get any text. Please write your question."))]
        words = normalize(text).split()
        if words and all(w in _GREETINGS for w in words):
            return [self._welcome(person, with_languages=is_new)]
        codes = re.findall(r"\b\d{5}\b", " ".join(words))
        if codes and len(words) <= 6:
            return [await self._postal_code(person, codes)]
        found = self.matcher.match(text, detect(text).lang or person.language)
        if found.faq_id is not None:
            await self.store.record_answer(person.id, found.faq_id, self.clock.now())
            if found.faq_id == "privacy":
                return [self.privacy.privacy_reply(person)]
            return [self._faq(person, found.faq_id)]
        await self.store.add_unresolved(
            person.id,
            text,
            person.language,
            person.office_id,
            found.reason,
            self.clock.now(),
        )
        unsure = (
            tr.gettext(
                "I am not sure I understood your question, and I do not want to give you a wrong answer."
                " I can pass your question to a person from the team. Or choose a topic in the menu."
            )
            + "\n\n🆘 "
            + tr.gettext("In an emergency call 112 (ambulance, fire) or 110 (police).")
        )
        buttons = (
            (Button("🙋 " + tr.gettext("Ask a person"), TO_STAFF),),
            (Button("🏠 " + tr.gettext("Menu"), MENU + NEW_MESSAGE),),
        )
        return [Reply(unsure, person.language, buttons)]

    async def _postal_code(self, person: Person, codes: list[str]) -> Reply:
        """A Dortmund postal code is enough to find the person's office."""
        tr = self.tr(person)
        for code in codes:
            office = self.content.office_for_postal_code(code)
            if office is not None:
                await self.store.set_office(person.id, office.id)
                person = _with(person, office_id=office.id)
                intro = tr.gettext("{code}: your office is {name} ({districts}).").format(
                    code=code, name=office.name, districts=", ".join(office.districts[:4])
                )
                return self._menu(person, intro=intro)
        intro = tr.gettext(
            "The postal code {code} is not in the area of our offices. You can still choose an office."
        ).format(code=codes[0])
        office_menu = self._office_menu(person)
        return Reply(intro + "\n\n" + office_menu.text, person.language, office_menu.buttons)

    # -- replies ---------------------------------------------------------------------------------------------

    def _faq(self, person: Person, faq_id: str) -> Reply:
        tr = self.tr(person)
        text = answers.faq_answer(self.content, faq_id, tr, person.office_id, self.clock.now())
        rows: list[tuple[Button, ...]] = []
        if faq_id in ("opening_hours", "location", "contact") and person.office_id is None:
            rows.append((Button("🏢 " + tr.gettext("Choose my office"), OFFICE_MENU + NEW_MESSAGE),))
        rows.extend(self._menu_row(tr))
        return Reply(text, person.language, tuple(rows))

    def _with_contacts(self, person: Person, text: str) -> Reply:
        tr = self.tr(person)
        blocks = [answers.office_contact_block(o, tr) for o in answers.offices_for(self.content, person.office_id)]
        return Reply("\n\n".join([text, *blocks]), person.language, self._menu_row(tr))

    def _menu_row(self, tr: Translator) -> tuple[tuple[Button, ...], ...]:
        return menu_row(tr)

    def _menu(self, person: Person, replace: bool = False, intro: str = "") -> Reply:
        tr = self.tr(person)
        title = tr.gettext("How can I help you? Choose a topic or write your question.")
        office = self.content.offices.get(person.office_id or "")
        office_line = (
            tr.gettext("Your office: {name}").format(name=office.name)
            if office
            else tr.gettext("You have not chosen an office yet.")
        )
        text = "\n\n".join(p for p in (intro, title, "🏢 " + office_line) if p)
        rows = (
            (
                Button("🕒 " + tr.gettext("Opening hours"), HOURS),
                Button("📍 " + tr.gettext("Where we are"), LOCATION),
            ),
            (
                Button("📅 " + tr.gettext("Appointments"), APPOINTMENTS),
                Button("🎉 " + tr.gettext("Events"), EVENTS),
            ),
            (
                Button("🤝 " + tr.gettext("What we offer"), OFFERS),
                Button("💬 " + tr.gettext("Ask a question"), ASK),
            ),
            (Button("🙋 " + tr.gettext("Write to a person"), TO_STAFF), Button("📰 " + tr.gettext("News"), NEWS)),
            (
                Button("☎️ " + tr.gettext("Contact"), CONTACT),
                Button("🏢 " + tr.gettext("My office"), OFFICE_MENU),
            ),
            (Button("🌐 " + LANGUAGE_WORD_ALL, LANGUAGE_MENU),),
        )
        return Reply(text, person.language, rows, replace=replace)

    def _welcome(self, person: Person, with_languages: bool, intro: str = "") -> Reply:
        tr = self.tr(person)
        hello = (intro + "\n\n" if intro else "") + tr.gettext(
            "Welcome to lokal willkommen! We help people who have just moved into their own flat in Dortmund."
            " I answer questions about our offices. Our help is free."
        )
        menu = self._menu(person, intro=hello)
        # The first message opens with the globe and the word "language" in all five scripts, and shows
        # every language in its own script, so a person who reads only one of them finds it at once.
        language_rows = tuple((Button(NATIVE_NAMES[lang], f"lang:{lang}"),) for lang in LANGUAGES)
        rows = language_rows if with_languages else ()
        rows += menu.buttons[:-1] if with_languages else menu.buttons
        text = f"🌐 {LANGUAGE_WORD_ALL}\n\n{menu.text}" if with_languages else menu.text
        if person.news is None:
            text += "\n\n📰 " + tr.gettext(
                "Do you want news from us about events and changes? You can change it any time."
            )
            rows += (
                (
                    Button("📰 " + tr.gettext("Yes, send me news"), f"{NEWS}:on.new"),
                    Button("🔕 " + tr.gettext("No news"), f"{NEWS}:off.new"),
                ),
            )
        return Reply(text, menu.lang, rows)

    def _news(self, person: Person, replace: bool = False, changed: bool = False) -> Reply:
        tr = self.tr(person)
        if person.news:
            state = tr.gettext("You get news from us (events, changes of opening hours). You can stop it any time.")
        else:
            state = tr.gettext("You get no news from us. Do you want news about events and changes?")
        text = ("✅ " + tr.gettext("Saved.") + "\n" if changed else "") + "📰 " + state
        rows = (
            (
                Button("📰 " + tr.gettext("Yes, send me news"), f"{NEWS}:on"),
                Button("🔕 " + tr.gettext("No news"), f"{NEWS}:off"),
            ),
            (Button("🏠 " + tr.gettext("Menu"), MENU),),
        )
        return Reply(text, person.language, rows, replace=replace)

    def _language_menu(self, person: Person, replace: bool = False) -> Reply:
        tr = self.tr(person)
        text = "🌐 " + LANGUAGE_WORD_ALL + "\n" + tr.gettext("Choose your language.")
        rows = tuple(
            (Button(("✅ " if lang == person.language else "") + NATIVE_NAMES[lang], f"lang:{lang}"),)
            for lang in LANGUAGES
        )
        return Reply(text, person.language, (*rows, (Button("🏠 " + tr.gettext("Menu"), MENU),)), replace=replace)

    def _office_menu(self, person: Person, replace: bool = False) -> Reply:
        tr = self.tr(person)
        text = tr.gettext("Which office is for you? Each office helps the people of its districts.")
        rows = []
        for office in self.content.offices.values():
            mark = "✅ " if office.id == person.office_id else ""
            rows.append((Button(f"{mark}{office.name} ({', '.join(office.districts)})", f"office:{office.id}"),))
        rows.append((Button("🗂 " + tr.gettext("Show all offices"), "office:none"),))
        rows.append((Button("🏠 " + tr.gettext("Menu"), MENU),))
        return Reply(text, person.language, tuple(rows), replace=replace)

    def _help_text(self, tr: Translator) -> str:
        return tr.gettext(
            "Write your question, or use these commands:\n"
            "/menu – the main menu\n"
            "/appointments – book or change an appointment\n"
            "/events – events in the next weeks\n"
            "/news – news from us: on or off\n"
            "/language – choose your language\n"
            "/office – choose your office\n"
            "/privacy – what we store about you\n"
            "/mydata – all your data as a file\n"
            "/delete – delete all your data\n"
            "/help – this help"
        )

    def _help(self, person: Person) -> Reply:
        tr = self.tr(person)
        return Reply(self._help_text(tr), person.language, self._menu_row(tr))

    def _unsupported(self, person: Person) -> Reply:
        tr = self.tr(person)
        text = tr.gettext(
            "Sorry, I can only read text messages so far. Please write your question, or choose a topic in the menu."
        )
        return Reply(text, person.language, self._menu_row(tr))

    def _finish(self, reply: Reply) -> Reply:
        return dataclasses.replace(reply, text=bidi.for_language(reply.text, reply.lang))


def _with(person: Person, **changes: object) -> Person:
    return dataclasses.replace(person, **changes)  # type: ignore[arg-type]
