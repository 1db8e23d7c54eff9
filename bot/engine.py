"""The conversation: one thing a person did in, the bot's replies out. No messaging platform in here.

Channels (console, Telegram, ...) turn their events into `Incoming` and show the `Reply` list that
`Engine.handle` gives back. Who the person is lives in bot/people.py, what they see in bot/screens.py;
here is which screen or desk answers what. Everyone is answered at once; a button that would store
something about the person first asks their consent for that purpose (bot/consent.py). A person who chose
to write to the team has their messages stored for the team (bot/tickets.py) instead of answered.
"""

import dataclasses
import re
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import timedelta

from bot import actions, screens
from bot.actions import Pressed, unpack
from bot.booking_flow import BookingFlow
from bot.clock import Clock
from bot.consent import OK, ConsentTexts, agreed_to, can_carry, purpose_of
from bot.content import Content
from bot.events import Events
from bot.faq import Faq
from bot.i18n import Translator
from bot.languages import DEFAULT_LANGUAGE, LANGUAGES
from bot.matcher import Understanding
from bot.models import Incoming, Person, Reply
from bot.normalize import normalize
from bot.people import People, changed
from bot.ports import Store
from bot.privacy import PrivacyDesk
from bot.records import Purpose
from bot.throttle import Throttle
from bot.tickets import FILE_LIMIT, TicketDesk

MAX_QUESTION_CHARS = 1000  # longer questions are cut (the person is told) before they are matched and stored
# A question the bot could not answer, of someone who has not agreed to store it, is kept in memory only, this
# long: if they then ask a person and agree, it goes to the team; else it is gone (never on disk).
PENDING_QUESTION_SECONDS = 15 * 60
MAX_PENDING = 10_000
CHOICE_WINDOW = timedelta(hours=1)  # a "did you mean" choice belongs to a question asked this recently

# Greetings alone are not questions: they get the welcome and the menu, not "I am not sure".
_GREETINGS = frozenset(
    normalize(w)
    for w in (
        "hallo hi hey hello moin servus guten tag morgen abend good morning evening salam salaam salam alaikum"
        " alaykum aleikum assalamu marhaba merhaba ahlan سلام السلام عليكم مرحبا اهلا صباح الخير مساء درود"
        " خوبی ሰላም ሰላማት እንቋዕ ደሓን ሓደርኩም"
    ).split()
)

Screen = Callable[[Person, Pressed, str | None], Awaitable[list[Reply]]]


