"""People's rights over their data, through the real engine and SQLite: answers first and consent at the moment of need, /privacy, /mydata,
/delete, retention; and hostile input (forged buttons, floods, over-long text, unsafe names)."""

import json
from datetime import timedelta

from booking_helpers import book, first, start, walk_to_times
from conftest import agree

from bot.bidi import strip_isolates
from bot.models import Incoming

CH = "test"


def text(user: str, message: str, hint: str | None = None) -> Incoming:
    return Incoming(CH, user, "text", text=message, lang_hint=hint)


def press(user: str, action: str, first_name: str = "Amina") -> Incoming:
    return Incoming(CH, user, "action", action=action, meta={"first_name": first_name})


def command(user: str, name: str, arg: str = "", hint: str | None = None) -> Incoming:
    return Incoming(CH, user, "command", action=name, text=arg, lang_hint=hint)


def actions(reply) -> list[str]:
    return [b.action for row in reply.buttons for b in row]


async def rows_of(store) -> dict[str, list[dict]]:
    return await store.table_rows()


async def test_a_first_message_gets_the_answer_and_nothing_about_the_person_is_stored(engine, store):
    [answer] = await engine.handle(text("p1", "متى يفتح المكتب؟"))
    assert answer.lang == "ar"
    plain = strip_isolates(answer.text)
    assert "09:00" in plain  # the opening hours, in the first reply
    assert plain.rstrip().endswith(
        engine.translators["ar"].gettext(
            "I store nothing about you unless you book an appointment or write to the team."
        )
    )
    assert "faq:privacy.new" in actions(answer) and "consent:yes" not in actions(answer)
    [notice] = await engine.handle(press("p1", "faq:privacy.new"))  # the full notice, a tap away
    assert "/mydata" in strip_isolates(notice.text) and "90" in notice.text
    [unsure] = await engine.handle(text("p1", "سؤال غريب جدا عن الفضاء"))
    assert "staff" in actions(unsure)
    tables = await rows_of(store)
    [person] = tables["people"]
    assert person["language"] == "ar" and person["news"] is None and tables["consents"] == []
    for table in ("appointments", "tickets", "relay", "slot_watches", "event_reminders"):
        assert tables[table] == [], table
    assert [q["text"] for q in tables["unresolved_questions"]] == [""]  # counted, the text not kept
    assert "الفضاء" not in repr(tables)


STORING_BUTTONS = {  # a button that would store something -> what its OK button carries
    "staff": "ok:staff",
    "news:on": "ok:news:on",
    "hv:yes": "ok:hv:yes",
    "wt:brackel:20261126": "ok:wt:brackel:20261126",
    "ev:r:1": "ok:ev:r:1",
}


async def test_buttons_that_store_ask_first_and_no_stores_nothing(engine, store):
    await engine.events.seed(list(engine.content.event_seeds))
    await engine.handle(text("p2", "hello"))
    before = await rows_of(store)
    for action, ok in STORING_BUTTONS.items():
        [question] = await engine.handle(press("p2", action))
        assert ok in actions(question) and "consent:no" in actions(question), action
        assert "faq:privacy.new" in actions(question)
        assert len(question.text.split(". ")) <= 3  # two short sentences
        [menu] = await engine.handle(press("p2", "consent:no"))
        assert "hours" in actions(menu)
    after = await rows_of(store)
    for table in ("consents", "tickets", "relay", "slot_watches", "event_reminders", "appointments"):
        assert after[table] == before[table] == [], table
    assert after["people"][0]["news"] is None and not after["people"][0]["staff_mode"]


async def test_a_forged_long_press_that_would_need_consent_gets_the_menu(engine, store):
    """Found by the channel fuzz: the OK button could not carry a forged 60-byte action on (64-byte limit)."""
    await engine.handle(text("p3", "hello"))
    [reply] = await engine.handle(press("p3", "wt:" + "1 " * 30))
    assert "hours" in actions(reply) and "consent:no" not in actions(reply)
    assert (await rows_of(store))["consents"] == []


