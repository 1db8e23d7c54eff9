"""Every command people and staff type, and every action a button carries: one table each.

Channels register their commands from `PERSON_COMMANDS` and the staff tables; command menus and the help
text are made from the same table, so a command is named once. A button's action is `name[:arg...]`,
optionally ending in `.new` ("show the screen as a new message, keep the one with the button"). It is at
most 64 bytes (Telegram's limit) and opaque to channels: `pack` makes one, `unpack` reads one, and every
family checks its own arguments again, because a button can be old or forged.
"""

from collections.abc import Callable
from dataclasses import dataclass

from bot.i18n import Translator

NEW_MESSAGE = ".new"
MAX_BYTES = 64


@dataclass(frozen=True)
class Pressed:
    """A button action, read: its family name, its arguments, and whether it wants a new message."""

    name: str
    args: tuple[str, ...]
    new_message: bool = False

    @property
    def arg(self) -> str:
        return self.args[0] if self.args else ""

    @property
    def raw(self) -> str:
        """The action without `.new`, as `pack` made it."""
        return ":".join((self.name, *self.args))


def pack(name: str, *args: object, new_message: bool = False) -> str:
    action = ":".join((name, *(str(a) for a in args))) + (NEW_MESSAGE if new_message else "")
    if len(action.encode()) > MAX_BYTES:
        raise ValueError(f"button action longer than {MAX_BYTES} bytes: {action!r}")
    return action


def unpack(action: str) -> Pressed:
    new_message = action.endswith(NEW_MESSAGE)
    name, *args = action.removesuffix(NEW_MESSAGE).split(":")
    return Pressed(name, tuple(args), new_message)


# -- the families of button actions (the first part of an action) -------------------------------------------
# screens of the person's menu
MENU = "menu"
LANGUAGE_MENU = "langs"
OFFICE_MENU = "offices"
HOURS = "hours"
LOCATION = "where"
CONTACT = "contact"
OFFERS = "offers"
ASK = "ask"
APPOINTMENTS = "appts"
EVENTS = "events"
NEWS = "news"  # news, news:on, news:off
# choices with an argument
LANGUAGE = "lang"  # lang:<code>
OFFICE = "office"  # office:<id> or office:none
FAQ = "faq"  # faq:<id>
DID_YOU_MEAN = "dym"  # dym:<faq id>: the person chose one of the topics the bot offered
# questions to staff
TO_STAFF = "staff"  # write to a person: the person's messages go to the team
BACK_TO_BOT = "bot"  # the bot answers again
RATE = "rate"  # rate:<ticket>:up|down
# privacy
CONSENT = "consent"  # consent:yes[:<office>], consent:no
MY_DATA = "mydata"
DELETE = "del"  # del (asks), del:yes:<minute stamp> (valid a short while)
# appointments (bot/booking_flow.py reads their arguments)
BOOK = "bk"  # bk:<step>:<mode>:<office>:...
APPOINTMENT = "ap"  # ap:ok|x|X:<appointment>
HOME_VISIT = "hv"  # hv:ask, hv:yes
WATCH = "wt"  # wt:<office>:<day key>
# events
EVENT = "ev"  # ev:d|r|i:<event>
# staff group
ATTENDANCE = "sa"  # sa:<appointment>:a|m:<day>
EVENT_FLOW = "evf"
ANNOUNCE_FLOW = "anf"
ANNOUNCE_STOP = "anstop"  # anstop:<announcement>

STAFF_BUTTONS = (ATTENDANCE, EVENT_FLOW, ANNOUNCE_FLOW, ANNOUNCE_STOP)


# -- commands ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Command:
    name: str
    describe: Callable[[Translator], str] | None = None  # for command menus and the help text
    aliases: tuple[str, ...] = ()
    in_help: bool = True

    @property
    def names(self) -> tuple[str, ...]:
        return (self.name, *self.aliases)


PERSON_COMMANDS = (
    Command("start", lambda tr: tr.gettext("Start and choose your language"), in_help=False),
    Command("menu", lambda tr: tr.gettext("Main menu")),
    Command("appointments", lambda tr: tr.gettext("My appointments"), aliases=("book",)),
    Command("events", lambda tr: tr.gettext("Events")),
    Command("news", lambda tr: tr.gettext("News on or off")),
    Command("language", lambda tr: tr.gettext("Choose your language"), aliases=("lang",)),
    Command("office", lambda tr: tr.gettext("Choose your office")),
    Command("privacy", lambda tr: tr.gettext("What we store about you")),
    Command("mydata", lambda tr: tr.gettext("Get all your data as a file")),
    Command("delete", lambda tr: tr.gettext("Delete all your data")),
    Command("help", lambda tr: tr.gettext("Help")),
)

# Staff commands in the staff group's general topic ...
STAFF_COMMANDS = ("agenda", "block", "unblock", "visit", "audit", "stats")
FLOW_COMMANDS = ("event", "events", "event_cancel", "announce", "stop", "cancel")
# ... and in a person's topic (they act on that person's ticket); /learn works in both.
TOPIC_COMMANDS = ("close", "faq", "book", "lang", "ban", "unban")
LEARN = "learn"

# Anyone else typing a staff command (in a private chat) gets their menu.
STAFF_ONLY_COMMANDS = frozenset({*STAFF_COMMANDS, *FLOW_COMMANDS, *TOPIC_COMMANDS, LEARN}) - {
    name for command in PERSON_COMMANDS for name in command.names
}


def person_command_names() -> tuple[str, ...]:
    return tuple(name for command in PERSON_COMMANDS for name in command.names)


def command_menu(tr: Translator) -> list[tuple[str, str]]:
    """(command, description) for a channel's command menu, in the reader's language."""
    return [(c.name, c.describe(tr)) for c in PERSON_COMMANDS if c.describe is not None]


def help_text(tr: Translator) -> str:
    lines = [tr.gettext("Write your question, or use these commands:")]
    lines += [f"/{c.name} – {c.describe(tr)}" for c in PERSON_COMMANDS if c.in_help and c.describe is not None]
    return "\n".join(lines)
