"""The lexical index is built once per set of examples and read back at the next start (bot/index_file.py)."""

import logging
from pathlib import Path

from bot.matcher import Matcher

OURS = [
    ("opening_hours", "Wann habt ihr offen?", "de"),
    ("opening_hours", "متى تفتحون المكتب؟", "ar"),
    ("location", "Wo ist euer Büro?", "de"),
    ("location", "where is the office", "en"),
]
THEIRS = [
    ("costs", "Was kostet das?", "de"),
    ("costs", "how much does it cost", "en"),
]
QUESTIONS = ["wann offen", "where office", "متى تفتحون", "was kostet", "bus"]


def scores(matcher: Matcher) -> list[dict[str, float]]:
    return [matcher.scores(question, "de") for question in QUESTIONS]


def test_a_restart_reads_the_index_and_scores_exactly_as_a_fresh_build(tmp_path: Path):
    fresh = Matcher.from_examples(OURS)
    first = Matcher.from_examples(OURS, folder=tmp_path)
    [written] = tmp_path.glob("index-*.npz")
    again = Matcher.from_examples(OURS, folder=tmp_path)
    assert scores(fresh) == scores(first) == scores(again)
    assert again._distinctive.keys() == fresh._distinctive.keys()
    assert all((again._distinctive[w] == fresh._distinctive[w]).all() for w in fresh._distinctive)
    # It is really read: the file of other examples put in its place gives those examples' scores.
    Matcher.from_examples(THEIRS, folder=tmp_path)
    [theirs] = [path for path in tmp_path.glob("index-*.npz") if path != written]
    theirs.replace(written)
    assert scores(Matcher.from_examples(OURS, folder=tmp_path)) == scores(Matcher.from_examples(THEIRS))


def test_other_examples_or_keywords_are_another_index(tmp_path: Path):
    Matcher.from_examples(OURS, folder=tmp_path)
    Matcher.from_examples([*OURS, ("location", "Welcher Bus fährt zu euch?", "de")], folder=tmp_path)
    Matcher.from_examples(OURS, {"location": [("adresse",)]}, folder=tmp_path)
    assert len(list(tmp_path.glob("index-*.npz"))) == 3


def test_an_unreadable_index_is_built_again_and_said(tmp_path: Path, caplog):
    Matcher.from_examples(OURS, folder=tmp_path)
    [written] = tmp_path.glob("index-*.npz")
    written.write_bytes(b"half a file")
    with caplog.at_level(logging.WARNING, logger="bot.index_file"):
        rebuilt = Matcher.from_examples(OURS, folder=tmp_path)
    assert scores(rebuilt) == scores(Matcher.from_examples(OURS))
    assert any("unreadable" in record.getMessage() for record in caplog.records)
    assert scores(Matcher.from_examples(OURS, folder=tmp_path)) == scores(rebuilt)  # and written whole again


def test_which_examples_are_keywords_is_read_back_with_the_index(tmp_path: Path):
    # Finding it normalises every example again: ~0.8 s at each start of the bot with the sample content.
    examples = [*OURS, ("location", "Adresse", "de")]
    keywords = {"location": [("adresse",)]}
    Matcher.from_examples(examples, keywords, folder=tmp_path)
    again = Matcher.from_examples(examples, keywords, folder=tmp_path)
    assert again._flags == [False, False, False, False, True]  # read, not yet computed
    assert again.keyword_flags() == Matcher.from_examples(examples, keywords).keyword_flags()
