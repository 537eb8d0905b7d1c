"""The performance harness of the README's targets: each figure beside a baseline measured in the same run.

`python -m benchmarks.run [--events N] [--postgres URL] [--out benchmarks/RESULTS.md]` generates an
N-event ledger (benchmarks.generate), measures, prints each figure as it is taken, and writes the
figures with the machine, the date and the command to `--out`.
"""

from __future__ import annotations

import argparse
import json
import math
import multiprocessing
import os
import platform
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path
from typing import Any

from eventsourcing.domain import Aggregate, event

from benchmarks import generate

ROOT = Path(__file__).resolve().parent.parent
EXAMPLE = ROOT / "examples" / "london-talks-2025.jsonl"
BATCH, SHAPED_BATCH = 1_000, 90
"""Events per `save(*aggregates)` call of the eventsourcing baseline: for the mix of episodes, and for
the shaped mix (one shaped episode a call)."""
LONG_KINDS = {"Negotiation": "negotiation", "TariffMeasure": "tariff layer"}
"""The kinds measured as one long aggregate, as a figure names them."""
HOW_TO_READ = """\
## How to read these figures

- Every ratio's two sides are measured in the same run on the same machine; command lines are
  timed in turn (baseline, then ours, then again), so a moment when the machine is busier weighs on
  both alike. Absolute times vary from run to run; the ratios are what the targets judge.
- Each measurement (import, queries, rebuild, per backend) runs in a process of its own, forked from
  the harness, so that none inherits the heap another left behind.
- **Import**: `open_lines` + `Ledger.record` in process, into a fresh SQLite file: both reads of the
  file, every line validated by the catalogue's pydantic models, every rule checked, each event's id
  derived, one transaction. The baseline is eventsourcing alone: `json.loads` of each line, one
  `Aggregate` a key with the line as its payload, `Application.save()` of 1,000 events a call, into
  a fresh database of its own. It checks nothing. The two are timed in turn, three times over, each
  into fresh storage, and each side's best time counts.
- **Shaped import**: the same, for a mix of aggregates of fixed lengths (`generate --mix shaped`:
  episodes of a 20-event negotiation, two 3-event truces, four 12-event tariff layers and two
  8-event controls, 90 events), beside the baseline saving the same file 90 events (one episode) a
  call.
- **One long aggregate**: a fresh ledger of one negotiation (then one tariff layer) holding every
  event, imported in process and asked its first `tariffs` query, which brings the read model up
  to date: the time per event, beside the same for the mix of episodes (a fresh ledger, import and
  first query). A cost that grows with an aggregate's length shows as a ratio above 1. Taken in
  turn, twice, each side's best time counting.
- **Queries**: what `dipledger tariffs` / `controls` compute, in process: the known-at resolved, the
  spans of the persistent read model that hold at that (as-of, known-at) read through its index, and
  the projection (filters, totals). As-of days are random over the generated years, known-at
  positions random over the whole ledger. The read model is brought up to date once before the
  samples; the note below gives that time.
- **Rebuild**: `ledger.read_model.rebuild` drops the read model and projects every event again
  (decoding each, walking every aggregate's valid time, writing the spans and their index; the
  writing runs in a second thread beside the projecting, so the machine's second core counts).
  Wall time. Two baselines read the same notifications, in one thread: decoding each into its
  catalogue event (what any reader of the ledger pays, and what the target is judged against), and,
  for reference, a bare `json.loads` of each state, which builds no event. The three are timed in
  turn, three times over, and each side's best time counts.
- **CLI start**: wall time of whole processes, median of the runs, the package byte-compiled first as
  an install does. Standard output is a pipe, so `tariffs` prints its plain-text table; on a terminal
  rich draws boxes, which loads rich (about 20 ms more). Both `tariffs` timings find the read
  model up to date, so they read the SQLite file directly (`ledger/spans.py`).
- **Memory**: peak resident memory (`ru_maxrss`) of `dipledger import FILE` in a child process. At
  fewer than 1,000,000 events it is projected linearly from two sizes; `--memory-events 1000000`
  measures it.
- **PostgreSQL**: the server on the same machine, fresh schemas, a smaller ledger cut from the same
  seed. Its figures are reported; the targets are for SQLite.
"""


