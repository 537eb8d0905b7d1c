"""Fixtures shared by every test: a ledger on each storage backend, and the example ledger."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
EXAMPLE = ROOT / "examples" / "london-talks-2025.jsonl"
POSTGRES = os.environ.get("DIPLEDGER_TEST_POSTGRES", "postgresql://postgres@127.0.0.1:5432/test")


def _postgres_schema() -> Iterator[str]:
    """A fresh schema in the test database for one test; dropped afterwards."""
    try:
        import psycopg

        connection = psycopg.connect(POSTGRES.split("?")[0], autocommit=True, connect_timeout=3)
    except Exception as error:  # no server here
        if os.environ.get("DIPLEDGER_REQUIRE_SERVICES") == "1":
            pytest.fail(f"PostgreSQL is required (DIPLEDGER_REQUIRE_SERVICES=1) but unreachable: {error}")
        pytest.skip(f"PostgreSQL not reachable at {POSTGRES}: {error}")
    schema = f"t_{uuid.uuid4().hex[:12]}"
    with connection:
        connection.execute(f'CREATE SCHEMA "{schema}"')
        try:
            yield f"{POSTGRES.split('?')[0]}?schema={schema}"
        finally:
            connection.execute(f'DROP SCHEMA "{schema}" CASCADE')


@pytest.fixture(params=["sqlite", "postgres"])
def db(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """The address of an empty ledger, on SQLite and on PostgreSQL."""
    if request.param == "sqlite":
        yield str(tmp_path / "ledger.db")
    else:
        yield from _postgres_schema()


@pytest.fixture
def sqlite_db(tmp_path: Path) -> str:
    """The address of an empty SQLite ledger (for tests that need only one backend)."""
    return str(tmp_path / "ledger.db")


@pytest.fixture(autouse=True)
def _isolated_environment(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """No test reads a developer's own ledger or user name."""
    monkeypatch.delenv("DIPLEDGER_DB", raising=False)
    monkeypatch.setenv("DIPLEDGER_USER", "tester")
    monkeypatch.chdir(tmp_path)
