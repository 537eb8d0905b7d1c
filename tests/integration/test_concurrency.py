"""Several writers at once, as separate processes, on SQLite and PostgreSQL: nothing lost, nothing twice."""

from __future__ import annotations

import json
import re
import sqlite3
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any

import pytest
from eventsourcing.persistence import IntegrityError
from typer.testing import CliRunner

import ledger.store
from ledger.application import Ledger
from ledger.cli.main import app
from ledger.integrity import verify
from tests.conftest import EXAMPLE


def start(db: str, *args: str) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-m", "ledger", *args, "--db", db],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def all_at_once(db: str, *commands: list[str]) -> list[tuple[int, str]]:
    """Start every command before waiting for any; their exit codes and stderr, in order."""
    running = [start(db, *command) for command in commands]
    return [(p.wait(timeout=120), p.communicate()[1]) for p in running]


def write_lines(path: Path, events: list[dict[str, Any]]) -> str:
    path.write_text("".join(json.dumps(e) + "\n" for e in events))
    return str(path)


def tariff(key: str, **fields: Any) -> dict[str, Any]:
    return {"type": "TariffImposed", "key": key, "date": "2025-01-02", "imposer": "US", "target": "CN", **fields}


def logged(db: str) -> list[dict[str, Any]]:
    opened = Ledger(db)
    try:
        return opened.log(opened.head())
    finally:
        opened.close()


def recorded_count(stderr: str) -> int:
    found = re.search(r"recorded (\d+) events", stderr)
    return int(found[1]) if found else 0


def test_writers_of_different_and_of_the_same_aggregates_lose_nothing(db: str, tmp_path: Path) -> None:
    shared = write_lines(tmp_path / "shared.jsonl", [tariff("shared", rate_pct=10)])
    assert all_at_once(db, ["import", shared]) == [(0, "recorded 1 events (positions 1–1)\n")]
    own = [
        write_lines(tmp_path / f"own-{w}.jsonl", [tariff(f"w{w}-t{i}", rate_pct=i) for i in range(15)])
        for w in range(3)
    ]
    changes = [
        write_lines(
            tmp_path / f"changes-{w}.jsonl",
            [
                {"type": "TariffRateChanged", "key": "shared", "date": f"2025-0{w + 2}-1{i}", "rate_pct": 10 * w + i}
                for i in range(4)
            ],
        )
        for w in range(3)
    ]
    results = all_at_once(db, *[["import", f] for pair in zip(own, changes, strict=True) for f in pair])
    assert [code for code, _ in results] == [0] * 6, results
    events = logged(db)
    assert len(events) == 1 + 3 * 15 + 3 * 4
    assert len({e["id"] for e in events}) == len(events)
    assert [e["position"] for e in events] == sorted({e["position"] for e in events})
    versions = [e for e in events if e["key"] == "shared"]
    assert sorted(e["date"] for e in versions[1:]) == sorted(f"2025-0{w + 2}-1{i}" for w in range(3) for i in range(4))
    opened = Ledger(db)
    try:
        assert verify(opened) == []
    finally:
        opened.close()


def test_the_same_file_imported_by_several_writers_at_once_is_recorded_once(db: str) -> None:
    results = all_at_once(db, *[["import", str(EXAMPLE)] for _ in range(4)])
    assert [code for code, _ in results] == [0] * 4, results
    assert sum(recorded_count(stderr) for _, stderr in results) == 36
    events = logged(db)
    assert len(events) == 36
    assert len({e["id"] for e in events}) == 36


def test_of_two_writers_lifting_the_same_tariff_at_once_one_is_refused(db: str, tmp_path: Path) -> None:
    base = write_lines(tmp_path / "base.jsonl", [tariff("us-steel", rate_pct=25)])
    assert all_at_once(db, ["import", base])[0][0] == 0
    lifts = [
        write_lines(tmp_path / f"lift-{day}.jsonl", [{"type": "TariffLifted", "key": "us-steel", "date": day}])
        for day in ("2025-03-01", "2025-03-02")
    ]
    results = sorted(all_at_once(db, *[["import", f] for f in lifts]))
    assert [code for code, _ in results] == [0, 2], results
    assert "TariffLifted" in results[1][1] and "nothing was recorded" in results[1][1]
    assert [e["type"] for e in logged(db)] == ["TariffImposed", "TariffLifted"]


