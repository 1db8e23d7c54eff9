"""Hostile and broken input (issue 7): hypothesis feeds thousands of random and malformed updates through the
real Telegram channel, on each adapter (python-telegram-bot and aiogram: its routing, the core's receiving, real
SQLite, replies over HTTP to the fake Bot API server).

What is generated (tests/fuzz_updates.py): private messages with random Unicode (bidi controls, zero-width,
emoji sequences, combining marks, control characters, HTML-like text), huge texts (up to 8192 characters),
commands with junk arguments and odd bot suffixes, stickers/photos/locations/contacts/polls/dice/documents
(also over 50 MB)/empty messages, edited messages, button presses with real data (a random walk through the
menus and the booking flow) and with forged data (other people's ids, numbers too big for SQLite, digits
int() cannot read, past and impossible dates, garbage up to 64 bytes, missing data), presses on vanished,
inaccessible and inline messages, people blocking the bot, messages and membership changes in unknown
groups and channels, staff-group commands, texts, topic messages, edits and button presses, update types
aiogram knows but the bot does not use, update types nobody knows, and updates pydantic rejects; plus bursts
of people booking the same time at once.

Properties, after every update:
1. Nothing reaches the channel's errors handler (no "update ... failed"); an update the library cannot read
   is skipped and leaves none of its contents in the store.
2. A person who wrote or pressed in a private chat gets an answer (a message, an edit, a document; a press
   also has its spinner stopped), or one of the deliberate silences: banned and already told; writing to
   staff (the message is stored for the relay); they blocked the bot (the answer was tried). An unknown
   group or channel is left.
and after every batch (relay and scheduler run once, dispatcher idle): the database passes integrity and
foreign key checks, no slot is over its office's capacity, nobody holds more than two future drop-in
appointments, nobody has two open tickets, nothing is stuck in 'sending', and every inbox row is finished
with its payload cleared.

Bodies that are no update at all (no integer update_id): polling skips them before the channel (bot/receiving.py),
the webhook answers 400 and goes on; see test_the_webhook_survives_what_aiogram_cannot_parse.
"""

import asyncio
import json
import logging
import os
import sqlite3
import time
import traceback
from dataclasses import dataclass, field
from datetime import UTC, timedelta
from pathlib import Path
from typing import Any

import pytest
from aiohttp import ClientSession, ClientTimeout
from conftest import TELEGRAM_LIBRARIES, berlin
from fakebot import FakeTelegram, FakeUser
from fuzz_updates import GROUPS, PEOPLE, expand, first_names, language_codes, texts, update_specs
from hypothesis import HealthCheck, Phase, example, given, settings
from hypothesis import strategies as st
from telegram_env import running_bot, settings_for

from bot import booking
from bot.bootstrap import build_app, wire
from bot.clock import ManualClock
from bot.content import Content
from bot.models import Incoming
from bot.receiving import is_update_id
from handlers.telegram.words import CHANNEL
from handlers.telegram_adapters import make_channel
from storage.sqlite import SqliteStore

pytestmark = pytest.mark.filterwarnings("ignore:Detected unknown update type:RuntimeWarning")  # aiogram, as meant
START = berlin(2026, 11, 24, 10, 30)  # a Tuesday morning: offices open, bookable times ahead
STAFF_ID = -1007770001
STAFF_USER = 4242
COLLECT = bool(os.environ.get("FUZZ_COLLECT"))
FINDINGS: list[str] = []
NO_SHRINK = [Phase.explicit, Phase.generate]
GAP = timedelta(seconds=3)  # between two updates: nobody is flood-throttled, the answers are what we test
# Split between the two adapters (50 each, about 1,300 updates each, lexical matching); the core fuzz, with the
# semantic model, 100 examples (about 40 s): the three take under a minute on two cores (four with the semantic
# model in the channel fuzz). FUZZ_EXAMPLES=1000 for a longer run of both (README).
EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", "100")) // len(TELEGRAM_LIBRARIES)
CORE_EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", "100"))
FAILURE_LOGGERS = ("handlers.telegram.app", "handlers.telegram_ptb.app")
HUGE_ID = "99999999999999999999"
# Always tried first: forged numbers that SQLite cannot store or int() cannot read, and the bot added to a
# group (two updates at once).
KNOWN_HOSTILE = [
    ("forge", 0, f"ap:x:{HUGE_ID}", "last"),
    ("forge", 1, "ap:X:²", "last"),
    ("forge", 2, "bk:o:m²:-", "last"),
    ("forge", 3, f"rate:{HUGE_ID}:up", "last"),
    ("forge", 0, "ev:d:²", "last"),
    ("forge", 1, "del:yes:²", "last"),
    ("staff_command", f"/visit {HUGE_ID} 26.11.2026 14:00"),
    ("staff_command", f"/event_cancel {HUGE_ID}"),
    ("staff_press", "sa:²:a:26.11.2026"),
    ("staff_press", f"anstop:{HUGE_ID}"),
    ("joined", 0),
]
ANSWERS = {"sendMessage", "editMessageText", "sendDocument", "copyMessage"}
PRESENT = {"member", "administrator", "creator", "restricted"}


