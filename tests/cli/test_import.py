"""`dipledger import` as a real process: from a pipe, and with its progress bars on a terminal only."""

from __future__ import annotations

import json
import os
import pty
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

import ledger.store
from ledger.application import Ledger
from ledger.cli.main import app
from tests.integration.test_import import EXPECTED, INTERLEAVED, tariff


def dipledger(*args: str, **options: object) -> subprocess.CompletedProcess[bytes]:
    return subprocess.run([sys.executable, "-m", "ledger", *args], capture_output=True, timeout=120, **options)  # type: ignore[call-overload, no-any-return]


def positions(db: str) -> list[tuple[int, str, str, str]]:
    opened = Ledger(db)
    try:
        return [(e["position"], e["key"], e["date"], e["type"]) for e in opened.log(opened.head())]
    finally:
        opened.close()


def test_standard_input_from_a_pipe_is_imported_in_the_same_order_as_a_file(sqlite_db: str) -> None:
    piped = b"".join(json.dumps(event).encode() + b"\n" for event in INTERLEAVED)
    done = dipledger("import", "-", "--db", sqlite_db, input=piped)
    assert done.returncode == 0, done.stderr
    assert done.stderr.decode() == "recorded 8 events (positions 1–8)\n"
    assert positions(sqlite_db) == EXPECTED


def test_a_bad_line_from_a_pipe_is_named_as_line_of_standard_input(sqlite_db: str) -> None:
    done = dipledger("import", "-", "--db", sqlite_db, input=b'{"type": "TariffImposed"}\n')
    assert done.returncode == 2
    assert done.stderr.decode().splitlines()[0].startswith("-:1: ")


def test_import_shows_progress_with_counts_on_a_terminal(sqlite_db: str, tmp_path: Path) -> None:
    path = tmp_path / "many.jsonl"
    path.write_text("".join(json.dumps(tariff(f"t{i}")) + "\n" for i in range(3000)), encoding="utf-8")
    leader, follower = pty.openpty()
    environment = {**os.environ, "TERM": "xterm", "COLUMNS": "120"}
    environment.pop("NO_COLOR", None)
    process = subprocess.Popen(
        [sys.executable, "-m", "ledger", "import", str(path), "--db", sqlite_db],
        stdout=subprocess.DEVNULL,
        stderr=follower,
        env=environment,
    )
    os.close(follower)
    shown = b""
    while True:
        try:
            chunk = os.read(leader, 65536)
        except OSError:  # the terminal closed
            break
        if not chunk:
            break
        shown += chunk
    os.close(leader)
    assert process.wait(timeout=120) == 0
    text = shown.decode(errors="replace")
    assert "recording" in text and "3,000/3,000 events" in text, text[-2000:]
    assert text.rstrip().endswith("recorded 3000 events (positions 1–3000)")


def test_import_shows_no_progress_when_stderr_is_not_a_terminal(sqlite_db: str, tmp_path: Path) -> None:
    path = tmp_path / "many.jsonl"
    path.write_text("".join(json.dumps(tariff(f"t{i}")) + "\n" for i in range(3000)), encoding="utf-8")
    result = CliRunner().invoke(app, ["import", str(path), "--db", sqlite_db])
    assert result.exit_code == 0, result.stderr
    assert result.stderr == "recorded 3000 events (positions 1–3000)\n"


def test_an_import_waiting_past_the_lock_timeout_ends_with_exit_3_and_nothing_written(
    sqlite_db: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "one.jsonl"
    path.write_text(json.dumps(tariff("t")) + "\n", encoding="utf-8")
    Ledger(sqlite_db).close()
    settings = ledger.store.settings
    monkeypatch.setattr(ledger.store, "settings", lambda db: {**settings(db), "SQLITE_LOCK_TIMEOUT": "1"})
    other_writer = sqlite3.connect(sqlite_db, isolation_level=None)
    other_writer.execute("BEGIN IMMEDIATE")
    try:
        result = CliRunner().invoke(app, ["import", str(path), "--db", sqlite_db])
    finally:
        other_writer.rollback()
        other_writer.close()
    assert result.exit_code == 3, result.stderr
    assert "locked" in result.stderr
    assert positions(sqlite_db) == []
