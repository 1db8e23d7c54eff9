"""What is missing or not yet reviewed, per language, in the UI catalogs and in the content."""

from dataclasses import dataclass, field
from pathlib import Path

from bot.content import SOURCE_LANGUAGE, Content
from bot.i18n import DRAFT_FLAG, read_catalog
from bot.languages import LANGUAGES


@dataclass
class LanguageStatus:
    lang: str
    missing: list[str] = field(default_factory=list)
    unreviewed: list[str] = field(default_factory=list)


def ui_status(locales_dir: Path, lang: str, status: LanguageStatus) -> None:
    if lang == "en":
        return  # the msgids are the English text
    catalog = read_catalog(locales_dir, lang)
    if catalog is None:
        status.missing.append(f"ui: catalog locales/{lang}/LC_MESSAGES/messages.po is missing")
        return
    for message in catalog:
        if not message.id:
            continue
        msgid = message.id if isinstance(message.id, str) else message.id[0]
        strings = message.string if isinstance(message.string, tuple | list) else (message.string,)
        if not all(s and s.strip() for s in strings) or message.fuzzy:
            status.missing.append(f"ui: {msgid!r}" + (" (fuzzy)" if message.fuzzy else ""))
        elif DRAFT_FLAG in message.flags:
            status.unreviewed.append(f"ui: {msgid!r}")


def ui_template_ids(locales_dir: Path) -> set[str]:
    """The msgids of the template: a catalog that lacks one of them is missing it."""
    from babel.messages.pofile import read_po

    path = locales_dir / "messages.pot"
    if not path.is_file():
        return set()
    with path.open("rb") as handle:
        return {m.id if isinstance(m.id, str) else m.id[0] for m in read_po(handle) if m.id}


def content_status(content: Content, lang: str, status: LanguageStatus) -> None:
    text = content.texts.get(lang)
    if text is None:
        status.missing.append(f"content: texts/{lang}.yaml is missing")
        events_status(content, lang, status)
        return
    source = content.texts[SOURCE_LANGUAGE]
    for faq_id in source.faq:
        entry = text.faq.get(faq_id)
        if entry is None:
            status.missing.append(f"content: faq.{faq_id}")
            continue
        if not entry.examples and not entry.keywords:
            status.missing.append(f"content: faq.{faq_id} has no example questions")
        if text.status_of(entry) != "reviewed":
            status.unreviewed.append(f"content: faq.{faq_id}")
    for offer in content.offers:
        offer_text = text.offers.get(offer.id)
        if offer_text is None:
            status.missing.append(f"content: offers.{offer.id}")
        elif text.status_of(offer_text) != "reviewed":
            status.unreviewed.append(f"content: offers.{offer.id}")
    events_status(content, lang, status)


def events_status(content: Content, lang: str, status: LanguageStatus) -> None:
    """Each event of events.yaml needs its title and description in every language (German is required)."""
    for seed in content.event_seeds:
        entry = seed.texts.get(lang)
        if entry is None:
            status.missing.append(f"content: events.yaml: {seed.seed_key} (title and description)")
        elif entry.review != "reviewed":
            status.unreviewed.append(f"content: events.yaml: {seed.seed_key}")


def report(content: Content, locales_dir: Path) -> list[LanguageStatus]:
    template = ui_template_ids(locales_dir)
    result = []
    for lang in LANGUAGES:
        status = LanguageStatus(lang)
        ui_status(locales_dir, lang, status)
        if lang != "en" and template:
            catalog = read_catalog(locales_dir, lang)
            present = {m.id if isinstance(m.id, str) else m.id[0] for m in catalog} if catalog else set()
            status.missing.extend(
                f"ui: {msgid!r} (not in catalog; run pybabel update)" for msgid in sorted(template - present)
            )
        content_status(content, lang, status)
        result.append(status)
    return result
