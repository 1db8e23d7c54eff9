"""Is a part of a message a question of its own, or only what the person tells about themselves?

"Where can I do a German course in the evening, I work during the day": two parts, one question. The second
part says why, and answering it with the work topic would be a wrong answer. A part is a question when a
question mark follows it, when it holds a question word ("where", "وين", "کجا", "ኣበይ", also in Arabizi,
Finglish and Tigrinya in Latin letters), or when it opens with a verb as questions do ("Kann ich ...",
"do you ...", "ممكن ...", "میشه ..."). Machine-drafted lists (review: draft), normalised as the matcher does.
"""

from bot.normalize import normalize

_QUESTION_MARKS = ("?", "？", "؟", "፧")

# Question words, wherever they stand.
_ASKING = {
    "de": "wo wohin woher wann wie was wer wen wem welche welcher welches welchen warum wieso weshalb wieviel",
    "en": "where when how what who whom which why whats wheres hows",
    "ar": "متى امتى ايمتى وين فين اين كيف كيفاش شلون شو ايش شنو اشنو هل قديش ليش لماذا مين",
    "ar_latin": "emta imta amta wen wein fen feen kif kef shlon shu sho esh eish shnu adesh 2adesh lesh meen",
    "fa": "کجا کجاست کی چطور چطوری چگونه چی چیه آیا کدام کدوم چرا چقدر",
    "fa_latin": "koja kojast key kei chetor chetori chi chiye aya kodom kodam chera cheghadr",
    "ti": "መዓስ ኣበይ ከመይ እንታይ ዶ ክንደይ ስለምንታይ ንምንታይ",
    "ti_latin": "meas abey kemey entay intay kndey kinday slemntay",
}
# Words that open a question ("Gibt es ...", "Can I ...", "ممكن ...", "میشه ..."), or a request ("please help me
# understand it", "bitte erklärt mir ..."), but say nothing elsewhere.
_OPENING = {
    "de": "gibt gibts kann kannst könnt können darf dürfen muss müssen soll sollen habt haben hast seid ist sind "
    "kostet bekomme bekommt helft hilft macht bitte hilf erklärt erklär sagt schickt",
    "en": "is are do does did can could will would should may any anyone please pls plz help explain tell send",
    "ar": "في فيه ممكن بقدر بقدرش عندكم بتساعدو بتقدرو ساعدوني ساعدني رجاء ارجو ياريت فهموني اشرحولي",
    "ar_latin": "fi fe mumkin momken mmkn b2dar sa3douni sa3edni",
    "fa": "میشه میتونم میتوانم دارید دارین لطفا لطفاً کمکم توضیح بگید",
    "fa_latin": "mishe mitoonam mitunam darid darin lotfan komakam",
    "ti": "በጃኹም በጃኺ በጃኻ ሓግዙኒ ሓግዘኒ",
    "ti_latin": "bejakum bejaxum hagzuni",
}


# "I", "my", "me": a part that asks nothing and has one of these tells about the person.
_SELF = {
    "de": "ich mein meine meinen meinem meiner mir mich wir unser unsere uns",
    "en": "i im ive my me we our us",
    "ar": "انا أنا اني إني احنا نحنا نحن",
    "ar_latin": "ana ani e7na ehna",
    "fa": "خودم منم",  # not "من": in Arabic it is "from"
    "fa_latin": "khodam manam",  # not "man" (German "one") or "ma" (Arabizi "not")
    "ti": "ኣነ ንሕና",
    "ti_latin": "ane nihna",
}


def _words(lists: dict[str, str]) -> frozenset[str]:
    return frozenset(w for words in lists.values() for w in normalize(words).split())


ASKING = _words(_ASKING)
OPENING = _words(_OPENING)
SELF = _words(_SELF)


def is_question(part: str, message: str) -> bool:
    """`part` (a piece of `message`) asks something of its own."""
    at = message.find(part)
    if at >= 0 and message[at + len(part) :].lstrip()[:1] in _QUESTION_MARKS:
        return True
    words = normalize(part).split()
    return bool(words) and (words[0] in OPENING or any(w in ASKING for w in words))


def tells_about_oneself(part: str, message: str) -> bool:
    """`part` asks nothing and speaks of the person ("I work during the day"): context, not a question."""
    return not is_question(part, message) and any(w in SELF for w in normalize(part).split())
