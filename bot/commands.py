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
        ("help", tr.gettext("Help")),
    ]