async def test_a_booking_started_without_consent_asks_once_and_goes_on_after_ok(engine, store):
    await engine.handle(command("p3", "start", hint="en"))
    times = await walk_to_times(engine, "p3")
    [topics] = await engine.handle(press("p3", first(times, "bk:p:")))
    [interpreters] = await engine.handle(press("p3", first(topics, "bk:i:")))
    [summary] = await engine.handle(press("p3", first(interpreters, "bk:s:")))
    confirm = first(summary, "bk:c:")
    [question] = await engine.handle(press("p3", confirm))
    assert "first name" in question.text and f"ok:{confirm}" in actions(question)
    person = await store.get_person(CH, "p3")
    assert await store.future_appointments(person.id, engine.clock.now()) == []
    [booked] = await engine.handle(press("p3", f"ok:{confirm}"))
    assert "booked" in booked.text and booked.attachments  # the booking went on where it was
    assert len(await store.future_appointments(person.id, engine.clock.now())) == 1
    # Consent given once covers the next booking of the same kind: no question this time.
    times = await walk_to_times(engine, "p3", day_index=1)
    [topics] = await engine.handle(press("p3", first(times, "bk:p:")))
    [interpreters] = await engine.handle(press("p3", first(topics, "bk:i:")))
    [summary] = await engine.handle(press("p3", first(interpreters, "bk:s:")))
    [booked] = await engine.handle(press("p3", first(summary, "bk:c:")))
    assert "booked" in booked.text


async def test_a_question_to_a_person_asks_once_then_forwards_what_was_typed(engine, store):
    await engine.handle(text("p5", "Kann ich bei euch mein Fahrrad reparieren lassen?"))
    [unsure] = await engine.handle(text("p5", "Wer hilft mir mit meinem Fahrradschloss?"))
    assert "staff" in actions(unsure)
    [question] = await engine.handle(press("p5", "staff"))
    assert "ok:staff" in actions(question)
    [told] = await engine.handle(press("p5", "ok:staff"))
    assert "team" in told.text.lower()
    person = await store.get_person(CH, "p5")
    assert person.staff_mode and "team" in person.consents
    ticket = await store.open_ticket_of(person.id)
    texts = [r.text or "" for r in await store.relay_rows(ticket.id)]
    assert "Wer hilft mir mit meinem Fahrradschloss?" in texts  # the question they typed goes to the team
    # What they write now goes to the team, without asking again.
    assert await engine.handle(text("p5", "Danke!")) == []
    assert "Danke!" in [r.text for r in await store.relay_rows(ticket.id)]


async def test_privacy_command_and_privacy_question_say_the_same(engine):
    await agree(engine, "p4", hint="en")
    [by_command] = await engine.handle(command("p4", "privacy"))
    [by_question] = await engine.handle(text("p4", "What does the chat store about me? data protection"))
    assert by_command.text == by_question.text
    assert {"mydata", "del"} <= set(actions(by_command))


async def test_mydata_sends_everything_stored_as_a_readable_file(engine, store):
    await start(engine, "p5", "en")
    await engine.handle(text("p5", "Which bicycle shop repairs a blue bicycle cheaply near the lake?"))
    await book(engine, "p5")
    [reply] = await engine.handle(command("p5", "mydata"))
    [file] = reply.attachments
    body = file.data.decode()
    assert file.filename.endswith(".txt") and file.mime == "text/plain"
    assert "Everything we store about you" in body
    assert "blue bicycle" in body  # the question it could not answer
    assert "brackel" in body and "Amina" in body  # the appointment and its first name
    data = json.loads(body.split("-- JSON --", 1)[1])
    assert data["people"][0]["user_id"] == "p5" and len(data["appointments"]) == 1


async def test_delete_asks_first_and_an_old_confirmation_does_nothing(engine, store, clock):
    await agree(engine, "p6", hint="en")
    [question] = await engine.handle(command("p6", "delete"))
    confirm = next(a for a in actions(question) if a.startswith("del:yes:"))
    clock.advance(timedelta(minutes=20))
    [again] = await engine.handle(press("p6", confirm))
    assert await store.get_person(CH, "p6") is not None
    assert any(a.startswith("del:yes:") for a in actions(again))
    forged = confirm.rsplit(":", 1)[0] + ":99999999999"  # a stamp from the future
    await engine.handle(press("p6", forged))
    assert await store.get_person(CH, "p6") is not None