@dataclass
class Figure:
    what: str
    backend: str
    value: str
    baseline: str
    ratio: str
    target: str
    verdict: str

    def line(self) -> str:
        return (
            f"{self.what} [{self.backend}]: {self.value} | baseline {self.baseline} | {self.ratio} | "
            f"target {self.target} | {self.verdict}"
        )


class Report:
    """Figures as they are taken: printed at once, kept for the results file."""

    def __init__(self) -> None:
        self.figures: list[Figure] = []
        self.notes: list[str] = []
        self.quiet = False
        """Whether it keeps what it is given without printing it (in a measuring process: see `step`)."""

    def add(self, figure: Figure) -> None:
        self.figures.append(figure)
        if not self.quiet:
            print(figure.line(), flush=True)

    def note(self, text: str) -> None:
        self.notes.append(text)
        if not self.quiet:
            print(f"  note: {text}", flush=True)

    def table(self) -> str:
        rows = [
            "| what | backend | figure | baseline (same run) | ratio | target | verdict |",
            "|---|---|---|---|---|---|---|",
        ]
        rows += [
            f"| {f.what} | {f.backend} | {f.value} | {f.baseline} | {f.ratio} | {f.target} | {f.verdict} |"
            for f in self.figures
        ]
        return "\n".join(rows)


def verdict(ok: bool, qualifier: str = "") -> str:
    return ("PASS" if ok else "FAIL") + (f" ({qualifier})" if qualifier else "")


def rate(events: int, seconds: float) -> str:
    return f"{events / seconds:,.0f} events/s ({events:,} in {seconds:.2f} s)"


def ms(seconds: float) -> str:
    return f"{seconds * 1000:,.1f} ms"


# Import ---------------------------------------------------------------------------------------


def dipledger_import(path: Path, db: str) -> float:
    """Seconds to record every line of `path` in process, as `dipledger import` does."""
    from ledger.application import Ledger
    from ledger.jsonl import open_lines

    started = time.perf_counter()
    opened = Ledger(db)
    try:
        with open_lines([str(path)]) as lines:
            opened.record(lines, "benchmark")
    finally:
        opened.close()
    return time.perf_counter() - started


NAMESPACE = uuid.UUID("0b3a3c0e-1d0c-4d5e-8f00-000000000b3c")


class Entry(Aggregate):
    """The baseline's aggregate: one per key, each event carrying the line's payload as a dict."""

    @staticmethod
    def create_id(name: str) -> uuid.UUID:
        return uuid.uuid5(NAMESPACE, name)

    @event("Opened")
    def __init__(self, name: str, payload: dict[str, Any]) -> None:
        self.name = name

    @event("Happened")
    def happened(self, payload: dict[str, Any]) -> None:
        pass


def eventsourcing_save(path: Path, env: dict[str, str], batch: int = BATCH) -> float:
    """Seconds for eventsourcing alone to store the same events: one aggregate per key, `batch` a save."""
    from eventsourcing.application import Application

    started = time.perf_counter()
    app: Application[uuid.UUID] = Application(env=env)
    entries: dict[str, Entry] = {}
    pending: dict[str, Entry] = {}
    count = 0
    with path.open("rb") as stream:
        for raw in stream:
            payload = json.loads(raw)
            key = payload["key"]
            if key in entries:
                entries[key].happened(payload)
            else:
                entries[key] = Entry(name=key, payload=payload)
            pending[key] = entries[key]
            count += 1
            if count % batch == 0:
                app.save(*pending.values())
                pending.clear()
    if pending:
        app.save(*pending.values())
    app.close()
    return time.perf_counter() - started


IMPORTS = 3
"""Imports (ours, then the baseline's) timed in turn, each into fresh storage; the best of each counts."""


