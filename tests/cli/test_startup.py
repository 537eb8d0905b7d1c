"""A command imports only what it needs, so the command line starts fast."""

from __future__ import annotations

import subprocess
import sys

import pytest
from typer.testing import CliRunner

from ledger.cli.main import app

REPORTS_AND_SERVERS = ("matplotlib", "jinja2", "psycopg", "eventsourcing.postgres")
EVENT_MODELS = ("domain.events", "domain.values")
LINE = '{"type": "TariffImposed", "key": "t", "date": "2025-04-10", "imposer": "US", "target": "CN", "rate_pct": 10}'


def imported(*args: str) -> set[str]:
    """Every module `dipledger ARGS` imports, run in a process of its own."""
    done = subprocess.run(
        [sys.executable, "-X", "importtime", "-m", "ledger", *args], capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, done.stderr
    return {line.rpartition("|")[2].strip() for line in done.stderr.splitlines() if line.startswith("import time:")}


def among(modules: set[str], packages: tuple[str, ...]) -> list[str]:
    return sorted(m for m in modules if m in packages or m.startswith(tuple(f"{p}." for p in packages)))


@pytest.mark.parametrize("option", ["--version", "--help"])
def test_version_and_help_build_no_event_model(option: str) -> None:
    modules = imported(option)
    assert among(modules, EVENT_MODELS + REPORTS_AND_SERVERS) == []


def test_a_query_on_sqlite_imports_no_report_chart_or_postgresql_library(sqlite_db: str) -> None:
    assert CliRunner().invoke(app, ["import", "-", "--db", sqlite_db], input=LINE + "\n").exit_code == 0
    modules = imported("tariffs", "--db", sqlite_db, "--as-of", "2025-06-01", "--format", "json")
    assert "ledger.projections" in modules
    assert among(modules, REPORTS_AND_SERVERS) == []


def test_a_piped_table_loads_no_box_drawing(sqlite_db: str) -> None:
    assert CliRunner().invoke(app, ["import", "-", "--db", sqlite_db], input=LINE + "\n").exit_code == 0
    modules = imported("tariffs", "--db", sqlite_db, "--as-of", "2025-06-01")
    assert among(modules, ("rich",)) == []


def test_a_query_on_an_up_to_date_read_model_loads_no_eventsourcing(sqlite_db: str) -> None:
    assert CliRunner().invoke(app, ["import", "-", "--db", sqlite_db], input=LINE + "\n").exit_code == 0
    first = imported("tariffs", "--db", sqlite_db, "--format", "json")  # brings the read model up to date
    assert among(first, ("eventsourcing",)) != []
    again = imported("tariffs", "--db", sqlite_db, "--format", "json", "--known-at", "1")
    assert among(again, ("eventsourcing", "pydantic", *EVENT_MODELS)) == []
