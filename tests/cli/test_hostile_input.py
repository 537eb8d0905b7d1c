"""Input and output an attacker would shape: SQL through the address, formulas through CSV, text that
reads otherwise than it shows, JSON that means two things."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from ledger.cli.main import app
from tests.conftest import POSTGRES

runner = CliRunner()
IMPOSED = {"type": "TariffImposed", "key": "t", "date": "2025-01-01", "imposer": "US", "target": "CN", "rate_pct": 5}


def run(*args: object) -> Any:
    return runner.invoke(app, [str(a) for a in args])


# 5. The address --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "schema",
    ['x"; DROP TABLE dipledger_events; --', "a.b", "1abc", "with space", "ünïcode", "a" * 64],
)
def test_a_schema_that_is_not_a_plain_identifier_is_refused(schema: str) -> None:
    from urllib.parse import quote

    result = run("tariffs", "--db", f"{POSTGRES.split('?')[0]}?schema={quote(schema)}")
    assert result.exit_code == 2, result.stderr
    assert "is not a plain identifier" in result.stderr
    assert isinstance(result.exception, SystemExit)  # an exit with its message, never a traceback


def test_a_bracket_in_the_url_is_refused_without_a_traceback() -> None:
    result = run("tariffs", "--db", "postgresql://user:pw@[bad/test")
    assert result.exit_code == 2, result.stderr
    assert "is not a PostgreSQL URL" in result.stderr
    assert "pw" not in result.stderr


def test_a_crafted_schema_that_exists_runs_no_sql() -> None:
    import psycopg

    crafted = 'p"."dipledger_events"; DROP TABLE keep; --'
    try:
        server = psycopg.connect(POSTGRES.split("?")[0], autocommit=True, connect_timeout=3)
    except psycopg.Error as error:
        pytest.skip(f"PostgreSQL not reachable: {error}")
    with server as connection:
        connection.execute("CREATE TABLE IF NOT EXISTS keep (n int)")
        connection.execute(f'CREATE SCHEMA IF NOT EXISTS "{crafted.replace(chr(34), chr(34) * 2)}"')
        try:
            from urllib.parse import quote

            result = run("tariffs", "--db", f"{POSTGRES.split('?')[0]}?schema={quote(crafted)}")
            assert result.exit_code == 2
            assert connection.execute("SELECT to_regclass('keep')").fetchone() == ("keep",)
        finally:
            connection.execute(f'DROP SCHEMA "{crafted.replace(chr(34), chr(34) * 2)}" CASCADE')
            connection.execute("DROP TABLE keep")


# 6. CSV and the text recorded -----------------------------------------------------------------------


def test_csv_cells_that_a_spreadsheet_would_run_are_neutralised(tmp_path: Path) -> None:
    db = tmp_path / "ledger.db"
    event = {**IMPOSED, "basis": '=HYPERLINK("http://evil","x")', "products": ["+cmd", "-2+3", "@SUM(A1)"]}
    recorded = runner.invoke(app, ["append", "--db", str(db), "--json", json.dumps(event), "--as", "=1+1"])
    assert recorded.exit_code == 0, recorded.stderr
    rows = list(csv.reader(io.StringIO(run("tariffs", "--db", db, "--format", "csv", "--as-of", "2025-02-01").stdout)))
    header = rows[1]
    measure = dict(zip(header, rows[2], strict=True))
    assert measure["basis"] == '\'=HYPERLINK("http://evil","x")'
    assert measure["products"].startswith("'+cmd")
    assert measure["rate_pct"] == "5"
    log = list(csv.reader(io.StringIO(run("log", "--db", db, "--format", "csv").stdout)))
    assert dict(zip(log[0], log[1], strict=True))["recorded_by"] == "'=1+1"
    for line in (*rows, *log):
        for value in line:
            assert not value.startswith(("=", "+", "-", "@", "\t", "\r")), value


@pytest.mark.parametrize("character", ["\r", "\u202e", "\u2066", "\u200b", "\u200d", "\ufeff", "\u2060"])
def test_text_that_reads_otherwise_than_it_shows_is_refused(tmp_path: Path, character: str) -> None:
    db = tmp_path / "ledger.db"
    event = {**IMPOSED, "basis": f"Section{character}301"}
    result = run("append", "--db", db, "--json", json.dumps(event))
    assert result.exit_code == 2, result.stderr
    assert f"U+{ord(character):04X}" in result.stderr
    assert not db.exists()


def test_a_bare_carriage_return_cannot_start_a_csv_row(tmp_path: Path) -> None:
    db = tmp_path / "ledger.db"
    lines = tmp_path / "in.jsonl"
    lines.write_text(json.dumps({**IMPOSED, "basis": "x\r=cmd|' /C calc'!A0"}) + "\n")
    result = run("import", lines, "--db", db)
    assert result.exit_code == 2
    assert "in.jsonl:1: basis: contains U+000D" in result.stderr


# Duplicate keys and bounds ----------------------------------------------------------------------------


def test_a_repeated_key_is_refused_in_append_and_import(tmp_path: Path) -> None:
    db = tmp_path / "ledger.db"
    line = json.dumps(IMPOSED)[:-1] + ', "rate_pct": 99}'
    appended = run("append", "--db", db, "--json", line)
    assert appended.exit_code == 2 and "rate_pct: is given twice" in appended.stderr
    source = tmp_path / "in.jsonl"
    nested = {**IMPOSED, "key": "u", "sources": [{"url": "https://a.example"}]}
    source.write_text(
        line
        + "\n"
        + json.dumps(nested).replace(
            '"url": "https://a.example"', '"url": "https://a.example", "url": "https://b.example"'
        )
        + "\n"
    )
    imported = run("import", source, "--db", db)
    assert imported.exit_code == 2
    assert "in.jsonl:1: rate_pct: is given twice" in imported.stderr
    assert "in.jsonl:2: url: is given twice" in imported.stderr
    text = {**IMPOSED, "basis": 'a "quoted": colon'}
    fine = run("append", "--db", db, "--json", json.dumps(text))
    assert fine.exit_code == 0, fine.stderr


@pytest.mark.parametrize("rate", [1e308, 1000.5, 5000])
def test_a_rate_above_1000_percent_is_refused(tmp_path: Path, rate: float) -> None:
    result = run("append", "--db", tmp_path / "ledger.db", "--json", json.dumps({**IMPOSED, "rate_pct": rate}))
    assert result.exit_code == 2, result.stderr
    assert "rate_pct: must be at most 1000" in result.stderr