@dataclass
class Engine:
    store: Store
    content: Content
    faq: Faq
    translators: dict[str, Translator]
    clock: Clock
    people: People
    privacy: PrivacyDesk
    booking: BookingFlow
    events: Events
    tickets: TicketDesk
    throttle: Throttle
    default_language: str = DEFAULT_LANGUAGE
    _commands: dict[str, Callable[[Person, str, bool], Awaitable[list[Reply]]]] = field(init=False)
    _buttons: dict[str, Screen] = field(init=False)
    _pending: dict[int, tuple[str, float]] = field(init=False, default_factory=dict)

    def __post_init__(self) -> None:
        self.consent = ConsentTexts(self.privacy.keep_messages_days, self.privacy.keep_inactive_days)
        self._commands = {
            "start": self._start,
            "menu": lambda p, arg, new: self._one(screens.menu(self.content, self.tr(p), p)),
            "news": lambda p, arg, new: self._one(screens.news(self.tr(p), p)),
            "events": self._events_command,
            "appointments": self._appointments_command,
            "book": self._appointments_command,
            "language": self._language_command,
            "lang": self._language_command,
            "help": lambda p, arg, new: self._one(screens.help_screen(self.tr(p), p)),
            "privacy": lambda p, arg, new: self._one(self.privacy.privacy_reply(p)),
            "mydata": self._my_data,
            "delete": lambda p, arg, new: self._one(self.privacy.confirm_delete(p)),
            "office": lambda p, arg, new: self._one(screens.office_menu(self.content, self.tr(p), p)),
        }
        self._buttons = {
            actions.MENU: lambda p, b, n: self._one(screens.menu(self.content, self.tr(p), p, replace=True)),
            actions.LANGUAGE_MENU: lambda p, b, n: self._one(screens.language_menu(self.tr(p), p, replace=True)),
            actions.LANGUAGE: self._choose_language,
            actions.OFFICE_MENU: lambda p, b, n: self._one(
                screens.office_menu(self.content, self.tr(p), p, replace=True)
            ),
            actions.OFFICE: self._choose_office,
            actions.HOURS: lambda p, b, n: self._faq(p, "opening_hours"),
            actions.LOCATION: lambda p, b, n: self._faq(p, "location"),
            actions.CONTACT: lambda p, b, n: self._faq(p, "contact"),
            actions.OFFERS: lambda p, b, n: self._faq(p, "offers"),
            actions.FAQ: self._faq_button,
            actions.DID_YOU_MEAN: self._chosen_topic,
            actions.APPOINTMENTS: lambda p, b, n: self._one_async(self.booking.hub(p, self.tr(p))),
            actions.BOOK: self._booking,
            actions.APPOINTMENT: self._booking,
            actions.HOME_VISIT: self._booking,
            actions.WATCH: self._booking,
            actions.EVENTS: lambda p, b, n: self._one_async(self.events.listing(p, self.tr(p))),
            actions.EVENT: lambda p, b, n: self.events.handle(p, self.tr(p), b.raw),
            actions.NEWS: self._news,
            actions.MY_DATA: lambda p, b, n: self._my_data(p, "", False),
            actions.DELETE: self._delete,
            actions.CONSENT: self._consent,
            OK: self._ok,
            actions.ASK: lambda p, b, n: self._one(screens.ask(self.tr(p), p)),
            actions.TO_STAFF: self._to_staff,
            actions.BACK_TO_BOT: self._back_to_bot,
            actions.RATE: self._rate,
        }

    # -- the one entry point -----------------------------------------------------------------------------------

    async def handle(self, event: Incoming) -> list[Reply]:
        """Everything a person does comes in here; what to show them goes out (possibly nothing)."""
        slowed = await self._throttled(event)
        if slowed is not None:
            return slowed
        person = await self.people.find(event.channel, event.user_id)
        if (
            person is not None
            and person.staff_mode
            and Purpose.TEAM in person.consents
            and not person.banned
            and event.kind in ("text", "unsupported")
        ):
            replies = await self._write_to_staff(person, event)
        else:
            replies = await self._handle(event, person)
        return [screens.finish(r) for r in replies]

    async def _throttled(self, event: Incoming) -> list[Reply] | None:
        """None: go on. Else what a person who floods the bot gets: one friendly word, then silence."""
        verdict = self.throttle.check(f"{event.channel}:{event.user_id}")
        if verdict == "ok":
            return None
        if verdict == "silent":
            return []
        tr = await self._translator_for(event.channel, event.user_id)
        text = tr.gettext("You are sending many messages very fast. Please wait a minute, then write again.")
        return [screens.finish(Reply("⏳ " + text, tr.lang))]

    async def _handle(self, event: Incoming, known: Person | None) -> list[Reply]:
        person, is_new = await self.people.arrive(event, known)
        if person.banned:
            if person.ban_told:
                return []  # told once; from now on a deliberate silence
            await self.store.mark_ban_told(person.id)
            text = self.tr(person).gettext("The team has stopped this conversation. In an emergency call 112 or 110.")
            return [Reply(text, person.language)]
        if event.kind == "command":
            replies = await self._command(person, event.action, event.text.strip(), is_new)
        elif event.kind == "action":
            replies = await self._press(person, unpack(event.action), event.meta.get("first_name"))
        elif event.kind == "unsupported":
            replies = [screens.unsupported(self.tr(person), person)]
        else:
            replies = await self._text(person, event.text, is_new)
            if is_new and replies and not person.consents:
                replies = [self._privacy_line(person, replies[0]), *replies[1:]]
        await self._note_activity(person)
        return replies

    async def _note_activity(self, person: Person) -> None:
        day = self.clock.now().astimezone(self.content.timezone).date().isoformat()
        await self.people.note_activity(person, day)

    def tr(self, person: Person) -> Translator:
        return self.translators.get(person.language) or self.translators[DEFAULT_LANGUAGE]

    async def _translator_for(self, channel: str, user_id: str) -> Translator:
        """The known person's language, or the default for someone not stored (yet)."""
        person = await self.people.find(channel, user_id)
        return self.translators[person.language if person else self.default_language]

    async def apology(self, channel: str, user_id: str) -> Reply:
        """What to say when handling a person's message failed on our side."""
        tr = await self._translator_for(channel, user_id)
        text = tr.gettext("Sorry, something went wrong on our side. Please try again in a moment.")
        return screens.finish(Reply(text, tr.lang, screens.menu_row(tr)))

    @staticmethod
    async def _one(reply: Reply) -> list[Reply]:
        return [reply]

    @staticmethod
    async def _one_async(reply: Awaitable[Reply]) -> list[Reply]:
        return [await reply]

    def _privacy_line(self, person: Person, reply: Reply) -> Reply:
        """Under the first answer a person gets: one line on what is stored, and the full notice a tap away."""
        tr = self.tr(person)
        text = reply.text + "\n\n" + self.consent.first_line(tr)
        return dataclasses.replace(reply, text=text, buttons=((self.consent.notice_button(tr),), *reply.buttons))

    def _is_emergency(self, person: Person, text: str) -> bool:
        return bool(text) and self.faq.understand(text, person.language).emergency is not None

    def _faq_reply(self, person: Person, faq_id: str) -> Reply:
        return screens.faq(self.content, self.tr(person), person, faq_id, self.clock.now())

    # -- buttons, and consent at the moment of need ---------------------------------------------------------

    async def _press(self, person: Person, pressed: Pressed, first_name: str | None) -> list[Reply]:
        purpose = purpose_of(pressed)
        if purpose is not None and purpose not in person.consents and not person.banned:
            if not can_carry(pressed):  # not a button the bot made: as any old or forged press
                return await self._stale(person, pressed, first_name)
            return [self.consent.ask(self.tr(person), person, pressed)]
        screen = self._buttons.get(pressed.name, self._stale)
        replies = await screen(person, pressed, first_name)
        return screens.as_new_message(replies) if pressed.new_message else replies

    async def _ok(self, person: Person, pressed: Pressed, first_name: str | None) -> list[Reply]:
        """OK under a consent question: agree to that purpose, then do what the person started."""
        wanted = agreed_to(pressed)
        if wanted is None:
            return await self._stale(person, pressed, first_name)
        purpose = purpose_of(wanted)
        assert purpose is not None
        person = await self.privacy.agree(person, (purpose,))
        return await self._press(person, wanted, first_name)

    async def _consent(self, person: Person, pressed: Pressed, first_name: str | None) -> list[Reply]:
        tr = self.tr(person)
        if pressed.arg == "yes":  # the whole notice (a button of an earlier version): every purpose
            person = await self.privacy.agree(person)
            office = pressed.args[1] if len(pressed.args) > 1 else ""
            if office in self.content.offices:
                person = await self.people.choose_office(person, office)
            intro = tr.gettext("Thank you! Now you can ask me.")
            return [screens.welcome(self.content, tr, person, with_languages=False, intro=intro)]
        # No: nothing is stored, back to the menu.
        return [screens.menu(self.content, tr, person, replace=True, intro=tr.gettext("OK, I stored nothing."))]

    # -- writing to the team ---------------------------------------------------------------------------------

    async def _write_to_staff(self, person: Person, event: Incoming) -> list[Reply]:
        """The person chose to write to a person: their message goes into their ticket for the team.
        An emergency still gets 112/110 at once, and the team sees the message marked urgent."""
        await self.people.seen(person)
        tr = self.tr(person)
        if event.size > FILE_LIMIT:
            return [self.tickets.file_too_big(tr)]
        text = event.text.strip() if event.kind == "text" else ""
        urgent = self._is_emergency(person, text)
        replies = [self._faq_reply(person, "emergency")] if urgent else []
        told = await self.tickets.person_wrote(person, text, event.source, event.reply_to, urgent, event.media)
        if told is not None:
            replies.append(told)
        await self._note_activity(person)
        return replies

    async def _to_staff(self, person: Person, pressed: Pressed, first_name: str | None) -> list[Reply]:
        if person.banned:
            return []
        await self.store.set_staff_mode(person.id, True)
        person = changed(person, staff_mode=True)
        pending = self._take_pending(person)
        if pending is not None:  # asked before agreeing: the question they typed goes to the team now
            told = await self.tickets.person_wrote(person, pending, None, None, urgent=False)
            return [told or self.tickets.acknowledgement(person, False)]
        _ticket, new = await self.tickets.open(person, await self.store.last_unresolved(person.id))
        return [self.tickets.acknowledgement(person, new)]

    def _keep_pending(self, person: Person, text: str) -> None:
        now = time.monotonic()
        if len(self._pending) >= MAX_PENDING:
            self._pending = {k: v for k, v in self._pending.items() if now - v[1] < PENDING_QUESTION_SECONDS}
        self._pending[person.id] = (text, now)

    def _take_pending(self, person: Person) -> str | None:
        found = self._pending.pop(person.id, None)
        if found is None or time.monotonic() - found[1] > PENDING_QUESTION_SECONDS:
            return None
        return found[0]

    async def _back_to_bot(self, person: Person, pressed: Pressed, first_name: str | None) -> list[Reply]:
        await self.store.set_staff_mode(person.id, False)
        person = changed(person, staff_mode=False)
        intro = self.tr(person).gettext("The bot answers your questions again. To write to a person, press 🙋.")
        return [screens.menu(self.content, self.tr(person), person, intro=intro)]

    async def _rate(self, person: Person, pressed: Pressed, first_name: str | None) -> list[Reply]:
        thanks = await self.tickets.rate(person, *pressed.args) if len(pressed.args) == 2 else None
        return [thanks] if thanks else await self._stale(person, pressed, first_name)

    # -- commands --------------------------------------------------------------------------------------------

    async def _command(self, person: Person, name: str, arg: str, is_new: bool) -> list[Reply]:
        command = self._commands.get(name)
        if command is not None:
            return await command(person, arg, is_new)
        tr = self.tr(person)
        if name in actions.STAFF_ONLY_COMMANDS:
            return [screens.menu(self.content, tr, person)]  # a staff command outside the staff group
        return [screens.help_screen(tr, person, intro=tr.gettext("I don't know this command."))]

    async def _start(self, person: Person, arg: str, is_new: bool) -> list[Reply]:
        office = arg.lower()
        if office in self.content.offices:
            person = await self.people.choose_office(person, office)
        with_languages = is_new or person.language_source != "chosen"
        return [screens.welcome(self.content, self.tr(person), person, with_languages=with_languages)]

    async def _events_command(self, person: Person, arg: str, is_new: bool) -> list[Reply]:
        return [dataclasses.replace(await self.events.listing(person, self.tr(person)), replace=False)]

    async def _appointments_command(self, person: Person, arg: str, is_new: bool) -> list[Reply]:
        return [dataclasses.replace(await self.booking.hub(person, self.tr(person)), replace=False)]

    async def _language_command(self, person: Person, arg: str, is_new: bool) -> list[Reply]:
        if arg in LANGUAGES:
            return await self._choose_language(person, Pressed(actions.LANGUAGE, (arg,)), None)
        return [screens.language_menu(self.tr(person), person)]

    async def _my_data(self, person: Person, arg: str, is_new: bool) -> list[Reply]:
        return [dataclasses.replace(await self.privacy.export(person), replace=False)]

    # -- buttons ---------------------------------------------------------------------------------------------

    async def _stale(self, person: Person, pressed: Pressed, first_name: str | None) -> list[Reply]:
        return [screens.stale_button(self.content, self.tr(person), person)]

    async def _faq(self, person: Person, faq_id: str) -> list[Reply]:
        return [self._faq_reply(person, faq_id)]

    async def _chosen_topic(self, person: Person, pressed: Pressed, first_name: str | None) -> list[Reply]:
        """A topic chosen among "did you mean" choices: answered, and noted on the question for staff to
        confirm with /learn (the choice alone never teaches the bot)."""
        if pressed.arg not in self.content.faq_ids:
            return await self._stale(person, pressed, first_name)
        now = self.clock.now()
        await self.store.choose_topic(person.id, pressed.arg, now - CHOICE_WINDOW)
        await self.store.record_answer(person.id, pressed.arg, now)
        if pressed.arg == "privacy":
            return [self.privacy.privacy_reply(person)]
        return await self._faq(person, pressed.arg)

    async def _faq_button(self, person: Person, pressed: Pressed, first_name: str | None) -> list[Reply]:
        if pressed.arg == "privacy":
            return [self.privacy.privacy_reply(person)]
        if pressed.arg in self.content.faq_ids:
            return await self._faq(person, pressed.arg)
        return await self._stale(person, pressed, first_name)

    async def _choose_language(self, person: Person, pressed: Pressed, first_name: str | None) -> list[Reply]:
        if pressed.arg not in LANGUAGES:
            return await self._stale(person, pressed, first_name)
        person = await self.people.choose_language(person, pressed.arg)
        intro = self.tr(person).gettext("I will write to you in English now.")
        return [screens.menu(self.content, self.tr(person), person, replace=True, intro=intro)]

    async def _choose_office(self, person: Person, pressed: Pressed, first_name: str | None) -> list[Reply]:
        if pressed.arg not in self.content.offices and pressed.arg != "none":
            return await self._stale(person, pressed, first_name)
        office_id = None if pressed.arg == "none" else pressed.arg
        person = await self.people.choose_office(person, office_id)
        tr = self.tr(person)
        intro = (
            tr.gettext("Your office is now: {name}.").format(name=self.content.offices[pressed.arg].name)
            if office_id
            else tr.gettext("I will show you all offices.")
        )
        return [screens.menu(self.content, tr, person, replace=True, intro=intro)]

    async def _booking(self, person: Person, pressed: Pressed, first_name: str | None) -> list[Reply]:
        return await self.booking.handle(person, self.tr(person), pressed.raw, first_name)

    async def _news(self, person: Person, pressed: Pressed, first_name: str | None) -> list[Reply]:
        if pressed.arg in ("on", "off"):
            await self.store.set_news(person.id, pressed.arg == "on")
            person = changed(person, news=pressed.arg == "on")
        return [screens.news(self.tr(person), person, replace=True, changed=bool(pressed.arg))]

    async def _delete(self, person: Person, pressed: Pressed, first_name: str | None) -> list[Reply]:
        if not pressed.args or not self.privacy.confirmation_fresh(pressed.args):
            return [self.privacy.confirm_delete(person)]  # asked for, or an old or forged button: ask (again)
        await self.privacy.erase(person)
        return [self.privacy.erased_reply(person.language)]

    # -- text ------------------------------------------------------------------------------------------------

    async def _text(self, person: Person, text: str, is_new: bool) -> list[Reply]:
        text = (text or "").strip()
        if len(text) > MAX_QUESTION_CHARS:
            replies = await self._text(person, text[:MAX_QUESTION_CHARS], is_new)
            note = "✂️ " + self.tr(person).gettext(
                "Your message was very long. I read only the beginning. Please ask one short question at a time."
            )
            first = replies[0]
            return [dataclasses.replace(first, text=note + "\n\n" + first.text), *replies[1:]]
        if not text:
            tr = self.tr(person)
            intro = tr.gettext("I did not get any text. Please write your question.")
            return [screens.menu(self.content, tr, person, intro=intro)]
        understood = self.faq.understand(text, person.language)
        if not is_new and understood.lang_sure:  # one ambiguous Latin-letter message does not switch it
            person = await self.people.follow_language(person, understood.detected_lang)
        tr = self.tr(person)
        if understood.emergency is not None:  # the lexicon's word: never outvoted by the classifier
            await self.store.record_answer(person.id, "emergency", self.clock.now())
            alarm = self._faq_reply(person, "emergency")
            if understood.alarm_only:
                return [alarm]
            # The classifier's or the semantic net's alarm may be false: the numbers come first, and the
            # question still gets its answer, so a false alarm does not cost the person their answer.
            return [alarm, *await self._question(person, tr, text, understood, is_new)]
        return await self._question(person, tr, text, understood, is_new)

    async def _question(
        self, person: Person, tr: Translator, text: str, understood: Understanding, is_new: bool
    ) -> list[Reply]:
        """A question's answer(s), or "did you mean", or a person: what the bot understood of it."""
        words = normalize(text).split()
        if words and all(w in _GREETINGS for w in words):
            return [screens.welcome(self.content, tr, person, with_languages=is_new)]
        codes = re.findall(r"\b\d{5}\b", " ".join(words))
        if codes and len(words) <= 6:
            return [await self._postal_code(person, codes)]
        top = understood.answers[0] if understood.answers else None
        if top in (None, "events") or (len(words) <= 4 and top != "privacy"):
            named = await self.events.named(person, tr, text)
            if named is not None:
                return [named]
        if understood.answers:
            replies = []
            for faq_id in understood.answers[:2]:
                await self.store.record_answer(person.id, faq_id, self.clock.now())
                replies.append(
                    self.privacy.privacy_reply(person) if faq_id == "privacy" else self._faq_reply(person, faq_id)
                )
            return replies
        # The text is kept for the team's learning only with the person's consent; else it is counted only.
        keep = Purpose.TEAM in person.consents
        if not keep:
            self._keep_pending(person, text)
        stored = text if keep else ""
        await self.store.add_unresolved(
            person.id, stored, person.language, person.office_id, understood.reason, self.clock.now()
        )
        if understood.out_of_scope:
            return [screens.not_ours(tr, person)]
        if understood.choices:
            return [screens.did_you_mean(self.content, tr, person, understood.choices)]
        return [screens.unsure(tr, person)]

    async def _postal_code(self, person: Person, codes: list[str]) -> Reply:
        """A Dortmund postal code is enough to find the person's office."""
        tr = self.tr(person)
        for code in codes:
            office = self.content.office_for_postal_code(code)
            if office is not None:
                person = await self.people.choose_office(person, office.id)
                intro = tr.gettext("{code}: your office is {name} ({districts}).").format(
                    code=code, name=office.name, districts=", ".join(office.districts[:4])
                )
                return screens.menu(self.content, tr, person, intro=intro)
        intro = tr.gettext(
            "The postal code {code} is not in the area of our offices. You can still choose an office."
        ).format(code=codes[0])
        office_menu = screens.office_menu(self.content, tr, person)
        return Reply(intro + "\n\n" + office_menu.text, person.language, office_menu.buttons)
