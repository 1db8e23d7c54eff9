"""Each benchmark once at a tiny size, so they cannot rot. The figures are not checked against the goals
here (that is BENCHMARKS.md's job); the results must be complete and sane."""

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import ROOT

from bot.config import bundled_content_dir


def run_bench(name: str, out: Path, *args: str) -> dict:
    # Its own process, as the one command in BENCHMARKS.md runs it (each starts its own event loop). Lexical
    # matching: these runs check that the benchmarks work, and on a fresh clone a bench process would
    # otherwise wait for the test workers' first embedding of the content.
    subprocess.run(
        [sys.executable, "-m", f"bench.{name}", "--out", str(out), *args],
        cwd=ROOT,
        check=True,
        capture_output=True,
        timeout=240,
        env={**os.environ, "WILLKOMMEN_EMBEDDER": "none"},
    )
    result = json.loads(out.read_text())
    assert result["benchmark"] == name and result["machine"]["cores"] >= 1 and result["machine"]["python"]
    return result


def test_answering(tmp_path: Path):
    # Lexical only: embedding a grown content's made-up examples would take minutes (the real run does). And
    # the sample content without its ~10,000 examples-file questions: fitting to them twice took a minute.
    content = tmp_path / "content"
    shutil.copytree(bundled_content_dir(), content, ignore=shutil.ignore_patterns("examples", "__pycache__"))
    args = ("--entries", "40", "--rounds", "1", "--limit", "50", "--embedder", "none", "--content", str(content))
    result = run_bench("answering", tmp_path / "a.json", *args)
    sample, grown = result["cases"]
    assert sample["content"] == str(content) and grown["content"] == "40 entries"
    assert sample["semantic"].startswith("off") and sample["peak_rss_mb"] > 0
    assert sample["faq_ids"] < grown["faq_ids"] == 40 and grown["index_docs"] > sample["index_docs"]
    for case in (sample, grown):
        assert case["questions"] == 50 and 0 < case["p50_ms"] <= case["p99_ms"] and case["per_second"] > 0


def test_embedding(tmp_path: Path):
    # Three batches: the embedder's two-at-a-time way must give the very vectors of one batch at a time.
    result = run_bench("embedding", tmp_path / "e.json", "--texts", "70")
    assert result["texts"] == 70 and result["equal"] is True
    assert result["serial"]["cpu_s_per_1000"] > 0 and result["parallel"]["cpu_s_per_1000"] > 0


def test_booking_race(tmp_path: Path):
    result = run_bench("booking_race", tmp_path / "b.json", "--people", "12", "--places", "3")
    assert result["overbookings"] == 0
    assert result["booked_by_racers"] == result["confirmations_sent"] == 3
    assert result["seconds"] > 0 and result["p50_ms"] <= result["p99_ms"]


def test_updates_against_echo(tmp_path: Path):
    result = run_bench(
        "updates",
        tmp_path / "u.json",
        "--people",
        "60",
        "--sessions",
        "8",
        "--concurrency",
        "3",
        "--import-repeats",
        "1",
    )
    # the bot and the echo bot on each Telegram library, and the PTB echo bot on our adapter's transport
    ours, echo, ours_ptb, ptb_echo, ptb_echo_aiohttp = result["rows"]
    assert (
        result["echo_bots"] == [echo, ptb_echo, ptb_echo_aiohttp]
        and ptb_echo["bot"] == "echo (bare python-telegram-bot)"
    )
    assert [r["library"] for r in result["rows"]] == ["aiogram", "aiogram", "ptb", "ptb", "ptb"]
    everyone = (ours, echo, ours_ptb, ptb_echo, ptb_echo_aiohttp)
    assert len({row["updates"] for row in everyone}) == 1 and ours["updates"] >= 8 * 5
    for row in everyone:
        assert row["replies_matched"] >= 0.9 * row["updates"]  # replies arrived at the fake server
        assert row["updates_per_second"] > 0 and 0 < row["p50_ms"] <= row["p99_ms"]
    assert ours["cost_ratio_cpu"] > 0 and ours_ptb["cost_ratio_cpu"] > 0 and ptb_echo["cpu_vs_aiogram_echo"] > 0
    assert ours_ptb["cost_ratio_cpu_vs_echo_on_our_transport"] > 0
    imports = result["imports"]
    assert list(imports) == ["bare interpreter", "aiogram", "python-telegram-bot"]
    for library in ("aiogram", "python-telegram-bot"):
        assert (
            imports[library]["import_ms"] > 0
            and imports[library]["peak_rss_mb"] > imports["bare interpreter"]["peak_rss_mb"]
        )


@pytest.mark.skipif(not Path("/proc/self/status").exists(), reason="reads peak RSS from /proc")
def test_memory_and_startup(tmp_path: Path):
    result = run_bench("memory", tmp_path / "m.json", "--people", "50", "--writers", "5", "--embedders", "none")
    assert [(r["library"], r["embedder"]) for r in result["runs"]] == [("ptb", "none"), ("aiogram", "none")]
    for run in result["runs"]:
        assert run["exit_code"] == 0 and run["updates"] == 15
        assert 0 < run["startup_seconds"] < 120
        assert 0 < run["rss_after_start_mb"] <= run["peak_rss_mb"]
    assert set(result["import_only_peak_rss_mb"]) == {"aiogram", "ptb"}


def test_broadcast_kill_and_restart(tmp_path: Path):
    result = run_bench("broadcast", tmp_path / "c.json", "--people", "40", "--limit", "30")
    assert result["sent"] == 40 and result["duplicates"] == 0 and result["losses"] == 0
    assert result["final_counts"] == {"sent": 40}
    assert result["busiest_second"] <= 30 and 0 < result["share_of_limit"] <= 1.01


def test_faults_kills_and_an_outage_lose_nothing(tmp_path: Path):
    result = run_bench("faults", tmp_path / "f.json", "--people", "12", "--kills", "2", "--outage", "3")
    assert result["everyone_answered"] and result["lost"] == 0
    assert result["exit_code_at_the_end"] == 0
    # A duplicate needs a kill between Telegram taking a reply and the bot marking it: rare, counted.
    assert result["duplicates"] <= result["kills"]
