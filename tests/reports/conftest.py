"""The seed ledger, recorded once per module, and a report of it for any day and position."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import date
from pathlib import Path

import pytest

from ledger.application import Candidate, Ledger
from ledger.jsonl import open_sources, read_events
from ledger.reports import html, markdown, model
from tests.conftest import EXAMPLE


def record_file(db: str, path: Path) -> None:
    ledger = Ledger(db)
    try:
        ledger.record(list(read_events(open_sources([str(path)]))), "tester")
    finally:
        ledger.close()


def record(db: str, *events: dict[str, object]) -> None:
    """Record events given as catalogue dicts (as one import would)."""
    from domain import parse_fact

    ledger = Ledger(db)
    try:
        ledger.record([Candidate(parse_fact(json.loads(json.dumps(e)))) for e in events], "tester")
    finally:
        ledger.close()


def digest(db: str, at: int | None = None) -> str:
    """`HASH@POSITION` the ledger publishes for its head (or for position `at`)."""
    from ledger.integrity import head_digest

    ledger = Ledger(db)
    try:
        return head_digest(ledger, at)
    finally:
        ledger.close()


def position_of(db: str, event_type: str) -> int:
    """The position at which the first event of `event_type` was recorded."""
    ledger = Ledger(db)
    try:
        return next(int(str(e["position"])) for e in ledger.log(ledger.head()) if e["type"] == event_type)
    finally:
        ledger.close()


@pytest.fixture(scope="module")
def seed(tmp_path_factory: pytest.TempPathFactory) -> str:
    """A SQLite ledger holding the London talks example."""
    db = str(tmp_path_factory.mktemp("seed") / "ledger.db")
    record_file(db, EXAMPLE)
    return db


Render = Callable[..., str]


def _report(db: str, as_of: str, known_at: int | None, with_charts: bool) -> model.Report:
    ledger = Ledger(db)
    try:
        return model.gather(ledger, date.fromisoformat(as_of), known_at or ledger.head(), with_charts)
    finally:
        ledger.close()


@pytest.fixture
def as_markdown() -> Render:
    def render(db: str, as_of: str, known_at: int | None = None) -> str:
        return markdown.render(_report(db, as_of, known_at, False))

    return render


@pytest.fixture
def as_html() -> Render:
    def render(db: str, as_of: str, known_at: int | None = None) -> str:
        return html.render(_report(db, as_of, known_at, True))

    return render
