"""The web face over the London example: an application in process, and one served on a free port."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from starlette.testclient import TestClient
from typer.testing import CliRunner

from ledger.cli.main import app
from ledger.web.app import create_app
from tests.conftest import EXAMPLE
from tests.reports.test_browser import browser  # noqa: F401  (headless Chromium, for the browser tests)

TOKEN = "a-test-token-of-some-length"
EXTENSION = 34
"""The position at which `dipledger import` records the Geneva truce's extension of 11 August."""


def record_file(db: str, path: object) -> None:
    """Import as `dipledger import` does, so positions are those the README quotes."""
    result = CliRunner().invoke(app, ["import", str(path), "--db", db])
    assert result.exit_code == 0, result.stderr


@pytest.fixture
def london(db: str) -> str:
    """The London example recorded in an empty ledger, on SQLite and PostgreSQL."""
    record_file(db, EXAMPLE)
    return db


@pytest.fixture
def london_sqlite(sqlite_db: str) -> str:
    record_file(sqlite_db, EXAMPLE)
    return sqlite_db


@pytest.fixture
def client(london: str) -> Iterator[TestClient]:
    """A read-only site over the London example."""
    with TestClient(create_app(london), base_url="http://127.0.0.1:8000") as opened:
        yield opened


@pytest.fixture
def writable(london_sqlite: str) -> Iterator[Any]:
    """A site that takes writes with `TOKEN`, over the London example on SQLite."""
    with TestClient(create_app(london_sqlite, True, TOKEN), base_url="http://127.0.0.1:8000") as opened:
        opened.db = london_sqlite
        yield opened
