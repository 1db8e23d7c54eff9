"""The fake Bot API server. Speaks the Bot API's HTTP protocol on 127.0.0.1 only.

Drive it like Telegram's users would (`user(...).says("...")`, `.presses(message, data)`), inspect what the
bot did (`calls`, `messages_to(chat_id)`), and break it on purpose (`fail(...)`, `fail_randomly(...)`).
"""

import asyncio
import json
import random
import re
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from aiohttp import ClientSession, ClientTimeout, web

from fakebot.html_check import EntityError, plain_text

TOKEN = "123456789:TEST-token-for-the-fake-bot-api-srv"
BOT_USERNAME = "lokal_willkommen_test_bot"
MESSAGE_LIMIT = 4096
# Parameters whose value is a JSON object or array. In a form-encoded or multipart body (what aiogram and
# python-telegram-bot send) they arrive JSON-encoded as text, like every non-string value (numbers as "123",
# booleans as "true"); the Bot API decodes them by their type.
_JSON_FIELDS = {
    "reply_markup",
    "link_preview_options",
    "commands",
    "scope",
    "allowed_updates",
    "reply_parameters",
    "entities",
    "caption_entities",
    "media",
    "permissions",
    "rights",
    "menu_button",
    "reaction",
    "options",
    "suggested_post_parameters",
}
# The "General" topic of every forum has this id; the Bot API refuses it as a message_thread_id
# (tdlib/telegram-bot-api, Client.cpp: GENERAL_FORUM_TOPIC_ID = 1, check_message_topic).
GENERAL_TOPIC_ID = 1
TOPIC_NAME_LIMIT = 128


