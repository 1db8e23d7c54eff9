"""Fold the many ways people write the same word onto one form, before matching or parsing.

Phones type Arabic and Persian with different keyboards, users drop diacritics and hamza, Tigrinya has
letters that sound alike and are used interchangeably, and digits come in three scripts.
"""

import re
import unicodedata

_DIGITS = str.maketrans("٠١٢٣٤٥٦٧٨٩۰۱۲۳۴۵۶۷۸۹", "01234567890123456789")

_ARABIC_FOLD = str.maketrans(
    {
        "أ": "ا",
        "إ": "ا",
        "آ": "ا",
        "ٱ": "ا",
        "ى": "ي",
        "ی": "ي",  # Persian yeh
        "ې": "ي",
        "ئ": "ي",
        "ؤ": "و",
        "ة": "ه",
        "ۀ": "ه",
        "ك": "ک",  # Arabic kaf onto Persian keheh: both keyboards occur in Persian text
        "ء": "",
        "ـ": "",  # tatweel
        "\u200c": "",  # zero-width non-joiner, written or not at will
        "\u200d": "",
    }
)
_ARABIC_MARKS = re.compile("[\u0610-\u061a\u064b-\u065f\u0670\u06d6-\u06ed]")

# Tigrinya: rows of the Ge'ez syllabary that spell the same sound. Each row has up to eight orders
# (vowels); a letter maps to the same order of the canonical row.
_GEEZ_ROWS = {0x1210: 0x1200, 0x1280: 0x1200, 0x1220: 0x1230, 0x12D0: 0x12A0, 0x1340: 0x1338}


def _geez_fold(ch: str) -> str:
    cp = ord(ch)
    for start, canonical in _GEEZ_ROWS.items():
        if start <= cp < start + 8:
            return chr(canonical + cp - start)
    return ch


_GEEZ_TABLE = {cp: _geez_fold(chr(cp)) for start in _GEEZ_ROWS for cp in range(start, start + 8) if _geez_fold(chr(cp))}

_LATIN_FOLD = str.maketrans({"ß": "ss", "æ": "ae", "œ": "oe", "ø": "o", "ı": "i"})
_NON_WORD = re.compile(r"[^\w]+")
_REPEATS = re.compile(r"([^\W\d_])\1{2,}")  # "pleeease", "خيييير": three or more of a letter are one
_ASCII_WORD = re.compile(r"[a-z0-9]+")
# Arabic in Latin letters writes letters Latin lacks as digits ("3ndi", "7ali", "a2tol"); inside a word of
# letters and digits they become the letters people write instead.
_ARABIZI_DIGITS = str.maketrans({"2": "", "3": "a", "5": "kh", "6": "t", "7": "h", "8": "gh", "9": "q"})
# Spellings of one sound in Latin letters: German umlauts typed without them (ue, oe, ae, for ü, ö, ä, which
# become u, o, a here), and the long vowels of Arabizi and Finglish ("keef"/"kif", "khoone"/"khune").
_LATIN_SPELLINGS = (("ue", "u"), ("oe", "o"), ("ae", "a"), ("ee", "i"), ("oo", "u"), ("ou", "u"), ("aa", "a"))


def normalize_digits(text: str) -> str:
    return text.translate(_DIGITS)


def _strip_latin_marks(text: str) -> str:
    decomposed = unicodedata.normalize("NFD", text)
    kept = [c for c in decomposed if not (unicodedata.combining(c) and ord(c) < 0x0370)]
    return unicodedata.normalize("NFC", "".join(kept))


def _latin_word(word: str) -> str:
    if not _ASCII_WORD.fullmatch(word):
        return word
    if not word.isdigit() and not word.isalpha():
        word = word.translate(_ARABIZI_DIGITS) or word
    for spelled, sound in _LATIN_SPELLINGS:
        word = word.replace(spelled, sound)
    return word


def normalize(text: str) -> str:
    """Lower-case, fold letters and digits, drop diacritics, punctuation and emoji; words separated by one space.

    Latin-letter words are folded further (umlaut spellings, Arabizi digits, long vowels): the result is a
    form to match on, not to show.
    """
    text = unicodedata.normalize("NFKC", text).casefold()
    text = normalize_digits(text)
    text = _ARABIC_MARKS.sub("", text).translate(_ARABIC_FOLD)
    text = text.translate(_GEEZ_TABLE)
    text = _strip_latin_marks(text).translate(_LATIN_FOLD)
    text = text.replace("\u1361", " ").replace("\u1362", " ").replace("\u1367", " ")  # Ge'ez word space/stops
    text = _REPEATS.sub(r"\1", _NON_WORD.sub(" ", text).replace("_", " "))
    return " ".join(_latin_word(word) for word in text.split())


def is_id(text: str) -> bool:
    """A row number as buttons and commands carry it: ASCII digits that fit SQLite's 64-bit integer.

    str.isdigit() is not enough: it accepts "²" and "١٢" (int() rejects the first) and any length
    (SQLite rejects numbers past 2**63).
    """
    return re.fullmatch(r"[0-9]{1,18}", text) is not None
