"""Hypothesis strategies for the fuzz test: hostile and broken Telegram input, described as small specs.

A spec is a plain tuple, drawn by hypothesis (so it shrinks well). `tests/test_fuzz.py` turns each spec into
a raw update at the moment it is fed, because some need the world as it is then (the last message the bot
sent to a person, the forum topic the relay made for them).
"""

from datetime import datetime, timedelta

from aiogram.types import Update
from hypothesis import strategies as st

from bot import booking
from bot.actions import FLOW_COMMANDS, STAFF_COMMANDS, person_command_names
from bot.actions import TOPIC_COMMANDS as STAFF_TICKET_COMMANDS
from bot.content import Content

COMMANDS = tuple(n for n in person_command_names() if n != "start")

PEOPLE = 5  # people per example, each with fresh Telegram ids
GROUPS = 3  # unknown groups per example
HUGE = 99999999999999999999  # more than SQLite's 64-bit INTEGER

# Every code point except lone surrogates: Telegram sends UTF-8, which cannot carry them.
CHARS = st.characters(exclude_categories=("Cs",))
SPECIAL = [
    "\u202e",  # right-to-left override
    "\u202d",
    "\u2066",
    "\u2069",
    "\u061c",
    "\u200b",  # zero width space
    "\u200d",
    "\u200f",
    "\ufeff",
    "\x00",
    "\x07",
    "\x1b[31m",
    "\r\n",
    "\t",
    "e\u0301\u0301\u0301\u0301",  # combining marks
    "Z\u0334\u0335\u0336\u0337",
    "🇩🇪",
    "👨\u200d👩\u200d👧\u200d👦",
    "🏳️\u200d🌈",
    "﷽",
    "ـــ",
    "<b>",
    "</i>",
    "&lt;",
    "&",
    '<a href="javascript:alert(1)">x</a>',
    "<tg-spoiler>",
    "{name}",
    "{0}",
    "%s%s%n",
    "\\",
    "'; DROP TABLE people; --",
    "#note",
    "!NOTE",
]
WORDS = [
    "hallo",
    "Hallo!",
    "salam",
    "wann habt ihr offen",
    "opening hours",
    "where is the office",
    "Termin",
    "appointment",
    "44309",
    "44309 44328",
    "12345",
    "notfall",
    "Notfall! Hilfe",
    "help",
    "مرحبا",
    "سلام",
    "دفتر کجاست",
    "ሰላም",
    "Anwalt Abschiebung",
    "kostet das was",
    "Deutschkurs",
    "Wohnung",
    "?",
    "...",
    "/start",
    "/menu",
]

fragments = st.one_of(st.sampled_from(SPECIAL), st.sampled_from(WORDS), st.text(CHARS, max_size=30))