def _utf16_len(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2


class ApiError(Exception):
    def __init__(self, status: int, description: str, parameters: dict[str, Any] | None = None):
        super().__init__(description)
        self.status = status
        self.description = description
        self.parameters = parameters


@dataclass
class Call:
    method: str
    params: dict[str, Any]
    status: int
    at: float
    prefix: str = ""
    content_type: str = ""  # how the client sent it: multipart/form-data, application/x-www-form-urlencoded ...


@dataclass
class _Failure:
    method: str | None  # None: any method except getUpdates
    status: int  # 500, 502, 429, 403 ...; 0 = hang without answering in time
    times: int
    retry_after: int = 1
    hang_seconds: float = 0.0
    description: str | None = None  # the answer's text instead of the usual one for the status


@dataclass
class FakeUser:
    server: "FakeTelegram"
    id: int
    first_name: str
    language_code: str | None

    def as_user(self) -> dict[str, Any]:
        data: dict[str, Any] = {"id": self.id, "is_bot": False, "first_name": self.first_name}
        if self.language_code:
            data["language_code"] = self.language_code
        return data

    def says(self, text: str) -> dict[str, Any]:
        entities = []
        if text.startswith("/"):
            entities = [{"type": "bot_command", "offset": 0, "length": _utf16_len(text.split()[0])}]
        return self.server.user_message(self, {"text": text, **({"entities": entities} if entities else {})})

    def sends(self, content: dict[str, Any]) -> dict[str, Any]:
        """Any message content: {"sticker": {...}}, {"location": {...}}, {"photo": [...]} ..."""
        return self.server.user_message(self, content)

    def presses(self, message: dict[str, Any], data: str) -> dict[str, Any]:
        return self.server.callback(self, message, data)

    @property
    def chat_id(self) -> int:
        return self.id


@dataclass
class FakeTelegram:
    token: str = TOKEN
    calls: list[Call] = field(default_factory=list)
    running_channel: Any = None  # the bot under test, set by tests/telegram_env.running_bot
    base_url: str = ""
    webhook: dict[str, Any] | None = None
    commands: dict[tuple[str, str], list[dict[str, Any]]] = field(default_factory=dict)
    left_chats: set[int] = field(default_factory=set)
    blocked_by: set[int] = field(default_factory=set)

    def __post_init__(self) -> None:
        self.bot_id = int(self.token.split(":")[0])
        self._updates: list[dict[str, Any]] = []
        self._next_update_id = 100_000
        self._confirmed_offset = 0
        self._new_update = asyncio.Event()
        self._chats: dict[int, dict[str, Any]] = {}
        self._messages: dict[tuple[int, int], dict[str, Any]] = {}
        self._next_message_id: dict[int, int] = {}
        self._callbacks: dict[str, bool] = {}  # id -> answered
        self._failures: list[_Failure] = []
        self._random_failure: tuple[float, random.Random, set[str] | None] | None = None
        self._runner: web.AppRunner | None = None
        self._delays: list[list[Any]] = []
        self.in_progress: dict[str, int] = {}
        self._closing = False
        # (chat, thread) -> {"name", "closed", "icon_color", "creator" (user id; the bot's own id for its topics)}
        self.topics: dict[tuple[int, int], dict[str, Any]] = {}
        self.deleted_topics: set[tuple[int, int]] = set()  # (chat, thread) of topics deleted by anyone
        # What sending into a deleted topic answers. The Bot API checks the topic first and answers "message
        # thread not found"; "TOPIC_DELETED" comes straight from Telegram's servers when that check still saw
        # the topic (a cache of the Bot API server). Set to "TOPIC_DELETED" to test a bot against both.
        self.deleted_topic_answer = "message thread not found"
        # Set to refuse setWebhook as the Bot API does when it cannot use the URL, e.g. "bad webhook: Failed to
        # resolve host: Name or service not known" (a host without DNS; telegram-bot-api's WebhookActor).
        self.webhook_refusal: str | None = None
        self.bot_rights: dict[int, dict[str, Any]] = {}  # chat -> the bot's member record there
        # (chat, user) -> status. Someone who writes or presses in a group is a member unless a test says not.
        self.members: dict[tuple[int, int], str] = {}
        self._users: dict[int, dict[str, Any]] = {}
        self.files: dict[str, tuple[str, bytes]] = {}
        self.arrived: list[str] = []  # method names as requests arrive (calls are recorded when answered)
        # Called with the new offset when a getUpdates confirms updates, before it answers: a test kills
        # the bot process right there (after the batch arrived, before anything else happens).
        self.on_confirm: Callable[[int], None] | None = None

    # -- running ----------------------------------------------------------------------------------------------

    def routes(self, app: web.Application) -> None:
        # Any path prefix is accepted, so a bot pointed at ".../selfhosted" is seen calling there.
        app.router.add_get(r"/file/bot{token}/{path:.+}", self._download)
        app.router.add_route("*", r"/{prefix:(?:[^/]+/)*}bot{token}/{method}", self._handle)

    async def start(self) -> str:
        app = web.Application()
        self.routes(app)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
        self.base_url = f"http://127.0.0.1:{port}"
        return self.base_url

    async def stop(self) -> None:
        self._closing = True
        self._new_update.set()  # wake long-polling requests, so stopping does not wait for their timeout
        if self._runner is not None:
            await self._runner.cleanup()

    # -- the world: chats, users, updates ----------------------------------------------------------------------

    def user(self, user_id: int, first_name: str = "Test", language_code: str | None = None) -> FakeUser:
        self._chats[user_id] = {"id": user_id, "type": "private", "first_name": first_name}
        return FakeUser(self, user_id, first_name, language_code)

    def group(self, chat_id: int, title: str = "A group", kind: str = "supergroup", forum: bool = False) -> dict:
        chat = {"id": chat_id, "type": kind, "title": title}
        if forum:
            chat["is_forum"] = True
            # Message 1 of a forum is the "General" topic's: the first topic created gets id 2 or later.
            self._next_message_id.setdefault(chat_id, GENERAL_TOPIC_ID)
        self._chats[chat_id] = chat
        return chat

    def staff_group(
        self, chat_id: int, title: str = "Team", topics: bool = True, can_manage_topics: bool = True
    ) -> dict:
        """A supergroup; with topics on and the bot an admin allowed to manage them unless told otherwise."""
        chat = self.group(chat_id, title, "supergroup", forum=topics)
        self.bot_rights[chat_id] = {
            "status": "administrator",
            "user": self._me(),
            "can_manage_topics": can_manage_topics,
            "can_be_edited": False,
            "is_anonymous": False,
            "can_manage_chat": True,
            "can_delete_messages": True,
            "can_manage_video_chats": False,
            "can_restrict_members": False,
            "can_promote_members": False,
            "can_change_info": False,
            "can_invite_users": True,
            "can_post_stories": False,
            "can_edit_stories": False,
            "can_delete_stories": False,
            "can_pin_messages": True,
            "can_send_welcome_messages": False,
        }
        return chat

    def topic_message(
        self,
        chat: dict[str, Any],
        thread: int,
        user: FakeUser,
        content: dict[str, Any] | str,
        reply_to: int | None = None,
    ) -> dict[str, Any]:
        """A staff member writes in a forum topic (content: text or a message body such as {"photo": [...]})."""
        self._member(chat, user)
        body = {"text": content} if isinstance(content, str) else content
        if isinstance(content, str) and content.startswith("/"):
            body["entities"] = [{"type": "bot_command", "offset": 0, "length": _utf16_len(content.split()[0])}]
        message = {
            "message_id": self._new_message_id(chat["id"]),
            "date": int(time.time()),
            "chat": chat,
            "from": user.as_user(),
            "message_thread_id": thread,
            "is_topic_message": True,
            **body,
        }
        if reply_to is not None:
            message["reply_to_message"] = self._messages[(chat["id"], reply_to)]
        self._messages[(chat["id"], message["message_id"])] = message
        return self.push_update({"message": message})

    def staff_creates_topic(self, chat: dict[str, Any], user: FakeUser, name: str) -> int:
        """A staff member creates a topic in the Telegram app (the bot sees the service message); its id."""
        self._member(chat, user)
        thread = self._new_message_id(chat["id"])
        self.topics[(chat["id"], thread)] = {"name": name, "closed": False, "icon_color": 7322096, "creator": user.id}
        message = {
            "message_id": thread,
            "date": int(time.time()),
            "chat": chat,
            "from": user.as_user(),
            "message_thread_id": thread,
            "is_topic_message": True,
            "forum_topic_created": {"name": name, "icon_color": 7322096},
        }
        self.push_update({"message": message})
        return thread

    def staff_closes_topic(self, chat: dict[str, Any], user: FakeUser, thread: int) -> dict[str, Any]:
        """A staff member closes a topic in the Telegram app: the topic gets the service message
        `forum_topic_closed` (an empty object, Bot API "ForumTopicClosed"), which the bot receives."""
        self._member(chat, user)
        self.topics[(chat["id"], thread)]["closed"] = True
        message = {
            "message_id": self._new_message_id(chat["id"]),
            "date": int(time.time()),
            "chat": chat,
            "from": user.as_user(),
            "message_thread_id": thread,
            "is_topic_message": True,
            "forum_topic_closed": {},
        }
        self._messages[(chat["id"], message["message_id"])] = message
        return self.push_update({"message": message})

    def staff_deletes_topic(self, chat_id: int, thread: int) -> None:
        """A staff member deletes a topic in the Telegram app: it is gone with all its messages. Telegram
        tells bots nothing about it (there is no service message or update for a deleted topic)."""
        assert (chat_id, thread) in self.topics, "no such topic"
        self._delete_topic(chat_id, thread)

    def _delete_topic(self, chat_id: int, thread: int) -> None:
        del self.topics[(chat_id, thread)]
        self.deleted_topics.add((chat_id, thread))
        for key in [k for k, m in self._messages.items() if k[0] == chat_id and m.get("message_thread_id") == thread]:
            del self._messages[key]

    def edit_topic_message(self, chat: dict[str, Any], message_id: int, text: str) -> dict[str, Any]:
        message = {**self._messages[(chat["id"], message_id)], "text": text, "edit_date": int(time.time())}
        self._messages[(chat["id"], message_id)] = message
        return self.push_update({"edited_message": message})

    def user_reply(self, user: FakeUser, text: str, reply_to: int) -> dict[str, Any]:
        return self.user_message(user, {"text": text, "reply_to_message": self._messages[(user.id, reply_to)]})

    def messages_in_topic(self, chat_id: int, thread: int) -> list[dict[str, Any]]:
        return [
            m
            for (cid, _), m in sorted(self._messages.items())
            if cid == chat_id and m.get("message_thread_id") == thread
        ]

    def push_update(self, update: dict[str, Any]) -> dict[str, Any]:
        """Queue a raw update (give it an update_id of its own to re-deliver one)."""
        if "update_id" not in update:
            self._next_update_id += 1
            update = {"update_id": self._next_update_id, **update}
        self._updates.append(update)
        self._new_update.set()
        return update

    def _new_message_id(self, chat_id: int) -> int:
        self._next_message_id[chat_id] = self._next_message_id.get(chat_id, 0) + 1
        return self._next_message_id[chat_id]

    def user_message(self, user: FakeUser, content: dict[str, Any]) -> dict[str, Any]:
        chat = self._chats[user.id]
        message = {
            "message_id": self._new_message_id(user.id),
            "date": int(time.time()),
            "chat": chat,
            "from": user.as_user(),
            **content,
        }
        self._messages[(user.id, message["message_id"])] = message
        return self.push_update({"message": message})

    def _member(self, chat: dict[str, Any], user: FakeUser) -> None:
        if chat.get("type") in ("group", "supergroup"):
            self.members.setdefault((chat["id"], user.id), "member")
            self._users[user.id] = user.as_user()

    def leaves(self, chat_id: int, user: FakeUser) -> None:
        """The user left (or was removed from) the group."""
        self.members[(chat_id, user.id)] = "left"
        self._users[user.id] = user.as_user()

    def group_message(self, chat: dict[str, Any], user: FakeUser, text: str) -> dict[str, Any]:
        self._member(chat, user)
        message = {
            "message_id": self._new_message_id(chat["id"]),
            "date": int(time.time()),
            "chat": chat,
            "from": user.as_user(),
            "text": text,
        }
        return self.push_update({"message": message})

    def bot_added_to(self, chat: dict[str, Any], by: FakeUser) -> dict[str, Any]:
        me = self._me()
        return self.push_update(
            {
                "my_chat_member": {
                    "chat": chat,
                    "from": by.as_user(),
                    "date": int(time.time()),
                    "old_chat_member": {"status": "left", "user": me},
                    "new_chat_member": {"status": "member", "user": me},
                }
            }
        )

    def callback(self, user: FakeUser, message: dict[str, Any], data: str) -> dict[str, Any]:
        callback_id = f"cb{len(self._callbacks) + 1}"
        self._callbacks[callback_id] = False
        current = self._messages.get((message["chat"]["id"], message["message_id"]), message)
        self._member(current["chat"], user)
        return self.push_update(
            {
                "callback_query": {
                    "id": callback_id,
                    "from": user.as_user(),
                    "chat_instance": f"ci{user.id}",
                    "message": current,
                    "data": data,
                }
            }
        )

    # -- inspection -----------------------------------------------------------------------------------------

    def calls_to(self, method: str, ok_only: bool = True) -> list[Call]:
        return [c for c in self.calls if c.method == method and (c.status == 200 or not ok_only)]

    def messages_to(self, chat_id: int) -> list[dict[str, Any]]:
        """Messages the bot sent to a chat, as they read now (after edits), oldest first."""
        return [m for (cid, _), m in sorted(self._messages.items()) if cid == chat_id and m["from"]["is_bot"]]

    def last_message_to(self, chat_id: int) -> dict[str, Any]:
        return self.messages_to(chat_id)[-1]

    async def wait_for(self, condition: Callable[[], Any], timeout: float = 10.0) -> Any:
        deadline = asyncio.get_running_loop().time() + timeout
        while True:
            result = condition()
            if result:
                return result
            if asyncio.get_running_loop().time() > deadline:
                raise AssertionError("the fake Bot API server did not see what the test waited for")
            await asyncio.sleep(0.02)

    async def wait_for_messages(self, chat_id: int, count: int, timeout: float = 10.0) -> list[dict[str, Any]]:
        return await self.wait_for(
            lambda: len(self.messages_to(chat_id)) >= count and self.messages_to(chat_id), timeout
        )

    def pending_updates(self) -> int:
        return len([u for u in self._updates if u["update_id"] >= self._confirmed_offset])

    # -- failures -------------------------------------------------------------------------------------------

    def fail(
        self,
        method: str | None,
        status: int,
        times: int = 1,
        retry_after: int = 1,
        hang_seconds: float = 0.0,
        description: str | None = None,
    ) -> None:
        """The next `times` calls of `method` fail: status 5xx/4xx, 429 with retry_after, or 0 = hang;
        `description`: Telegram's text for it (e.g. "Bad Request: user not found")."""
        self._failures.append(_Failure(method, status, times, retry_after, hang_seconds, description))

    def fail_randomly(self, share: float, seed: int = 1, methods: set[str] | None = None) -> None:
        """Fail about `share` of the calls (getUpdates too, unless `methods` names others) with a 500."""
        self._random_failure = (share, random.Random(seed), methods)

    def stop_failing(self) -> None:
        self._failures.clear()
        self._random_failure = None

    async def _maybe_fail(self, method: str) -> None:
        for failure in self._failures:
            if failure.times > 0 and (failure.method == method or (failure.method is None and method != "getUpdates")):
                failure.times -= 1
                if failure.status == 0:
                    await asyncio.sleep(failure.hang_seconds)
                    raise ApiError(504, "Gateway Timeout")
                if failure.status == 429:
                    raise ApiError(
                        429,
                        f"Too Many Requests: retry after {failure.retry_after}",
                        {"retry_after": failure.retry_after},
                    )
                raise ApiError(
                    failure.status,
                    failure.description
                    or {
                        500: "Internal Server Error",
                        502: "Bad Gateway",
                        403: "Forbidden: bot was blocked by the user",
                    }.get(failure.status, "Error"),
                )
        if self._random_failure is not None:
            share, rng, methods = self._random_failure
            if (methods is None or method in methods) and rng.random() < share:
                raise ApiError(500, "Internal Server Error")

    # -- the HTTP API ---------------------------------------------------------------------------------------

    async def _params(self, request: web.Request) -> dict[str, Any]:
        # Like the Bot API: parameters in the query string, a JSON body, a form-encoded or a multipart body
        # (files are multipart parts); a body's parameters win over the query's.
        raw: dict[str, Any] = dict(request.query)
        if request.content_type == "application/json":
            try:
                body = await request.json()
            except json.JSONDecodeError:
                raise ApiError(400, "Bad Request: can't parse JSON object") from None
            if not isinstance(body, dict):
                raise ApiError(400, "Bad Request: JSON object expected")
            raw.update(body)
        elif request.body_exists:
            raw.update(await request.post())
        params: dict[str, Any] = {}
        for key, value in raw.items():
            if isinstance(value, str) and key in _JSON_FIELDS:
                try:
                    value = json.loads(value)
                except json.JSONDecodeError as exc:
                    raise ApiError(400, f"Bad Request: can't parse {key} JSON object") from exc
            params[key] = value
        return params

    async def _handle(self, request: web.Request) -> web.Response:
        method = request.match_info["method"]
        self.arrived.append(method)
        params: dict[str, Any] = {}
        try:
            if request.match_info["token"] != self.token:
                raise ApiError(401, "Unauthorized")
            params = await self._params(request)
            await self._maybe_fail(method)
            for entry in self._delays:
                if entry[0] == method and entry[2] > 0:
                    entry[2] -= 1
                    self.in_progress[method] = self.in_progress.get(method, 0) + 1
                    try:
                        await asyncio.sleep(entry[1])
                    finally:
                        self.in_progress[method] -= 1
                    break
            handler = getattr(self, f"api_{method}", None)
            if handler is None:
                raise ApiError(404, "Not Found: method not found")
            result = await handler(params)
        except ApiError as exc:
            self.calls.append(
                Call(method, params, exc.status, time.time(), request.match_info["prefix"], request.content_type)
            )
            body: dict[str, Any] = {"ok": False, "error_code": exc.status, "description": exc.description}
            if exc.parameters:
                body["parameters"] = exc.parameters
            return web.json_response(body, status=exc.status)
        self.calls.append(Call(method, params, 200, time.time(), request.match_info["prefix"], request.content_type))
        return web.json_response({"ok": True, "result": result})

    def _me(self) -> dict[str, Any]:
        return {"id": self.bot_id, "is_bot": True, "first_name": "lokal willkommen", "username": BOT_USERNAME}

    def _chat(self, params: dict[str, Any]) -> dict[str, Any]:
        raw = params.get("chat_id")
        try:
            chat_id = int(raw)  # type: ignore[arg-type]
        except (TypeError, ValueError):
            raise ApiError(400, "Bad Request: chat not found") from None
        chat = self._chats.get(chat_id)
        if chat is None or chat_id in self.left_chats:
            raise ApiError(400, "Bad Request: chat not found")
        if chat_id in self.blocked_by:
            raise ApiError(403, "Forbidden: bot was blocked by the user")
        return chat

    @staticmethod
    def _text(params: dict[str, Any], key: str = "text") -> str:
        text = str(params.get(key) or "")
        limit, too_long = (
            (1024, "message caption is too long") if key == "caption" else (MESSAGE_LIMIT, "message is too long")
        )
        if params.get("parse_mode") == "HTML":
            try:
                text = plain_text(text)
            except EntityError as exc:
                raise ApiError(400, f"Bad Request: can't parse entities: {exc}") from None
        elif params.get("parse_mode") not in (None, ""):
            raise ApiError(400, "Bad Request: unsupported parse_mode")
        if not text.strip():
            raise ApiError(400, "Bad Request: message text is empty")
        if _utf16_len(text) > limit:
            raise ApiError(400, f"Bad Request: {too_long}")
        return text

    @staticmethod
    def _markup(params: dict[str, Any]) -> dict[str, Any] | None:
        markup = params.get("reply_markup")
        if markup is None:
            return None
        rows = markup.get("inline_keyboard") if isinstance(markup, dict) else None
        if not isinstance(rows, list):
            raise ApiError(400, "Bad Request: can't parse reply keyboard markup JSON object")
        for row in rows:
            for button in row:
                if not str(button.get("text") or "").strip():
                    raise ApiError(400, "Bad Request: text buttons are unallowed in the inline keyboard")
                data = button.get("callback_data")
                if data is not None and not 1 <= len(str(data).encode()) <= 64:
                    raise ApiError(400, "Bad Request: BUTTON_DATA_INVALID")
        return markup

    async def api_getMe(self, params: dict[str, Any]) -> dict[str, Any]:
        return self._me()

    async def api_close(self, params: dict[str, Any]) -> bool:
        return True

    async def api_getUpdates(self, params: dict[str, Any]) -> list[dict[str, Any]]:
        if self.webhook is not None:
            raise ApiError(409, "Conflict: can't use getUpdates method while webhook is active")
        offset = int(params.get("offset") or 0)
        limit = int(params.get("limit") or 100)
        timeout = float(params.get("timeout") or 0)
        if offset:
            if offset > self._confirmed_offset and self.on_confirm is not None:
                self.on_confirm(offset)
            self._confirmed_offset = max(self._confirmed_offset, offset)
            self._updates = [u for u in self._updates if u["update_id"] >= offset]
        deadline = asyncio.get_running_loop().time() + timeout
        while True:
            ready = [u for u in self._updates if u["update_id"] >= self._confirmed_offset][:limit]
            remaining = deadline - asyncio.get_running_loop().time()
            if ready or remaining <= 0 or self._closing:
                return ready
            self._new_update.clear()
            try:
                await asyncio.wait_for(self._new_update.wait(), remaining)
            except TimeoutError:
                return []

    def _thread(self, chat: dict[str, Any], params: dict[str, Any]) -> dict[str, Any]:
        """Where in the chat a message goes (sendMessage, copyMessage, sendDocument ...).

        As the Bot API does it (tdlib/telegram-bot-api, Client.cpp, check_message_topic): no or a negative
        message_thread_id is the chat itself; in a forum the General topic's id and any topic that does not
        exist (never did, or was deleted) answer "Bad Request: message thread not found" (the Bot API's own
        text for any failed topic look-up; also what bots see after staff deleted a topic: tdlib/telegram-bot-
        api issue 854, ruitunion-org/feedback-bot issue 1); so does a private chat without topics. A
        supergroup without topics ignores the parameter. A closed topic takes messages only from its creator
        and admins who may manage topics (Telegram Desktop, data_peer_values.cpp CanSendAnyOf: closed topics
        need canToggleClosed(), that is my() || canManageTopics()); others get "Bad Request: TOPIC_CLOSED",
        Telegram's error passed through (seen by bots, e.g. rteixeirax/qbittorrent_telegram_notification
        issue 12: {"ok":false,"error_code":400,"description":"Bad Request: TOPIC_CLOSED"}).
        """
        raw = params.get("message_thread_id")
        try:
            thread = int(raw) if raw not in (None, "") else 0
        except (TypeError, ValueError):
            thread = 0
        if thread <= 0:
            return {}
        if chat.get("type") in ("group", "supergroup") and not chat.get("is_forum"):
            return {}
        if (chat["id"], thread) in self.deleted_topics:
            raise ApiError(400, f"Bad Request: {self.deleted_topic_answer}")
        topic = self.topics.get((chat["id"], thread))
        if not chat.get("is_forum") or topic is None or thread == GENERAL_TOPIC_ID:
            raise ApiError(400, "Bad Request: message thread not found")
        if (
            topic["closed"]
            and topic.get("creator", self.bot_id) != self.bot_id
            and not self._may("can_manage_topics", chat)
        ):
            raise ApiError(400, "Bad Request: TOPIC_CLOSED")
        return {"message_thread_id": thread, "is_topic_message": True}

    def _may(self, right: str, chat: dict[str, Any]) -> bool:
        """Whether the bot has this admin right in the chat."""
        member = self.bot_rights.get(chat["id"], {})
        return member.get("status") == "creator" or (
            member.get("status") == "administrator" and bool(member.get(right))
        )

    def _reply_to(self, chat: dict[str, Any], params: dict[str, Any]) -> dict[str, Any]:
        reply = params.get("reply_parameters")
        if not reply:
            return {}
        original = self._messages.get((chat["id"], int(reply.get("message_id", 0))))
        if original is None:
            if reply.get("allow_sending_without_reply"):
                return {}
            raise ApiError(400, "Bad Request: message to be replied not found")
        return {"reply_to_message": {k: v for k, v in original.items() if k != "reply_to_message"}}

    async def api_sendMessage(self, params: dict[str, Any]) -> dict[str, Any]:
        chat = self._chat(params)
        text = self._text(params)
        markup = self._markup(params)
        message = {
            "message_id": self._new_message_id(chat["id"]),
            "date": int(time.time()),
            "chat": chat,
            "from": self._me(),
            "text": text,
            **self._thread(chat, params),
            **self._reply_to(chat, params),
        }
        if markup:
            message["reply_markup"] = markup
        self._messages[(chat["id"], message["message_id"])] = message
        return message

    async def api_sendDocument(self, params: dict[str, Any]) -> dict[str, Any]:
        chat = self._chat(params)
        document = params.get("document")
        if isinstance(document, str) and document.startswith("attach://"):
            document = params.get(document.removeprefix("attach://"))
        if isinstance(document, str) and document in self.files:  # a file_id sent before
            name, data = self.files[document]
            file_id = document
        elif isinstance(document, str) and document:
            raise ApiError(400, "Bad Request: wrong file identifier/HTTP URL specified")
        else:
            if not hasattr(document, "file"):
                raise ApiError(400, "Bad Request: there is no document in the request")
            data = document.file.read()
            if not data:
                raise ApiError(400, "Bad Request: file must be non-empty")
            if len(data) > 50 * 1024 * 1024:
                raise ApiError(400, "Bad Request: file is too big")
            name = document.filename
            file_id = f"doc{len(self.files) + 1}"
            self.files[file_id] = (name, data)
        markup = self._markup(params)
        message = {
            "message_id": 0,
            "date": int(time.time()),
            "chat": chat,
            "from": self._me(),
            "document": {"file_id": file_id, "file_unique_id": file_id, "file_name": name, "file_size": len(data)},
            **self._thread(chat, params),
            **self._reply_to(chat, params),
        }
        if params.get("caption"):
            message["caption"] = self._text(params, "caption")
        if markup:
            message["reply_markup"] = markup
        message["message_id"] = self._new_message_id(chat["id"])
        self._messages[(chat["id"], message["message_id"])] = message
        return message

    def _upload(self, params: dict[str, Any], field: str) -> tuple[str, str, bytes]:
        """A file parameter: a new upload (multipart) or a file_id sent before; (file_id, name, data)."""
        value = params.get(field)
        if isinstance(value, str) and value.startswith("attach://"):
            value = params.get(value.removeprefix("attach://"))
        if isinstance(value, str) and value in self.files:
            name, data = self.files[value]
            return value, name, data
        if isinstance(value, str) and value:
            raise ApiError(400, "Bad Request: wrong file identifier/HTTP URL specified")
        if not hasattr(value, "file"):
            raise ApiError(400, f"Bad Request: there is no {field} in the request")
        data = value.file.read()
        if not data:
            raise ApiError(400, "Bad Request: file must be non-empty")
        file_id = f"{field}{len(self.files) + 1}"
        self.files[file_id] = (value.filename, data)
        return file_id, value.filename, data

    async def _send_file(self, params: dict[str, Any], field: str) -> dict[str, Any]:
        """sendPhoto, sendVoice, sendAudio, sendVideo: the file kept, the message shaped like Telegram's."""
        chat = self._chat(params)
        file_id, _name, data = self._upload(params, field)
        described: Any = {"file_id": file_id, "file_unique_id": file_id, "file_size": len(data)}
        if field == "photo":
            described = [{**described, "width": 800, "height": 600}]
        elif field in ("voice", "audio", "video"):
            described["duration"] = 1
            if field == "video":
                described.update(width=640, height=480)
        message = {
            "message_id": 0,
            "date": int(time.time()),
            "chat": chat,
            "from": self._me(),
            field: described,
            **self._thread(chat, params),
            **self._reply_to(chat, params),
        }
        if params.get("caption"):
            message["caption"] = self._text(params, "caption")
        message["message_id"] = self._new_message_id(chat["id"])
        self._messages[(chat["id"], message["message_id"])] = message
        return message

    async def api_sendPhoto(self, params: dict[str, Any]) -> dict[str, Any]:
        return await self._send_file(params, "photo")

    async def api_sendVoice(self, params: dict[str, Any]) -> dict[str, Any]:
        return await self._send_file(params, "voice")

    async def api_sendAudio(self, params: dict[str, Any]) -> dict[str, Any]:
        return await self._send_file(params, "audio")

    async def api_sendVideo(self, params: dict[str, Any]) -> dict[str, Any]:
        return await self._send_file(params, "video")

    async def api_getFile(self, params: dict[str, Any]) -> dict[str, Any]:
        file_id = str(params.get("file_id") or "")
        if file_id not in self.files:
            raise ApiError(400, "Bad Request: invalid file_id")
        _, data = self.files[file_id]
        return {"file_id": file_id, "file_unique_id": file_id, "file_size": len(data), "file_path": f"f/{file_id}"}

    async def _download(self, request: web.Request) -> web.Response:
        """GET {base}/file/bot{token}/{file_path}: the bytes of a file getFile described."""
        if request.match_info["token"] != self.token:
            return web.Response(status=401, text="Unauthorized")
        file_id = request.match_info["path"].removeprefix("f/")
        if file_id not in self.files:
            return web.Response(status=404, text="Not Found")
        self.arrived.append("download")
        return web.Response(body=self.files[file_id][1])

    async def api_copyMessage(self, params: dict[str, Any]) -> dict[str, Any]:
        target = self._chat(params)
        source_chat = self._chats.get(int(params.get("from_chat_id") or 0))
        original = self._messages.get((source_chat["id"], int(params.get("message_id") or 0))) if source_chat else None
        if original is None:
            raise ApiError(400, "Bad Request: message to copy not found")
        content_keys = {
            "text",
            "photo",
            "document",
            "voice",
            "video_note",
            "video",
            "audio",
            "location",
            "contact",
            "sticker",
            "caption",
            "entities",
            "caption_entities",
        }
        body = {k: v for k, v in original.items() if k in content_keys}
        if not any(k in body for k in content_keys - {"caption", "entities", "caption_entities"}):
            raise ApiError(400, "Bad Request: message can't be copied")  # service messages
        markup = self._markup(params)
        message = {
            "message_id": self._new_message_id(target["id"]),
            "date": int(time.time()),
            "chat": target,
            "from": self._me(),
            **body,
            **self._thread(target, params),
            **self._reply_to(target, params),
            "copied_from": (source_chat["id"], original["message_id"]),
        }
        if markup:
            message["reply_markup"] = markup
        self._messages[(target["id"], message["message_id"])] = message
        return {"message_id": message["message_id"]}

    async def api_editMessageCaption(self, params: dict[str, Any]) -> dict[str, Any]:
        chat = self._chat(params)
        key = (chat["id"], int(params.get("message_id") or 0))
        message = self._messages.get(key)
        if message is None or not message["from"]["is_bot"]:
            raise ApiError(400, "Bad Request: message to edit not found")
        self._messages[key] = {**message, "caption": str(params.get("caption") or ""), "edit_date": int(time.time())}
        return self._messages[key]

    async def api_getChat(self, params: dict[str, Any]) -> dict[str, Any]:
        chat = self._chat(params)
        return {
            **chat,
            "accent_color_id": 0,
            "max_reaction_count": 11,
            "accepted_gift_types": {
                "unlimited_gifts": False,
                "limited_gifts": False,
                "unique_gifts": False,
                "premium_subscription": False,
                "gifts_from_channels": False,
            },
        }

    async def api_getChatMember(self, params: dict[str, Any]) -> dict[str, Any]:
        chat = self._chat(params)
        user_id = int(params.get("user_id") or 0)
        if user_id == self.bot_id:
            return self.bot_rights.get(chat["id"], {"status": "member", "user": self._me()})
        if user_id not in self._users:
            raise ApiError(400, "Bad Request: user not found")
        status = self.members.get((chat["id"], user_id), "left")
        return {"status": status, "user": self._users[user_id]}

    # -- forum topics ----------------------------------------------------------------------------------------
    #
    # The Bot API hands these to TDLib (tdlib/telegram-bot-api, Client.cpp, process_*_forum_topic_query), whose
    # ForumTopicManager (tdlib/td, td/telegram/ForumTopicManager.cpp) checks the chat and the rights first and
    # otherwise passes Telegram's own error through. The Bot API turns TDLib's "Not enough rights to ..." into
    # "Bad Request: not enough rights to ..." (first letter lowered) and an upper-case error such as
    # TOPIC_NOT_MODIFIED into "Bad Request: TOPIC_NOT_MODIFIED" (Client.cpp, fail_query_with_error).

    def _forum(self, params: dict[str, Any]) -> dict[str, Any]:
        chat = self._chat(params)
        if not chat.get("is_forum"):
            raise ApiError(400, "Bad Request: the chat is not a forum")  # ForumTopicManager::is_forum
        return chat

    @staticmethod
    def _topic_name(name: str) -> str:
        """TDLib's clean_name: blanks squeezed, cut to 128 characters; nothing left is refused."""
        cleaned = " ".join(name.split())[:TOPIC_NAME_LIMIT].strip()
        if not cleaned:
            raise ApiError(400, "Bad Request: title must be non-empty")  # "Title must be non-empty"
        return cleaned

    async def api_createForumTopic(self, params: dict[str, Any]) -> dict[str, Any]:
        chat = self._forum(params)
        if not self._may("can_manage_topics", chat):
            raise ApiError(400, "Bad Request: not enough rights to create a topic")
        name = self._topic_name(str(params.get("name") or ""))
        color = int(params.get("icon_color") or 7322096)
        thread = self._new_message_id(chat["id"])  # a topic's id is the id of its creation message
        self.topics[(chat["id"], thread)] = {"name": name, "closed": False, "icon_color": color, "creator": self.bot_id}
        return {"message_thread_id": thread, "name": name, "icon_color": color}

    def _topic(self, params: dict[str, Any], right: str, refusal: str) -> dict[str, Any]:
        """The topic a management call names. A deleted or unknown topic is Telegram's TOPIC_ID_INVALID ("The
        specified topic ID is invalid", MTProto channels.editForumTopic; what the bot's own code and other
        bots expect after staff deleted a topic); a topic someone else created needs the admin right."""
        chat = self._forum(params)
        try:
            thread = int(params.get("message_thread_id") or 0)
        except (TypeError, ValueError):
            thread = 0
        if thread <= 0:
            # ForumTopicManager::can_be_message_thread_id
            raise ApiError(400, "Bad Request: invalid message thread identifier specified")
        topic = self.topics.get((chat["id"], thread))
        if topic is not None and topic.get("creator", self.bot_id) != self.bot_id and not self._may(right, chat):
            raise ApiError(400, f"Bad Request: {refusal}")
        if topic is None or thread == GENERAL_TOPIC_ID:
            raise ApiError(400, "Bad Request: TOPIC_ID_INVALID")
        return topic

    async def api_editForumTopic(self, params: dict[str, Any]) -> bool:
        topic = self._topic(params, "can_manage_topics", "not enough rights to edit the topic")
        name = str(params.get("name") or "")
        emoji = params.get("icon_custom_emoji_id")
        if not name and emoji is None:
            return True  # nothing to change: TDLib answers ok without asking Telegram
        new_name = self._topic_name(name) if name else topic["name"]
        if new_name == topic["name"] and (emoji is None or emoji == topic.get("icon_custom_emoji_id")):
            # "The updated topic info is equal to the current topic info, nothing was changed." TDLib swallows
            # it for users, not for bots (EditForumTopicQuery::on_error).
            raise ApiError(400, "Bad Request: TOPIC_NOT_MODIFIED")
        topic["name"] = new_name
        if emoji is not None:
            topic["icon_custom_emoji_id"] = emoji
        return True

    async def _open_or_close(self, params: dict[str, Any], closed: bool) -> bool:
        topic = self._topic(params, "can_manage_topics", "not enough rights to close or open the topic")
        if topic["closed"] == closed:
            # Closing a closed topic or reopening an open one (also seen by TelegramBots/Telegram.Bot issue
            # 1252, where deleteForumTopic was sent as reopenForumTopic to an open topic).
            raise ApiError(400, "Bad Request: TOPIC_NOT_MODIFIED")
        topic["closed"] = closed
        return True

    async def api_closeForumTopic(self, params: dict[str, Any]) -> bool:
        return await self._open_or_close(params, True)

    async def api_reopenForumTopic(self, params: dict[str, Any]) -> bool:
        return await self._open_or_close(params, False)

    async def api_deleteForumTopic(self, params: dict[str, Any]) -> bool:
        """The topic and all its messages are gone. Needs can_delete_messages (Bot API docs), except for the
        bot's own topic when it holds no messages of others and at most 11 (TDLib's deleteForumTopic docs)."""
        chat = self._forum(params)
        topic = self._topic(params, "can_delete_messages", "not enough rights to delete the topic")
        thread = int(params["message_thread_id"])
        inside = self.messages_in_topic(chat["id"], thread)
        own = topic.get("creator", self.bot_id) == self.bot_id
        if not self._may("can_delete_messages", chat) and (
            not own or len(inside) > 11 or any(not m["from"]["is_bot"] for m in inside)
        ):
            raise ApiError(400, "Bad Request: not enough rights to delete the topic")
        self._delete_topic(chat["id"], thread)
        return True

    async def api_editMessageText(self, params: dict[str, Any]) -> dict[str, Any]:
        chat = self._chat(params)
        key = (chat["id"], int(params.get("message_id") or 0))
        message = self._messages.get(key)
        if message is None:
            raise ApiError(400, "Bad Request: message to edit not found")
        if not message["from"]["is_bot"]:
            raise ApiError(400, "Bad Request: message can't be edited")
        text = self._text(params)
        markup = self._markup(params)
        if text == message.get("text") and markup == message.get("reply_markup"):
            raise ApiError(
                400,
                "Bad Request: message is not modified: specified new message content and reply "
                "markup are exactly the same as a current content and reply markup of the message",
            )
        message = {**message, "text": text, "edit_date": int(time.time())}
        message.pop("reply_markup", None)
        if markup:
            message["reply_markup"] = markup
        self._messages[key] = message
        return message

    async def api_answerCallbackQuery(self, params: dict[str, Any]) -> bool:
        callback_id = str(params.get("callback_query_id") or "")
        if self._callbacks.get(callback_id, True):
            raise ApiError(400, "Bad Request: query is too old and response timeout expired or query ID is invalid")
        self._callbacks[callback_id] = True
        return True

    async def api_setMyCommands(self, params: dict[str, Any]) -> bool:
        commands = params.get("commands")
        if not isinstance(commands, list) or not commands or len(commands) > 100:
            raise ApiError(400, "Bad Request: commands must be a non-empty list")
        for command in commands:
            if not re.fullmatch(r"[a-z0-9_]{1,32}", str(command.get("command"))):
                raise ApiError(400, "Bad Request: BOT_COMMAND_INVALID")
            if not 1 <= len(str(command.get("description") or "")) <= 256:
                raise ApiError(400, "Bad Request: BOT_COMMAND_DESCRIPTION_INVALID")
        language = str(params.get("language_code") or "")
        if language and not re.fullmatch(r"[a-z]{2}", language):
            raise ApiError(400, "Bad Request: LANGUAGE_CODE_INVALID")
        scope = json.dumps(params.get("scope") or {"type": "default"}, sort_keys=True)
        self.commands[(scope, language)] = commands
        return True

    async def api_deleteMyCommands(self, params: dict[str, Any]) -> bool:
        scope = json.dumps(params.get("scope") or {"type": "default"}, sort_keys=True)
        self.commands.pop((scope, str(params.get("language_code") or "")), None)
        return True

    async def api_setWebhook(self, params: dict[str, Any]) -> bool:
        url = str(params.get("url") or "")
        if not url.startswith("https://"):
            raise ApiError(400, "Bad Request: bad webhook: An HTTPS URL must be provided for webhook")
        if self.webhook_refusal:
            raise ApiError(400, f"Bad Request: {self.webhook_refusal}")
        secret = params.get("secret_token")
        if secret is not None and not re.fullmatch(r"[A-Za-z0-9_-]{1,256}", str(secret)):
            raise ApiError(400, "Bad Request: secret token contains unallowed characters")
        self.webhook = {"url": url, "secret_token": secret, "allowed_updates": params.get("allowed_updates")}
        return True

    async def api_deleteWebhook(self, params: dict[str, Any]) -> bool:
        self.webhook = None
        if str(params.get("drop_pending_updates")).lower() == "true":
            self._updates.clear()
        return True

    async def api_getWebhookInfo(self, params: dict[str, Any]) -> dict[str, Any]:
        return {
            "url": (self.webhook or {}).get("url", ""),
            "has_custom_certificate": False,
            "pending_update_count": self.pending_updates(),
        }

    async def api_leaveChat(self, params: dict[str, Any]) -> bool:
        chat = self._chat(params)
        if chat["type"] == "private":
            raise ApiError(400, "Bad Request: chat member status can't be changed in private chats")
        self.left_chats.add(chat["id"])
        return True

    # -- acting as Telegram towards a webhook -------------------------------------------------------------

    async def post_to_webhook(self, url: str, update: dict[str, Any], secret: str | None) -> int:
        """POST an update to the bot's webhook like Telegram does; returns the HTTP status."""
        if "update_id" not in update:
            self._next_update_id += 1
            update = {"update_id": self._next_update_id, **update}
        headers = {"X-Telegram-Bot-Api-Secret-Token": secret} if secret is not None else {}
        async with ClientSession(timeout=ClientTimeout(total=30)) as session:
            async with session.post(url, json=update, headers=headers) as response:
                return response.status

    def redeliver(self, update: dict[str, Any]) -> None:
        """Hand out an update again with its old update_id, as Telegram does when the bot restarted before
        confirming it."""
        self._confirmed_offset = min(self._confirmed_offset, update["update_id"])
        self._updates = [u for u in self._updates if u["update_id"] != update["update_id"]] + [update]
        self._updates.sort(key=lambda u: u["update_id"])
        self._new_update.set()

    def delay(self, method: str, seconds: float, times: int = 1) -> None:
        """Answer the next `times` calls of `method` correctly, but only after `seconds`."""
        self._delays.append([method, seconds, times])

    def take_update(self, update: dict[str, Any]) -> dict[str, Any]:
        """Remove a queued update (for webhook tests, where the server does not hand it out by polling)."""
        self._updates = [u for u in self._updates if u is not update]
        return update