@dataclass
class Expect:
    person: int | None = None  # a person who must get an answer or a deliberate silence
    callback: str | None = None  # their press, whose spinner must be stopped
    message_id: int | None = None  # their message (relayed to staff when they write to a person)
    leave: int | None = None  # an unknown group the bot must leave
    malformed: bool = False


@dataclass
class World:
    fake: FakeTelegram
    channel: Any  # either adapter's channel (handlers/telegram_adapters.py)
    clock: ManualClock
    db: Path
    content: Content
    failures: list[str] = field(default_factory=list)
    example: int = 0
    users: list[FakeUser] = field(default_factory=list)
    staff: FakeUser = None  # type: ignore[assignment]
    sent: dict[int, dict[str, Any]] = field(default_factory=dict)  # person -> their last message
    topic_messages: list[int] = field(default_factory=list)
    updates: int = 0
    outcomes: dict[str, int] = field(default_factory=dict)  # how the people's updates were answered

    def count(self, outcome: str) -> None:
        self.outcomes[outcome] = self.outcomes.get(outcome, 0) + 1

    @property
    def store(self) -> SqliteStore:
        return self.channel.app.store  # type: ignore[return-value]


class _FailureLog(logging.Handler):
    def __init__(self, sink: list[str]):
        super().__init__(logging.ERROR)
        self.sink = sink

    def emit(self, record: logging.LogRecord) -> None:
        if "failed" in record.getMessage():
            self.sink.append(record.getMessage())


async def open_world(tmp: Path, library: str) -> World:
    fake = FakeTelegram()
    fake.library = library
    await fake.start()
    fake.staff_group(STAFF_ID, "Team")
    clock = ManualClock(START)
    db = tmp / "fuzz.sqlite3"
    settings = settings_for(fake, db, STAFF_CHAT_ID=str(STAFF_ID))
    app = await build_app(settings, clock)
    channel = make_channel(settings, app, clock, request_timeout=10)
    await channel.start()
    world = World(fake, channel, clock, db, app.content)
    world.staff = fake.user(STAFF_USER, "Staff", "de")

    async def record(handler, event, data):  # the traceback, for the report; the channel's handler runs after
        world.failures.append("".join(traceback.format_exception(event.exception)))
        return await handler(event, data)

    if library == "aiogram":  # PTB's failures are caught by the log handler (the update's id and the error)
        channel.dispatcher.errors.outer_middleware(record)
    return world


async def close_world(world: World) -> None:
    await world.channel.close()
    await world.channel.app.close()
    await world.fake.stop()


# -- turning specs into updates ----------------------------------------------------------------------------


def _me(fake: FakeTelegram) -> dict[str, Any]:
    return {"id": fake.bot_id, "is_bot": True, "first_name": "lokal willkommen", "username": "x_bot"}


MEDIA_BODIES: dict[str, dict[str, Any]] = {
    "sticker": {
        "sticker": {
            "file_id": "s1",
            "file_unique_id": "s1",
            "type": "regular",
            "width": 512,
            "height": 512,
            "is_animated": False,
            "is_video": False,
        }
    },
    "photo": {"photo": [{"file_id": "p1", "file_unique_id": "p1", "width": 90, "height": 90}]},
    "location": {"location": {"latitude": 51.51, "longitude": 7.46}},
    "contact": {"contact": {"phone_number": "+49 231 000000", "first_name": "Someone"}},
    "poll": {
        "poll": {
            "id": "poll1",
            "question": "?",
            "options": [
                {"persistent_id": "0", "text": "a", "voter_count": 0},
                {"persistent_id": "1", "text": "b", "voter_count": 0},
            ],
            "allows_revoting": False,
            "members_only": False,
            "total_voter_count": 0,
            "is_closed": False,
            "is_anonymous": True,
            "type": "regular",
            "allows_multiple_answers": False,
        }
    },
    "dice": {"dice": {"emoji": "🎲", "value": 6}},
    "document": {"document": {"file_id": "d1", "file_unique_id": "d1", "file_name": "a.pdf", "file_size": 1000}},
    "big_document": {"document": {"file_id": "d2", "file_unique_id": "d2", "file_size": 60 * 1024 * 1024}},
    "voice": {"voice": {"file_id": "v1", "file_unique_id": "v1", "duration": 3}},
    "video_note": {"video_note": {"file_id": "n1", "file_unique_id": "n1", "length": 240, "duration": 2}},
    "venue": {"venue": {"location": {"latitude": 51.5, "longitude": 7.4}, "title": "Hbf", "address": "Königswall 15"}},
    "nothing": {},
    "empty_text": {"text": ""},
}


