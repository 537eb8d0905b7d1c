"""Read-only use and least privilege: a query creates nothing and writes nothing, a SELECT-only
PostgreSQL role and a read-only ledger can be queried, and a writer role cannot undo the guards."""

from __future__ import annotations

import hashlib
import os
import sqlite3
import stat
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from ledger.cli.main import app
from tests.conftest import EXAMPLE, POSTGRES

runner = CliRunner()
LIFT = '{"type":"TariffLifted","key":"us-ieepa-reciprocal-cn","date":"2025-12-01"}'


def run(*args: object, env: dict[str, str] | None = None) -> Any:
    return runner.invoke(app, [str(a) for a in args], env=env)


def digest_of_files(folder: Path) -> dict[str, str]:
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(folder.iterdir()) if p.is_file()}


def test_a_query_on_a_missing_ledger_says_so_and_creates_nothing(tmp_path: Path) -> None:
    db = tmp_path / "nothing.db"
    for args in (["tariffs"], ["log"], ["verify"], ["digest"], ["report", "--as-of", "2025-06-10"]):
        result = run(*args, "--db", db)
        assert result.exit_code == 2, (args, result.stderr)
        assert f"no ledger at {db}" in result.stderr
    assert list(tmp_path.iterdir()) == []


def test_a_query_on_another_applications_file_changes_nothing(tmp_path: Path) -> None:
    db = tmp_path / "other.db"
    connection = sqlite3.connect(db)
    connection.execute("CREATE TABLE notes (text)")
    connection.commit()
    connection.close()
    before = digest_of_files(tmp_path)
    result = run("tariffs", "--db", db)
    assert result.exit_code == 2
    assert "is not a dipledger ledger" in result.stderr
    assert digest_of_files(tmp_path) == before
    with sqlite3.connect(db) as again:
        assert again.execute("PRAGMA journal_mode").fetchone()[0] == "delete"


def test_a_new_ledger_file_is_never_readable_by_others(tmp_path: Path) -> None:
    previous = os.umask(0o022)
    try:
        db = tmp_path / "new.db"
        seen: list[int] = []
        real_connect = sqlite3.connect

        def watching(*args: Any, **kwargs: Any) -> Any:
            connection = real_connect(*args, **kwargs)
            if db.exists():
                seen.append(stat.S_IMODE(db.stat().st_mode))
            return connection

        sqlite3.connect = watching  # type: ignore[assignment]
        try:
            assert run("append", "--db", db, "--json", LIFT.replace("TariffLifted", "TruceAgreed")).exit_code == 2
            result = run("import", EXAMPLE, "--db", db)
        finally:
            sqlite3.connect = real_connect  # type: ignore[assignment]
        assert result.exit_code == 0, result.stderr
        assert seen and all(mode & 0o077 == 0 for mode in seen), [oct(m) for m in seen]
        for path in tmp_path.glob("new.db*"):
            assert stat.S_IMODE(path.stat().st_mode) & 0o077 == 0, path
    finally:
        os.umask(previous)


def test_a_read_only_sqlite_ledger_answers_queries_and_writes_nothing(tmp_path: Path) -> None:
    db = tmp_path / "ledger.db"
    assert run("import", EXAMPLE, "--db", db).exit_code == 0
    assert run("append", "--db", db, "--json", LIFT).exit_code == 0  # the read model is now behind
    with sqlite3.connect(db) as connection:
        connection.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    before = hashlib.sha256(db.read_bytes()).hexdigest()
    env = {"DIPLEDGER_READ_ONLY": "1"}
    answer = run("tariffs", "--db", db, "--as-of", "2025-12-10", "--format", "json", env=env)
    assert answer.exit_code == 0, answer.stderr
    assert all(m["key"] != "us-ieepa-reciprocal-cn" for m in __import__("json").loads(answer.stdout)["measures"])
    for args in (["truces"], ["log"], ["verify"], ["digest"], ["report", "--as-of", "2025-06-10"]):
        assert run(*args, "--db", db, env=env).exit_code == 0, args
    refused = run("append", "--db", db, "--json", LIFT, env=env)
    assert refused.exit_code == 2 and "read-only" in refused.stderr
    assert hashlib.sha256(db.read_bytes()).hexdigest() == before


# PostgreSQL roles ---------------------------------------------------------------------------------


@pytest.fixture
def roles() -> Iterator[tuple[str, str, str]]:
    """A ledger's schema owned by postgres, and a writer and a reader role granted what `grant` says."""
    import psycopg

    from tests.conftest import _postgres_schema

    schemas = _postgres_schema()
    owner_db = next(schemas)
    suffix = uuid.uuid4().hex[:8]
    writer, reader = f"dl_writer_{suffix}", f"dl_reader_{suffix}"
    server = psycopg.connect(POSTGRES.split("?")[0], autocommit=True)
    try:
        server.execute(f'CREATE ROLE "{writer}" LOGIN')
        server.execute(f'CREATE ROLE "{reader}" LOGIN')
        assert run("import", EXAMPLE, "--db", owner_db).exit_code == 0
        assert run("tariffs", "--db", owner_db).exit_code == 0
        granted = run("grant", "--writer", writer, "--reader", reader, "--db", owner_db)
        assert granted.exit_code == 0, granted.stderr
        server.execute(granted.stdout)
        as_role = [owner_db.replace("postgres@", f"{role}@") for role in (writer, reader)]
        yield owner_db, as_role[0], as_role[1]
    finally:
        next(schemas, None)
        for role in (writer, reader):
            server.execute(f'DROP OWNED BY "{role}"')
            server.execute(f'DROP ROLE "{role}"')
        server.close()


def test_a_select_only_role_queries_and_records_nothing(roles: tuple[str, str, str]) -> None:
    _owner, _writer, reader = roles
    for args in (["tariffs", "--as-of", "2025-06-10"], ["log"], ["verify"], ["digest"], ["replay"]):
        result = run(*args, "--db", reader)
        assert result.exit_code == 0, (args, result.stderr)
    refused = run("append", "--db", reader, "--json", LIFT)
    assert refused.exit_code == 2 and "may only query" in refused.stderr


def test_a_writer_role_records_but_cannot_change_events_or_drop_their_guards(roles: tuple[str, str, str]) -> None:
    import psycopg

    _owner, writer, reader = roles
    recorded = run("append", "--db", writer, "--json", LIFT)
    assert recorded.exit_code == 0, recorded.stderr
    assert run("tariffs", "--db", writer).exit_code == 0
    assert run("verify", "--db", reader).exit_code == 0
    url, _, schema = writer.partition("?schema=")
    with psycopg.connect(url, autocommit=True) as connection:
        with pytest.raises(psycopg.Error, match="append-only"):
            connection.execute(f'UPDATE "{schema}".dipledger_events SET topic = %s', ("x",))
        with pytest.raises(psycopg.Error, match="must be owner"):
            connection.execute(f'DROP TRIGGER dipledger_dipledger_events_rows ON "{schema}".dipledger_events')
        with pytest.raises(psycopg.Error, match="must be owner"):
            connection.execute(f'ALTER TABLE "{schema}".dipledger_events DISABLE TRIGGER ALL')
