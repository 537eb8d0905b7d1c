"""The read model as a query sees it: its names, the one query that reads a day's views, and a reader
that answers straight from a SQLite ledger whose read model is up to date.

Most queries find the read model up to date: nothing to project, only spans to read. For those on
SQLite, `up_to_date` reads the file with the standard library alone, so that a query loads neither
eventsourcing nor the event catalogue; anything else (PostgreSQL, a read model behind the ledger,
`--known-at` as a time) goes through `Ledger.read_model`, which catches up first.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import Any

import orjson

from ledger.address import is_postgres
from ledger.collector import collector_paused
from ledger.known_at import KnownAt

NAME = "spans/2"
"""The read model's name in the tracking table, with its layout's version: a ledger whose read model
has an older layout finds none under this name, and projects it again from the start."""
TABLE, REFS = "dipledger_spans", "dipledger_span_refs"
QUERY_INDEX = f"{TABLE}_day"
FOREVER = 2**62
"""The open end of a span, in days or positions."""
EVENTS, TRACKING = "stored_events", "tracking"
"""eventsourcing's tables on SQLite."""
MAPPED = "PRAGMA mmap_size = 1073741824"
"""A query's SQLite connection reads the file as mapped memory: the thousands of rows a query reads
cost a quarter less than read through the page cache a page at a time."""


ITEMISED = {
    "Negotiation": ("rounds", "contacts", "statements", "agreements", "sources"),
    "Truce": ("allegations", "sources"),
}
"""The lists of a view that grow with its aggregate's events. Each item is a span of its own, so an
event adds rows the size of what it brings rather than the whole view again (a long negotiation's
views would otherwise grow with the square of its events)."""


Piece = str | tuple[str, int]
"""Which piece of its aggregate's view a stored view is: `""` the head, else `(list, index)`."""


def pieces(kind: str) -> Callable[[dict[str, Any]], dict[Piece, str]]:
    """How the views of one aggregate of `kind` are stored, by piece: as JSON, its itemised lists
    emptied (the head), then each of their items as `[list, index, item]`.

    An item is written out once for as long as it is the same object: an aggregate never changes an
    item it has shown in place, it replaces it (`domain.timeline.Aggregate.settled`).
    """
    fields = ITEMISED.get(kind, ())
    written: dict[Piece, tuple[Any, str]] = {}
    """By piece: the item last written out, and how."""

    def whole(row: dict[str, Any]) -> dict[Piece, str]:
        return {"": orjson.dumps(row).decode()}

    def stored(row: dict[str, Any]) -> dict[Piece, str]:
        found: dict[Piece, str] = {"": orjson.dumps({**row, **dict.fromkeys(fields, ())}).decode()}
        for name in fields:
            for index, item in enumerate(row[name]):
                held = written.get((name, index))
                if held is None or held[0] is not item:  # held: the item stays alive, its id unique
                    held = written[name, index] = item, orjson.dumps([name, index, item]).decode()
                found[name, index] = held[1]
        return found

    return stored if fields else whole


def piece(view: str) -> Piece:
    """The piece a stored view is (see `pieces`)."""
    if view[0] == "{":
        return ""
    name, index = orjson.loads(f"{view[: view.index(',', view.index(',') + 1)]}]")
    return name, index


def views_sql(table: str, mark: str) -> str:
    """The pieces of the views of one kind held on a day (`valid_from` ≤ day < `valid_to`) as known at
    a position (`known_from` ≤ position < `known_to`), by key: parameters `(kind, day, day, position,
    position)`."""
    return (
        f"SELECT key, view FROM {table} WHERE kind = {mark} AND valid_to > {mark} AND valid_from <= {mark} "
        f"AND known_from <= {mark} AND known_to > {mark} ORDER BY key"
    )


def parsed(found: list[tuple[str, str]], kind: str, as_of: date) -> list[dict[str, Any]]:
    """The stored `(key, view)` pieces as rows, by key: heads with their items put back, and what
    counts down by the day filled in."""
    with collector_paused():  # see ledger.collector.paused
        return _parsed(found, kind, as_of)


def _parsed(found: list[tuple[str, str]], kind: str, as_of: date) -> list[dict[str, Any]]:
    # One array parsed at once: half the time of parsing each view on its own.
    values = orjson.loads(f"[{','.join(view for _, view in found)}]")
    if kind not in ITEMISED:
        rows: list[dict[str, Any]] = values
        return rows
    heads: dict[str, dict[str, Any]] = {}
    items: list[tuple[str, list[Any]]] = []
    for (key, _), value in zip(found, values, strict=True):
        if type(value) is dict:
            heads[key] = value
        else:
            items.append((key, value))
    items.sort(key=lambda item: item[1][1])  # by index: each list is filled in order
    for key, (name, _, item) in items:
        heads[key][name].append(item)
    if kind == "Truce":  # days remaining count down every day, so they are not stored
        from domain.truce import Truce

        return [Truce.on_day(row, as_of) for row in heads.values()]
    return list(heads.values())


class DirectReadModel:
    """The spans of an up-to-date SQLite read model as known at `known_at`, read in one transaction."""

    def __init__(self, connection: sqlite3.Connection, known_at: int):
        self.connection = connection
        self.known_at = known_at

    def views(self, kind: str, as_of: date) -> list[dict[str, Any]]:
        day = as_of.toordinal()
        found = self.connection.execute(views_sql(TABLE, "?"), (kind, day, day, self.known_at, self.known_at))
        return parsed(found.fetchall(), kind, as_of)

    def close(self) -> None:
        self.connection.close()


def up_to_date(db: str, known_at: KnownAt, timeout: float = 30.0) -> DirectReadModel | None:
    """The read model of the SQLite ledger at `db` as known at `known_at` (a position, or the head),
    if it is up to date with the ledger and has its query index; else None."""
    if is_postgres(db) or not Path(db).is_file() or known_at.moment is not None:
        return None  # a moment is resolved by reading the ledger
    try:
        # Read-write (without creating), as a read-only connection cannot open a WAL file whose
        # shared-memory index is missing; nothing is written.
        connection = sqlite3.connect(f"{Path(db).resolve().as_uri()}?mode=rw", uri=True, timeout=timeout)
    except sqlite3.Error:
        return None
    try:
        connection.execute(MAPPED)
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
    return DirectReadModel(connection, head if known_at.position is None else min(known_at.position, head))
