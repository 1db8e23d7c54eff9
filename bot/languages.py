"""The five languages of the bot and what the rest of the code needs to know about them."""

LANGUAGES: tuple[str, ...] = ("de", "en", "ar", "fa", "ti")
DEFAULT_LANGUAGE = "de"
RTL_LANGUAGES = frozenset({"ar", "fa"})

# Each language named in its own script, so a person who reads only one of them still finds it.
# No flags: a flag says "country", and our users' languages cross borders they may have fled.
NATIVE_NAMES: dict[str, str] = {
    "de": "Deutsch",
    "en": "English",
    "ar": "العربية",
    "fa": "فارسی / دری",
    "ti": "ትግርኛ",
}

# The one word "language" in all five scripts, for the button a lost person must still recognise.
LANGUAGE_WORD_ALL = "Sprache · Language · اللغة · زبان · ቋንቋ"


def is_rtl(lang: str) -> bool:
    return lang in RTL_LANGUAGES


def from_hint(hint: str | None) -> str | None:
    """Map a platform language code ("ar-SY", "fa_IR", "prs", "de") to one of ours, or None."""
    if not hint:
        return None
    base = hint.replace("_", "-").split("-")[0].lower()
    # Dari ("prs") and Tigrinya's neighbours are written by our users in the nearest language we serve.
    aliases = {
        "prs": "fa",
        "per": "fa",
        "pes": "fa",
        "tir": "ti",
        "ara": "ar",
        "ger": "de",
        "deu": "de",
        "eng": "en",
    }
    base = aliases.get(base, base)
    return base if base in LANGUAGES else None