def _group_id(world: World, index: int) -> int:
    return -1002000000000 - world.example * 10 - index


def _last_bot_message(world: World, chat_id: int, with_buttons: bool = False) -> dict[str, Any] | None:
    for message in reversed(world.fake.messages_to(chat_id)):
        if not with_buttons or (message.get("reply_markup") or {}).get("inline_keyboard"):
            return message
    return None


def _press(world: World, user: FakeUser, message: dict[str, Any] | None, data: str | None, ref: str) -> dict:
    chat = {"id": user.id, "type": "private", "first_name": user.first_name}
    if message is None or ref == "ghost":
        message = {"message_id": 900000 + world.updates, "date": int(time.time()), "chat": chat, "text": "old"}
        message["from"] = _me(world.fake)
    if ref == "inaccessible":
        message = {"message_id": 900000, "date": 0, "chat": chat}
    update = world.fake.take_update(world.fake.callback(user, message, data or ""))
    query = update["callback_query"]
    if data is None:
        del query["data"]
    if ref == "inline":
        del query["message"]
        query["inline_message_id"] = "AAAAinline"
    return update


def _with_command_entity(update: dict[str, Any]) -> dict[str, Any]:
    text = update["message"].get("text") or ""
    if text.startswith("/"):
        length = len(text.split()[0].encode("utf-16-le")) // 2
        update["message"]["entities"] = [{"type": "bot_command", "offset": 0, "length": length}]
    return update


