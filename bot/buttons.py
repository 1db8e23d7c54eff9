"""Buttons that many replies share."""

from bot.i18n import Translator
from bot.languages import LANGUAGE_WORD_ALL
from bot.models import Button

MENU = "menu"
LANGUAGE_MENU = "langs"
# Suffix for buttons under an answer: their screen comes as a new message, so the answer stays readable.
NEW_MESSAGE = ".new"


def menu_row(tr: Translator) -> tuple[tuple[Button, ...], ...]:
    return (
        (
            Button("🏠 " + tr.gettext("Menu"), MENU + NEW_MESSAGE),
            Button("🌐 " + LANGUAGE_WORD_ALL, LANGUAGE_MENU + NEW_MESSAGE),
        ),
    )


def back_button(tr: Translator, action: str) -> Button:
    return Button("⬅️ " + tr.gettext("Back"), action)
