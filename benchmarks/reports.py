"""Reports and charts on a large ledger, from the shell: each ≤ 5 s, beside a query timed in the same run.

    python -m benchmarks.reports [--events 100000] [--seed 1] [--runs 3] [--out benchmarks/RESULTS.md]

Generates the ledger (`python -m benchmarks.generate`), imports it (`dipledger import`) and brings
its read model up to date with one query. Then it times whole `dipledger` processes, the commands
taken in turn `--runs` times (median): `report` as Markdown and as HTML, `chart tariffs` and
`chart controls`, beside `dipledger --version` and a `tariffs` query. `chart levels` needs trade
weights, which the generated ledger has none of: it is timed on a copy of the ledger into which the
worked example (`examples/us-tariffs-2025/load`: its lists, 2024 weights and layers) is recorded.
A command still running after `--timeout` seconds is stopped and fails.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from benchmarks.results import replace_section
from benchmarks.run import byte_compile, dipledger_command, machine

ROOT = Path(__file__).resolve().parent.parent
LOAD = ROOT / "examples" / "us-tariffs-2025" / "load"
SECTION = "## Reports and charts from the shell (`python -m benchmarks.reports`)"
TARGET = 5.0


def prepared(work: Path, events: int, seed: int) -> str:
    """A SQLite ledger of `events` generated events, its read model up to date."""
    cli, lines, db = dipledger_command(), work / "ledger.jsonl", str(work / "ledger.db")
    generate = [sys.executable, "-m", "benchmarks.generate", "--events", str(events), "--seed", str(seed)]
    subprocess.run([*generate, "-o", str(lines)], check=True, cwd=ROOT)
    subprocess.run([cli, "import", str(lines), "--db", db], check=True, capture_output=True)
    subprocess.run([cli, "tariffs", "--format", "json", "--db", db], check=True, capture_output=True)
    return db


def weighed(db: str) -> str:
    """A copy of the ledger with the worked example's weights, lists and layers recorded, up to date."""
    copy = str(Path(db).with_name("weighed.db"))
    shutil.copyfile(db, copy)
    path = f"{Path(dipledger_command()).parent}{os.pathsep}{os.environ.get('PATH', '')}"
    subprocess.run([str(LOAD), "--db", copy], check=True, capture_output=True, env={**os.environ, "PATH": path})
    subprocess.run([dipledger_command(), "tariffs", "--db", copy], check=True, capture_output=True)
    return copy


def timed(commands: dict[str, list[str]], runs: int, timeout: float) -> dict[str, float | None]:
    """The median wall time of each command, taken in turn `runs` times (so a moment when the machine
    is busier weighs on all alike); None for one that failed or outran `timeout` (then not run again)."""
    times: dict[str, list[float]] = {what: [] for what in commands}
    failed: set[str] = set()
    for _ in range(runs):
        for what, command in commands.items():
            if what in failed:
                continue
            started = time.perf_counter()
            try:
                subprocess.run(command, check=True, capture_output=True, timeout=timeout)
            except (subprocess.CalledProcessError, subprocess.TimeoutExpired):
                failed.add(what)
                continue
            times[what].append(time.perf_counter() - started)
    return {what: None if what in failed else statistics.median(taken) for what, taken in times.items()}


MEASURED = [
    ("--version",),
    ("tariffs", "--format", "json", "--as-of", "2020-06-30"),
    ("report", "--format", "md"),
    ("report", "--format", "html"),
    ("report", "--format", "md", "--as-of", "2020-06-10"),
    ("chart", "tariffs"),
    ("chart", "tariffs", "--imposer", "US"),
    ("chart", "controls"),
]
"""Each command's arguments, the baselines first (the ledger and the output file are added)."""
LEVELS = ("chart", "levels", "--imposer", "US")


def commands(db: str, weights: str | None, out: Path) -> dict[str, list[str]]:
    """The command lines timed, by what the table calls them."""
    cli = dipledger_command()
    measured = [(args, db) for args in MEASURED] + ([(LEVELS, weights)] if weights is not None else [])
    found = {}
    for number, (args, ledger) in enumerate(measured):
        what = f"`dipledger {' '.join(args)}`" + (" (with the worked example's weights)" if ledger != db else "")
        command = [cli, *args] + (["--db", ledger] if args != ("--version",) else [])
        if args[0] in ("report", "chart"):  # written to a file, as they would be
            command += ["-o", str(out / f"{number}.{'svg' if args[0] == 'chart' else args[2]}")]
        found[what] = command
    return found


BASELINES = 2
"""The first commands are the baselines, the others are judged against the target."""


def table(found: dict[str, float | None], events: int, runs: int, timeout: float) -> str:
    version, query = (found[what] for what in list(found)[:BASELINES])
    baseline = f"`tariffs` query {seconds(query)}"
    lines = [
        SECTION,
        "",
        *machine(),
        f"- ledger: {events:,} generated events (`benchmarks.generate`), SQLite, read model up to date; "
        f"median of {runs} runs, the commands in turn",
        "- each figure: wall time of the whole process, reports and charts written to a file",
        f"- baselines in the same run: `dipledger --version` {seconds(version)}, `dipledger tariffs "
        f"--format json --as-of 2020-06-30` {seconds(query)}",
        "",
        "| what | figure | baseline (same run) | target | verdict |",
        "|---|---|---|---|---|",
    ]
    for what, taken in list(found.items())[BASELINES:]:
        figure = seconds(taken) if taken is not None else f"failed or stopped after {timeout:g} s"
        verdict = "PASS" if taken is not None and taken <= TARGET else "FAIL"
        lines.append(f"| {what} | {figure} | {baseline} | ≤ {TARGET:g} s | {verdict} |")
    return "\n".join(lines) + "\n"


def seconds(value: float | None) -> str:
    return "—" if value is None else f"{value:.2f} s"


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.reports", description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=100_000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--runs", type=int, default=3, help="runs of each command (median; default 3)")
    parser.add_argument("--timeout", type=float, default=120.0, help="seconds before a command is stopped")
    parser.add_argument("--skip-levels", action="store_true", help="leave out `chart levels` (loading its weights)")
    parser.add_argument("--out", default=str(ROOT / "benchmarks" / "RESULTS.md"), help="results file ('-': none)")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="dipledger-reports-") as folder:
        work = Path(folder)
        db = prepared(work, args.events, args.seed)
        weights = None if args.skip_levels else weighed(db)
        byte_compile()
        found = timed(commands(db, weights, work), args.runs, args.timeout)
    section = table(found, args.events, args.runs, args.timeout)
    print(section)
    if args.out != "-":
        replace_section(Path(args.out), SECTION, section)


if __name__ == "__main__":
    main()