async def build(world: World, spec: tuple) -> list[tuple[dict[str, Any], Expect]]:
    """The update(s) a spec stands for, with what must happen."""
    fake, kind = world.fake, spec[0]
    take = fake.take_update
    if kind in ("say", "command", "send", "edit", "press", "forge", "block", "private_member"):
        user = world.users[spec[1]]
    if kind == "say":
        update = take(user.says(spec[2]))
        world.sent[user.id] = update["message"]
        return [(update, Expect(user.id, message_id=update["message"]["message_id"]))]
    if kind == "command":
        _, _, name, suffix, args = spec
        update = take(user.says(f"/{name}{suffix}" + (f" {args}" if args else "")))
        world.sent[user.id] = update["message"]
        return [(update, Expect(user.id, message_id=update["message"]["message_id"]))]
    if kind == "send":
        body = dict(MEDIA_BODIES[spec[2]])
        if spec[3] is not None and spec[2] not in ("nothing", "empty_text", "sticker", "dice"):
            body["caption"] = spec[3][:1024]
        update = take(user.sends(body))
        world.sent[user.id] = update["message"]
        return [(update, Expect(user.id, message_id=update["message"]["message_id"]))]
    if kind == "edit":
        original = world.sent.get(user.id)
        if original is None:
            return []
        edited = {k: v for k, v in original.items() if k not in ("text", "entities")}
        edited["edit_date"] = int(time.time())
        if spec[2] is None:
            edited.update(MEDIA_BODIES["photo"], caption="edited")
            return [(take(fake.push_update({"edited_message": edited})), Expect())]  # not text: no handler
        edited["text"] = spec[2]
        update = take(fake.push_update({"edited_message": edited}))
        return [(update, Expect(user.id, message_id=edited["message_id"]))]
    if kind == "press":
        message = _last_bot_message(world, user.id, with_buttons=True)
        buttons = [
            b["callback_data"]
            for row in ((message or {}).get("reply_markup") or {}).get("inline_keyboard", [])
            for b in row
            if "callback_data" in b
        ]
        data = buttons[spec[2] % len(buttons)] if buttons else "menu"
        update = _press(world, user, message, data, "last")
        return [(update, Expect(user.id, callback=update["callback_query"]["id"]))]
    if kind == "forge":
        _, _, data, ref = spec
        update = _press(world, user, _last_bot_message(world, user.id), data, ref)
        if ref == "inline":
            return [(update, Expect())]  # the bot sends no inline messages: nothing to answer
        return [(update, Expect(user.id, callback=update["callback_query"]["id"]))]
    if kind == "block":
        (fake.blocked_by.add if spec[2] else fake.blocked_by.discard)(user.id)
        return []
    if kind == "private_member":
        chat = {"id": user.id, "type": "private", "first_name": user.first_name}
        old = "member" if spec[2] == "kicked" else "kicked"
        member = {
            "chat": chat,
            "from": user.as_user(),
            "date": int(time.time()),
            "old_chat_member": {"status": old, "user": _me(fake)} | ({"until_date": 0} if old == "kicked" else {}),
            "new_chat_member": {"status": spec[2], "user": _me(fake)}
            | ({"until_date": 0} if spec[2] == "kicked" else {}),
        }
        return [(take(fake.push_update({"my_chat_member": member})), Expect())]
    # Telegram sends nothing more from a group or channel the bot has left (see "joined" for the race).
    if kind == "group":
        gid = _group_id(world, spec[1])
        if gid in fake.left_chats:
            return []
        chat = fake.group(gid, "Some group", spec[2])
        update = take(fake.group_message(chat, world.users[0], spec[3]))
        return [(_with_command_entity(update), Expect(leave=gid))]
    if kind == "channel_post":
        gid = _group_id(world, GROUPS + spec[1])
        if gid in fake.left_chats:
            return []
        chat = fake.group(gid, "Some channel", "channel")
        post = {"message_id": 1, "date": int(time.time()), "chat": chat, "sender_chat": chat, "text": spec[2]}
        return [(take(fake.push_update({"channel_post": post})), Expect(leave=gid))]
    if kind == "joined":
        # Someone adds the bot to their group: Telegram sends the membership change and the service message
        # together, and polling hands both to the dispatcher at once.
        gid = _group_id(world, 2 * GROUPS + spec[1])
        if gid in fake.left_chats:
            return []
        chat = fake.group(gid, "Some group", "supergroup")
        member = take(fake.bot_added_to(chat, world.users[0]))
        service = take(fake.group_message(chat, world.users[0], "x"))
        del service["message"]["text"]
        service["message"]["new_chat_members"] = [_me(fake)]
        return [(member, Expect(leave=gid)), (service, Expect())]
    if kind == "group_member":
        gid = STAFF_ID if spec[1] == "staff" else _group_id(world, 0)
        if gid in fake.left_chats:
            return []
        chat = fake.staff_group(STAFF_ID, "Team") if spec[1] == "staff" else fake.group(gid, "Some group")
        status = spec[2]
        new: dict[str, Any] = {"status": status, "user": _me(fake)}
        if status == "kicked":
            new["until_date"] = 0
        if status == "restricted":
            new |= {
                "is_member": True,
                "until_date": 0,
                **dict.fromkeys(
                    [
                        "can_send_messages",
                        "can_send_audios",
                        "can_send_documents",
                        "can_send_photos",
                        "can_send_videos",
                        "can_send_video_notes",
                        "can_send_voice_notes",
                        "can_send_polls",
                        "can_send_other_messages",
                        "can_add_web_page_previews",
                        "can_change_info",
                        "can_invite_users",
                        "can_pin_messages",
                        "can_manage_topics",
                        "can_react_to_messages",
                        "can_edit_tag",
                    ],
                    False,
                ),
            }
        if status == "administrator":
            new |= fake.bot_rights.get(STAFF_ID, {}) | {"status": "administrator", "user": _me(fake)}
        member = {
            "chat": chat,
            "from": world.users[0].as_user(),
            "date": int(time.time()),
            "old_chat_member": {"status": "left", "user": _me(fake)},
            "new_chat_member": new,
        }
        must_leave = spec[1] == "unknown" and status in PRESENT
        return [(take(fake.push_update({"my_chat_member": member})), Expect(leave=gid if must_leave else None))]
    staff_chat = fake.staff_group(STAFF_ID, "Team") if kind.startswith(("staff", "topic")) else None
    if kind in ("staff_command", "staff_text"):
        update = _with_command_entity(take(fake.group_message(staff_chat, world.staff, spec[1])))
        return [(update, Expect())]
    if kind == "topic":
        person = await world.store.get_person(CHANNEL, str(world.users[spec[1]].id))
        topic = await world.store.topic_of(person.id) if person else None
        thread = topic[1] if topic else spec[2]
        content: Any = MEDIA_BODIES["photo"] if spec[3] == "<photo>" else spec[3]
        update = take(fake.topic_message(staff_chat, thread, world.staff, content))  # type: ignore[arg-type]
        world.topic_messages.append(update["message"]["message_id"])
        return [(update, Expect())]
    if kind == "topic_edit":
        if not world.topic_messages:
            return []
        message_id = world.topic_messages[spec[1] % len(world.topic_messages)]
        return [(take(fake.edit_topic_message(staff_chat, message_id, spec[2])), Expect())]  # type: ignore[arg-type]
    if kind == "staff_press":
        message = _last_bot_message(world, STAFF_ID) or {
            "message_id": 1,
            "date": int(time.time()),
            "chat": staff_chat,
            "from": _me(fake),
            "text": "x",
        }
        update = take(fake.callback(world.staff, message, spec[1] or ""))
        if spec[1] is None:
            del update["callback_query"]["data"]
        return [(update, Expect())]
    user = world.users[0]
    if kind == "other_type":
        bodies = {
            "inline_query": {"id": "iq1", "from": user.as_user(), "query": "hallo", "offset": ""},
            "poll_answer": {
                "poll_id": "poll1",
                "option_ids": [0],
                "option_persistent_ids": ["0"],
                "user": user.as_user(),
            },
            "chat_join_request": {
                "chat": fake.group(_group_id(world, 1), "Some group"),
                "from": user.as_user(),
                "user_chat_id": user.id,
                "date": int(time.time()),
            },
        }
        return [(take(fake.push_update({spec[1]: bodies[spec[1]]})), Expect())]
    if kind == "unknown_type":
        return [(take(fake.push_update({spec[1]: spec[2]})), Expect())]
    if kind == "malformed":
        update = take(user.says("hallo"))
        message = update["message"]
        press = _press(world, user, None, "menu", "ghost")
        breakages = [
            lambda: message.pop("chat"),
            lambda: message.update(date="yesterday"),
            lambda: message.update(chat={"id": "abc", "type": "private"}),
            lambda: update.update(callback_query=press["callback_query"] | {"from": None}, message=None),
            lambda: update.update(update_id="x"),
            lambda: update.update(message=[1, 2, 3]),
            lambda: message.update(text=5),
            lambda: message.update({"from": {"id": user.id}}),
            lambda: message.update(message_id=None),
            lambda: update.update(callback_query=press["callback_query"] | {"message": "gone"}, message=None),
        ]
        breakages[spec[1]]()
        return [({k: v for k, v in update.items() if v is not None}, Expect(malformed=True))]
    raise AssertionError(f"unknown spec {kind}")


