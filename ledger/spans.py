"""The read model as a query sees it: its names, how a view is stored in pieces (and put back
together), the one query that reads a day's views, and a reader that answers straight from a
SQLite ledger whose read model is up to date.

Most queries find the read model up to date: nothing to project, only spans to read. For those on
SQLite, `up_to_date` reads the file with the standard library alone, so that a query loads neither
eventsourcing nor the event catalogue; anything else (PostgreSQL, a read model behind the ledger,
`--known-at` as a time) goes through `Ledger.read_model`, which catches up first.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

import orjson

from ledger.collector import collector_paused
from ledger.known_at import KnownAt

NAME = "spans/3"
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
    "Negotiation": (("rounds", "contacts", "statements", "agreements", "sources"), 0),
    "Truce": (("allegations", "sources"), 0),
    "ExportControl": (("items", "sources"), 8),
    "TariffMeasure": (("sources",), 8),
}
"""The lists of a view that grow with its aggregate's events, and how many of their first items stay
in the view's head. Each item past those is a span of its own, so an event adds a row the size of
what it brings rather than the whole view again (a long negotiation's views would otherwise grow
with the square of its events). A query reads every layer and control that holds on a day, so
their few sources and items stay in their head: one row each, unless a list grows long."""


Piece = str | tuple[str, int]
"""Which piece of its aggregate's view a stored view is: `""` the head, else `(list, index)`."""


@dataclass(frozen=True)
class Stored:
    """A view as stored: its head, and the pieces that changed since the view before it."""

    head: str
    version: int
    """Counts the changes to its items: two views are the same when head and version are."""
    changes: dict[Piece, str | None] = field(compare=False)
    """Each piece that changed, as JSON (None: no longer there)."""


class Pieces:
    """How the views of one aggregate of `kind` are stored, followed from one view to the next: the
    head is the view as JSON with its itemised lists cut to the items kept in it (ITEMISED), and
    each item after those is `[list, index, item]`.

    Only what is new is written out: a list that is the one seen before has only grown at its end,
    and an item that is the one seen before at its place is unchanged (a view's lists and items are
    never changed in place, `domain.timeline.Aggregate.settled`). So each view costs what changed.
    """

    def __init__(self, kind: str):
        self.fields, self.inline = ITEMISED[kind]
        self.head = ""
        self.version = 0
        self.lists: dict[str, tuple[list[Any], list[Any]]] = {}
        """By list: the list last seen, and its items then."""

    def __call__(self, row: dict[str, Any]) -> Stored:
        changes: dict[Piece, str | None] = {}
        head = orjson.dumps({**row, **{name: row[name][: self.inline] for name in self.fields}}).decode()
        for name in self.fields:
            self._follow(name, row[name], changes)
        if changes:
            self.version += 1
        if head != self.head:
            changes[""] = self.head = head
        return Stored(head, self.version, changes)

    def _follow(self, name: str, items: list[Any], changes: dict[Piece, str | None]) -> None:
        """Note in `changes` the items of list `name` that changed."""
        seen, held = self.lists.get(name, (None, []))
        if items is seen:  # grown at its end, if at all
            changed: Iterable[int] = range(len(held), len(items))
            held += items[len(held) :]
        else:
            common = min(len(items), len(held))
            changed = [i for i in range(self.inline, common) if items[i] is not held[i]]
            changed += range(common, len(items))
            for index in range(max(self.inline, len(items)), len(held)):
                changes[name, index] = None
            held = list(items)
        for index in changed:
            if index >= self.inline:
                changes[name, index] = orjson.dumps([name, index, items[index]]).decode()
        self.lists[name] = items, held


def piece(view: str) -> Piece:
    """The piece a stored view is (see `Pieces`)."""
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


def turned_sql(table: str, mark: str) -> str:
    """The heads of the views of one kind that begin or end on a day from one to another, as known at a
    position: parameters `(kind, position, position, first, last, first, last)`."""
    return (
        f"SELECT key, valid_from, valid_to, view FROM {table} WHERE kind = {mark} AND known_from <= {mark} "
        f"AND known_to > {mark} AND substr(view, 1, 1) = '{{' "
        f"AND (valid_from BETWEEN {mark} AND {mark} OR valid_to BETWEEN {mark} AND {mark})"
    )


Turn = tuple[str, date, dict[str, Any], dict[str, Any]]
"""`(key, day, head before, head from that day)`: where an aggregate's view changes."""


def turns(found: list[tuple[str, int, int, str]], first: int, last: int) -> list[Turn]:
    """From the rows of `turned_sql`, each day from `first` to `last` on which a view's head gives way
    to another, by key and day."""
    ending = {(key, valid_to): view for key, _, valid_to, view in found if first <= valid_to <= last}
    return sorted(
        ((key, date.fromordinal(valid_from), orjson.loads(before), orjson.loads(view)))
        for key, valid_from, _, view in found
        if first <= valid_from <= last and (before := ending.get((key, valid_from))) is not None
    )


def parsed(found: list[tuple[str, str]], kind: str, as_of: date) -> list[dict[str, Any]]:
    """The stored `(key, view)` pieces as rows, by key: heads with their items put back, and what
    counts down by the day filled in."""
    with collector_paused():  # see ledger.collector.paused
        return _parsed(found, kind, as_of)


def _parsed(found: list[tuple[str, str]], kind: str, as_of: date) -> list[dict[str, Any]]:
    # One array parsed at once: half the time of parsing each view on its own.
    values = orjson.loads(f"[{','.join(view for _, view in found)}]")
    items = [(key, value) for (key, _), value in zip(found, values, strict=True) if type(value) is list]
    rows: list[dict[str, Any]] = values
    if items:  # most views are their head alone
        heads = {key: value for (key, _), value in zip(found, values, strict=True) if type(value) is dict}
        items.sort(key=lambda item: item[1][1])  # by index: each list is filled in order
        for key, (name, _, item) in items:
            heads[key][name].append(item)
        rows = list(heads.values())
    if kind == "Truce":  # days remaining count down every day, so they are not stored
        from domain.truce import Truce

        return [Truce.on_day(row, as_of) for row in rows]
    return rows


class DirectReadModel:
    """The spans of an up-to-date SQLite read model as known at `known_at`, read in one transaction."""

    def __init__(self, connection: sqlite3.Connection, known_at: int):
        self.connection = connection
        self.known_at = known_at

    def views(self, kind: str, as_of: date) -> list[dict[str, Any]]:
        day = as_of.toordinal()
        found = self.connection.execute(views_sql(TABLE, "?"), (kind, day, day, self.known_at, self.known_at))
        return parsed(found.fetchall(), kind, as_of)

    def turned(self, kind: str, start: date, end: date) -> list[Turn]:
        """Where the views of `kind` change from `start` to `end` (see `turns`)."""
        first, last = start.toordinal(), end.toordinal()
        params = (kind, self.known_at, self.known_at, first, last, first, last)
        return turns(self.connection.execute(turned_sql(TABLE, "?"), params).fetchall(), first, last)

    def close(self) -> None:
        self.connection.close()


def up_to_date(db: str, known_at: KnownAt, timeout: float = 30.0) -> DirectReadModel | None:
    """The read model of the SQLite ledger at `db` as known at `known_at` (a position, or the head),
    if it is up to date with the ledger and has its query index; else None."""
    if not Path(db).is_file() or known_at.moment is not None:
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