async def test_delete_removes_every_trace_and_keeps_only_counts(engine, store, clock):
    await start(engine, "p7", "ar")
    await engine.handle(text("p7", "جاري اسمه حسن خليل يصرخ كل ليلة"))
    await book(engine, "p7", first_name="Yusuf")
    await engine.handle(press("p7", "news:on"))
    await engine.handle(text("p7", "متى يفتح المكتب؟"))
    await engine.handle(press("p7", "staff"))
    await engine.handle(start_other := press("p8", "consent:yes"))  # someone else, who stays
    assert start_other
    person = await store.get_person(CH, "p7")
    before = await rows_of(store)
    assert before["tickets"] and before["appointments"] and before["unresolved_questions"]
    ticket_ids = {t["id"] for t in before["tickets"] if t["person_id"] == person.id}

    [question] = await engine.handle(command("p7", "delete"))
    [done] = await engine.handle(press("p7", next(a for a in actions(question) if a.startswith("del:yes:"))))
    assert done.lang == "ar"

    after = await rows_of(store)
    traces = ["p7", "Yusuf", "حسن خليل", "يصرخ"]
    for table, rows in after.items():
        for row in rows:
            assert row.get("person_id") != person.id, (table, row)
            if table in ("tickets",):
                assert row["id"] not in ticket_ids
            if table == "relay":
                assert row["ticket_id"] not in ticket_ids
            for value in row.values():
                assert not any(t in str(value) for t in traces if value is not None), (table, row)
    assert [p["user_id"] for p in after["people"]] == ["p8"]
    counts: dict[str, int] = {}
    for row in after["figure_counts"]:
        counts[row["metric"]] = counts.get(row["metric"], 0) + row["value"]
    assert counts["people"] == 1 and counts["appointments_booked"] == 1 and counts["tickets"] == 1
    assert counts["unresolved"] == 1 and counts["faq:opening_hours"] == 1
    assert {r["office_id"] for r in after["figure_counts"] if r["metric"] == "appointments_booked"} == {"brackel"}
    # Staff are told (no name, nothing the person wrote): the cancelled appointment and the closed ticket.
    [notice] = [r for r in after["outbox"] if r["kind"] == "erased"]
    ref = json.loads(notice["ref"])
    assert ref["tickets"] == sorted(ticket_ids) and ref["cancelled"][0]["office"] == "brackel"
    # The freed slot can be booked again by someone else.
    await start(engine, "p9", "en")
    booked = await book(engine, "p9")
    assert booked.attachments


async def test_retention_purges_old_contents_and_removes_long_inactive_people(engine, store, clock, caplog):
    await start(engine, "old", "en")
    await engine.handle(
        text("old", "My lawyer Hassan Khalil says my asylum case is still open, when will the BAMF decide?")
    )
    await engine.handle(press("old", "staff"))
    ticket = await store.open_ticket_of((await store.get_person(CH, "old")).id)
    await store.close_ticket(ticket.id, clock.now())
    await start(engine, "recent", "en")
    clock.advance(timedelta(days=100))
    await engine.handle(text("recent", "My friend Mr Bauer asks: when will my residence permit be extended?"))
    caplog.set_level("INFO")
    counts = await engine.privacy.retention_if_due()
    assert counts["questions"] == 1 and counts["ticket_subjects"] == 1 and counts["people_removed"] == 0
    tables = await rows_of(store)
    assert not any("Hassan" in str(r) for t in tables.values() for r in t)
    assert any("Bauer" in r["text"] for r in tables["unresolved_questions"])  # recent: kept
    assert await engine.privacy.retention_if_due() is None  # once a day
    assert not any("Hassan" in rec.getMessage() or "Bauer" in rec.getMessage() for rec in caplog.records)
    assert any("retention:" in rec.getMessage() for rec in caplog.records)
    clock.advance(timedelta(days=300))  # "old" was last here 400 days ago, "recent" 300 days ago
    counts = await engine.privacy.retention_if_due()
    assert counts["people_removed"] == 1
    assert [p["user_id"] for p in (await rows_of(store))["people"]] == ["recent"]


async def test_flooding_is_throttled_per_person_without_slowing_others(engine, clock):
    await agree(engine, "flood", hint="en")
    await agree(engine, "calm", hint="en")
    answered, told, silent = 0, 0, 0
    for i in range(100):
        replies = await engine.handle(text("flood", f"where is the office {i}"))
        if not replies:
            silent += 1
        elif "⏳" in replies[0].text:
            told += 1
        else:
            answered += 1
    assert told == 1 and silent == 100 - answered - 1 and answered < 45
    [calm] = await engine.handle(text("calm", "where is the office"))
    assert "Brackeler Hellweg" in strip_isolates(calm.text)
    clock.advance(timedelta(seconds=30))
    [later] = await engine.handle(text("flood", "where is the office"))
    assert "Brackeler Hellweg" in strip_isolates(later.text)