def measure_import(
    report: Report,
    path: Path,
    events: int,
    targets: Callable[[int], tuple[str, dict[str, str]]],
    backend: str,
    mix: str = "",
    batch: int = BATCH,
) -> None:
    """`targets(round)`: the fresh ledger and the baseline's fresh settings for that round (the ledger
    of round 0 is the one the later measurements read). `mix` says what the events are, if not episodes."""
    ours = theirs = math.inf
    for round in range(IMPORTS):
        db, baseline_env = targets(round)
        ours = min(ours, dipledger_import(path, db))
        theirs = min(theirs, eventsourcing_save(path, baseline_env, batch))
    ratio = theirs / ours
    report.add(
        Figure(
            f"import of {events:,} events{mix} (in process: open_lines + Ledger.record; best of {IMPORTS}, in "
            "turn with the baseline's)",
            backend,
            rate(events, ours),
            f"eventsourcing save(), {batch:,} events a call: {rate(events, theirs)}",
            f"{ratio:.2f}×",
            "≥ 1.0×",
            verdict(ratio >= 1.0),
        )
    )


LONG_ROUNDS = 2
"""Rounds of the long aggregates and the mix timed in turn; the best of each counts."""


def first_answer(path: Path, db: str) -> float:
    """Seconds to import `path` into a fresh ledger at `db` in process and answer its first `tariffs`
    query (which brings the read model up to date)."""
    from ledger import projections
    from ledger.application import Ledger

    started = time.perf_counter()
    dipledger_import(path, db)
    opened = Ledger(db)
    try:
        head = opened.head()
        projections.tariffs(opened.read_model(head), date(2026, 1, 1))
    finally:
        opened.close()
    return time.perf_counter() - started


def measure_long(report: Report, work: Path, mix: Path, events: int, long_events: int, seed: int) -> None:
    """One aggregate of each of LONG_KINDS holding `long_events` events, beside the mix of `events`:
    import and first query, per event."""
    files = {kind: work / f"long-{kind}.jsonl" for kind in LONG_KINDS}
    for kind, path in files.items():
        with path.open("w", encoding="utf-8") as out:
            generate.write(long_events, seed, out, kind)
    best = dict.fromkeys(["mix", *LONG_KINDS], math.inf)
    for round in range(LONG_ROUNDS):
        for name, path in (("mix", mix), *files.items()):
            best[name] = min(best[name], first_answer(path, str(work / f"first-{name}-{round}.db")))
    mixed = best["mix"] / events
    for kind in LONG_KINDS:
        each = best[kind] / long_events
        report.add(
            Figure(
                f"one {LONG_KINDS[kind]} of {long_events:,} events: import and first `tariffs` query (the read "
                f"model brought up to date), per event (best of {LONG_ROUNDS}, in turn with the mix's)",
                "sqlite",
                f"{each * 1e6:,.0f} µs/event ({long_events:,} in {best[kind]:.2f} s)",
                f"the mix of {events:,} events, the same way: {mixed * 1e6:,.0f} µs/event "
                f"({events:,} in {best['mix']:.2f} s)",
                f"{each / mixed:.2f}×",
                "≤ 2×",
                verdict(each / mixed <= 2),
            )
        )


# Queries --------------------------------------------------------------------------------------


def measure_queries(report: Report, db: str, events: int, backend: str, samples: int, budget: float, seed: int) -> None:
    from ledger import projections
    from ledger.application import Ledger
    from ledger.known_at import KnownAt

    opened = Ledger(db)
    head = opened.head()
    rng = random.Random(seed)
    span = (date(2027, 1, 1) - generate.FIRST_DAY).days
    try:
        started = time.perf_counter()
        opened.read_model(head)  # the first read after the import projects it
        caught_up = time.perf_counter() - started
        report.note(
            f"{backend}: the first query after the import brought the read model up to date in {caught_up:.1f} s"
        )
        for name, query in (("tariffs", projections.tariffs), ("controls", projections.controls)):
            times: list[float] = []
            spent = time.perf_counter()
            while len(times) < samples and (len(times) < 3 or time.perf_counter() - spent < budget):
                as_of = generate.FIRST_DAY + timedelta(days=rng.randrange(span))
                known_at = KnownAt(position=rng.randint(1, head))
                started = time.perf_counter()
                query(opened.read_model(opened.resolve_known_at(known_at)), as_of)
                times.append(time.perf_counter() - started)
            p50, p95 = percentile(times, 50), percentile(times, 95)
            report.add(
                Figure(
                    f"`{name}` query in process on {events:,} events (read model at a random known-at, random "
                    f"as-of; {len(times)} samples)",
                    backend,
                    f"p50 {ms(p50)}, p95 {ms(p95)}",
                    "—",
                    "—",
                    "p50 ≤ 20 ms, p95 ≤ 50 ms",
                    verdict(p50 <= 0.020 and p95 <= 0.050),
                )
            )
    finally:
        opened.close()


