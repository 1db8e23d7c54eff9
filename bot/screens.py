"""What a person sees: the menus and answers the bot shows, as pure functions of what they need.

Nothing here reads or writes the store; the engine decides which screen, these say how it reads.
"""

import dataclasses
from datetime import datetime

from bot import actions, answers, bidi
from bot.actions import pack
from bot.content import Content
from bot.i18n import Translator
from bot.languages import LANGUAGE_WORD_ALL, LANGUAGES, NATIVE_NAMES
from bot.models import Button, Person, Reply

Rows = tuple[tuple[Button, ...], ...]


def menu_row(tr: Translator) -> Rows:
    """The buttons under an answer: back to the menu, or to the languages (each as a new message)."""
    return (
        (
            Button("🏠 " + tr.gettext("Menu"), pack(actions.MENU, new_message=True)),
            Button("🌐 " + LANGUAGE_WORD_ALL, pack(actions.LANGUAGE_MENU, new_message=True)),
        ),
    )


def back_button(tr: Translator, action: str) -> Button:
    return Button("⬅️ " + tr.gettext("Back"), action)


def finish(reply: Reply) -> Reply:
    """Right-to-left replies start right-to-left, and their times and numbers keep their order."""
    return dataclasses.replace(reply, text=bidi.for_language(reply.text, reply.lang))


def as_new_message(replies: list[Reply]) -> list[Reply]:
    return [dataclasses.replace(r, replace=False) for r in replies]


def faq(content: Content, tr: Translator, person: Person, faq_id: str, now: datetime) -> Reply:
    text = answers.faq_answer(content, faq_id, tr, person.office_id, now)
    rows: list[tuple[Button, ...]] = []
    if faq_id in ("opening_hours", "location", "contact") and person.office_id is None:
        rows.append((Button("🏢 " + tr.gettext("Choose my office"), pack(actions.OFFICE_MENU, new_message=True)),))
    rows.extend(menu_row(tr))
    return Reply(text, person.language, tuple(rows))


def menu(content: Content, tr: Translator, person: Person, replace: bool = False, intro: str = "") -> Reply:
    title = tr.gettext("How can I help you? Choose a topic or write your question.")
    office = content.offices.get(person.office_id or "")
    office_line = (
        tr.gettext("Your office: {name}").format(name=office.name)
        if office
        else tr.gettext("You have not chosen an office yet.")
    )
    text = "\n\n".join(p for p in (intro, title, "🏢 " + office_line) if p)
    rows = (
        (
            Button("🕒 " + tr.gettext("Opening hours"), actions.HOURS),
            Button("📍 " + tr.gettext("Where we are"), actions.LOCATION),
        ),
        (
            Button("📅 " + tr.gettext("Appointments"), actions.APPOINTMENTS),
            Button("🎉 " + tr.gettext("Events"), actions.EVENTS),
        ),
        (
            Button("🤝 " + tr.gettext("What we offer"), actions.OFFERS),
            Button("💬 " + tr.gettext("Ask a question"), actions.ASK),
        ),
        (
            Button("🙋 " + tr.gettext("Write to a person"), actions.TO_STAFF),
            Button("📰 " + tr.gettext("News"), actions.NEWS),
        ),
        (
            Button("☎️ " + tr.gettext("Contact"), actions.CONTACT),
            Button("🏢 " + tr.gettext("My office"), actions.OFFICE_MENU),
        ),
        (Button("🌐 " + LANGUAGE_WORD_ALL, actions.LANGUAGE_MENU),),
    )
    return Reply(text, person.language, rows, replace=replace)


def language_buttons() -> Rows:
    """Every language in its own script, so a person who reads only one of them finds it at once."""
    return tuple((Button(NATIVE_NAMES[lang], pack(actions.LANGUAGE, lang)),) for lang in LANGUAGES)


def welcome(content: Content, tr: Translator, person: Person, with_languages: bool, intro: str = "") -> Reply:
    hello = (intro + "\n\n" if intro else "") + tr.gettext(
        "Welcome to lokal willkommen! We help people who have just moved into their own flat in Dortmund."
        " I answer questions about our offices. Our help is free."
    )
    shown = menu(content, tr, person, intro=hello)
    # The first message opens with the globe and the word "language" in all five scripts.
    rows = language_buttons() if with_languages else ()
    rows += shown.buttons[:-1] if with_languages else shown.buttons
    text = f"🌐 {LANGUAGE_WORD_ALL}\n\n{shown.text}" if with_languages else shown.text
    return Reply(text, shown.lang, rows)


def news(tr: Translator, person: Person, replace: bool = False, changed: bool = False) -> Reply:
    if person.news:
        state = tr.gettext("You get news from us (events, changes of opening hours). You can stop it any time.")
    else:
        state = tr.gettext("You get no news from us. Do you want news about events and changes?")
    text = ("✅ " + tr.gettext("Saved.") + "\n" if changed else "") + "📰 " + state
    rows = (
        (
            Button("📰 " + tr.gettext("Yes, send me news"), pack(actions.NEWS, "on")),
            Button("🔕 " + tr.gettext("No news"), pack(actions.NEWS, "off")),
        ),
        (Button("🏠 " + tr.gettext("Menu"), actions.MENU),),
    )
    return Reply(text, person.language, rows, replace=replace)