def _huge(piece: str, count: int) -> str:
    return (piece * (count // len(piece) + 1))[:count]


huge_texts = st.builds(
    _huge,
    st.sampled_from(["a", "ب", "😀", "\u202e", "x ", "e\u0301", "ሰ", "1 "]),
    st.sampled_from([4095, 4096, 4097, 5000, 8192]) | st.integers(2000, 4096),
)
texts = st.one_of(
    st.lists(fragments, min_size=1, max_size=8).map(" ".join),
    st.lists(fragments, min_size=1, max_size=8).map("".join),
    st.text(CHARS, min_size=1, max_size=300),
    huge_texts,
)
short_texts = st.one_of(st.sampled_from(WORDS + SPECIAL), st.text(CHARS, max_size=20))

# Numbers as a forged button or a command carries them: other people's ids, zero, too big for SQLite,
# and digits Python's str.isdigit() accepts but int() does not ("²") or reads differently ("١٢").
numbers = st.one_of(
    st.integers(0, 40).map(str),
    st.sampled_from([str(HUGE), "²", "١٢"]),
    st.sampled_from([str(HUGE), str(2**63), str(2**63 - 1), "-1", "00", "²", "١٢", "٣", "𝟗", "0x1f", "1e3", " 1", ""]),
)
languages = st.sampled_from(["de", "en", "ar", "fa", "ti", "xx", "", "DE", "de-AT", "ar\u202e"])
# What Telegram clients put into language_code: IETF tags, sometimes odd ones, sometimes nothing.
language_codes = st.one_of(
    st.none(), st.sampled_from(["de", "en", "ar", "fa", "ti", "uk", "ru", "tr", "pt-br", "zh-hans", "", "xx", "EN"])
)
first_names = st.one_of(
    st.sampled_from(["Amina", "Омид", "أمينة", "ሰላም", "\u202eevil", "👩\u200d👩\u200d👧", "A" * 64, "<b>x</b>"]),
    st.text(CHARS, min_size=1, max_size=64),
)


def _fit(data: str) -> str:
    """Telegram carries at most 64 bytes of callback data; a forged button cannot send more."""
    return data.encode()[:64].decode("utf-8", "ignore")


def booking_keys(content: Content, start: datetime) -> tuple[list[str], list[str]]:
    """Real slot keys and day keys (some in reach, some not) for the days after `start`."""
    slots, days = [], []
    for office in content.offices.values():
        for offset in range(-2, 20):
            day = start.date() + timedelta(days=offset)
            days.append(booking.day_key(day))
            slots += [s.key for s in booking.slots_on(content, office, day)][:4]
    return sorted(set(slots)), sorted(set(days))


def callback_data(content: Content, start: datetime) -> st.SearchStrategy[str | None]:
    offices = [*content.offices, "none", "-", "BRACKEL", "x" * 40, "brackel\u202e"]
    slots, days = booking_keys(content, start)
    slot_keys = st.one_of(st.sampled_from(slots), st.sampled_from(["202611241030", "197001010000", "299912312359"]))
    day_keys = st.one_of(st.sampled_from(days), st.sampled_from(["20261124", "19700101", "99991231", "20260230"]))
    modes = st.one_of(st.just("n"), numbers.map(lambda n: "m" + n), st.sampled_from(["", "x", "mm"]))
    topics = st.sampled_from([*booking.TOPICS, "-", "", "evil"])
    interpreters = st.sampled_from([*booking.INTERPRETER_LANGUAGES, "-", "", "de"])
    office = st.sampled_from(offices)
    simple = st.sampled_from(
        [
            "menu",
            "langs",
            "offices",
            "hours",
            "where",
            "contact",
            "offers",
            "appts",
            "events",
            "news",
            "news:on",
            "news:off",
            "news:maybe",
            "ask",
            "staff",
            "bot",
            "hv:ask",
            "hv:yes",
            "hv:no",
            "consent:yes",
            "consent:no",
            "consent:",
            "sa:1:a:26.11.2026",
            "evf:publish",
            "anf:go",
            "",
            ":",
            "::::",
            ".new",
        ]
    )
    forged = st.one_of(
        simple,
        st.builds("lang:{}".format, languages),
        st.builds("office:{}".format, office),
        st.builds("faq:{}".format, st.sampled_from([*content.faq_ids, "", "nope", "emergency\u200b"])),
        st.builds("bk:o:{}:-".format, modes),
        st.builds("bk:{}:{}:{}".format, st.sampled_from(["d", "w", "o", "zz"]), modes, office),
        st.builds("bk:t:{}:{}:{}".format, modes, office, day_keys),
        st.builds("bk:p:{}:{}:{}".format, modes, office, slot_keys),
        st.builds("bk:i:{}:{}:{}:{}".format, modes, office, slot_keys, topics),
        st.builds("bk:s:{}:{}:{}:{}:{}".format, modes, office, slot_keys, topics, interpreters),
        st.builds("bk:c:{}:{}:{}:{}:{}".format, modes, office, slot_keys, topics, interpreters),
        st.builds("ap:{}:{}".format, st.sampled_from(["x", "X", "ok", "zz"]), numbers),
        st.builds("wt:{}:{}".format, office, day_keys),
        st.builds("ev:{}:{}".format, st.sampled_from(["d", "r", "i", "zz"]), numbers),
        st.builds("rate:{}:{}".format, numbers, st.sampled_from(["up", "down", "sideways"])),
        st.builds("del:{}:{}".format, st.sampled_from(["yes", "no", ""]), numbers),  # issue 7: /delete confirmation
        st.builds(
            "{}:{}".format,
            st.sampled_from(["bk", "ap", "hv", "wt", "ev", "rate", "lang", "office", "del", "consent"]),
            texts,
        ),
        st.text(CHARS, max_size=64),
    )
    with_suffix = st.builds(lambda d, new: d + (".new" if new else ""), forged, st.booleans())
    return st.one_of(with_suffix.map(_fit), st.none())


def staff_press_data() -> st.SearchStrategy[str | None]:
    return st.one_of(
        st.builds(
            "sa:{}:{}:{}".format,
            numbers,
            st.sampled_from(["a", "m", "x"]),
            st.sampled_from(["26.11.2026", "heute", "morgen", "31.02.2026", "1.1.1", "99.99.9999", "", "²"]),
        ),
        st.builds("evf:{}".format, st.sampled_from(["publish", "drop", "office:brackel", "office:-", "office:x", ""])),
        st.builds("anf:{}".format, st.sampled_from(["go", "drop", "aud:all", "aud:office:brackel", "aud:lang:ar", ""])),
        st.builds("anstop:{}".format, numbers),
        st.text(CHARS, max_size=64),
        st.none(),
    ).map(lambda d: _fit(d) if d is not None else None)


MEDIA = [
    "sticker",
    "photo",
    "location",
    "contact",
    "poll",
    "dice",
    "document",
    "big_document",
    "voice",
    "video_note",
    "venue",
    "nothing",
    "empty_text",
]
command_names = st.one_of(
    st.sampled_from([*COMMANDS, "start", "START", "Menu", "cancel", "stop", "ban", "close", "agenda", "event"]),
    st.from_regex(r"[a-zA-Z0-9_]{1,40}", fullmatch=True),
    st.text(CHARS, min_size=1, max_size=10),
)
command_suffixes = st.sampled_from(["", "", "@lokal_willkommen_test_bot", "@other_bot", "@"])
command_args = st.one_of(
    st.just(""),
    st.sampled_from(["brackel", "BRACKEL", "aplerbeck", "none", "de", "ar", "xx", str(HUGE), "²", "  "]),
    short_texts,
    texts,
)
person = st.integers(0, PEOPLE - 1)
message_refs = st.sampled_from(["last", "last", "last", "ghost", "inaccessible", "inline"])

staff_commands = st.builds(
    lambda name, args: f"/{name} {args}".rstrip(),
    st.sampled_from([*STAFF_COMMANDS, *FLOW_COMMANDS, "help", "start", "menu"]),
    st.one_of(
        st.sampled_from(
            [
                "",
                "26.11.2026",
                "morgen",
                "brackel 26.11.2026",
                "brackel 26.11.2026 10:00",
                "brackel 31.02.2026 25:99",
                "x y z w",
                f"{HUGE} 26.11.2026 14:00",
                "1 26.11.2026 14:00",
                "² 26.11.2026 14:00",
                "1 01.01.2020 14:00",
                str(HUGE),
                "²",
                "1",
                "#1",
            ]
        ),
        short_texts,
    ),
)
ticket_commands = st.builds(
    lambda name, args: f"/{name} {args}".rstrip(),
    st.sampled_from(STAFF_TICKET_COMMANDS),
    st.one_of(st.sampled_from(["", "ar", "xx", "emergency", "privacy", "nope"]), short_texts),
)


def expand(spec: tuple) -> list[tuple]:
    """A person writes to the team, the team answers (or bans them, closes the ticket), the person goes on."""
    if spec[0] != "ticket":
        return [spec]
    _, who, first, second, staff = spec
    return [
        ("forge", who, "staff", "last"),
        ("say", who, first),
        ("send", who, "photo", second),
        ("topic", who, 1, staff),
        ("say", who, second),
        ("say", who, first),
        ("forge", who, "menu", "last"),
        ("topic", who, 1, "/unban"),
        ("say", who, first),
    ]


def update_specs(content: Content, start: datetime) -> st.SearchStrategy[tuple]:
    return st.one_of(
        st.tuples(st.just("say"), person, texts),
        st.tuples(st.just("command"), person, command_names, command_suffixes, command_args),
        st.tuples(st.just("send"), person, st.sampled_from(MEDIA), st.one_of(st.none(), texts)),
        st.tuples(st.just("edit"), person, st.one_of(st.none(), texts)),
        st.tuples(st.just("press"), person, st.integers(0, 1000)),  # a real button of the last message
        st.tuples(st.just("press"), person, st.integers(0, 1000)),
        st.tuples(st.just("press"), person, st.integers(0, 1000)),
        st.tuples(st.just("forge"), person, callback_data(content, start), message_refs),
        st.tuples(st.just("forge"), person, callback_data(content, start), message_refs),
        st.tuples(st.just("block"), person, st.booleans()),
        st.tuples(st.just("private_member"), person, st.sampled_from(["kicked", "member"])),
        st.tuples(st.just("group"), st.integers(0, GROUPS - 1), st.sampled_from(["group", "supergroup"]), texts),
        st.tuples(st.just("channel_post"), st.integers(0, GROUPS - 1), texts),
        st.tuples(st.just("joined"), st.integers(0, GROUPS - 1)),
        st.tuples(
            st.just("ticket"), person, texts, texts, st.sampled_from(["/ban", "/close", "/unban", "hello", "#note x"])
        ),
        st.tuples(
            st.just("group_member"),
            st.sampled_from(["unknown", "staff"]),
            st.sampled_from(["member", "administrator", "left", "kicked", "restricted"]),
        ),
        st.tuples(st.just("staff_command"), staff_commands),
        st.tuples(st.just("staff_text"), texts),
        st.tuples(st.just("topic"), person, st.integers(1, 60), st.one_of(ticket_commands, texts, st.just("<photo>"))),
        st.tuples(st.just("topic_edit"), st.integers(0, 1000), texts),
        st.tuples(st.just("staff_press"), staff_press_data()),
        st.tuples(st.just("other_type"), st.sampled_from(["inline_query", "poll_answer", "chat_join_request"])),
        st.tuples(
            st.just("unknown_type"),
            st.from_regex(r"[a-z][a-z_]{2,24}", fullmatch=True).filter(lambda k: k not in Update.model_fields),
            st.recursive(
                st.none() | st.booleans() | st.integers() | st.text(CHARS, max_size=10),
                lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=5), inner, max_size=3),
                max_leaves=8,
            ),
        ),
        st.tuples(st.just("malformed"), st.integers(0, 9)),
    )