# -- feeding and checking ----------------------------------------------------------------------------------


def _short(update: dict[str, Any]) -> str:
    text = json.dumps(update, ensure_ascii=True, default=str)
    return text if len(text) < 1500 else text[:1500] + "..."


async def feed(world: World, update: dict[str, Any], expect: Expect) -> None:
    """As a webhook hands an update to the channel (polling and the webhook refuse a body without an integer
    update_id before the channel sees it)."""
    world.updates += 1
    update_id = update.get("update_id")
    if not is_update_id(update_id):
        assert expect.malformed
        return
    await world.channel.feed(update_id, json.dumps(update, ensure_ascii=False), claimed=False)
    if expect.malformed:
        # Unreadable for the library: skipped, recorded without its contents (issue 19). Readable after all:
        # the other checks apply.
        rows = await world.store._rows("SELECT payload FROM inbox WHERE update_id = ?", (update_id,))
        assert all(not r["payload"] or "hallo" not in r["payload"] for r in rows), "an unreadable update was kept"


async def check(world: World, update: dict[str, Any], expect: Expect, calls: list, before: Any, blocked: bool) -> None:
    if COLLECT:  # FUZZ_COLLECT=1: note every finding and go on, to see them all in one run
        try:
            await _check(world, update, expect, calls, before, blocked)
        except AssertionError as exc:
            FINDINGS.append(str(exc))
        world.failures.clear()
        return
    await _check(world, update, expect, calls, before, blocked)