async def test_over_long_input_is_cut_with_a_note(engine, store):
    await agree(engine, "long", hint="en")
    question = "When will the BAMF decide my asylum case? " + "blah " * 2000
    [reply] = await engine.handle(text("long", question))
    assert reply.text.startswith("✂️")
    [stored] = (await rows_of(store))["unresolved_questions"]
    assert len(stored["text"]) <= 1000


async def test_names_lose_bidi_overrides_and_control_characters(engine, store):
    await start(engine, "name", "en")
    await book(engine, "name", first_name="\u202eanimA\u0000\u200f Evil\n/agenda")
    [appointment] = (await rows_of(store))["appointments"]
    assert appointment["first_name"] == "animA Evil /agenda"


async def test_staff_commands_from_a_person_give_the_menu(engine):
    await agree(engine, "nosy", hint="en")
    for name in ("agenda", "audit", "ban", "announce", "close"):
        [reply] = await engine.handle(command("nosy", name))
        assert "How can I help you?" in reply.text and "hours" in actions(reply), name


async def test_text_that_looks_like_sql_is_stored_as_written(engine, store):
    await agree(engine, "sql", hint="en")
    evil = "Robert'); DROP TABLE people;-- when will the BAMF decide my asylum case?"
    await engine.handle(text("sql", evil))
    tables = await rows_of(store)
    assert tables["people"] and tables["unresolved_questions"][0]["text"] == evil


def test_every_language_states_the_rights_and_the_retention_periods(content, tmp_path):
    import shutil

    from bot.content import PRIVACY_TOKENS, ContentError, load_content

    for lang in ("de", "en", "ar", "fa", "ti"):
        answer = content.texts[lang].faq["privacy"].answer
        assert all(token in answer for token in PRIVACY_TOKENS), lang
    # Content whose notice forgets a right does not start.
    copy = tmp_path / "content"
    shutil.copytree(content.source, copy)
    path = copy / "texts" / "fa.yaml"
    path.write_text(path.read_text().replace("/delete", "/remove"))
    try:
        load_content(copy)
        raise AssertionError("content without /delete in the privacy notice was accepted")
    except ContentError as exc:
        assert "texts/fa.yaml: faq.privacy.answer: must contain /delete" in str(exc)


def test_every_sql_statement_is_a_constant_string():
    """Parameters go through `?`, never into the SQL text; the one exception reads table names from SQLite."""
    import ast

    from conftest import ROOT

    dynamic = []
    for path in sorted((ROOT / "storage" / "sqlite").glob("*.py")):
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Call) and getattr(node.func, "attr", "") in (
                "execute",
                "executemany",
                "_rows",
                "_one",
                "_write",
                "_many",
                "_count",
            ):
                sql = node.args[0] if node.args else None
                if sql is not None and not (isinstance(sql, ast.Constant) or isinstance(sql, ast.Name)):
                    dynamic.append(f"{path.name}: {ast.unparse(sql)}")
    # Savepoint names cannot be parameters: they are made from a counter of ours, never from input.
    assert dynamic == [
        "__init__.py: f'SELECT * FROM \"{name}\"'",
        "base.py: f'SAVEPOINT {name}'",
        "base.py: f'RELEASE {name}'",
        "base.py: f'ROLLBACK TO {name}'",
        "base.py: f'RELEASE {name}'",
    ], dynamic


async def test_staff_audit_records_who_did_what_without_content(store, clock):
    from bot import audit
    from bot.i18n import load_translators
    from bot.models import Actor

    await audit.record(store, clock.now(), Actor("42", "Lena"), "ticket_closed", "#7", "brackel")
    await audit.record(store, clock.now(), None, "ticket_closed", "#8")  # no actor: nothing to record
    reply = await audit.listing(store, load_translators()["en"], clock.now().tzinfo)
    assert reply.text.splitlines()[1].endswith("Lena (42) · closed a ticket #7")
    assert len(reply.text.splitlines()) == 2
