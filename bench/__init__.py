"""Benchmarks: each module runs with one command (`python -m bench.<name>`), prints a table and writes a
JSON result to bench/results/<name>.json (or --out). See BENCHMARKS.md."""
