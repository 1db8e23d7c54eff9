"""The fake Cloud API refuses what the Cloud API refuses, and its webhooks parse like Meta's, so tests against it
mean something. pywa's real async client talks to it over HTTP on 127.0.0.1.

`Receiver` is the receiving path recommended for the WhatsApp channel (see the report of issue 18): our own
aiohttp route; pywa checks the signature and answers the handshake; the payload is split into one item per
message or status (pywa reads only the first item of a payload); messages parse into pywa's typed updates;
statuses are read directly (pywa's MessageStatus needs the `contacts` Meta's older payloads lack; their error
becomes a typed pywa error through WhatsAppError.from_dict); each message id is claimed once.
"""

import asyncio
import contextlib
import json
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
from aiohttp import web
from fakewa import APP_SECRET, PHONE_ID, TOKEN, VERIFY_TOKEN, FakeWhatsApp, encode, sign
from fakewa.webhook import envelope
from pywa import errors as wa_errors
from pywa import utils as wa_utils
from pywa_async import WhatsApp
from pywa_async.types import (
    Button,
    CallbackButton,
    CallbackSelection,
    Message,
    MessageStatus,
    RawUpdate,
    Section,
    SectionList,
    SectionRow,
)
from pywa_async.types.templates import BodyText, TemplateLanguage

from bot.clock import ManualClock

NOW = datetime(2026, 11, 24, 9, 30, tzinfo=UTC)


def make_client(base_url: str, token: str = TOKEN, timeout: float = 5.0) -> WhatsApp:
    """pywa's async client pointed at the fake: pywa overwrites the session's base_url in its constructor, so the
    base URL is set on our own httpx session afterwards."""
    session = httpx.AsyncClient(timeout=timeout)
    wa = WhatsApp(
        phone_id=PHONE_ID,
        token=token,
        session=session,
        verify_token=VERIFY_TOKEN,
        app_secret=APP_SECRET,
        skip_duplicate_updates=False,  # duplicates are our inbox's business, not an in-memory hash set's
    )
    session.base_url = f"{base_url}/v{wa_utils.Version.GRAPH_API.value}"
    return wa


