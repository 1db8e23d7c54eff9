"""The commands a person can type, with their descriptions in the person's language (for command menus)."""

from bot.i18n import Translator


def user_commands(tr: Translator) -> list[tuple[str, str]]:
    return [
        ("start", tr.gettext("Start and choose your language")),
        ("menu", tr.gettext("Main menu")),
        ("appointments", tr.gettext("My appointments")),
        ("events", tr.gettext("Events")),
        ("news", tr.gettext("News on or off")),
        ("language", tr.gettext("Choose your language")),
        ("office", tr.gettext("Choose your office")),
        ("privacy", tr.gettext("What we store about you")),
        ("mydata", tr.gettext("Get all your data as a file")),
        ("delete", tr.gettext("Delete all your data")),
        ("help", tr.gettext("Help")),
    ]


# Commands that work only in the staff group, for its members: anyone else typing them gets the menu.
STAFF_ONLY_COMMANDS = frozenset(
    {
        "agenda",
        "block",
        "unblock",
        "visit",
        "audit",
        "close",
        "faq",
        "ban",
        "unban",
        "event",
        "event_cancel",
        "announce",
        "stop",
        "cancel",
        "stats",
        "learn",
    }
)
