"""UI strings from gettext catalogs, and dates, times and numbers formatted with Babel per language.

The `.po` catalogs under `locales/` are compiled in memory at start (no `.mo` files are written or
committed). Messages flagged `draft` are machine drafts waiting for native review: they are shown, and
`willkommen translations` lists them. Messages flagged `fuzzy` are not shown (gettext's own rule).
"""

import gettext as gettext_module
from dataclasses import dataclass
from datetime import date, datetime, time
from io import BytesIO
from pathlib import Path

from babel import Locale
from babel.dates import format_date, format_skeleton, format_time
from babel.messages.catalog import Catalog
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po

from bot.languages import LANGUAGES

SOURCE_LANGUAGE = "en"  # msgids are English
DOMAIN = "messages"
DRAFT_FLAG = "draft"


def bundled_locales_dir() -> Path:
    import locales

    return Path(locales.__file__).parent


def catalog_path(locales_dir: Path, lang: str) -> Path:
    return locales_dir / lang / "LC_MESSAGES" / f"{DOMAIN}.po"


def read_catalog(locales_dir: Path, lang: str) -> Catalog | None:
    path = catalog_path(locales_dir, lang)
    if not path.is_file():
        return None
    with path.open("rb") as handle:
        return read_po(handle, locale=lang, domain=DOMAIN)


def compile_catalog(catalog: Catalog) -> gettext_module.GNUTranslations:
    buffer = BytesIO()
    write_mo(buffer, catalog, use_fuzzy=False)
    buffer.seek(0)
    return gettext_module.GNUTranslations(buffer)


@dataclass(frozen=True)
class Translator:
    """Everything language-specific a reply needs: translated strings and locale-aware formatting."""

    lang: str
    _translations: gettext_module.NullTranslations

    def gettext(self, message: str) -> str:
        return self._translations.gettext(message)

    def ngettext(self, singular: str, plural: str, n: int) -> str:
        return self._translations.ngettext(singular, plural, n)

    @property
    def locale(self) -> Locale:
        return Locale.parse(self.lang)

    # Digits: Babel's patterns give ASCII digits for all five languages. We keep them everywhere:
    # phone numbers, house numbers and bus lines in Germany are written that way, and the people we
    # serve read them on every letter they get. RTL text wraps them in isolates (see bot.bidi).
    def time(self, value: time | datetime) -> str:
        return format_time(value, "HH:mm", locale=self.lang)

    def weekday(self, value: date) -> str:
        return format_date(value, "EEEE", locale=self.lang)

    def date_short(self, value: date) -> str:
        """Day and month, e.g. "26. Nov."."""
        return format_skeleton("MMMd", value, locale=self.lang)

    def day(self, value: date) -> str:
        """Weekday and date, e.g. "Dienstag, 24. November"."""
        return format_skeleton("MMMMEEEEd", value, locale=self.lang)


def load_translators(locales_dir: Path | None = None) -> dict[str, Translator]:
    locales_dir = locales_dir or bundled_locales_dir()
    result: dict[str, Translator] = {}
    for lang in LANGUAGES:
        catalog = read_catalog(locales_dir, lang)
        translations = compile_catalog(catalog) if catalog is not None else gettext_module.NullTranslations()
        result[lang] = Translator(lang, translations)
    return result