class Receiver:
    """A minimal webhook receiver: the shape recommended for handlers/whatsapp (see the module docstring)."""

    def __init__(self, wa: WhatsApp):
        self.wa = wa
        self.updates: list[Any] = []  # pywa Message / CallbackButton / CallbackSelection
        self.statuses: list[dict[str, Any]] = []  # {"id", "status", "recipient", "error"}
        self.claimed: set[str] = set()
        self.url = ""
        self._runner: web.AppRunner | None = None

    async def start(self) -> str:
        app = web.Application()
        app.router.add_get("/whatsapp", self._handshake)
        app.router.add_post("/whatsapp", self._post)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        self.url = f"http://127.0.0.1:{site._server.sockets[0].getsockname()[1]}/whatsapp"  # type: ignore[union-attr]
        return self.url

    async def stop(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()

    async def _handshake(self, request: web.Request) -> web.Response:
        if request.query.get("hub.mode") != "subscribe":
            return web.Response(status=403, text="Forbidden")
        text, status = await self.wa.webhook_challenge_handler(
            vt=request.query.get(wa_utils.HUB_VT), ch=request.query.get(wa_utils.HUB_CH)
        )
        return web.Response(status=status, text=text or "")

    async def _post(self, request: web.Request) -> web.Response:
        body = await request.read()  # the raw bytes: the signature covers exactly these
        if await self.wa.webhook_update_validator(body, request.headers.get(wa_utils.HUB_SIG)):
            return web.Response(status=401, text="Unauthorized")  # pywa says 403 for a wrong one; issue 18 says 401
        payload = json.loads(body)
        for entry in payload.get("entry", []):
            for change in entry.get("changes", []):
                if change.get("field") != "messages":
                    continue
                value = change["value"]
                for message in value.get("messages", []):
                    if message["id"] in self.claimed:  # the channel: the inbox claim in the store, not a set
                        continue
                    self.claimed.add(message["id"])
                    self.updates.append(self._typed(entry["id"], change["field"], value, message))
                for status in value.get("statuses", []):
                    errors = status.get("errors") or value.get("errors") or []
                    self.statuses.append(
                        {
                            "id": status["id"],
                            "status": status["status"],
                            "recipient": status.get("recipient_id"),
                            "error": wa_errors.WhatsAppError.from_dict(errors[0]) if errors else None,
                        }
                    )
        return web.Response(text="ok")

    def _typed(self, waba_id: str, field: str, value: dict[str, Any], message: dict[str, Any]) -> Any:
        contact = next(
            (
                c
                for c in value.get("contacts", [])
                if c.get("wa_id") == message.get("from") or c.get("user_id") == message.get("from_user_id")
            ),
            None,
        )
        single_value = {**value, "messages": [message], "contacts": [contact] if contact else []}
        single = {
            "object": "whatsapp_business_account",
            "entry": [{"id": waba_id, "changes": [{"value": single_value, "field": field}]}],
        }
        raw = RawUpdate(encode(single), hmac_header=None, update_hash=message["id"])
        kind = (message.get("interactive") or {}).get("type")
        if kind == "button_reply" or message["type"] == "button":
            return CallbackButton.from_update(self.wa, raw)
        if kind == "list_reply":
            return CallbackSelection.from_update(self.wa, raw)
        return Message.from_update(self.wa, raw)


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock(NOW)


@pytest.fixture
async def fakewa(clock):
    server = FakeWhatsApp(clock=clock)
    await server.start()
    yield server
    await server.stop()


@pytest.fixture
async def wa(fakewa):
    client = make_client(fakewa.base_url)
    yield client
    await client.api._session.aclose()


@pytest.fixture
async def receiver(fakewa, wa):
    receiver = Receiver(wa)
    fakewa.webhook_url = await receiver.start()
    yield receiver
    await receiver.stop()


# -- sending ---------------------------------------------------------------------------------------------------


async def test_text_buttons_list_and_document_reach_the_person(fakewa, wa):
    amal = fakewa.user("4917612345678", "Amal")
    amal.wrote_at()
    sent = await wa.send_message(to=amal.wa_id, text="مرحبا! كيف يمكنني المساعدة؟")
    assert sent.id == amal.last().wamid and amal.last().shows == "مرحبا! كيف يمكنني المساعدة؟"
    await wa.send_message(
        to=amal.wa_id,
        text="Termin am Dienstag?",
        buttons=[Button("Ja, gerne", "book:yes"), Button("Anderer Tag", "book:other"), Button("Nein", "book:no")],
    )
    assert [b["id"] for b in amal.last().buttons] == ["book:yes", "book:other", "book:no"]
    offices = SectionList(
        button_title="Büros",
        sections=[
            Section("Nord", [SectionRow("Brackel", "office:brackel", "Di, Do 9-12 Uhr")]),
            Section("Mitte", [SectionRow("Innenstadt-West", "office:west"), SectionRow("Hörde", "office:hoerde")]),
        ],
    )
    await wa.send_message(to=amal.wa_id, text="Welches Büro?", buttons=offices)
    assert [r["id"] for r in amal.last().rows] == ["office:brackel", "office:west", "office:hoerde"]
    assert amal.last().rows[0]["description"] == "Di, Do 9-12 Uhr"
    ics = b"BEGIN:VCALENDAR\r\nVERSION:2.0\r\nEND:VCALENDAR\r\n"
    await wa.send_document(to=amal.wa_id, document=ics, filename="termin.ics", mime_type="text/plain")
    document = amal.last()
    assert document.type == "document" and document.filename == "termin.ics" and document.media.data == ics
    assert [c.endpoint for c in fakewa.calls] == ["messages"] * 3 + ["media_upload", "messages"]


async def test_text_and_interactive_limits_are_refused_with_the_real_codes(fakewa, wa):
    sara = fakewa.user("4917600000001", "Sara")
    sara.wrote_at()
    await wa.send_message(to=sara.wa_id, text="x" * 4096)
    with pytest.raises(wa_errors.WhatsAppError) as caught:
        await wa.send_message(to=sara.wa_id, text="x" * 4097)
    assert (
        caught.value.code == 100 and caught.value.status_code == 400 and type(caught.value) is wa_errors.WhatsAppError
    )
    assert "at most 4096 characters" in caught.value.message
    four = [Button(f"B{i}", f"b{i}") for i in range(4)]
    cases = [
        ({"buttons": four}, "Number of buttons"),
        ({"buttons": [Button("x" * 21, "a")]}, "Button title length invalid. Min length: 1, Max length: 20"),
        ({"buttons": [Button("Ja", "same"), Button("Nein", "same")]}, "unique ids"),
        ({"buttons": [Button("Ja", "a"), Button("Ja", "b")]}, "unique titles"),
        ({"buttons": [Button("Ja", "a")], "text": "y" * 1025}, "Body text length invalid"),
        ({"buttons": SectionList("x" * 21, [Section("S", [SectionRow("r", "r")])])}, "Button label length invalid"),
        ({"buttons": SectionList("Wahl", [Section("S" * 25, [SectionRow("r", "r")])])}, "Section title length"),
        ({"buttons": SectionList("Wahl", [Section("S", [SectionRow("r" * 25, "r")])])}, "Row title length invalid"),
        ({"buttons": SectionList("Wahl", [Section("S", [SectionRow("r", "r", "d" * 73)])])}, "Row description length"),
        (
            {
                "buttons": SectionList(
                    "Wahl", [Section(f"S{s}", [SectionRow(f"r{s}{i}", f"r{s}{i}") for i in range(6)]) for s in range(2)]
                )
            },
            "Total row count exceed max allowed count: 10",
        ),
    ]
    for kwargs, details in cases:
        with pytest.raises(wa_errors.InvalidParameter) as caught:
            await wa.send_message(to=sara.wa_id, text=kwargs.pop("text", "Bitte wählen"), **kwargs)
        assert caught.value.code == 131009 and details in caught.value.details, details
    rows = [SectionRow(f"Zeile {i}", f"row{i}", "d" * 72) for i in range(10)]
    await wa.send_message(to=sara.wa_id, text="Bitte wählen", buttons=SectionList("x" * 20, [Section("s" * 24, rows)]))
    assert len(sara.messages()) == 2 and len(sara.last().rows) == 10


async def test_free_form_outside_the_window_is_refused_and_templates_go(fakewa, wa, clock):
    tesfay = fakewa.user("4917600000002", "Tesfay")
    with pytest.raises(wa_errors.ReEngagementMessage) as caught:
        await wa.send_message(to=tesfay.wa_id, text="Erinnerung")  # never wrote: no window at all
    assert caught.value.code == 131047 and "24 hours" in caught.value.details
    tesfay.wrote_at()
    clock.advance(timedelta(hours=23, minutes=59))
    await wa.send_message(to=tesfay.wa_id, text="Noch im Fenster")
    clock.advance(timedelta(minutes=2))
    with pytest.raises(wa_errors.ReEngagementMessage):
        await wa.send_message(to=tesfay.wa_id, text="Zu spät", buttons=[Button("OK", "ok")])
    assert [v.shows for v in fakewa.window_violations] == ["Erinnerung", "Zu spät"]
    fakewa.template("appointment_reminder", "de", "Erinnerung: Ihr Termin ist am {{1}} um {{2}} Uhr.")
    await wa.send_template(
        to=tesfay.wa_id,
        name="appointment_reminder",
        language=TemplateLanguage.GERMAN,
        params=[BodyText.params("Dienstag, 1. Dezember", "10:00")],
    )
    assert tesfay.last().shows == "Erinnerung: Ihr Termin ist am Dienstag, 1. Dezember um 10:00 Uhr."
    assert tesfay.last().type == "template" and len(fakewa.window_violations) == 2


async def test_templates_must_be_registered_and_filled_right(fakewa, wa):
    nour = fakewa.user("4917600000003", "Nour")
    fakewa.template("team_answered", "ar", "وصل رد من الفريق. اكتب لنا لقراءته.")
    fakewa.template("appointment_reminder", "de", "Termin am {{1}} um {{2}}.")
    with pytest.raises(wa_errors.TemplateNotExists):
        await wa.send_template(to=nour.wa_id, name="team_answered", language=TemplateLanguage.PERSIAN)
    with pytest.raises(wa_errors.TemplateNotExists):
        await wa.send_template(to=nour.wa_id, name="no_such_template", language=TemplateLanguage.ARABIC)
    with pytest.raises(wa_errors.TemplateParamCountMismatch):
        await wa.send_template(
            to=nour.wa_id, name="appointment_reminder", language=TemplateLanguage.GERMAN, params=[BodyText.params("Di")]
        )
    with pytest.raises(wa_errors.WhatsAppError, match="new-line"):
        await wa.send_template(
            to=nour.wa_id,
            name="appointment_reminder",
            language=TemplateLanguage.GERMAN,
            params=[BodyText.params("Di\nMi", "10")],
        )
    await wa.send_template(to=nour.wa_id, name="team_answered", language=TemplateLanguage.ARABIC)
    assert nour.last().shows == "وصل رد من الفريق. اكتب لنا لقراءته." and fakewa.window_violations == []


async def test_media_upload_url_and_download_round_trip(fakewa, wa, clock):
    data = b"OggS" + bytes(range(256)) * 40
    media = await wa.upload_media(data, mime_type="audio/ogg", filename="voice.ogg")
    url = await wa.get_media_url(media.id)
    assert url.mime_type == "audio/ogg" and url.file_size == len(data)
    assert await wa.get_media_bytes(url.url) == data
    clock.advance(timedelta(minutes=6))  # media URLs last five minutes
    with pytest.raises(httpx.HTTPStatusError):
        await wa.get_media_bytes(url.url)
    async with httpx.AsyncClient() as anonymous:  # the URL alone is not enough: the token is needed
        fresh = (await wa.get_media_url(media.id)).url
        assert (await anonymous.get(fresh)).status_code == 401
    with pytest.raises(wa_errors.WhatsAppError, match="Received file of type 'text/calendar'") as caught:
        await wa.upload_media(b"BEGIN:VCALENDAR", mime_type="text/calendar", filename="termin.ics")
    assert caught.value.code == 100
    assert [c.endpoint for c in fakewa.calls if c.status == 200] == [
        "media_upload",
        "media_url",
        "media_download",
        "media_url",
    ]


async def test_injected_failures_raise_what_pywa_raises_for_the_real_ones(fakewa, wa):
    lina = fakewa.user("4917600000004", "Lina")
    lina.wrote_at()
    fakewa.fail("messages", 500)
    with pytest.raises(wa_errors.WhatsAppError) as caught:
        await wa.send_message(to=lina.wa_id, text="a")
    assert caught.value.status_code == 500 and caught.value.code == 1 and caught.value.is_transient
    fakewa.fail("messages", 502)  # a proxy's HTML page: pywa makes an error with the HTTP status as its code
    with pytest.raises(wa_errors.WhatsAppError) as caught:
        await wa.send_message(to=lina.wa_id, text="a")
    assert caught.value.status_code == 502 and caught.value.code == 502
    fakewa.fail("messages", "throughput")
    with pytest.raises(wa_errors.RateLimitHit) as caught:
        await wa.send_message(to=lina.wa_id, text="a")
    assert caught.value.code == 130429 and caught.value.status_code == 400
    assert isinstance(caught.value, wa_errors.ThrottlingError)
    fakewa.fail("messages", "pair_rate", status=429)
    with pytest.raises(wa_errors.TooManyMessages) as caught:
        await wa.send_message(to=lina.wa_id, text="a")
    assert caught.value.code == 131056 and caught.value.status_code == 429
    fakewa.fail("messages", "hang", hang_seconds=0.4)
    impatient = make_client(fakewa.base_url, timeout=0.1)
    with pytest.raises(httpx.TimeoutException):  # not a WhatsAppError: httpx's own
        await impatient.send_message(to=lina.wa_id, text="a")
    await impatient.api._session.aclose()
    await fakewa.wait_for(lambda: fakewa.calls_to("messages", ok_only=False)[-1].status == 504)
    wrong = make_client(fakewa.base_url, token="EAAwrong")
    with pytest.raises(wa_errors.ExpiredAccessToken):
        await wrong.send_message(to=lina.wa_id, text="a")
    await wrong.api._session.aclose()
    await wa.send_message(to=lina.wa_id, text="finally")
    assert [m.shows for m in lina.messages()] == ["finally"]
    assert [c.status for c in fakewa.calls_to("messages", ok_only=False)] == [500, 502, 400, 429, 504, 401, 200]


async def test_pair_rate_limit_refuses_bursts_to_one_person(fakewa, wa):
    omid, hana = fakewa.user("4917600000005", "Omid"), fakewa.user("4917600000006", "Hana")
    omid.wrote_at()
    hana.wrote_at()
    fakewa.pair_rate_limit(messages=2, seconds=0.3)
    await wa.send_message(to=omid.wa_id, text="1")
    await wa.send_message(to=omid.wa_id, text="2")
    with pytest.raises(wa_errors.TooManyMessages):
        await wa.send_message(to=omid.wa_id, text="3")
    await wa.send_message(to=hana.wa_id, text="other person, other pair")
    await asyncio.sleep(0.35)
    await wa.send_message(to=omid.wa_id, text="3 again")
    assert [m.shows for m in omid.messages()] == ["1", "2", "3 again"]


# -- receiving -------------------------------------------------------------------------------------------------


async def test_handshake_and_signatures(fakewa, receiver):
    assert await fakewa.verify_webhook(challenge="8675309") == (200, "8675309")
    assert (await fakewa.verify_webhook(verify_token="guess", challenge="1"))[0] == 403
    amal = fakewa.user("4917612345678", "Amal")
    for signature in ("wrong", "missing", "sha256=" + "0" * 64):
        assert (await amal.says("مرحبا", signature=signature)).status == 401
    assert receiver.updates == []
    delivery = await amal.says("مرحبا، متى يفتح المكتب؟")
    assert delivery.status == 200 and b"\\u0645" in delivery.body  # Meta escapes non-ASCII (and slashes)
    assert json.dumps(json.loads(delivery.body)).encode() != delivery.body  # so sign the raw bytes, not a re-dump
    assert delivery.signature == sign(delivery.body, APP_SECRET)
    (message,) = receiver.updates
    assert isinstance(message, Message) and message.text == "مرحبا، متى يفتح المكتب؟" and message.id == delivery.wamid
    assert message.from_user.wa_id == "4917612345678" and message.from_user.name == "Amal"
    assert message.from_user.bsuid.startswith("DE.") and message.timestamp == NOW


async def test_every_kind_of_message_parses_into_pywa_types(fakewa, wa, receiver):
    farid = fakewa.user("4917600000007", "Farid")
    farid.wrote_at()
    await wa.send_message(to=farid.wa_id, text="Termin?", buttons=[Button("Ja", "book:yes"), Button("Nein", "book:no")])
    question = farid.last()
    await wa.send_message(
        to=farid.wa_id,
        text="Büro?",
        buttons=SectionList("Büros", [Section("Nord", [SectionRow("Brackel", "office:brackel", "Di")])]),
    )
    voice = b"OggS-voice-note" * 100
    await farid.presses("book:yes")
    await farid.chooses("office:brackel")
    await farid.sends_voice(voice)
    await farid.sends_image(b"\xff\xd8\xff-jpeg", caption="Brief vom Amt")
    await farid.sends_document(b"%PDF-1.4", "bescheid.pdf")
    await farid.sends_location(51.5136, 7.4653, name="Hauptbahnhof")
    await farid.sends_contact("Maryam Ahmadi", "+49 176 1111111")
    with pytest.raises(AssertionError, match="never sent"):
        await farid.presses("book:maybe")
    button, selection, audio, image, document, location, contact = receiver.updates
    assert isinstance(button, CallbackButton) and button.data == "book:yes" and button.title == "Ja"
    assert button.reply_to_message.id == question.wamid
    assert isinstance(selection, CallbackSelection) and (selection.data, selection.description) == (
        "office:brackel",
        "Di",
    )
    assert audio.audio.voice is True and await audio.audio.get_bytes() == voice
    assert image.image.mime_type == "image/jpeg" and image.caption == "Brief vom Amt"
    assert document.document.filename == "bescheid.pdf" and await document.document.get_bytes() == b"%PDF-1.4"
    assert (location.location.latitude, location.location.name) == (51.5136, "Hauptbahnhof")
    assert contact.contacts[0].name.formatted_name == "Maryam Ahmadi"
    await wa.mark_message_as_read(audio.id)
    assert fakewa.read_marks == [audio.id]


async def test_duplicates_are_claimed_once_and_statuses_arrive_for_sent_messages(fakewa, wa, receiver):
    hana = fakewa.user("4917600000006", "Hana")
    first = await hana.says("Hallo")
    again = await fakewa.redeliver(first)
    assert again.status == 200 and again.body == first.body and len(receiver.updates) == 1
    sent = await wa.send_message(to=hana.wa_id, text="Willkommen!")
    for status in ("sent", "delivered", "read"):
        await fakewa.status(sent.id, status)
    assert [(s["id"], s["status"]) for s in receiver.statuses] == [
        (sent.id, "sent"),
        (sent.id, "delivered"),
        (sent.id, "read"),
    ]
    fakewa.auto_statuses = ("sent", "delivered")
    second = await wa.send_message(to=hana.wa_id, text="Noch etwas")
    await fakewa.settle()
    assert [s["status"] for s in receiver.statuses if s["id"] == second.id] == ["sent", "delivered"]


async def test_failed_statuses_carry_typed_errors(fakewa, wa, receiver, clock):
    fakewa.window = "status"  # the live API mostly accepts, then fails the message by webhook
    gone = fakewa.user("4917600000008", "Gone")
    gone.wrote_at()
    fakewa.undeliverable(gone.wa_id)
    late = fakewa.user("4917600000009", "Late")
    late.wrote_at(NOW - timedelta(hours=26))
    stranger = await wa.send_message(to="+49 176 99999999", text="Hallo?")  # not on WhatsApp
    undelivered = await wa.send_message(to=gone.wa_id, text="Hallo")
    outside = await wa.send_message(to=late.wa_id, text="Erinnerung")
    await fakewa.settle()
    errors = {s["id"]: s["error"] for s in receiver.statuses if s["status"] == "failed"}
    assert isinstance(errors[stranger.id], wa_errors.MessageUndeliverable)
    assert isinstance(errors[undelivered.id], wa_errors.MessageUndeliverable)
    assert isinstance(errors[outside.id], wa_errors.ReEngagementMessage)
    assert [v.wamid for v in fakewa.window_violations] == [stranger.id, outside.id]


async def test_batched_statuses_all_reach_the_receiver(fakewa, wa, receiver):
    zara = fakewa.user("4917600000010", "Zara")
    zara.wrote_at()
    one = await wa.send_message(to=zara.wa_id, text="eins")
    two = await wa.send_message(to=zara.wa_id, text="zwei")
    await fakewa.statuses_batch([(one.id, "delivered"), (two.id, "delivered")])
    await fakewa.statuses_batch([(one.id, "read"), (two.id, "read")], as_entries=True)
    assert [(s["id"], s["status"]) for s in receiver.statuses] == [
        (one.id, "delivered"),
        (two.id, "delivered"),
        (one.id, "read"),
        (two.id, "read"),
    ]


# -- what pywa itself does with these payloads (canaries: they fail when pywa changes, then simplify the channel)


async def test_pywa_dispatches_a_raw_body_without_its_server_integration(fakewa, wa):
    got: list[Message] = []

    @wa.on_message()
    async def on_message(_: WhatsApp, message: Message) -> None:
        got.append(message)

    amal = fakewa.user("4917612345678", "Amal")
    payload = fakewa.message_payload(amal, "text", {"text": {"body": "Salam"}})
    body = encode(payload)
    assert await wa.webhook_update_validator(body, sign(body, APP_SECRET)) is None
    assert await wa.webhook_update_validator(body, sign(body, "other secret")) == ("Forbidden", 403)
    assert await wa.webhook_update_validator(body, None) == ("Unauthorized", 401)
    assert await wa.webhook_update_handler(body) == ("ok", 200)
    assert [m.text for m in got] == ["Salam"]


async def test_pywa_reads_only_the_first_item_of_a_batched_payload(fakewa, wa):
    seen: list[str] = []

    @wa.on_message_status()
    async def on_status(_: WhatsApp, status: MessageStatus) -> None:
        seen.append(status.id)

    zara = fakewa.user("4917600000010", "Zara")
    zara.wrote_at()
    one = await wa.send_message(to=zara.wa_id, text="eins")
    two = await wa.send_message(to=zara.wa_id, text="zwei")
    values = [fakewa.status_value(fakewa.find(one.id), "read"), fakewa.status_value(fakewa.find(two.id), "read")]
    combined = {"statuses": [v["statuses"][0] for v in values], "contacts": [v["contacts"][0] for v in values]}
    await wa.webhook_update_handler(
        encode(envelope(fakewa.waba_id, fakewa.phone_id, fakewa.display_number, [combined]))
    )
    assert seen == [one.id]  # the second status is dropped: split batches before handing them to pywa


async def test_pywa_needs_contacts_and_bsuids_in_the_payload(fakewa, wa):
    fakewa.webhook_url = "http://127.0.0.1:9/unused"  # the fake's own failed status goes nowhere here
    gone = fakewa.user("4917600000008", "Gone")
    gone.wrote_at()
    fakewa.undeliverable(gone.wa_id)
    sent = await wa.send_message(to=gone.wa_id, text="Hallo")
    value = fakewa.status_value(fakewa.find(sent.id), "failed", 131026)
    assert value["contacts"] == [{"wa_id": gone.wa_id}]  # how Meta sends an undeliverable one (pywa#227)
    status = MessageStatus.from_update(
        wa, RawUpdate(encode(envelope_of(fakewa, value)), hmac_header=None, update_hash="x")
    )
    assert isinstance(status.error, wa_errors.MessageUndeliverable) and status.from_user.bsuid is None  # fixed in 4.5
    fakewa.include_bsuid = False  # the shape of Meta's older documentation: no "user_id", statuses without contacts
    classic_status = encode(envelope_of(fakewa, fakewa.status_value(fakewa.find(sent.id), "read")))
    with pytest.raises(KeyError, match="contacts"):
        MessageStatus.from_update(wa, RawUpdate(classic_status, hmac_header=None, update_hash="y"))
    amal = fakewa.user("4917612345678", "Amal")
    classic = encode(fakewa.message_payload(amal, "text", {"text": {"body": "hi"}}))
    with pytest.raises(KeyError, match="user_id"):
        Message.from_update(wa, RawUpdate(classic, hmac_header=None, update_hash="z"))


async def test_pywa_errors_turn_into_type_errors_in_contextlib_blocks(fakewa, wa):
    """pywa's errors are frozen, slotted dataclasses; on Python 3.11 contextlib cannot set their __traceback__
    (CPython gh-90055), so one escaping an @asynccontextmanager block (as store.transaction() is) becomes a
    TypeError. The channel must catch pywa errors where it calls pywa, outside such blocks."""
    hana = fakewa.user("4917600000006", "Hana")

    @contextlib.asynccontextmanager
    async def transaction():
        yield

    with pytest.raises(TypeError, match="super"):
        async with transaction():
            await wa.send_message(to=hana.wa_id, text="outside the window")
    with pytest.raises(wa_errors.ReEngagementMessage):
        await wa.send_message(to=hana.wa_id, text="outside the window")


def envelope_of(fakewa: FakeWhatsApp, value: dict[str, Any]) -> dict[str, Any]:
    return envelope(fakewa.waba_id, fakewa.phone_id, fakewa.display_number, [value])
