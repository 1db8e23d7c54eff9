"""Guess the language a person writes in, from the text itself and the platform's hint.

The script decides first: Ge'ez is Tigrinya; Arabic script is Persian when it has letters Arabic does not
use (or typical Persian words), else Arabic. Latin script is German, English, or Arabic written in Latin
letters ("mata yaftah al maktab"), decided by typical words. When the text does not decide, the hint does.
"""

import re
from dataclasses import dataclass

from bot.languages import from_hint
from bot.normalize import normalize

_GEEZ = re.compile("[\u1200-\u137f\u1380-\u139f\u2d80-\u2ddf\uab00-\uab2f]")
_ARABIC_SCRIPT = re.compile("[\u0600-\u06ff\u0750-\u077f\ufb50-\ufdff\ufe70-\ufeff]")
_PERSIAN_LETTERS = re.compile("[پچژگکی۰-۹]")
_LATIN = re.compile("[A-Za-z\u00c0-\u024f]")

# Frequent words that only one of the two languages uses (normalised: ی→ي, ک stays).
_PERSIAN_WORDS = frozenset(
    "است هست نيست را شما کجا چه چطور چرا کي کدام ميخواهم ميخوام ميتوانم ميتونم دارم ندارم برای براي"
    " با از اون کمک باز ساعت کار خانه خونه نامه بچه يک بايد چند فردا امروز کجاست چيست کنم کنيد ميشه"
    " بگيرم ميخواستم هستم هستيد بکنم دفتر چطوري کو".split()
)
# Words Arabic speakers use and Persian does not: also the Iraqi and Gulf words that come with گ, چ or پ.
_ARABIC_WORDS = frozenset(
    "هل متي وين فين شو ايش ماذا لماذا كيف کيف الي على علي في عن هذا هذه انا انت بدي اريد عايز"
    " ممکن ممكن لو سمحت الله مكتب مکتب موعد رسالة رساله عندي عندى يوجد هناك مساعدة مساعده"
    " شلون شنو شکو ليش ابي ابغي اگدر اکدر اقدر هسه هسا هاي مال وياي چان گاعد اشلون"
    " الدوام المکتب الموعد العنوان الطبيب المدرسه الروضه العمل البيت الشقه".split()
)
_GERMAN_WORDS = frozenset(
    "ich du sie wir ihr der die das den dem ein eine einen ist sind bin hat habe haben und oder nicht kein"
    " keine wann wo wie was warum wer welche welcher mit fur bei zum zur von im auf aus nach heute morgen"
    " buro offen geoffnet termin hilfe brauche brief arbeit wohnung kinder schule arzt deutsch kurs kostet"
    " kann konnen mochte mochten bitte danke hallo guten tag adresse telefon nummer uhr geld frage gibt es"
    " mein meine meinen mir mich noch auch schon sprechen ja nein".split()
)
_ENGLISH_WORDS = frozenset(
    "i you we they he she the a an is are am was be have has do does can could would should will not no"
    " when where what how why who which with for at from to in on of my your me please thanks thank hello"
    " hi office open opening hours appointment help need letter job work flat apartment children school"
    " doctor german course cost free phone number address language speak there this that and or any".split()
)
# Arabic in Latin letters: common words and spellings with digits for Arabic letters (3 = ع, 7 = ح ...).
_ARABIZI_WORDS = frozenset(
    "ana enta enti inta inti ente anta mata emta imta eimta wen wein wain ween fen fain fein ayna ayn shu shou"
    " sho esh eh ish shlon kif keef kaif kef leh lesh lish 3ndi 3andi andi 3ando bdi biddi baddi bade bidi"
    " 3ayez 3ayz 3awz 3aiz abi abgha areed ureed momken mumkin mmkn yaftah yeftah byeftah byftah maktab"
    " elmaktab almaktab mawed maw3ed mau3id mo3ed maw3id wa2t wakt sa3a saa3a sa3at al el fi fe min men"
    " mn ma3 m3 3la 3ala ala la2 la aiwa aywa na3am shukran shokran salam marhaba mar7aba ahlan habibi"
    " ya yalla kam qadesh adesh addesh 2adesh bkam bekam mosa3ada msa3de musa3ada risala resala maktoub"
    " maktoob maktub shoghl shughl sha3'el 3amal beit bait bet bait madrase madrasa tabib doktor hal hel"
    " wallah inshallah lazem lazim l2an 3shan 3ashan 3lshan msh mish mush bukra bokra elyom alyom lyom"
    " el7en hala2 hassa halla2 ta3ab maridh mared lugha lo8a almani almaniya".split()
)
_ARABIZI_DIGIT_WORD = re.compile(r"\b[a-z]*[2375689][a-z]+\b|\b[a-z]+[2375689][a-z]*\b")


@dataclass(frozen=True)
class Detection:
    lang: str | None  # None: the text does not decide
    script: str  # "geez", "arabic", "latin" or "none"
    latin_arabic: bool = False


def _latin_language(text: str, hinted: str | None) -> tuple[str | None, bool]:
    words = normalize(text).split()
    if not words:
        return None, False
    raw = text.lower()
    scores = {
        "de": sum(w in _GERMAN_WORDS for w in words) + 2 * len(re.findall("[äöüß]", raw)),
        "en": sum(w in _ENGLISH_WORDS for w in words),
        "ar": sum(w in _ARABIZI_WORDS for w in words) + 2 * len(_ARABIZI_DIGIT_WORD.findall(raw)),
    }
    best = max(scores, key=lambda k: scores[k])
    top = scores[best]
    if top == 0 or list(scores.values()).count(top) > 1:
        return None, False
    # One weak clue ("hallo", "ok") is not worth overruling what the person's phone is set to.
    if top == 1 and hinted in scores and best != hinted:
        return hinted, hinted == "ar"
    return best, best == "ar"


def detect(text: str | None, hint: str | None = None) -> Detection:
    """Which of our languages `text` is in. `lang` is None when neither the text nor the hint decides."""
    text = text or ""
    hinted = from_hint(hint)
    if _GEEZ.search(text):
        return Detection("ti", "geez")
    if _ARABIC_SCRIPT.search(text):
        words = set(normalize(text).split())
        fa, ar = len(words & _PERSIAN_WORDS), len(words & _ARABIC_WORDS)
        if _PERSIAN_LETTERS.search(text):
            # Persian letters decide, unless the words are plainly Arabic (Iraqi and Gulf Arabic write گ, چ).
            return Detection("ar" if ar >= 2 and fa == 0 else "fa", "arabic")
        if fa > ar:
            return Detection("fa", "arabic")
        if ar > fa:
            return Detection("ar", "arabic")
        return Detection(hinted if hinted in ("ar", "fa") else "ar", "arabic")
    if _LATIN.search(text):
        lang, arabizi = _latin_language(text, hinted)
        if lang is None:
            return Detection(hinted, "latin")
        return Detection(lang, "latin", latin_arabic=arabizi)
    return Detection(hinted, "none")
