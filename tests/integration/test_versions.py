"""A ledger written in catalogue version 1 opens unchanged: its digest verifies and every answer is the same."""

from __future__ import annotations

import json
import shutil
import sqlite3
from pathlib import Path

import pytest
from typer.testing import CliRunner

from domain.versions import CURRENT
from ledger.cli.main import app

FIXTURE = Path(__file__).resolve().parent.parent / "fixtures" / "v1"
ANSWERS = {
    "tariffs-2025-06-10.json": ("tariffs", "--as-of", "2025-06-10"),
    "controls-2025-06-10.json": ("controls", "--as-of", "2025-06-10"),
    "truces-2025-06-10.json": ("truces", "--as-of", "2025-06-10"),
    "negotiations-2025-06-10.json": ("negotiations", "--as-of", "2025-06-10"),
    "trade-flows-2025-06-10.json": ("trade-flows", "--as-of", "2025-06-10"),
    "tariffs-2025-08-12-known-33.json": ("tariffs", "--as-of", "2025-08-12", "--known-at", "33"),
    "log.json": ("log",),
}


@pytest.fixture
def old_ledger(tmp_path: Path) -> str:
    copy = tmp_path / "london.db"
    shutil.copy(FIXTURE / "london.db", copy)
    return str(copy)


def run(*args: str) -> str:
    result = CliRunner().invoke(app, list(args))
    assert result.exit_code == 0, result.stderr
    return result.stdout


def test_the_fixture_was_written_in_version_1(old_ledger: str) -> None:
    with sqlite3.connect(old_ledger) as connection:
        states = [json.loads(state) for (state,) in connection.execute("SELECT state FROM stored_events")]
    assert states and all("v" not in state for state in states)


def test_a_version_1_ledger_keeps_its_digest(old_ledger: str) -> None:
    published = (FIXTURE / "digest.txt").read_text().strip()
    assert run("digest", "--db", old_ledger).strip() == published
    assert "verified" in CliRunner().invoke(app, ["verify", "--digest", published, "--db", old_ledger]).output


@pytest.mark.parametrize("name", sorted(ANSWERS))
def test_a_version_1_ledger_gives_every_answer_it_gave(old_ledger: str, name: str) -> None:
    answer = json.loads(run(*ANSWERS[name], "--format", "json", "--db", old_ledger))
    assert answer == json.loads((FIXTURE / name).read_text())


def test_events_recorded_after_it_carry_the_current_version(old_ledger: str) -> None:
    run("append", "TariffRateChanged", "us-ieepa-fentanyl-cn", "--date", "2025-11-10", "--field", "rate_pct=10",
        "--db", old_ledger)  # fmt: skip
    with sqlite3.connect(old_ledger) as connection:
        (state,) = connection.execute("SELECT state FROM stored_events ORDER BY rowid DESC LIMIT 1").fetchone()
    assert json.loads(state)["v"] == CURRENT
    assert json.loads(run("tariffs", "--as-of", "2025-11-10", "--format", "json", "--db", old_ledger))["totals"]