def language_menu(tr: Translator, person: Person, replace: bool = False) -> Reply:
    text = "🌐 " + LANGUAGE_WORD_ALL + "\n" + tr.gettext("Choose your language.")
    rows = tuple(
        (Button(("✅ " if lang == person.language else "") + NATIVE_NAMES[lang], pack(actions.LANGUAGE, lang)),)
        for lang in LANGUAGES
    )
    return Reply(text, person.language, (*rows, (Button("🏠 " + tr.gettext("Menu"), actions.MENU),)), replace=replace)


def office_menu(content: Content, tr: Translator, person: Person, replace: bool = False) -> Reply:
    text = tr.gettext("Which office is for you? Each office helps the people of its districts.")
    rows = []
    for office in content.offices.values():
        mark = "✅ " if office.id == person.office_id else ""
        label = f"{mark}{office.name} ({', '.join(office.districts)})"
        rows.append((Button(label, pack(actions.OFFICE, office.id)),))
    rows.append((Button("🗂 " + tr.gettext("Show all offices"), pack(actions.OFFICE, "none")),))
    rows.append((Button("🏠 " + tr.gettext("Menu"), actions.MENU),))
    return Reply(text, person.language, tuple(rows), replace=replace)


def help_screen(tr: Translator, person: Person, intro: str = "") -> Reply:
    text = "\n\n".join(p for p in (intro, actions.help_text(tr)) if p)
    return Reply(text, person.language, menu_row(tr))


def unsupported(tr: Translator, person: Person) -> Reply:
    text = tr.gettext(
        "Sorry, I can only read text messages so far. Please write your question, or choose a topic in the menu."
    )
    return Reply(text, person.language, menu_row(tr))


def ask(tr: Translator, person: Person) -> Reply:
    text = tr.gettext("Write your question in your own words, in your language. I will try to answer it.")
    rows = ((Button("🙋 " + tr.gettext("Write to a person"), actions.TO_STAFF),), *menu_row(tr))
    return Reply(text, person.language, rows)


def _not_answered(tr: Translator, person: Person, says: str, offered: tuple[tuple[Button, ...], ...] = ()) -> Reply:
    """No answer from the bot: what it says, the emergency numbers, then any offered topics, a person, the menu."""
    text = says + "\n\n🆘 " + tr.gettext("In an emergency call 112 (ambulance, fire) or 110 (police).")
    rows = (
        *offered,
        (Button("🙋 " + tr.gettext("Ask a person"), actions.TO_STAFF),),
        (Button("🏠 " + tr.gettext("Menu"), pack(actions.MENU, new_message=True)),),
    )
    return Reply(text, person.language, rows)


def unsure(tr: Translator, person: Person) -> Reply:
    says = tr.gettext(
        "I am not sure I understood your question, and I do not want to give you a wrong answer."
        " I can pass your question to a person from the team. Or choose a topic in the menu."
    )
    return _not_answered(tr, person, says)


TOPIC_ICONS = {
    "opening_hours": "🕒", "location": "📍", "contact": "☎️", "appointment": "📅", "offers": "🤝",
    "events": "🎉", "german_course": "📚", "work": "💼", "housing": "🏠", "letters": "✉️", "health": "🩺",
    "school_kita": "🎒", "interpreter": "🗣️", "leisure": "⚽", "volunteering": "🙌", "home_visit": "🚪",
    "costs": "💶", "privacy": "🔒", "emergency": "🆘",
}  # fmt: skip


def topic_title(content: Content, faq_id: str, lang: str) -> str:
    """A topic's name for a button, with its icon (an entry without a title shows its id)."""
    entry, _lang = content.faq_text(faq_id, lang)
    return f"{TOPIC_ICONS.get(faq_id, '❓')} {entry.title or faq_id.replace('_', ' ')}"


def did_you_mean(content: Content, tr: Translator, person: Person, choices: tuple[str, ...]) -> Reply:
    """Unsure between a few topics: offer them, and a person, rather than guess."""
    offered = tuple(
        (Button(topic_title(content, faq_id, person.language), pack(actions.DID_YOU_MEAN, faq_id)),)
        for faq_id in choices[:3]
    )
    return _not_answered(tr, person, tr.gettext("I am not sure what you mean. Is it one of these topics?"), offered)


def not_ours(tr: Translator, person: Person) -> Reply:
    """A question about another city or authority, or one the office does not answer (asylum, a court ...)."""
    says = tr.gettext(
        "I can only answer questions about the lokal willkommen offices in Dortmund."
        " A person from the team can try to help you with this question."
    )
    return _not_answered(tr, person, says)


def stale_button(content: Content, tr: Translator, person: Person) -> Reply:
    """An unknown or outdated button: say so kindly and show the menu again."""
    return menu(content, tr, person, intro=tr.gettext("This button no longer works. Here is the menu."))
