"""FAQ answering measured on the dev set: the thresholds the issue sets, and the eval command itself."""

import json
import subprocess
import sys
from collections import Counter
from pathlib import Path

import pytest
from conftest import ROOT

from bot.detect import detect
from bot.faq_eval import EvalFileError, evaluate, read_items

DEV = ROOT / "tests" / "data" / "faq_dev.jsonl"
HOLDOUT = ROOT / "tests" / "data" / "faq_holdout.jsonl"


def test_dev_set_is_as_broad_as_required(content):
    items = read_items(DEV)
    langs = Counter(i.lang for i in items)
    assert len(items) >= 300
    assert all(langs[lang] >= 40 for lang in ("de", "en", "ar", "fa", "ti")), langs
    assert sum(i.expect is None for i in items) >= 40
    assert {i.expect for i in items} - {None} <= set(content.faq_ids)
    latin_arabic = [i for i in items if i.lang == "ar" and i.text.isascii()]
    assert len(latin_arabic) >= 20


def test_dev_set_accuracy_and_wrong_rate(matcher):
    report = evaluate(matcher, read_items(DEV))
    assert report.accuracy() >= 0.90, report.table()
    assert report.wrong_rate() <= 0.03, report.table()


def test_held_out_set_written_without_seeing_content_or_dev_set(matcher):
    # Never used to tune anything: it shows how the matcher does on questions it was not shaped by.
    report = evaluate(matcher, read_items(HOLDOUT))
    assert report.wrong_rate() <= 0.03, report.table()
    assert report.accuracy() >= 0.85, report.table()


def test_out_of_scope_questions_stay_unanswered(matcher):
    questions = (
        "Wann bekomme ich meinen Aufenthaltstitel?",
        "will they deport me",
        "هل سيتم ترحيلي؟",
        # "free" must not pull a lawyer question to the "costs" answer
        "Was kostet ein Anwalt?",
        "where can I find a free lawyer",
        "أين أجد محامي مجاني",
        "وکیل رایگان کجا پیدا کنم؟",
    )
    for question in questions:
        assert matcher.match(question, detect(question).lang).faq_id is None, question


def test_faq_eval_command_prints_table_and_json_last_line(tmp_path: Path):
    sample = tmp_path / "sample.jsonl"
    lines = [
        {"text": "wann büro offen", "expect": "opening_hours", "lang": "de"},
        {"text": "where is the office", "expect": "location", "lang": "en"},
        {"text": "what is the weather tomorrow", "expect": None, "lang": "en"},
        {"text": "where is the office", "expect": "costs"},
    ]
    sample.write_text("\n".join(json.dumps(x) for x in lines) + "\n", encoding="utf-8")
    result = subprocess.run(
        [sys.executable, "-m", "handlers.cli", "faq-eval", str(sample)],
        capture_output=True,
        text=True,
        cwd=ROOT,
        env={"PATH": ""},
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    *table, last = result.stdout.strip().splitlines()
    summary = json.loads(last)
    assert summary == {"n": 4, "accuracy": 0.75, "wrong_rate": 0.25, "lang_accuracy": 1.0}
    assert any(line.startswith("de") for line in table) and any(line.startswith("en") for line in table)


def test_faq_eval_names_a_broken_line(tmp_path: Path):
    broken = tmp_path / "broken.jsonl"
    broken.write_text('{"text": "ok", "expect": null}\n{"text": \n', encoding="utf-8")
    with pytest.raises(EvalFileError, match=r"broken.jsonl:2: not JSON"):
        read_items(broken)