async def _check(world: World, update: dict[str, Any], expect: Expect, calls: list, before: Any, blocked: bool) -> None:
    # (explicit raises, not asserts on `world`: pytest's repr of the whole world takes seconds)
    if world.failures:
        raise AssertionError(f"an update reached the errors handler\n{_short(update)}\n{world.failures[0]}")
    if expect.leave is not None:
        assert any(c.method == "leaveChat" and str(c.params.get("chat_id")) == str(expect.leave) for c in calls), (
            f"the bot stayed in an unknown group\n{_short(update)}"
        )
    if expect.person is None:
        return
    chat = str(expect.person)
    if expect.callback is not None:
        assert any(
            c.method == "answerCallbackQuery"
            and c.params.get("callback_query_id") == expect.callback
            and c.status == 200
            for c in calls
        ), f"a press was not answered (the spinner keeps turning)\n{_short(update)}"
    # An edit refused with 400 and nothing sent after it is "message is not modified": the same screen pressed
    # again, already on the person's screen (any other refused edit is followed by a new message).
    answered = any(
        c.method in ANSWERS
        and str(c.params.get("chat_id")) == chat
        and (c.status == 200 or blocked or (c.method == "editMessageText" and c.status == 400))
        for c in calls
    )
    if answered:
        return world.count("answered (to a blocked bot: tried)" if blocked else "answered")
    if before is not None and before.banned and before.ban_told:
        return world.count("silence: banned, told before")
    if before is not None and before.staff_mode and expect.message_id is not None:
        relayed = await world.store.relay_by_source(expect.person, expect.message_id)
        if relayed is not None:
            return world.count("silence: relayed to staff")
    after = await world.store.get_person(CHANNEL, chat)
    raise AssertionError(
        f"a person got no answer\n{_short(update)}\nbefore: {before}\nafter: {after}\n"
        f"calls: {[(c.method, c.status, c.params.get('chat_id')) for c in calls]}"
    )


async def run_items(world: World, items: list[tuple[dict[str, Any], Expect]], together: bool = False) -> None:
    """Feed updates one by one (or all at once), checking each; then let the relay do its work."""
    prepared = []
    for update, expect in items:
        world.clock.advance(GAP)
        before = await world.store.get_person(CHANNEL, str(expect.person)) if expect.person else None
        prepared.append((update, expect, before, expect.person in world.fake.blocked_by))
    if together:
        start = len(world.fake.calls)
        await asyncio.gather(*(feed(world, u, e) for u, e, _, _ in prepared))
        calls = world.fake.calls[start:]
        for update, expect, before, blocked in prepared:
            await check(world, update, expect, calls, before, blocked)
    else:
        for update, expect, before, blocked in prepared:
            start = len(world.fake.calls)
            await feed(world, update, expect)
            await check(world, update, expect, world.fake.calls[start:], before, blocked)
            if world.channel.app.tickets.wake.is_set():  # what the relay loop would do now
                world.channel.app.tickets.wake.clear()
                await world.channel.background.relay.run_once()


async def settle_and_check_store(world: World) -> None:
    channel = world.channel
    for _ in range(20):
        if not await channel.background.relay.run_once():
            break
    await channel.background.scheduler.run_once(channel.background.delivery)
    if channel.in_flight.count or world.failures:
        raise AssertionError(f"after the batch: {channel.in_flight.count} in flight, failures {world.failures}")
    consistent(world.db, world.content, world.clock.now())


def consistent(db: Path, content: Content, now) -> None:
    with sqlite3.connect(db) as conn:
        assert conn.execute("PRAGMA integrity_check").fetchall() == [("ok",)]
        assert conn.execute("PRAGMA foreign_key_check").fetchall() == []
        capacity = {o.id: o.appointments.capacity for o in content.offices.values()}
        for office_id, slot, taken in conn.execute(
            "SELECT office_id, slot, COUNT(*) FROM appointments WHERE kind = 'drop_in'"
            " AND status IN ('booked', 'attended', 'missed') GROUP BY office_id, slot"
        ):
            assert taken <= capacity[office_id], f"{office_id} {slot}: {taken} booked, capacity {capacity[office_id]}"
        over = conn.execute(
            "SELECT person_id, COUNT(*) FROM appointments WHERE kind = 'drop_in' AND status = 'booked'"
            " AND slot > ? GROUP BY person_id HAVING COUNT(*) > 2",
            (now.astimezone(UTC).isoformat(),),
        ).fetchall()
        assert over == [], f"people with more than two future appointments: {over}"
        assert (
            conn.execute(
                "SELECT person_id FROM tickets WHERE state = 'open' GROUP BY person_id HAVING COUNT(*) > 1"
            ).fetchall()
            == []
        )
        for table in ("outbox", "relay", "deliveries"):
            stuck = conn.execute(f"SELECT COUNT(*) FROM {table} WHERE state = 'sending'").fetchone()[0]
            assert stuck == 0, f"{stuck} {table} rows stuck in 'sending'"
        unfinished = conn.execute(
            "SELECT update_id, state FROM inbox WHERE state NOT IN ('done', 'failed') OR payload IS NOT NULL"
        ).fetchall()
        assert unfinished == [], f"inbox rows not finished: {unfinished}"


