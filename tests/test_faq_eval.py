"""FAQ answering measured on the dev set: the thresholds the issue sets, and the eval command itself."""

import json
import subprocess
import sys
from collections import Counter
from pathlib import Path

import pytest
from conftest import ROOT, child_env

from bot.detect import detect
from bot.faq_eval import EvalFileError, Item, Outcome, evaluate, read_items
from bot.matcher import Understanding

DEV = ROOT / "tests" / "data" / "faq_dev.jsonl"
HOLDOUT = ROOT / "tests" / "data" / "faq_holdout.jsonl"


def test_dev_set_is_as_broad_as_required(content):
    items = read_items(DEV)
    langs = Counter(i.lang for i in items)
    assert len(items) >= 800
    assert all(langs[lang] >= 120 for lang in ("de", "en", "ar", "fa", "ti")), langs
    assert sum(i.expect is None for i in items) >= 100
    assert {i.expect for i in items} - {None} <= set(content.faq_ids)
    latin_arabic = [i for i in items if i.lang == "ar" and i.text.isascii()]
    assert len(latin_arabic) >= 20


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


def test_faq_eval_command_prints_table_and_json_last_line(tmp_path: Path, matcher):
    sample = tmp_path / "sample.jsonl"
    lines = [
        {"text": "wann büro offen", "expect": "opening_hours", "lang": "de"},
        {"text": "where is the office", "expect": "location", "lang": "en"},
        {"text": "what is the weather tomorrow", "expect": None, "lang": "en"},
        {"text": "where is the office", "expect": "costs"},
        {
            "text": "Wo ist das Büro? Und wie ist eure Telefonnummer?",
            "expect": "location",
            "also": ["contact"],
            "lang": "de",
            "tags": ["two_topics"],
        },
        {"text": "mein Mann schlägt mich", "expect": "emergency", "lang": "de", "tags": ["violence"]},
    ]
    sample.write_text("\n".join(json.dumps(x) for x in lines) + "\n", encoding="utf-8")
    result = subprocess.run(
        [sys.executable, "-m", "handlers.cli", "faq-eval", str(sample)],
        capture_output=True,
        text=True,
        cwd=ROOT,
        env=child_env(),
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    first, *table, last = result.stdout.strip().splitlines()
    assert first.startswith("semantic model: ok")
    summary = json.loads(last)
    # The command prints what evaluate() finds for the same file (the figures are the matcher's business).
    report = evaluate(matcher, read_items(sample))
    assert summary["n"] == 6 and set(summary) >= {"accuracy", "wrong_rate", "lang_accuracy"}
    assert summary["accuracy"] == round(report.accuracy(), 4)
    assert summary["wrong_rate"] == round(report.wrong_rate(), 4) >= round(1 / 6, 4)  # "costs" is wrong
    assert summary["lang_accuracy"] == round(report.lang_accuracy(), 4)
    assert summary["emergency_recall"] == 1.0 and summary["false_alarm_rate"] == 0.0
    assert summary["choices_recall"] == round(report.choices_recall(), 4)
    assert summary["both_topics_rate"] == round(report.both_topics_rate(), 4)
    assert summary["per_language"]["de"]["n"] == 3
    rows = {line.split()[0]: line.split() for line in table if line.strip()}
    assert {"de", "en", "all", "two_topics", "violence"} <= set(rows)
    assert rows["two_topics"][1:3] == ["1", "100.0%"]


def test_either_question_of_a_two_question_message_answered_alone_is_right_an_unasked_topic_is_wrong():
    item = Item(
        "Where do I get cheap furniture? And the Jobcenter sent a letter I don't get", "housing", "en", ("letters",)
    )

    def outcome(answers: tuple[str, ...], choices: tuple[str, ...] = ()) -> Outcome:
        return Outcome(item, Understanding("en", True, None, answers, choices, False, "answer"))

    assert outcome(("letters",), ("housing",)).right  # the second question answered, the first offered
    assert outcome(("housing", "letters")).right and outcome(("housing",)).right
    assert outcome(("letters", "work")).wrong and outcome(("work",), ("housing", "letters")).wrong
    single = Outcome(Item("Where do I get cheap furniture?", "housing", "en"), outcome(("letters",)).understood)
    assert single.wrong


def test_a_net_false_alarm_is_counted_and_its_answer_judged_a_lexicon_one_is_wrong():
    def outcome(kind: str, answers: tuple[str, ...]) -> Outcome:
        understood = Understanding("en", True, kind, answers, (), False, "emergency")
        return Outcome(Item("Could someone visit us at home?", "home_visit", "en"), understood)

    net = outcome("similar", ("home_visit",))  # the numbers, then the answer: right, and a false alarm
    assert net.right and not net.wrong and net.false_alarm
    assert outcome("similar", ()).unsure
    word = outcome("fire", ("home_visit",))  # the lexicon's alarm is all the person gets
    assert word.wrong and word.false_alarm and not word.right


def test_faq_eval_names_a_broken_line(tmp_path: Path, content):
    broken = tmp_path / "broken.jsonl"
    broken.write_text('{"text": "ok", "expect": null}\n{"text": \n', encoding="utf-8")
    with pytest.raises(EvalFileError, match=r"broken.jsonl:2: not JSON"):
        read_items(broken)
    quoted = tmp_path / "quoted.jsonl"
    quoted.write_text('{"text": "ok", "expect": "opening_hours"}\n{"text": "x", "expect": "null"}\n', encoding="utf-8")
    with pytest.raises(EvalFileError, match=r"quoted.jsonl:2: 'null' is not a FAQ id"):
        read_items(quoted, content.faq_ids)