def test_a_sqlite_ledger_locked_past_the_timeout_ends_with_exit_3_and_nothing_written(
    sqlite_db: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    runner = CliRunner()
    assert runner.invoke(app, ["import", str(EXAMPLE), "--db", sqlite_db]).exit_code == 0
    settings = ledger.store.settings
    monkeypatch.setattr(ledger.store, "settings", lambda db: {**settings(db), "SQLITE_LOCK_TIMEOUT": "1"})
    other_writer = sqlite3.connect(sqlite_db, isolation_level=None)
    other_writer.execute("BEGIN IMMEDIATE")
    try:
        event = json.dumps(tariff("us-lumber", rate_pct=10))
        result = runner.invoke(app, ["append", "--json", event, "--db", sqlite_db])
    finally:
        other_writer.rollback()
        other_writer.close()
    assert result.exit_code == 3, result.stderr
    assert "locked" in result.stderr
    assert "Traceback" not in result.stderr
    assert len(logged(sqlite_db)) == 36


def test_conflicts_that_never_stop_end_with_exit_3(db: str, monkeypatch: pytest.MonkeyPatch) -> None:
    attempts = []

    def always_conflicting(self: object, *args: object) -> None:
        attempts.append(args)
        raise IntegrityError("duplicate key value violates unique constraint")

    monkeypatch.setattr(ledger.store.EventStore, "insert", always_conflicting)
    result = CliRunner().invoke(app, ["import", str(EXAMPLE), "--db", db])
    assert result.exit_code == 3, result.stderr
    assert "gave up after 20 write conflicts" in result.stderr
    assert len(attempts) == 20


def test_a_retraction_and_a_suspension_naming_its_truce_cannot_both_land(
    db: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The retraction checks that nothing names the truce, then writes: another writer that records a
    suspension under the truce in between must wait for it (and then be refused), never slip in."""
    from domain import parse_fact
    from ledger.application import Candidate, RecordingRefused

    def offer(*lines: dict[str, Any]) -> list[Candidate]:
        return [Candidate(parse_fact(line)) for line in lines]

    setup = Ledger(db)
    truce = {"type": "TruceAgreed", "key": "g", "date": "2025-05-12", "parties": ["US", "CN"], "days": 90}
    created = setup.record(offer(truce, tariff("t", rate_pct=34))).recorded
    setup.close()
    truce_at = next(r.position for r in created if r.fact.key == "g")
    suspension = {"type": "TariffSuspended", "key": "t", "date": "2025-05-14", "points": 24, "truce": "g"}
    outcome: dict[str, object] = {}

    def record_suspension() -> None:
        other = Ledger(db)
        try:
            outcome["suspension"] = other.record(offer(suspension)).count
        except RecordingRefused as refused:
            outcome["suspension"] = refused
        finally:
            other.close()

    checked = Ledger._check_not_named

    def then_another_writer_comes(self: Ledger, target: Any, *args: Any) -> None:
        checked(self, target, *args)
        writer = threading.Thread(target=record_suspension)
        writer.start()
        writer.join(timeout=3)  # it finishes at once unless the retraction holds the write lock

    monkeypatch.setattr(Ledger, "_check_not_named", then_another_writer_comes)
    retracting = Ledger(db)
    try:
        retracting.retract(truce_at, "entered in error")
    finally:
        retracting.close()
    monkeypatch.undo()
    for _ in range(100):  # the other writer goes on once the retraction commits
        if "suspension" in outcome:
            break
        time.sleep(0.1)
    assert isinstance(outcome["suspension"], RecordingRefused), outcome
    assert "no truce 'g'" in str(outcome["suspension"])
    types = [entry["type"] for entry in logged(db)]
    assert types.count("TariffSuspended") == 0 and types.count("Retracted") == 1
