"""Levels on the worked example: one date ≤ 1 s and a two-year series ≤ 5 s, from the shell.

    python -m benchmarks.levels [--db LEDGER] [--runs 5] [--out benchmarks/RESULTS.md]

Without `--db`, the US tariff regime of 2025 (`examples/us-tariffs-2025/load`: its product lists,
≈ 210,000 rows of 2024 weights over 51 partners, and its layers) is loaded into a fresh SQLite
ledger first. Each figure is the median of `--runs` whole `dipledger` processes, beside the same
process reading the weights alone (`weights` folded, no level computed) as its baseline.
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from benchmarks.results import replace_section

ROOT = Path(__file__).resolve().parent.parent
LOAD = ROOT / "examples" / "us-tariffs-2025" / "load"
SECTION = "## Levels on the worked example"
TARGETS = {"one date": 1.0, "a two-year series": 5.0}


def dipledger(*args: str) -> list[str]:
    return [sys.executable, "-m", "ledger", *args]


def wall(command: list[str], runs: int) -> float:
    """The median wall time of `runs` runs of `command` (each must succeed)."""
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        subprocess.run(command, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        times.append(time.perf_counter() - started)
    return statistics.median(times)


def measure(db: str, runs: int) -> list[tuple[str, str, float, float]]:
    """`(what, command, seconds, baseline seconds)` for one date and for the series."""
    baseline = wall(dipledger("products", "show", "us-eo14257-annex-ii", "--as-of", "2025-12-31", "--db", db), runs)
    day = ["levels", "--imposer", "US", "--as-of", "2025-10-13", "--format", "json", "--db", db]
    series = ["levels", "--imposer", "US", "--from", "2025-01-01", "--to", "2026-12-31", "--format", "csv", "--db", db]
    return [
        ("one date", "dipledger " + " ".join(day[:-2]), wall(dipledger(*day), runs), baseline),
        ("a two-year series", "dipledger " + " ".join(series[:-2]), wall(dipledger(*series), runs), baseline),
    ]


def table(figures: list[tuple[str, str, float, float]], rows: int, runs: int) -> str:
    lines = [
        SECTION,
        "",
        f"- date: {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}; weights: {rows:,} rows; median of {runs} runs",
        "- baseline: the same kind of process reading a product list of the same ledger (opening it, decoding the "
        "tariff-law events), so the difference is what computing levels costs",
        "",
        "| what | command | wall time | baseline | target | verdict |",
        "|---|---|---|---|---|---|",
    ]
    for what, command, seconds, baseline in figures:
        verdict = "PASS" if seconds <= TARGETS[what] else "FAIL"
        lines.append(
            f"| {what} | `{command}` | {seconds:.2f} s | {baseline:.2f} s | ≤ {TARGETS[what]:g} s | {verdict} |"
        )
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.levels", description=__doc__.splitlines()[0])
    parser.add_argument("--db", help="a ledger holding the worked example (default: load it into a fresh one)")
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--out", default=str(ROOT / "benchmarks" / "RESULTS.md"), help="results file ('-': none)")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as work:
        db = args.db or str(Path(work) / "us-tariffs.db")
        if args.db is None:
            subprocess.run([str(LOAD), "--db", db], check=True, stdout=subprocess.DEVNULL)
        shown = subprocess.run(
            dipledger("weights", "show", "--format", "json", "--db", db), capture_output=True, check=True
        )
        rows = sum(partner["goods"] for held in json.loads(shown.stdout)["weights"] for partner in held["partners"])
        section = table(measure(db, args.runs), rows, args.runs)
    print(section)
    if args.out != "-":
        replace_section(Path(args.out), SECTION, section)


if __name__ == "__main__":
    main()
