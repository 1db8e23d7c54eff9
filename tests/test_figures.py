"""The monthly figures: counted from what the core stored, equal to what a month of activity made, the same
after people are erased, aggregates only."""

import asyncio
import csv
import io
import shutil
import statistics
from pathlib import Path

import pytest
from month_activity import PEOPLE, UNANSWERABLE, Expected

from bot import figures as f
from bot.report import build_report
from handlers.cli import main
from storage.sqlite import SqliteStore


@pytest.fixture
async def store(made_month, tmp_path: Path):
    copy = tmp_path / "test.sqlite3"
    shutil.copyfile(made_month[1], copy)
    store = await SqliteStore.open(copy)
    yield store
    await store.close()


@pytest.fixture
def month(made_month) -> Expected:
    return made_month[0]


async def test_the_report_matches_the_month_the_fixture_made(month, store, content, translators):
    report = await build_report(store, content, translators["de"], "2026-10")
    now, before = report.current, report.previous
    assert now.totals[f.PEOPLE] == len(month.active["2026-10"]) == len(PEOPLE)
    assert now.totals[f.CHATS] == month.chat_days["2026-10"]
    assert now.totals[f.TICKETS] == month.tickets["2026-10"] == 6
    assert now.totals[f.TICKETS_CLOSED] == month.tickets_closed["2026-10"] == 6
    assert now.totals[f.RATING_UP] == month.ratings["up"] == 4
    assert now.totals[f.RATING_DOWN] == month.ratings["down"] == 1
    assert now.totals[f.RATING_NONE] == month.ratings["none"] == 1
    assert now.totals[f.ATTENDED] == month.attended["2026-10"] == 6
    assert now.totals[f.MISSED] == month.missed["2026-10"] == 2
    assert now.totals[f.HOME_VISITS] == month.home_visits["2026-10"] == 2
    assert now.totals[f.BOOKED] == month.booked["2026-10"] == 10
    assert now.totals[f.UNRESOLVED] == month.unresolved["2026-10"] == 8
    assert now.contacts == month.chat_days["2026-10"] + 6 + 6 + 2
    assert now.topics == month.topics["2026-10"]
    assert now.median_answer_minutes == statistics.median(month.answer_minutes) == 32.5
    assert now.languages == month.languages
    assert now.offices == month.offices
    assert before.totals[f.PEOPLE] == len(month.active["2026-09"]) == 3
    assert before.totals[f.CHATS] == month.chat_days["2026-09"]
    assert before.topics == month.topics["2026-09"]

    table = report.table()
    assert "Oktober 2026" in table and "September 2026" in table
    assert "32 min" in table  # the median (32.5 shown rounded)
    people_line = next(line for line in table.splitlines() if line.startswith(report.tr.gettext("Distinct people")))
    assert people_line.split()[-2:] == ["13", "<5"]  # September's 3 people are shown as <5


async def test_an_office_report_counts_that_offices_people_only(month, store, content, translators):
    report = await build_report(store, content, translators["de"], "2026-10", "aplerbeck")
    assert report.current.totals[f.PEOPLE] == month.offices["aplerbeck"] == 3
    assert report.current.totals[f.ATTENDED] == 0  # everyone booked at Brackel
    assert "Aplerbeck" in report.table()


async def test_the_report_shows_aggregates_only(month, store, content, translators):
    report = await build_report(store, content, translators["de"], "2026-10")
    written = report.csv_bytes().decode("utf-8-sig") + report.table() + report.chat_text()
    for user, _lang, _office in PEOPLE:
        person = await store.get_person("test", user)
        assert user not in written and f"#{person.id} " not in written
    for question in UNANSWERABLE:
        assert question not in written
    rows = list(csv.reader(io.StringIO(report.csv_bytes().decode("utf-8-sig"))))
    assert rows[0] == ["section", "item", "label", "2026-10", "2026-09"]
    counts = [value for row in rows[1:] for value in row[3:] if value.isdigit()]
    assert counts and all(int(value) == 0 or int(value) >= f.SMALL for value in counts)
    by_item = {(row[0], row[1]): row[3:] for row in rows[1:]}
    assert by_item[("total", "home_visits")] == ["<5", "0"]
    assert by_item[("total", "people")] == ["13", "<5"]
    assert by_item[("language", "ar")] == ["5", "<5"]
    assert by_item[("total", "median_first_answer")] == ["32 min", "–"]


async def test_each_persons_figures_add_up_to_the_live_figures(month, store):
    people = [await store.get_person("test", user) for user, _l, _o in PEOPLE]
    parts = [await store.person_figures(person.id) for person in people]
    assert f.add_up(*parts) == await store.live_figures()
    assert ("2026-10", "brackel", "ar", f.PEOPLE, 1) in parts[0]


async def test_erasing_people_after_keeping_their_figures_leaves_the_report_unchanged(
    month, store, content, translators
):
    before = await build_report(store, content, translators["de"], "2026-10")
    for user in ("p01", "p04", "p11"):
        person = await store.get_person("test", user)
        await store.add_figure_counts(await store.person_figures(person.id))
        await store._write("DELETE FROM people WHERE id = ?", (person.id,))
    assert await store.get_person("test", "p01") is None
    assert not await store._rows("SELECT 1 FROM activity a LEFT JOIN people p ON p.id = a.person_id WHERE p.id IS NULL")
    after = await build_report(store, content, translators["de"], "2026-10")
    assert after.current == before.current and after.previous == before.previous
    assert after.csv_bytes() == before.csv_bytes()
    live_people = f.month_figures(await store.live_figures(), "2026-10").totals[f.PEOPLE]
    assert live_people == len(PEOPLE) - 3  # the kept rows make up the difference


def test_months_are_read_in_both_usual_ways():
    assert f.parse_month("2026-10") == f.parse_month("10.2026") == f.parse_month("10/2026") == "2026-10"
    assert f.parse_month("2026-13") is None and f.parse_month("Oktober") is None
    assert f.previous_month("2026-01") == "2025-12"
    assert [f.shown(n) for n in (0, 1, 4, 5, 12)] == ["0", "<5", "<5", "5", "12"]


async def test_willkommen_report_prints_the_table_and_writes_csv_and_charts(
    month, store, tmp_path, monkeypatch, capsys
):
    monkeypatch.setenv("WILLKOMMEN_DB", store.path)
    out = tmp_path / "report"
    code = await asyncio.to_thread(main, ["report", "--month", "2026-10", "--out", str(out)])
    printed = capsys.readouterr().out
    assert code == 0
    assert "Oktober 2026" in printed and "September 2026" in printed
    names = sorted(p.name for p in out.iterdir())
    assert names == [
        "lokal-willkommen-2026-10-contacts.png",
        "lokal-willkommen-2026-10-people.png",
        "lokal-willkommen-2026-10-topics.png",
        "lokal-willkommen-2026-10.csv",
    ]
    for name in names:
        assert f"written: {out / name}" in printed
    for png in out.glob("*.png"):
        data = png.read_bytes()
        assert data.startswith(b"\x89PNG") and len(data) > 10_000
    assert "13" in (out / "lokal-willkommen-2026-10.csv").read_text(encoding="utf-8-sig")


def test_willkommen_report_refuses_a_bad_month_or_office(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("WILLKOMMEN_DB", str(tmp_path / "db.sqlite3"))
    assert main(["report", "--month", "Oktober"]) == 2
    assert main(["report", "--month", "2026-10", "--office", "nowhere"]) == 2
    errors = capsys.readouterr().err
    assert "2026-10" in errors and "brackel" in errors
