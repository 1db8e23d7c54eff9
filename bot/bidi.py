"""Keep left-to-right fragments readable inside Arabic and Persian text.

Telegram (and most chat apps) take a paragraph's direction from its first strong character and reorder
weak characters such as digits and ':' around it: "09:00-13:00" can turn into "13:00-09:00" in an Arabic
sentence. Each left-to-right run (times, phone numbers, addresses, e-mail, Latin names) is wrapped in a
first-strong isolate (U+2068 ... U+2069) and each right-to-left paragraph starts with a right-to-left mark.
"""

import re
import unicodedata

from bot.languages import is_rtl

FSI = "\u2068"
PDI = "\u2069"
RLM = "\u200f"

# A run starts and ends with a Latin letter, a digit or '+', and may hold the punctuation that addresses,
# times, phone numbers and e-mail addresses use. Arabic-script text breaks it.
_LATIN = "A-Za-z0-9\u00c0-\u024f\u1e00-\u1eff"
_LTR_RUN = re.compile(rf"[{_LATIN}+][{_LATIN}+@.:/\-–_()'&, ]*[{_LATIN})]|[{_LATIN}]")


def isolate(fragment: str) -> str:
    return f"{FSI}{fragment}{PDI}"


def strip_isolates(text: str) -> str:
    """What the text reads as, without the invisible direction marks (for comparisons and logs)."""
    return text.replace(FSI, "").replace(PDI, "").replace(RLM, "")


def isolate_ltr_runs(text: str) -> str:
    if FSI in text:  # already prepared: never nest isolates twice
        return text
    return _LTR_RUN.sub(lambda m: isolate(m.group(0)), text)


def for_language(text: str, lang: str) -> str:
    """Prepare a finished text for display in `lang`: a no-op for left-to-right languages."""
    if not is_rtl(lang):
        return text
    lines = isolate_ltr_runs(text).split("\n")
    return "\n".join(RLM + line if line.strip() else line for line in lines)


# Control characters and the bidi controls that could reorder or hide text (U+202E turns "gpj.exe" into
# "exe.jpg"). ZWJ and ZWNJ stay: Persian spelling needs the zero-width non-joiner.
_UNSAFE = re.compile("[\u0000-\u001f\u007f-\u009f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069\ufeff]")


def clean_line(text: str, limit: int) -> str:
    """A name or title from outside, safe to show: no controls or bidi overrides, one line, at most `limit`."""
    cleaned = " ".join(_UNSAFE.sub(" ", unicodedata.normalize("NFC", text)).split())
    if len(cleaned) > limit:
        cleaned = cleaned[: limit - 1].rstrip() + "…"
    return cleaned


def strip_overrides(text: str) -> str:
    """Longer text from staff (an event's description): keep the lines, drop controls and bidi overrides."""
    return "\n".join(
        " ".join(_UNSAFE.sub(" ", line).split()) for line in unicodedata.normalize("NFC", text).split("\n")
    )