def in_reach_slots(content: Content) -> list[tuple[str, str]]:
    result = []
    for office in content.offices.values():
        for day in booking.days_in_reach(content, office, START)[1:6]:
            result += [(office.id, s.key) for s in booking.slots_on(content, office, day)]
    return result


# -- the tests ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize("library", TELEGRAM_LIBRARIES)
def test_hostile_updates_through_the_real_channel(tmp_path: Path, content: Content, library: str, monkeypatch):
    # The channel is under test here; the lexical matcher keeps each example short (the semantic model takes
    # 0.4 s for one of the long random texts). test_the_core_answers_any_incoming fuzzes the full matcher.
    monkeypatch.setenv("WILLKOMMEN_EMBEDDER", "none")
    people = st.lists(st.tuples(first_names, language_codes), min_size=PEOPLE, max_size=PEOPLE)
    batch = st.lists(update_specs(content, START), min_size=6, max_size=30)
    bursts = st.tuples(st.sampled_from(in_reach_slots(content)), st.integers(2, PEOPLE))
    started = time.monotonic()

    with asyncio.Runner() as runner:
        world = runner.run(open_world(tmp_path, library))
        for logger in FAILURE_LOGGERS:
            logging.getLogger(logger).addHandler(_FailureLog(world.failures))

        @settings(
            max_examples=EXAMPLES,
            deadline=None,
            derandomize=True,
            database=None,
            # No shrinking: the channel and its database live across examples, so a replay is not the same
            # run; the failure message names the update and carries the traceback instead.
            phases=NO_SHRINK,
            suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large, HealthCheck.large_base_example],
        )
        @given(people=people, specs=batch, burst=st.one_of(st.none(), bursts))
        @example(people=[("Amina", "de")] * PEOPLE, specs=KNOWN_HOSTILE, burst=None)
        def one_batch(people, specs, burst):
            world.example += 1
            world.clock.set(START)
            world.failures.clear()
            world.sent.clear()
            world.topic_messages.clear()
            base = 10_000_000 + world.example * 100
            world.users = [world.fake.user(base + i, name, lang) for i, (name, lang) in enumerate(people)]

            async def play():
                # Everyone but the last person agrees to the privacy notice first (issue 7), so the fuzzing reaches
                # past it; the last person stays at the notice, which must answer whatever they do.
                agreed = [("forge", i, "consent:yes", "ghost") for i in range(PEOPLE - 1)]
                for step in (s for drawn in agreed + specs for s in expand(drawn)):
                    await run_items(world, await build(world, step), together=step[0] == "joined")
                if burst is not None:
                    (office, slot), count = burst
                    presses = []
                    for user in world.users[:count]:
                        update = _press(world, user, None, f"bk:c:n:{office}:{slot}:-:-", "ghost")
                        presses.append((update, Expect(user.id, callback=update["callback_query"]["id"])))
                    await run_items(world, presses, together=True)
                await settle_and_check_store(world)

            runner.run(play())

        try:
            one_batch()
        finally:
            for logger in FAILURE_LOGGERS:
                logging.getLogger(logger).handlers.clear()
            runner.run(close_world(world))
    for finding in FINDINGS:
        print("\n=== FINDING\n" + finding)
    print(f"\nfuzz: {world.updates} updates in {world.example} examples, {time.monotonic() - started:.1f} s")
    print(f"fuzz: people's updates: {world.outcomes}")
    if COLLECT and FINDINGS:
        raise AssertionError(f"{len(FINDINGS)} findings, printed above")
    updates = world.updates
    assert updates >= 1000 // len(TELEGRAM_LIBRARIES)  # per adapter