def percentile(values: list[float], pct: float) -> float:
    ordered = sorted(values)
    index = max(0, min(len(ordered) - 1, round(pct / 100 * len(ordered) + 0.5) - 1))
    return ordered[index]


# Rebuild --------------------------------------------------------------------------------------


REBUILDS = 3
"""Rebuilds (and baselines) timed in turn; the best time of each counts, as a busier moment only adds."""


def measure_rebuild(report: Report, db: str, events: int, backend: str) -> None:
    """`dipledger rebuild` beside reading the same notifications and decoding them, two ways."""
    from ledger.application import Ledger
    from ledger.read_model import rebuild
    from ledger.store import PAGE

    opened = Ledger(db)
    rebuilt = into_events = as_json = math.inf
    try:
        for _ in range(REBUILDS):
            started = time.perf_counter()
            rebuild(opened.store)
            rebuilt = min(rebuilt, time.perf_counter() - started)
            started = time.perf_counter()
            decoded = sum(1 for _ in opened.store.notifications())
            into_events = min(into_events, time.perf_counter() - started)
            started = time.perf_counter()
            start, loaded = 0, 0
            while page := opened.store.recorder.select_notifications(start, PAGE, inclusive_of_start=False):
                for item in page:
                    json.loads(item.state)
                    loaded += 1
                start = page[-1].id
            as_json = min(as_json, time.perf_counter() - started)
    finally:
        opened.close()
    for baseline, seconds, judged in (
        ("reading the notifications and decoding each into its event (`EventStore.notifications`)", into_events, True),
        ("reading the notifications and `json.loads` of each state (no event built; for reference)", as_json, False),
    ):
        ratio = seconds / rebuilt
        report.add(
            Figure(
                f"`rebuild` of the read model from {events:,} events (`ledger.read_model.rebuild`; best of "
                f"{REBUILDS}, each beside its baselines)",
                backend,
                rate(events, rebuilt),
                f"{baseline}: {rate(decoded if seconds is into_events else loaded, seconds)}",
                f"{ratio:.2f}×",
                "≥ 0.5×" if judged else "—",
                verdict(ratio >= 0.5) if judged else "—",
            )
        )


# Command line ---------------------------------------------------------------------------------


def dipledger_command() -> str:
    beside = Path(sys.executable).parent / "dipledger"
    return str(beside) if beside.exists() else shutil.which("dipledger") or "dipledger"


