"""The read model as a query sees it: its names, the one query that reads a day's views, and a reader
that answers straight from a SQLite ledger whose read model is up to date.

Most queries find the read model up to date: nothing to project, only spans to read. For those on
SQLite, `up_to_date` reads the file with the standard library alone, so that a query loads neither
eventsourcing nor the event catalogue; anything else (PostgreSQL, a read model behind the ledger,
`--known-at` as a time) goes through `Ledger.read_model`, which catches up first.
"""

from __future__ import annotations

import sqlite3
from datetime import date
from pathlib import Path
from typing import Any

import orjson

from ledger.address import is_postgres

NAME = "spans"
"""The read model's name in the tracking table."""
TABLE, REFS = "dipledger_spans", "dipledger_span_refs"
QUERY_INDEX = f"{TABLE}_day"
FOREVER = 2**62
"""The open end of a span, in days or positions."""
EVENTS, TRACKING = "stored_events", "tracking"
"""eventsourcing's tables on SQLite."""


def views_sql(table: str, mark: str) -> str:
    """The views of one kind held on a day (`valid_from` ≤ day < `valid_to`) as known at a position
    (`known_from` ≤ position < `known_to`), by key: parameters `(kind, day, day, position, position)`."""
    return (
        f"SELECT view FROM {table} WHERE kind = {mark} AND valid_to > {mark} AND valid_from <= {mark} "
        f"AND known_from <= {mark} AND known_to > {mark} ORDER BY key"
    )


def parsed(views: list[str], kind: str, as_of: date) -> list[dict[str, Any]]:
    """The stored views as rows, with what counts down by the day filled in."""
    # One array parsed at once: half the time of parsing each view on its own.
    rows: list[dict[str, Any]] = orjson.loads(f"[{','.join(views)}]")
    if kind == "Truce":  # days remaining count down every day, so they are not stored
        from domain.truce import Truce

        rows = [Truce.on_day(row, as_of) for row in rows]
    return rows


class DirectReadModel:
    """The spans of an up-to-date SQLite read model as known at `known_at`, read in one transaction."""

    def __init__(self, connection: sqlite3.Connection, known_at: int):
        self.connection = connection
        self.known_at = known_at

    def views(self, kind: str, as_of: date) -> list[dict[str, Any]]:
        day = as_of.toordinal()
        found = self.connection.execute(views_sql(TABLE, "?"), (kind, day, day, self.known_at, self.known_at))
        return parsed([view for (view,) in found], kind, as_of)

    def close(self) -> None:
        self.connection.close()


def up_to_date(db: str, known_at: str | None, timeout: float = 30.0) -> DirectReadModel | None:
    """The read model of the SQLite ledger at `db` as known at `known_at` (a position, or None for
    the head), if it is up to date with the ledger and has its query index; else None."""
    if is_postgres(db) or not Path(db).is_file():
        return None
    when = (known_at or "").strip()
    if when and not when.isdigit():
        return None  # a time: resolved by reading the ledger
    try:
        # Read-write (without creating), as a read-only connection cannot open a WAL file whose
        # shared-memory index is missing; nothing is written.
        connection = sqlite3.connect(f"{Path(db).resolve().as_uri()}?mode=rw", uri=True, timeout=timeout)
    except sqlite3.Error:
        return None
    try:
        connection.execute("BEGIN")  # one snapshot of the file for every read below
        (head,) = connection.execute(f"SELECT COALESCE(MAX(rowid), 0) FROM {EVENTS}").fetchone()
        tracked = connection.execute(f"SELECT notification_id FROM {TRACKING} WHERE application_name = ?", (NAME,))
        reached = (tracked.fetchone() or (0,))[0]
        indexed = connection.execute("SELECT 1 FROM sqlite_master WHERE type = 'index' AND name = ?", (QUERY_INDEX,))
        if reached < head or indexed.fetchone() is None:
            connection.close()
            return None
    except sqlite3.Error:  # not a ledger yet, or not one this version made: the ledger will say
        connection.close()
        return None
    return DirectReadModel(connection, min(int(when), head) if when else head)
