"""The benchmark harness works end to end: its ledgers are accepted and it prints every figure."""

from __future__ import annotations

import io
import re
from collections import Counter
from pathlib import Path

import pytest

from benchmarks import generate, reports, run
from ledger.application import Ledger
from ledger.jsonl import read_events


def _generated(count: int, seed: int) -> str:
    out = io.StringIO()
    generate.write(count, seed, out)
    return out.getvalue()


@pytest.mark.parametrize("seed", [1, 7])
def test_every_generated_event_is_recorded_without_refusal(db: str, tmp_path: Path, seed: int) -> None:
    path = tmp_path / "generated.jsonl"
    path.write_text(_generated(300, seed), encoding="utf-8")
    ledger = Ledger(db)
    try:
        with path.open("rb") as stream:
            done = ledger.record(list(read_events([(str(path), stream)])))
        assert (len(done.recorded), done.skipped) == (300, 0)
        kinds = {recorded.kind for recorded in done.recorded}
        assert kinds == {"Negotiation", "Truce", "TariffMeasure", "ExportControl", "TradeFlow"}
    finally:
        ledger.close()


@pytest.mark.parametrize("kind", generate.LONG)
def test_a_long_aggregate_is_recorded_whole(sqlite_db: str, tmp_path: Path, kind: str) -> None:
    path = tmp_path / "long.jsonl"
    with path.open("w", encoding="utf-8") as out:
        generate.write(500, 1, out, kind)
    ledger = Ledger(sqlite_db)
    try:
        with path.open("rb") as stream:
            done = ledger.record(list(read_events([(str(path), stream)])))
        assert (len(done.recorded), done.skipped) == (500, 0)
        assert {(r.kind, r.fact.key) for r in done.recorded} == {(kind, done.recorded[0].fact.key)}
    finally:
        ledger.close()


def test_the_shaped_mix_is_recorded_in_aggregates_of_its_lengths(sqlite_db: str, tmp_path: Path) -> None:
    path = tmp_path / "shaped.jsonl"
    with path.open("w", encoding="utf-8") as out:
        generate.write(900, 2, out, mix="shaped")
    ledger = Ledger(sqlite_db)
    try:
        with path.open("rb") as stream:
            done = ledger.record(list(read_events([(str(path), stream)])))
        assert (len(done.recorded), done.skipped) == (900, 0)
        lengths = Counter((r.kind, r.fact.key) for r in done.recorded)
        by_kind = {(kind, length) for (kind, _), length in lengths.items()}
        assert by_kind == {("Negotiation", 20), ("Truce", 3), ("TariffMeasure", 12), ("ExportControl", 8)}
        assert Counter(kind for kind, _ in lengths) == {
            "Negotiation": 10,
            "Truce": 20,
            "TariffMeasure": 40,
            "ExportControl": 20,
        }
    finally:
        ledger.close()


def test_the_generator_gives_the_same_ledger_for_the_same_seed() -> None:
    first = _generated(500, 3)
    assert first == _generated(500, 3)
    assert first != _generated(500, 4)
    assert len(first.splitlines()) == 500


def test_the_harness_prints_every_figure_with_its_target(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    results = tmp_path / "RESULTS.md"
    small = ["--events", "300", "--memory-events", "300", "--long-events", "200"]
    small += ["--samples", "3", "--budget", "0.1", "--runs", "1"]
    run.main([*small, "--out", str(results)])
    printed = capsys.readouterr().out
    for figure, count in (
        ("import of 300 events (", 1),
        ("import of 300 events in aggregates of fixed lengths", 1),
        ("one negotiation of 200 events: import and first `tariffs` query", 1),
        ("one tariff layer of 200 events: import and first `tariffs` query", 1),
        ("`tariffs` query in process on 300 events", 1),
        ("`controls` query in process on 300 events", 1),
        ("`rebuild` of the read model from 300 events", 2),  # beside two baselines
        ("CLI start: `dipledger --version`", 1),
        ("CLI start: `dipledger tariffs` on the 36-event example", 1),
        ("`dipledger tariffs --format json` from the shell on 300 events", 1),
        ("peak memory (maxrss) of `dipledger import FILE`", 1),
    ):
        figure_lines = [line for line in printed.splitlines() if line.startswith(figure)]
        assert len(figure_lines) == count, figure
        for line in figure_lines:
            assert "target" in line
            judged = line.rstrip().endswith(("PASS", "FAIL", ")"))
            assert judged or ("for reference" in line and line.rstrip().endswith("target — | —")), line
    assert "ERROR" not in printed
    written = results.read_text(encoding="utf-8")
    assert "| import of 300 events" in written
    assert "- machine: " in written


def test_the_reports_benchmark_times_every_report_and_chart_beside_its_baselines(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    results = tmp_path / "RESULTS.md"
    results.write_text("# Benchmark results\n\n## Another benchmark\n\nkept\n", encoding="utf-8")
    for _ in range(2):  # the second run replaces the section the first wrote
        capsys.readouterr()
        reports.main(["--events", "300", "--runs", "1", "--skip-levels", "--out", str(results)])
    printed = capsys.readouterr().out
    assert "- baselines in the same run: `dipledger --version` " in printed
    timed = [line for line in printed.splitlines() if line.startswith("| `dipledger ")]
    assert [line.split(" | ")[0] for line in timed] == [
        "| `dipledger report --format md`",
        "| `dipledger report --format html`",
        "| `dipledger report --format md --as-of 2020-06-10`",
        "| `dipledger chart tariffs`",
        "| `dipledger chart tariffs --imposer US`",
        "| `dipledger chart controls`",
    ]
    for line in timed:
        assert re.search(r"\| \d+\.\d\d s \| `tariffs` query \d+\.\d\d s \| ≤ 5 s \| (PASS|FAIL) \|$", line), line
    written = results.read_text(encoding="utf-8")
    assert written.count(reports.SECTION) == 1
    assert written.startswith("# Benchmark results\n\n## Another benchmark\n\nkept\n")