@pytest.mark.parametrize("library", TELEGRAM_LIBRARIES)
def test_the_webhook_survives_what_aiogram_cannot_parse(tmp_path: Path, unused_port: int, library: str):
    """Bodies that are not updates at all: aiohttp answers 500 (Telegram retries, then drops them) and the bot
    keeps answering the next real update."""
    secret = "fuzz-secret_token"
    garbage = st.one_of(
        st.binary(max_size=200),
        st.recursive(
            st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=20),
            lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4),
            max_leaves=10,
        ).map(lambda v: json.dumps(v).encode()),
        st.fixed_dictionaries(
            {"update_id": st.one_of(st.integers(), st.text(max_size=5), st.none())},
            optional={
                "message": st.one_of(st.none(), st.integers(), st.dictionaries(st.text(max_size=6), st.integers())),
                "callback_query": st.dictionaries(st.sampled_from(["id", "from", "data", "message"]), st.text()),
            },
        ).map(lambda v: json.dumps(v).encode()),
    )

    async def scenario() -> None:
        fake = FakeTelegram()
        fake.library = library
        await fake.start()
        env = {
            "TELEGRAM_WEBHOOK_URL": "https://bot.example.org/tg/hook",
            "TELEGRAM_WEBHOOK_SECRET": secret,
            "WILLKOMMEN_HOST": "127.0.0.1",
            "WILLKOMMEN_PORT": str(unused_port),
        }
        url = f"http://127.0.0.1:{unused_port}/tg/hook"
        statuses: list[int] = []
        try:
            async with running_bot(fake, tmp_path / "hook.sqlite3", ManualClock(START), webhook=True, **env):
                async with ClientSession(timeout=ClientTimeout(total=30)) as session:
                    user = fake.user(77001, "Hook", "en")

                    @settings(max_examples=75, deadline=None, derandomize=True, database=None)
                    @given(body=garbage)
                    def post(body: bytes) -> None:
                        statuses.append(asyncio.run_coroutine_threadsafe(send(body), loop).result(30))

                    async def send(body: bytes) -> int:
                        headers = {"X-Telegram-Bot-Api-Secret-Token": secret, "Content-Type": "application/json"}
                        async with session.post(url, data=body, headers=headers) as response:
                            return response.status

                    loop = asyncio.get_running_loop()
                    await asyncio.to_thread(post)
                    update = fake.take_update(user.says("where is the office"))
                    assert await fake.post_to_webhook(url, update, secret) == 200
                    await fake.wait_for_messages(user.chat_id, 1)
        finally:
            await fake.stop()
        # 400: a body that is not an update (issue 19: one log line, no traceback); 200: skipped or handled.
        assert set(statuses) <= {200, 400}, set(statuses)
        assert 400 in statuses

    asyncio.run(scenario())


@pytest.fixture
def unused_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def test_the_core_answers_any_incoming(tmp_path: Path, content, matcher, translators):
    """Engine.handle / Engine.route alone: every reply has text, every button fits Telegram's 64 bytes."""
    from fuzz_updates import callback_data, command_args, command_names

    incoming = st.one_of(
        st.builds(
            Incoming,
            channel=st.sampled_from([CHANNEL, "console"]),
            user_id=st.sampled_from(["1", "2", "3", "x", "\u202e", ""]),
            kind=st.just("text"),
            text=texts,
            lang_hint=language_codes,
        ),
        st.builds(
            Incoming,
            channel=st.just(CHANNEL),
            user_id=st.sampled_from(["1", "2", "3"]),
            kind=st.just("command"),
            text=command_args,
            action=command_names,
            lang_hint=language_codes,
        ),
        st.builds(
            Incoming,
            channel=st.just(CHANNEL),
            user_id=st.sampled_from(["1", "2", "3"]),
            kind=st.just("action"),
            action=callback_data(content, START).map(lambda d: d or ""),
            lang_hint=language_codes,
            meta=st.fixed_dictionaries({"first_name": first_names}),
        ),
        st.builds(
            Incoming,
            channel=st.just(CHANNEL),
            user_id=st.sampled_from(["1", "2", "3"]),
            kind=st.just("unsupported"),
            text=st.sampled_from(["sticker", "photo", ""]),
        ),
    )

    with asyncio.Runner() as runner:
        store = runner.run(SqliteStore.open(tmp_path / "core.sqlite3"))
        clock = ManualClock(START)
        engine = wire(store, content, translators, clock, matcher).engine
        for user in ("1", "2"):  # two agree to the privacy notice (issue 7); "3" and the others stay at it
            runner.run(engine.handle(Incoming(CHANNEL, user, "action", action="consent:yes")))

        # The store lives across examples, so no shrinking here either: the failing example is printed.
        @settings(max_examples=CORE_EXAMPLES, deadline=None, derandomize=True, database=None, phases=NO_SHRINK)
        @given(events=st.lists(incoming, min_size=1, max_size=10))
        def one_run(events):
            async def play():
                for event in events:
                    clock.advance(GAP)
                    for reply in await engine.handle(event):
                        assert reply.text.strip(), event
                        for row in reply.buttons:
                            for button in row:
                                assert button.label.strip(), event
                                assert 1 <= len(button.action.encode()) <= 64, (event, button)
                consistent(tmp_path / "core.sqlite3", content, clock.now())

            runner.run(play())

        try:
            one_run()
        finally:
            runner.run(store.close())
