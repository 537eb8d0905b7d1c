"""What is stored and shown stays safe: markup stays text, only web sources, private files, no passwords."""

from __future__ import annotations

import csv
import io
import json
import os
import stat
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from ledger.cli.main import app
from ledger.store import EventStore

runner = CliRunner(env={"COLUMNS": "400"})
MARKUP = '<script>alert("x")</script> [bold red]loud[/bold red] [link=javascript:alert(1)]click[/link] & <b>'


def run(*args: str) -> Any:
    return runner.invoke(app, list(args))


def mode(path: str) -> int:
    return stat.S_IMODE(os.stat(path).st_mode)


@pytest.fixture
def with_markup(sqlite_db: str) -> str:
    event = {
        "type": "TariffImposed",
        "key": "us-steel",
        "date": "2025-03-12",
        "imposer": "US",
        "target": "CN",
        "rate_pct": 25,
        "basis": MARKUP,
        "note": MARKUP,
    }
    result = run("append", "--json", json.dumps(event), "--db", sqlite_db)
    assert result.exit_code == 0, result.stderr
    return sqlite_db


def test_recorded_markup_comes_back_as_the_same_text_in_json(with_markup: str) -> None:
    result = run("tariffs", "--as-of", "2025-04-01", "--format", "json", "--db", with_markup)
    assert json.loads(result.stdout)["measures"][0]["basis"] == MARKUP
    log = json.loads(run("log", "--format", "json", "--db", with_markup).stdout)
    assert log["events"][0]["note"] == MARKUP


def test_recorded_markup_comes_back_as_the_same_text_in_csv(with_markup: str) -> None:
    result = run("tariffs", "--as-of", "2025-04-01", "--format", "csv", "--db", with_markup)
    rows = list(csv.reader(io.StringIO(result.stdout)))
    measures = rows[1 : rows.index(["# totals"])]
    header, row = measures
    assert row[header.index("basis")] == MARKUP


def test_recorded_markup_is_printed_literally_in_a_table_not_interpreted(with_markup: str) -> None:
    result = run("tariffs", "--as-of", "2025-04-01", "--db", with_markup)
    assert result.exit_code == 0, result.stderr
    assert MARKUP in result.stdout
    assert "\x1b" not in result.stdout  # no styles, no terminal hyperlinks


@pytest.mark.parametrize(
    ("url", "accepted"),
    [
        ("https://www.federalregister.gov/d/2025-02408", True),
        ("HTTP://example.org/a?b=c#d", True),
        ("javascript:alert(1)", False),
        ("data:text/html;base64,PHNjcmlwdD4=", False),
        ("file:///etc/passwd", False),
        ("ftp://example.org/a", False),
        ("//example.org/a", False),
    ],
)
def test_sources_accept_only_http_and_https_addresses(sqlite_db: str, url: str, accepted: bool) -> None:
    event = {"type": "NegotiationOpened", "key": "talks", "date": "2025-05-10", "parties": ["US", "CN"]}
    event |= {"title": "Talks", "sources": [{"url": url}]}
    result = run("append", "--json", json.dumps(event), "--db", sqlite_db)
    if accepted:
        assert result.exit_code == 0, result.stderr
    else:
        assert result.exit_code == 2
        assert "sources.0.url: must be an http:// or https:// address" in result.stderr


@pytest.fixture
def permissive_umask() -> Iterator[None]:
    previous = os.umask(0o022)
    yield
    os.umask(previous)


@pytest.mark.usefixtures("permissive_umask")
def test_a_new_sqlite_ledger_and_its_journal_files_are_readable_by_their_owner_only(tmp_path: Path) -> None:
    db = str(tmp_path / "private.db")
    store = EventStore(db)
    try:
        store.head()
        for path in (db, f"{db}-wal", f"{db}-shm"):
            assert mode(path) == 0o600, path
    finally:
        store.close()


@pytest.mark.usefixtures("permissive_umask")
def test_a_ledger_created_by_an_import_is_readable_by_its_owner_only(tmp_path: Path) -> None:
    db = str(tmp_path / "imported.db")
    event = {"type": "TariffImposed", "key": "k", "date": "2025-01-02", "imposer": "US", "target": "CN", "rate_pct": 1}
    (tmp_path / "one.jsonl").write_text(json.dumps(event) + "\n")
    assert run("import", str(tmp_path / "one.jsonl"), "--db", db).exit_code == 0
    assert mode(db) == 0o600


def test_a_database_password_never_appears_in_messages() -> None:
    result = run("tariffs", "--db", "postgresql://user:secret@127.0.0.1:1/x")
    assert result.exit_code == 1
    assert "secret" not in result.stderr + result.stdout
    assert "postgresql://user:***@127.0.0.1:1/x" in result.stderr
    assert "Traceback" not in result.stderr
