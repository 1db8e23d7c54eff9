import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from conftest import ROOT, child_env

from bot.config import bundled_content_dir
from bot.content import REQUIRED_FAQ_IDS, ContentError, load_content
from bot.languages import LANGUAGES
from bot.matcher import Matcher, content_examples


@pytest.fixture
def content_copy(tmp_path: Path) -> Path:
    target = tmp_path / "content"
    shutil.copytree(bundled_content_dir(), target, ignore=shutil.ignore_patterns("__pycache__", "*.py"))
    return target


def edit_yaml(path: Path, change) -> None:
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    change(data)
    path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")


def test_sample_content_covers_the_network(content):
    assert set(content.offices) == {"brackel", "aplerbeck", "huckarde_mengede", "hoerde_hombruch"}
    partners = {o.id: o.partner for o in content.offices.values()}
    assert "Caritas" in partners["brackel"] and "Caritas" in partners["aplerbeck"]
    assert "Diakon" in partners["huckarde_mengede"] and "AWO" in partners["hoerde_hombruch"]
    assert set(REQUIRED_FAQ_IDS) <= set(content.faq_ids)
    for lang in LANGUAGES:
        assert set(content.texts[lang].faq) == set(content.faq_ids), lang
        assert {o.id for o in content.offers} == set(content.texts[lang].offers), lang
    assert {o.category for o in content.offers} >= {"counselling", "language", "letters", "clothes"}


def test_unconfirmed_facts_are_marked_as_unconfirmed(content):
    for office in content.offices.values():
        assert office.is_unconfirmed("hours") and office.is_unconfirmed("phone"), office.id
        assert office.source, office.id
    assert not content.offices["brackel"].is_unconfirmed("address")  # the Brackel address has a source


def test_every_problem_is_reported_at_once_with_file_and_key_path(content_copy: Path):
    def break_offices(data):
        data["offices"][0]["hours"]["mon"] = ["9-13"]
        data["offices"][1]["email"] = "not-an-address"
        data["offices"][2]["hours"]["tue"] = ["16:00-13:00"]

    def break_offers(data):
        data["offers"][0]["offices"] = ["nowhere"]
        data["offers"][1]["category"] = "magic"

    edit_yaml(content_copy / "offices.yaml", break_offices)
    edit_yaml(content_copy / "offers.yaml", break_offers)
    edit_yaml(content_copy / "texts" / "de.yaml", lambda d: d["faq"].pop("emergency"))
    (content_copy / "texts" / "fa.yaml").write_text("language: fa\nfaq: [unclosed\n", encoding="utf-8")

    with pytest.raises(ContentError) as caught:
        load_content(content_copy)
    problems = caught.value.problems
    text = "\n".join(problems)
    assert "offices.yaml: offices[0].hours.mon[0]: '9-13' is not a time range like 09:00-13:00" in text
    assert "offices.yaml: offices[1].email:" in text
    assert "offices.yaml: offices[2].hours.tue[0]: ends at 13:00, not after it starts at 16:00" in text
    assert "offers.yaml: offers[0].offices[0]: unknown office 'nowhere'" in text
    assert "offers.yaml: offers[1].category: 'magic' is not allowed" in text
    assert "texts/de.yaml: faq.emergency: missing (a required FAQ id)" in text
    assert "texts/fa.yaml: line " in text and "not valid YAML" in text
    assert len(problems) >= 7


def test_a_missing_translation_in_a_closure_reason_is_invalid(content_copy: Path):
    edit_yaml(content_copy / "offices.yaml", lambda d: d["offices"][0]["closures"][0]["reason"].pop("ti"))
    with pytest.raises(ContentError, match=r"offices\[0\]\.closures\[0\]\.reason: .*text missing for ti"):
        load_content(content_copy)


def test_unknown_keys_are_reported_not_ignored(content_copy: Path):
    edit_yaml(content_copy / "texts" / "en.yaml", lambda d: d["faq"]["costs"].update(answr="typo"))
    with pytest.raises(ContentError, match=r"texts/en.yaml: faq.costs.answr: Extra inputs are not permitted"):
        load_content(content_copy)


def test_invalid_content_stops_the_start_with_the_problems(content_copy: Path, tmp_path: Path):
    edit_yaml(content_copy / "offices.yaml", lambda d: d["offices"][0].update(phone="call us"))
    env = child_env(WILLKOMMEN_CONTENT=str(content_copy), WILLKOMMEN_DB=str(tmp_path / "db.sqlite3"))
    result = subprocess.run(
        [sys.executable, "-m", "handlers.cli", "chat"], input="", capture_output=True, text=True, cwd=ROOT, env=env
    )
    assert result.returncode == 2
    assert "offices.yaml: offices[0].phone:" in result.stderr
    assert "Traceback" not in result.stderr


def test_an_id_used_twice_is_reported(content_copy: Path):
    def duplicate(data):
        data["offices"].append(dict(data["offices"][0]))

    edit_yaml(content_copy / "offices.yaml", duplicate)
    with pytest.raises(ContentError, match=r"offices.yaml: offices\[4\].id: 'brackel' is used twice"):
        load_content(content_copy)


def test_examples_files_are_checked_like_the_rest(content_copy: Path):
    edit_yaml(content_copy / "examples" / "fa.yaml", lambda d: d["faq"].update(opening_hour=["kei bazid?"]))
    edit_yaml(content_copy / "examples" / "ti.yaml", lambda d: d.update(language="ar"))
    with pytest.raises(ContentError) as caught:
        load_content(content_copy)
    assert "examples/fa.yaml: faq.opening_hour: unknown FAQ id (not in texts/de.yaml)" in caught.value.problems
    assert "examples/ti.yaml: language: says 'ar', file name says 'ti'" in caught.value.problems


def test_the_matcher_learns_from_the_examples_files(content_copy: Path):
    question = "gibt es die zorbelmarke mit flimsenkarte"  # words no other example uses

    def answer(content) -> str | None:
        # The lexical matcher alone (no classifier fitted by cross-validation: seconds, not tens of them).
        return Matcher.from_examples(*content_examples(content)).match(question, "de").faq_id

    assert answer(load_content(content_copy)) != "leisure"
    edit_yaml(
        content_copy / "examples" / "de.yaml",
        lambda d: d["faq"]["leisure"].extend(["zorbelmarke und flimsenkarte", "wo zorbelmarke flimsenkarte holen"]),
    )
    assert answer(load_content(content_copy)) == "leisure"