def walls(commands: list[list[str]], runs: int) -> list[float]:
    """Median wall time of each command, the commands taken in turn `runs` times (so a machine
    busier at one moment than another weighs on all of them alike)."""
    times: list[list[float]] = [[] for _ in commands]
    for _ in range(runs):
        for command, taken in zip(commands, times, strict=True):
            started = time.perf_counter()
            subprocess.run(command, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            taken.append(time.perf_counter() - started)
    return [statistics.median(taken) for taken in times]


def byte_compile() -> None:
    """Compile the package's modules, as `pip install` does: a checkout run in place (an editable
    install) under PYTHONDONTWRITEBYTECODE would otherwise compile every module at every start."""
    import compileall

    for package in ("domain", "ledger"):
        compileall.compile_dir(str(ROOT / package), quiet=1)


def measure_cli_start(report: Report, work: Path, runs: int) -> None:
    """CLI start beside importing its libraries."""
    cli = dipledger_command()
    small = str(work / "small.db")
    subprocess.run([cli, "import", str(EXAMPLE), "--db", small], check=True, capture_output=True)
    subprocess.run([cli, "tariffs", "--db", small], check=True, capture_output=True)  # read model up to date
    byte_compile()
    imports, version, tariffs = walls(
        [
            [sys.executable, "-c", "import typer, pydantic, eventsourcing.application"],
            [cli, "--version"],
            [cli, "tariffs", "--db", small, "--as-of", "2025-06-10"],
        ],
        runs,
    )
    for label, seconds in (
        ("`dipledger --version`", version),
        ("`dipledger tariffs` on the 36-event example", tariffs),
    ):
        report.add(
            Figure(
                f"CLI start: {label} (median of {runs})",
                "sqlite",
                ms(seconds),
                f'`python -c "import typer, pydantic, eventsourcing.application"`: {ms(imports)}',
                f"{seconds / imports:.2f}×",
                "≤ 1.5×",
                verdict(seconds / imports <= 1.5),
            )
        )


def measure_shell_query(report: Report, db: str, events: int, runs: int) -> None:
    cli = dipledger_command()
    subprocess.run([cli, "tariffs", "--db", db], check=True, capture_output=True)  # read model up to date
    byte_compile()
    seconds, version = walls(
        [[cli, "tariffs", "--format", "json", "--db", db, "--as-of", "2020-06-30"], [cli, "--version"]], runs
    )
    report.add(
        Figure(
            f"`dipledger tariffs --format json` from the shell on {events:,} events (median of {runs})",
            "sqlite",
            ms(seconds),
            f"`dipledger --version`: {ms(version)}",
            f"{seconds / version:.2f}×",
            "≤ 1.5×",
            verdict(seconds / version <= 1.5),
        )
    )


# Memory ---------------------------------------------------------------------------------------

CHILD = """
import resource, subprocess, sys
subprocess.run(sys.argv[1:], check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)
"""


def peak_import_memory(path: Path, db: Path) -> int:
    """Peak resident memory, in bytes, of `dipledger import FILE` in a process of its own."""
    out = subprocess.run(
        [sys.executable, "-c", CHILD, dipledger_command(), "import", str(path), "--db", str(db)],
        check=True,
        capture_output=True,
        text=True,
    )
    return int(out.stdout.strip()) * 1024  # ru_maxrss is in KiB on Linux


def measure_memory(report: Report, work: Path, events: int, seed: int) -> None:
    sizes = sorted({max(events // 5, 1), events})
    peaks = {}
    for size in sizes:
        path = work / f"memory-{size}.jsonl"
        with path.open("w", encoding="utf-8") as out:
            generate.write(size, seed, out)
        peaks[size] = (peak_import_memory(path, work / f"memory-{size}.db"), path.stat().st_size)
        path.unlink()
    million = 1_000_000
    peak = peaks[events][0]
    projected: float = peak
    qualifier = ""
    if events < million:
        small = sizes[0]
        growth = (peak - peaks[small][0]) / (events - small) if events > small else 0.0
        projected, qualifier = peak + growth * (million - events), "projected to 1,000,000 events from two sizes"
    measured = ", ".join(
        f"{size:,} events ({peaks[size][1] / 2**20:,.1f} MB file): {peaks[size][0] / 2**20:,.0f} MB" for size in sizes
    )
    report.add(
        Figure(
            "peak memory (maxrss) of `dipledger import FILE` in a child process",
            "sqlite",
            measured,
            "—",
            f"1,000,000 events: {projected / 2**20:,.0f} MB" + (" (projected)" if qualifier else ""),
            "< 300 MB for 1,000,000 events, not growing with the file",
            verdict(projected < 300 * 2**20, qualifier),
        )
    )


# PostgreSQL -----------------------------------------------------------------------------------


@contextmanager
def fresh_schemas(url: str, *suffixes: str) -> Iterator[list[str]]:
    """Fresh schemas on the server of `url` (its query left out), dropped afterwards; their URLs."""
    import psycopg

    base = url.split("?", 1)[0]
    names = [f"bench_{uuid.uuid4().hex[:10]}{suffix}" for suffix in suffixes]
    with psycopg.connect(base, autocommit=True) as connection:
        for name in names:
            connection.execute(f'CREATE SCHEMA "{name}"')
    try:
        yield [f"{base}?schema={name}" for name in names]
    finally:
        with psycopg.connect(base, autocommit=True) as connection:
            for name in names:
                connection.execute(f'DROP SCHEMA IF EXISTS "{name}" CASCADE')


# Running --------------------------------------------------------------------------------------


def machine() -> list[str]:
    model = next(
        (
            line.split(":", 1)[1].strip()
            for line in Path("/proc/cpuinfo").read_text().splitlines()
            if line.startswith("model name")
        ),
        platform.processor() or "unknown",
    )
    when = subprocess.run(["date", "-u"], capture_output=True, text=True).stdout.strip()
    return [
        f"- date: {when}",
        f"- machine: {os.cpu_count()} cores (nproc), {model}",
        f"- Python {platform.python_version()} on {platform.system()} {platform.release()}",
    ]


def write_file(path: Path, events: int, seed: int, mix: str = "episodes") -> None:
    with path.open("w", encoding="utf-8") as out:
        generate.write(events, seed, out, mix=mix)


def run(args: argparse.Namespace, report: Report) -> None:
    from ledger.store import settings

    with tempfile.TemporaryDirectory(prefix="dipledger-bench-") as tmp:
        work = Path(tmp)
        big = work / "ledger.jsonl"
        started = time.perf_counter()
        write_file(big, args.events, args.seed)
        seconds, size = time.perf_counter() - started, big.stat().st_size / 2**20
        report.note(f"generated {args.events:,} events ({size:,.1f} MB) in {seconds:.1f} s, seed {args.seed}")
        db = str(work / "ledger.db")
        step(
            report,
            "import",
            lambda: measure_import(
                report,
                big,
                args.events,
                lambda n: (db if n == 0 else str(work / f"ledger-{n}.db"), settings(str(work / f"baseline-{n}.db"))),
                "sqlite",
            ),
        )
        shaped = work / "shaped.jsonl"
        write_file(shaped, args.events, args.seed, "shaped")
        step(
            report,
            "shaped import",
            lambda: measure_import(
                report,
                shaped,
                args.events,
                lambda n: (str(work / f"shaped-{n}.db"), settings(str(work / f"shaped-baseline-{n}.db"))),
                "sqlite",
                " in aggregates of fixed lengths (20-event negotiations, 3-event truces, 12-event tariff layers, "
                "8-event controls)",
                SHAPED_BATCH,
            ),
        )
        shaped.unlink()
        step(
            report,
            "queries",
            lambda: measure_queries(report, db, args.events, "sqlite", args.samples, args.budget, args.seed),
        )
        if args.long_events:
            step(report, "long", lambda: measure_long(report, work, big, args.events, args.long_events, args.seed))
        step(report, "rebuild", lambda: measure_rebuild(report, db, args.events, "sqlite"))
        if not args.skip_shell:
            measure_cli_start(report, work, args.runs)
            step(report, "shell", lambda: measure_shell_query(report, db, args.events, args.runs))
        if not args.skip_memory:
            step(report, "memory", lambda: measure_memory(report, work, args.memory_events, args.seed))
        if args.postgres:
            pg_events = args.postgres_events or args.events
            pg_file = work / "postgres.jsonl"
            write_file(pg_file, pg_events, args.seed)
            suffixes = [suffix for n in range(IMPORTS) for suffix in (f"_{n}", f"_es_{n}")]
            with fresh_schemas(args.postgres, *suffixes) as schemas:
                ours = schemas[0]
                step(
                    report,
                    "postgres import",
                    lambda: measure_import(
                        report,
                        pg_file,
                        pg_events,
                        lambda n: (schemas[2 * n], settings(schemas[2 * n + 1])),
                        "postgresql",
                    ),
                )
                step(
                    report,
                    "postgres queries",
                    lambda: measure_queries(
                        report, ours, pg_events, "postgresql", args.samples, args.budget, args.seed
                    ),
                )
                step(report, "postgres rebuild", lambda: measure_rebuild(report, ours, pg_events, "postgresql"))


def step(report: Report, name: str, action: Callable[[], None]) -> None:
    """Run one measurement in a process of its own, forked from this one, so that none inherits the
    heap another left behind; its figures and notes join `report`. A failure is reported as such and
    the others still run."""
    context = multiprocessing.get_context("fork")
    receiving, sending = context.Pipe(duplex=False)
    taken, noted = len(report.figures), len(report.notes)

    def measure() -> None:
        report.quiet = True  # printed by this process, whose standard output is the one watched
        try:
            action()
        except Exception as error:  # a broken measurement must not hide the others
            report.add(failed(name, f"{type(error).__name__}: {error}"))
        sending.send((report.figures[taken:], report.notes[noted:]))

    child = context.Process(target=measure, name=f"benchmark {name}")
    child.start()
    sending.close()  # the child's end alone: its death then ends the wait below
    try:
        figures, notes = receiving.recv()
    except EOFError:
        figures, notes = [failed(name, "the measuring process ended without its figures")], []
    child.join()
    for figure in figures:
        report.add(figure)
    for text in notes:
        report.note(text)


def failed(name: str, why: str) -> Figure:
    return Figure(name, "—", f"could not be measured: {why}", "—", "—", "—", "ERROR")


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.run", description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=100_000, help="events in the ledger measured (default 100000)")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--postgres", help="postgresql:// URL: also measure import and queries there (fresh schemas)")
    parser.add_argument("--postgres-events", type=int, help="events for PostgreSQL (default: --events)")
    parser.add_argument(
        "--long-events", type=int, default=60_000, help="events of each long aggregate (default 60000; 0: none)"
    )
    parser.add_argument(
        "--memory-events", type=int, default=50_000, help="M for the memory figure (1000000 for the target)"
    )
    parser.add_argument("--samples", type=int, default=200, help="most query samples per projection (default 200)")
    parser.add_argument(
        "--budget", type=float, default=20.0, help="seconds per projection before sampling stops (at least 3 samples)"
    )
    parser.add_argument("--runs", type=int, default=11, help="runs per command-line timing (median; default 11)")
    parser.add_argument("--skip-shell", action="store_true", help="leave out the command-line timings")
    parser.add_argument("--skip-memory", action="store_true", help="leave out the memory figure")
    parser.add_argument("--out", default=str(ROOT / "benchmarks" / "RESULTS.md"), help="results file ('-': none)")
    args = parser.parse_args(argv)

    from ledger.store import redact

    command = "python -m benchmarks.run " + " ".join(redact(a) for a in (argv if argv is not None else sys.argv[1:]))
    report = Report()
    header = machine()
    print("\n".join(header), flush=True)
    started = time.perf_counter()
    run(args, report)
    elapsed = time.perf_counter() - started
    print(f"\n{report.table()}\n\nfinished in {elapsed:,.0f} s", flush=True)
    if args.out != "-":
        text = [
            "# Benchmark results",
            "",
            *header,
            f"- command: `{command}` (finished in {elapsed:,.0f} s)",
            "",
            report.table(),
            "",
            *(f"- {note}" for note in report.notes),
            "",
            HOW_TO_READ,
        ]
        out = Path(args.out)
        out.write_text("\n".join(text) + other_sections(out), encoding="utf-8")


def other_sections(out: Path) -> str:
    """The sections other benchmarks wrote into the results file (reports, levels), kept as they are."""
    if not out.exists():
        return ""
    sections = out.read_text(encoding="utf-8").split("\n## ")[1:]
    return "".join(f"\n## {section}" for section in sections if not section.startswith("How to read these figures"))


if __name__ == "__main__":
    main()
