"""The small edges an attacker or a slip of the keyboard reaches: each answered with a message and
exit 2 (exit 1 for a full disk), never a traceback, and nothing written."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from ledger.cli.main import app
from tests.conftest import EXAMPLE

runner = CliRunner()


def run(*args: object) -> Any:
    return runner.invoke(app, [str(a) for a in args])


@pytest.fixture
def london(tmp_path: Path) -> Path:
    db = tmp_path / "ledger.db"
    assert run("import", EXAMPLE, "--db", db).exit_code == 0
    return db


def refused(result: Any, text: str, code: int = 2) -> None:
    assert result.exit_code == code, result.stderr
    assert text in result.stderr, result.stderr
    assert "Traceback" not in result.stderr
    assert result.exception is None or isinstance(result.exception, SystemExit)


def head(db: Path) -> int:
    return int(json.loads(run("log", "--db", db, "--format", "json").stdout)["known_at"])


def test_a_truce_whose_end_would_pass_the_year_9999_is_refused(london: Path) -> None:
    result = run(
        "truce",
        "agree",
        "t9",
        "--date",
        "9999-12-01",
        "--parties",
        "US",
        "--parties",
        "CN",
        "--days",
        "90",
        "--db",
        london,
    )
    refused(result, "outside the years 1 to 9999")
    assert head(london) == 36


@pytest.mark.parametrize(
    "args",
    [
        ("report", "--as-of", "0001-01-01"),
        ("chart", "tariffs", "--to", "9999-12-31", "-o", "chart.svg"),
    ],
)
def test_days_at_the_ends_of_the_calendar_are_refused(london: Path, args: tuple[str, ...]) -> None:
    refused(run(*args, "--db", london), "outside the years 1 to 9999")


@pytest.mark.parametrize("when", ["9" * 5000, "²", "٣", "1٣"])
def test_a_known_at_that_is_no_ascii_position_is_refused(london: Path, when: str) -> None:
    refused(run("tariffs", "--known-at", when, "--db", london), "--known-at:")


def test_a_position_in_other_digits_is_refused(london: Path) -> None:
    refused(run("retract", "٣", "--reason", "x", "--db", london), "is not a position")
    assert head(london) == 36


def test_replay_of_a_key_the_ledger_never_had_exits_2_like_history(london: Path) -> None:
    refused(run("replay", "--key", "no-such-key", "--db", london), "no events with key 'no-such-key'")
    refused(run("history", "no-such-key", "--db", london), "no events with key 'no-such-key'")


@pytest.mark.skipif(not Path("/dev/full").exists(), reason="needs /dev/full")
@pytest.mark.parametrize("fmt", ["table", "json", "csv"])
def test_output_to_a_full_device_exits_1_with_a_message(london: Path, fmt: str) -> None:
    with open("/dev/full", "w") as full:
        result = subprocess.run(
            [sys.executable, "-m", "ledger", "log", "--format", fmt, "--db", str(london)],
            stdout=full,
            stderr=subprocess.PIPE,
            text=True,
            check=False,
        )
    assert result.returncode == 1, result.stderr
    assert "no space left on the device" in result.stderr
    assert "Traceback" not in result.stderr


def test_a_full_disk_during_an_import_exits_1_and_records_nothing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from eventsourcing.persistence import OperationalError

    from ledger.store import EventStore

    db = tmp_path / "ledger.db"
    assert run("import", EXAMPLE, "--db", db).exit_code == 0

    def full(*args: object, **kwargs: object) -> None:
        raise OperationalError("database or disk is full")

    monkeypatch.setattr(EventStore, "insert", full)
    more = tmp_path / "more.jsonl"
    more.write_text(json.dumps({"type": "TariffLifted", "key": "us-ieepa-reciprocal-cn", "date": "2025-12-01"}) + "\n")
    refused(run("import", more, "--db", db), "disk is full", code=1)
    monkeypatch.undo()
    assert head(db) == 36
