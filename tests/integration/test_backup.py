"""Backups that lose nothing, on SQLite and PostgreSQL: a restored ledger has the same digest at the
same position and the same answer to every `--as-of` and `--known-at`."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from ledger.cli.main import app
from tests.conftest import EXAMPLE, _postgres_schema

runner = CliRunner()
DAYS = ("2025-02-01", "2025-04-10", "2025-05-14", "2025-06-10", "2025-08-12", "2025-12-31")
QUERIES = (("tariffs", "--all"), ("controls", "--all"), ("truces",), ("negotiations",), ("replay",))


def run(*args: object) -> Any:
    return runner.invoke(app, [str(a) for a in args])


def answer(db: str, *args: object) -> Any:
    result = run(*args, "--db", db, "--format", "json")
    assert result.exit_code == 0, (args, result.stderr)
    return json.loads(result.stdout)


@pytest.fixture(params=["sqlite", "postgres"])
def target(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """An empty ledger to restore into, on either backend (whatever the backup's)."""
    if request.param == "sqlite":
        yield str(tmp_path / "restored.db")
    else:
        yield from _postgres_schema()


def test_backup_and_restore_round_trip_the_london_example(db: str, target: str, tmp_path: Path) -> None:
    assert run("import", EXAMPLE, "--db", db).exit_code == 0
    assert run("retract", "12", "--reason", "Misdated", "--db", db).exit_code == 0
    assert (
        run(
            "append", "--db", db, "--json", '{"type":"TariffLifted","key":"cn-counter-us-energy","date":"2025-11-10"}'
        ).exit_code
        == 0
    )
    backup = tmp_path / "ledger.backup"
    written = run("backup", backup, "--db", db)
    assert written.exit_code == 0, written.stderr
    assert backup.stat().st_mode & 0o077 == 0
    restored = run("restore", backup, "--db", target)
    assert restored.exit_code == 0, restored.stderr
    assert run("digest", "--db", target).stdout == run("digest", "--db", db).stdout
    assert run("verify", "--db", target).exit_code == 0
    log = answer(db, "log")
    assert answer(target, "log") == log  # positions, record times, recorded_by, retractions
    moments = sorted({entry["recorded_at"] for entry in log["events"]})
    known = [*range(0, log["known_at"] + 1, 4), log["known_at"], *moments]
    for day in DAYS:
        for when in known:
            for query in QUERIES:
                args = (*query, "--as-of", day, "--known-at", when)
                assert answer(target, *args) == answer(db, *args), args


def test_a_restore_refuses_a_ledger_that_holds_events(db: str, tmp_path: Path) -> None:
    assert run("import", EXAMPLE, "--db", db).exit_code == 0
    backup = tmp_path / "ledger.backup"
    assert run("backup", backup, "--db", db).exit_code == 0
    again = run("restore", backup, "--db", db)
    assert again.exit_code == 2 and "only into an empty ledger" in again.stderr


def test_a_changed_backup_is_refused_and_nothing_is_written(tmp_path: Path) -> None:
    source, target = tmp_path / "a.db", tmp_path / "b.db"
    assert run("import", EXAMPLE, "--db", source).exit_code == 0
    backup = tmp_path / "ledger.backup"
    assert run("backup", backup, "--db", source).exit_code == 0
    lines = backup.read_text().splitlines()
    row = json.loads(lines[5])
    state = json.loads(row["state"])
    state["recorded_at"] = "2020-01-01T00:00:00+00:00"  # backdated: a --known-at answer would change
    lines[5] = json.dumps({**row, "state": json.dumps(state)})
    backup.write_text("\n".join(lines) + "\n")
    result = run("restore", backup, "--db", target)
    assert result.exit_code == 2, result.stderr
    assert "it was changed" in result.stderr
    assert run("log", "--db", target).exit_code in (0, 2)
    assert "Traceback" not in result.stderr


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"not json\n", "is not a dipledger backup"),
        (b'{"dipledger_backup": 9}\n', "is not a backup this version reads"),
        (b'{"dipledger_backup": 1, "events": 1, "digest": "' + b"0" * 64 + b'@1"}\n{"position": "x"}\n', "position:"),
    ],
)
def test_a_file_that_is_no_backup_is_refused_naming_its_line(tmp_path: Path, content: bytes, message: str) -> None:
    backup = tmp_path / "bad.backup"
    backup.write_bytes(content)
    result = run("restore", backup, "--db", tmp_path / "b.db")
    assert result.exit_code == 2, result.stderr
    assert message in result.stderr and "bad.backup:" in result.stderr
