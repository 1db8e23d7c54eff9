"""Benchmarks: each module runs with one command (`python -m bench.<name>`), prints a table and writes a
JSON result to bench/results/<name>.json (or --out). See BENCHMARKS.md."""

import sys
from pathlib import Path

# The fake Bot API server (tests/fakebot) and the test harness are test tools; the benchmarks drive the
# bot against the same ones.
_TESTS = str(Path(__file__).resolve().parent.parent / "tests")
if _TESTS not in sys.path:
    sys.path.insert(0, _TESTS)
