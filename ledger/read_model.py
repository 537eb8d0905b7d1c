"""Persistent bitemporal read models: every view an aggregate had, as a rectangle of valid × record time.

For tariffs, export controls, truces and negotiations, the ledger's own database keeps *spans*:
an aggregate's view (the row a query prints, without its day-counting fields), the days it holds
(`[valid_from, valid_to)`, valid time) and the positions at which the ledger held it
(`[known_from, known_to)`, record time). A query for `(as_of, known_at)` is a point lookup among
rectangles — through one B-tree index on both databases (`TABLES`) — that reads one row per
aggregate piece (`ledger.spans.pieces`) and folds nothing.

The spans come from the one fold (`domain.timeline.Course`). The event at position p ends
(`known_to = p`) the spans of its aggregate from the day it counts and starts their successors
(`known_from = p`); a truce's event does the same for every measure suspended under the truce.
An eventsourcing tracking recorder keeps them: each page of events changes the spans and moves the
tracking position in one transaction, so they are exactly-once and resume where they stopped.
Every read catches up first; `dipledger rebuild` empties them and catches up from the start.
"""

from __future__ import annotations

import contextlib
import threading
import time
from bisect import bisect_right
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import date
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Any, NamedTuple, Protocol

import orjson
from eventsourcing.persistence import IntegrityError, OperationalError, PersistenceError, Tracking
from eventsourcing.sqlite import SQLiteTrackingRecorder

from domain import EVENT_TYPES, Retracted
from domain.timeline import Course, counts_from, fold
from ledger.collector import collector_paused
from ledger.spans import FOREVER, MAPPED, NAME, QUERY_INDEX, REFS, TABLE, Piece, parsed, piece, pieces, views_sql
from ledger.store import OPEN_ATTEMPTS, StorageError, decode

if TYPE_CHECKING:
    from domain import Recorded
    from ledger.store import EventStore

KINDS = ("Negotiation", "Truce", "ExportControl", "TariffMeasure")
"""The aggregates kept as spans (trade flows are series read whole, not views of a day)."""
CODES = {kind: number for number, kind in enumerate(KINDS, start=1)}
PAGE, SMALLEST_PAGE = 20_000, 1_000
"""The positions a page of a catch-up spans: PAGE, or a quarter of a smaller catch-up (at least
SMALLEST_PAGE), so that even a small one writes a page while it projects the next."""
RETRIES = 20
CACHED = 20_000
"""Aggregates kept in memory while catching up; more are dropped and read again when needed."""


class Row(NamedTuple):
    id: int
    kind: str
    key: str
    valid_from: int
    valid_to: int
    known_from: int
    known_to: int
    view: str


@dataclass(slots=True)
class Span:
    """One rectangle; `id` is None until it is written, `known_to` is FOREVER while it holds."""

    valid_from: int
    valid_to: int
    view: str
    known_from: int
    known_to: int = FOREVER
    id: int | None = None
    ended: bool = False
    """Whether `known_to` changed since it was read or written."""
    piece: Piece = ""
    """Which piece of the aggregate's view it holds (`ledger.spans.pieces`)."""


# The tables ------------------------------------------------------------------------------------


class SpanRecorder(Protocol):
    def max_tracking_id(self, application_name: str) -> int | None: ...
    def open_spans(self, kind: str, key: str) -> list[Span]: ...
    def referrers(self, truce: str) -> list[tuple[str, str]]: ...
    def top(self) -> int: ...
    def change_days(self) -> list[int]: ...
    def write(self, start: int, batch: Batch) -> None: ...
    def views(self, kind: str, day: int, position: int) -> list[tuple[str, str]]: ...
    def _empty_index(self, cursor: Any) -> None:
        """Empty the separate spatial index, where there is one."""

    def rows(self) -> list[Row]: ...
    def clear(self) -> None: ...
    def index(self) -> None: ...


@dataclass
class Changes:
    """What one page of events does to the tables, as the projector builds it."""

    written: list[tuple[str, str, Span]] = field(default_factory=list)
    """New spans `(kind, key, span)`, ended or not."""
    ended: list[Span] = field(default_factory=list)
    """Spans already in the tables whose `known_to` is now set."""
    refs: set[tuple[str, str, str]] = field(default_factory=set)
    """`(truce, kind, key)`: a measure suspended under a truce."""


class Batch(NamedTuple):
    """One page's changes as plain rows, so that they can be written while the next page is projected."""

    rows: list[tuple[int, str, str, int, int, int, int, str]]
    """`Row`s, as plain tuples."""
    ends: list[tuple[int, int]]
    """`(known_to, id)` of spans already written."""
    refs: list[tuple[str, str, str]]
    tracking: Tracking


class _Spans:
    """The statements, for either database (`table`, `refs`, `tracking` qualified; `mark` a placeholder)."""

    table: str
    refs: str
    tracking: str
    tables: list[str]
    """The statements that create the tables and their indexes."""
    mark: str
    datastore: Any

    if TYPE_CHECKING:  # supplied by the tracking recorder this is mixed into

        def _insert_tracking(self, cursor: Any, tracking: Tracking) -> None: ...

    def _apply(self, cursor: Any, batch: Batch) -> None:
        """Insert the batch's rows and refs, and end its spans (each database in its own way)."""
        raise NotImplementedError

    def open_spans(self, kind: str, key: str) -> list[Span]:
        m = self.mark
        sql = (
            f"SELECT id, valid_from, valid_to, known_from, view FROM {self.table} "
            f"WHERE kind = {m} AND key = {m} AND known_to = {m} ORDER BY valid_from"
        )
        with self.datastore.transaction(commit=False) as cursor:
            cursor.execute(sql, (kind, key, FOREVER))
            return [
                Span(r["valid_from"], r["valid_to"], r["view"], r["known_from"], id=r["id"], piece=piece(r["view"]))
                for r in cursor.fetchall()
            ]

    def referrers(self, truce: str) -> list[tuple[str, str]]:
        with self.datastore.transaction(commit=False) as cursor:
            cursor.execute(f"SELECT kind, key FROM {self.refs} WHERE truce = {self.mark}", (truce,))
            return [(r["kind"], r["key"]) for r in cursor.fetchall()]

    def views(self, kind: str, day: int, position: int) -> list[tuple[str, str]]:
        """The `(key, view)` pieces of `kind` held on `day` as known at `position`, by key."""
        with self.datastore.transaction(commit=False) as cursor:
            cursor.execute(views_sql(self.table, self.mark), (kind, day, day, position, position))
            return [(r["key"], r["view"]) for r in cursor.fetchall()]

    def change_days(self) -> list[int]:
        """Every day (an ordinal) on which some span starts: the days a view may change."""
        with self.datastore.transaction(commit=False) as cursor:
            cursor.execute(f"SELECT DISTINCT valid_from AS day FROM {self.table}")
            return [r["day"] for r in cursor.fetchall()]

    def top(self) -> int:
        """The highest span id so far (0: none)."""
        with self.datastore.transaction(commit=False) as cursor:
            cursor.execute(f"SELECT COALESCE(MAX(id), 0) AS top FROM {self.table}")
            top: int = cursor.fetchone()["top"]
            return top

    def write(self, start: int, batch: Batch) -> None:
        """A page's changes and its tracking position, in one transaction.

        Raises IntegrityError if another process moved the read model on since `start` was read:
        the changes were computed from spans that may no longer hold (and their ids may be taken).
        """
        m = self.mark
        with self.datastore.transaction(commit=True) as cursor:
            self._lock(cursor)
            cursor.execute(f"SELECT notification_id FROM {self.tracking} WHERE application_name = {m}", (NAME,))
            found = cursor.fetchone()
            if (found["notification_id"] if found else 0) != start:
                raise IntegrityError(f"the read model moved on from position {start}")
            if start == 0:  # rows of a layout no longer read (an older version's) go
                cursor.execute(f"DELETE FROM {self.table}")
                cursor.execute(f"DELETE FROM {self.refs}")
            self._apply(cursor, batch)
            self._insert_tracking(cursor, batch.tracking)

    def _lock(self, cursor: Any) -> None:
        """Hold off other writers of the read model until this transaction ends."""

    def rows(self) -> list[Row]:
        with self.datastore.transaction(commit=False) as cursor:
            cursor.execute(f"SELECT * FROM {self.table} ORDER BY id")
            return [Row(**r) for r in cursor.fetchall()]

    def clear(self) -> None:
        """Empty the read model, without its query index, and forget how far it got, in one transaction."""
        with self.datastore.transaction(commit=True) as cursor:
            self._lock(cursor)
            for table in (self.table, self.refs):  # dropped: far faster than deleting every row
                cursor.execute(f"DROP TABLE {table}")
            for statement in self.tables[:INDEXED]:
                cursor.execute(statement)
            cursor.execute(f"DELETE FROM {self.tracking} WHERE application_name = {self.mark}", (NAME,))

    def index(self) -> None:
        """Make the query index (which `clear` leaves out)."""
        with self.datastore.transaction(commit=True) as cursor:
            for statement in self.tables[INDEXED:]:
                cursor.execute(statement)


TABLES = (
    "CREATE TABLE IF NOT EXISTS {0} (id {1} PRIMARY KEY, kind TEXT NOT NULL, key TEXT NOT NULL, "
    "valid_from {1} NOT NULL, valid_to {1} NOT NULL, known_from {1} NOT NULL, known_to {1} NOT NULL, "
    "view TEXT NOT NULL)",
    "CREATE TABLE IF NOT EXISTS {4} (truce TEXT NOT NULL, kind TEXT NOT NULL, key TEXT NOT NULL, "
    "PRIMARY KEY (truce, kind, key))",
    # Finds an aggregate's spans that still hold, to end them.
    "CREATE INDEX IF NOT EXISTS {2} ON {0} (kind, key, known_to)",
    # Answers a query from the index alone; only the matching rows are read for their views.
    "CREATE INDEX IF NOT EXISTS {3} ON {0} (kind, valid_to, valid_from, known_from, known_to)",
)
"""The read model's tables and indexes: `{0}` spans, `{1}` a 64-bit integer type (for ids,
days and positions), `{2}`, `{3}` the indexes' names, `{4}` which measures are suspended under which
truce."""
INDEXED = 3
"""`TABLES[INDEXED:]` is the query index: a rebuild makes it after the rows, faster than keeping it up
row by row (the other, small, serves the rebuild itself)."""


class SQLiteSpanRecorder(_Spans, SQLiteTrackingRecorder):
    """Spans beside `stored_events`, tracked in SQLite's `tracking` table."""

    table, refs, tracking, mark = TABLE, REFS, "tracking", "?"

    tables = [sql.format(TABLE, "INTEGER", f"{TABLE}_open", QUERY_INDEX, REFS) for sql in TABLES]

    def construct_create_table_statements(self) -> list[str]:
        return [*super().construct_create_table_statements(), *self.tables]

    def views(self, kind: str, day: int, position: int) -> list[tuple[str, str]]:
        with self.datastore.transaction(commit=False) as cursor:
            cursor.row_factory = None  # `(key, view)` tuples as they come: a query reads thousands
            cursor.execute(MAPPED)
            cursor.execute(views_sql(self.table, self.mark), (kind, day, day, position, position))
            found: list[tuple[str, str]] = cursor.fetchall()
            return found

    def _apply(self, cursor: Any, batch: Batch) -> None:
        """Each list in one statement, handed over as a JSON array: SQLite then works through it
        without taking the interpreter back row by row (which a projecting thread holds)."""
        columns = ", ".join(f"value ->> {n}" for n in range(8))
        cursor.execute(f"INSERT INTO {self.table} SELECT {columns} FROM json_each(?)", (orjson.dumps(batch.rows),))
        cursor.execute(
            f"UPDATE {self.table} SET known_to = e.value ->> 0 FROM json_each(?) AS e "
            f"WHERE {self.table}.id = e.value ->> 1",
            (orjson.dumps(batch.ends),),
        )
        cursor.execute(
            f"INSERT INTO {self.refs} SELECT value ->> 0, value ->> 1, value ->> 2 FROM json_each(?) "
            "WHERE true ON CONFLICT DO NOTHING",
            (orjson.dumps(batch.refs),),
        )


ROW_CASTS = ("::bigint", "", "", "::bigint", "::bigint", "::bigint", "::bigint", "")
"""How each column of a `Row` is read from JSON on PostgreSQL."""


@cache
def _postgres_span_recorder() -> type:
    """Defined on first use: importing eventsourcing.postgres is slow, and SQLite needs none of it."""
    from eventsourcing.postgres import PostgresTrackingRecorder
    from psycopg.sql import SQL, Identifier

    class PostgresSpanRecorder(_Spans, PostgresTrackingRecorder):
        """Spans in the ledger's schema, tracked in its tracking table."""

        mark = "%s"

        def __init__(self, datastore: Any, **kwargs: Any):
            super().__init__(datastore, **kwargs)
            schema = datastore.schema
            self.table, self.refs, self.tracking = (
                Identifier(schema, name).as_string(None) for name in (TABLE, REFS, self.tracking_table_name)
            )
            indexes = (Identifier(f"{TABLE}_{end}").as_string(None) for end in ("open", "day"))
            names = (self.table, "bigint", *indexes, self.refs)
            self.tables = [sql.format(*names) for sql in TABLES]
            self.sql_create_statements += [SQL(statement).format() for statement in self.tables]

        def _lock(self, cursor: Any) -> None:
            cursor.execute(f"LOCK TABLE {self.table} IN EXCLUSIVE MODE")

        def _apply(self, cursor: Any, batch: Batch) -> None:
            """Each list in one statement, as a JSON array (see SQLiteSpanRecorder._apply): the server
            works through it while this process projects the next page."""
            columns = ", ".join(f"(e ->> {n}){cast}" for n, cast in enumerate(ROW_CASTS))
            cursor.execute(
                f"INSERT INTO {self.table} SELECT {columns} FROM jsonb_array_elements(%s::jsonb) AS e",
                (orjson.dumps(batch.rows).decode(),),
            )
            cursor.execute(
                f"UPDATE {self.table} SET known_to = (e ->> 0)::bigint FROM jsonb_array_elements(%s::jsonb) AS e "
                f"WHERE {self.table}.id = (e ->> 1)::bigint",
                (orjson.dumps(batch.ends).decode(),),
            )
            cursor.execute(
                f"INSERT INTO {self.refs} SELECT e ->> 0, e ->> 1, e ->> 2 FROM jsonb_array_elements(%s::jsonb) AS e "
                "ON CONFLICT DO NOTHING",
                (orjson.dumps(batch.refs).decode(),),
            )

    return PostgresSpanRecorder


def span_recorder(store: EventStore) -> SpanRecorder:
    """The read model's recorder, its tables created if need be (retried when another process races it)."""
    from ledger.store import table_exists

    postgres = hasattr(store.recorder, "datastore") and hasattr(store.recorder.datastore, "schema")
    cls = _postgres_span_recorder() if postgres else SQLiteSpanRecorder
    tracking = "dipledger_tracking" if postgres else "tracking"
    attempt = 0
    while True:
        attempt += 1
        try:
            recorder: Any = store.factory.tracking_recorder(cls)
            if not store.read_only and not all(table_exists(store, t) for t in (TABLE, REFS, tracking)):
                recorder.create_table()  # the first query of a ledger (the store creates only its own tables)
            return recorder
        except PersistenceError as error:
            if attempt == OPEN_ATTEMPTS:
                raise StorageError(f"cannot create the read model's tables: {error}") from None
            time.sleep(0.05 * attempt)


# Keeping the spans ------------------------------------------------------------------------------


class Projector:
    """Turns events, in position order from `start`, into span changes; remembers what it has read.

    Everything recorded after `start` passes through it, so an aggregate it has not met yet needs
    only its events up to `start` from the store (none, when projecting from the beginning).
    """

    def __init__(self, store: EventStore, recorder: SpanRecorder, start: int):
        self.store = store
        self.recorder = recorder
        self.seen_after = start
        """Every event after this position has passed through (those of forgotten aggregates too)."""
        self.blank = start == 0
        """Whether the tables held nothing when it began and it has forgotten nothing since."""
        self.timelines: dict[tuple[str, str], list[Recorded]] = {}
        self.courses: dict[tuple[str, str], Course] = {}
        self.ends: dict[str, tuple[list[date], dict[int, date | None]]] = {}
        """By truce, as known now: the days its events count from, in order, and its end as known
        once that many of them count (forgotten whenever it changes)."""
        self.open: dict[tuple[str, str], list[Span]] = {}
        self.refs: dict[str, set[tuple[str, str]]] = {}
        self.named: dict[tuple[str, str], set[str]] = {}
        """The truces each measure's events name, kept up as they pass through."""
        self.changes = Changes()
        self.top = recorder.top()
        """The highest span id given so far."""

    def take(self, recorded: Recorded) -> None:
        """Apply the event at `recorded.position` (one of KINDS, or a retraction) to the spans."""
        fact, position = recorded.fact, recorded.position
        kind = fact.aggregate if isinstance(fact, Retracted) else fact.kind
        if kind not in CODES:
            return
        timeline = self._timeline(kind, fact.key)
        course = self.courses.pop((kind, fact.key), None)
        if isinstance(fact, Retracted):
            withdrawn = next((r for r in timeline if r.position == fact.retracts), None)
            if withdrawn is None:
                return
            timeline.remove(withdrawn)
            self.named.pop((kind, fact.key), None)
            since = counts_from(withdrawn.fact)
        else:
            timeline.append(recorded)
            since = counts_from(fact)
            truce = _truce_named(fact) if kind in _suspendable() else None
            if truce is not None:
                self.named.get((kind, fact.key), set()).add(truce)
                if (kind, fact.key) not in self._referrers(truce):
                    self.refs[truce].add((kind, fact.key))
                    self.changes.refs.add((truce, kind, fact.key))
            if course is not None and course.extend(recorded, since):  # the usual case: history in date order
                self.courses[kind, fact.key] = course
        if kind == "Truce":
            self.ends.pop(fact.key, None)
        self._redraw(kind, fact.key, since, position)
        if kind == "Truce":  # the measures suspended under it last as long as it does
            for other_kind, other_key in sorted(self._referrers(fact.key)):
                self.courses.pop((other_kind, other_key), None)
                self._redraw(other_kind, other_key, since, position)

    def _timeline(self, kind: str, key: str) -> list[Recorded]:
        """The aggregate's live events so far: read once, then kept up as its events pass through."""
        found = self.timelines.get((kind, key))
        if found is None:
            found = []
            if self.seen_after:
                from domain.world import without_retracted

                stored = self.store.aggregate(kind, key)
                found = without_retracted(r for r in stored if r.position <= self.seen_after)
            self.timelines[kind, key] = found
        return found

    def _open(self, kind: str, key: str) -> list[Span]:
        found = self.open.get((kind, key))
        if found is None:
            found = self.open[kind, key] = [] if self.blank else self.recorder.open_spans(kind, key)
        return found

    def _truce(self, truce: str) -> tuple[list[date], dict[int, date | None]]:
        """`self.ends[truce]`, made if need be."""
        found = self.ends.get(truce)
        if found is None:
            found = self.ends[truce] = sorted(counts_from(r.fact) for r in self._timeline("Truce", truce)), {}
        return found

    def _truce_end(self, truce: str, day: date) -> date | None:
        """The first day `truce` no longer applies, as known on `day` and at the current position."""
        days, ends = self._truce(truce)
        counting = bisect_right(days, day)  # the events that count by `day`: all the fold takes
        if counting not in ends:
            state = fold(self._timeline("Truce", truce), day, strict=False)
            ends[counting] = state.end() if state is not None else None  # type: ignore[attr-defined]
        return ends[counting]

    def _referrers(self, truce: str) -> set[tuple[str, str]]:
        found = self.refs.get(truce)
        if found is None:
            found = self.refs[truce] = set() if self.blank else set(self.recorder.referrers(truce))
        return found

    def _redraw(self, kind: str, key: str, since: date, position: int) -> None:
        """Replace the aggregate's spans from `since` on with those its events now give."""
        course = self.courses.get((kind, key))
        if course is None:
            course = self.courses[kind, key] = Course(self._timeline(kind, key), self._truce_end, pieces(kind))
        also: list[date] = []
        if kind in _suspendable():
            named = self.named.get((kind, key))
            if named is None:
                named = self.named[kind, key] = {
                    t for r in self._timeline(kind, key) if (t := _truce_named(r.fact)) is not None
                }
            for truce in named:
                also += self._truce(truce)[0]
        start = since.toordinal()
        spans: list[Span] = []
        touched: dict[tuple[int, int, str], Span] = {}
        # What each piece should hold from `since` on, as `[valid_from, valid_to, view, piece]`:
        # days before `since` keep their views, and the span of each piece reaching `since` may
        # merge with what follows.
        wanted: list[list[Any]] = []
        latest: dict[Piece, list[Any]] = {}
        held: list[Any] | None
        for span in self._open(kind, key):
            if span.valid_to < start:
                spans.append(span)
                continue
            touched[span.valid_from, span.valid_to, span.view] = span
            if span.valid_from < start:
                wanted.append(held := [span.valid_from, start, span.view, span.piece])
                latest[span.piece] = held
        steps = course.steps(since, also)
        for (day, views), after in zip(steps, [*steps[1:], None], strict=True):
            first, end = day.toordinal(), after[0].toordinal() if after else FOREVER
            for name, view in (views or {}).items():
                held = latest.get(name)
                if held is not None and held[1] == first and held[2] == view:
                    held[1] = end
                else:
                    wanted.append(held := [first, end, view, name])
                    latest[name] = held
        for valid_from, valid_to, view, name in wanted:
            same = touched.pop((valid_from, valid_to, view), None)
            if same is None:  # new: unchanged spans stay as they are, ids and all
                same = Span(valid_from, valid_to, view, position, piece=name)
                self.changes.written.append((kind, key, same))
            spans.append(same)
        for span in touched.values():  # no longer held from this position on
            span.known_to = position
            if span.id is not None and not span.ended:
                span.ended = True
                self.changes.ended.append(span)
        self.open[kind, key] = spans

    def batch(self, reached: int) -> Batch:
        """The page's changes as rows to write, each new span given its id, up to position `reached`."""
        rows = []
        for number, (kind, key, s) in enumerate(self.changes.written, start=self.top + 1):
            s.id = number
            rows.append((number, kind, key, s.valid_from, s.valid_to, s.known_from, s.known_to, s.view))
        self.top += len(rows)
        ends = []
        for span in self.changes.ended:
            ends.append((span.known_to, span.id or 0))
            span.ended = False
        batch = Batch(rows, ends, sorted(self.changes.refs), Tracking(NAME, reached))
        self.changes = Changes()
        return batch

    def full(self) -> bool:
        """Whether it holds too many aggregates, and should forget them once its pages are written."""
        return len(self.timelines) > CACHED

    def forget(self) -> None:
        """Drop what it holds (each course refers back to it, so it is not freed without this)."""
        for held in (self.timelines, self.courses, self.ends, self.open, self.refs, self.named):
            held.clear()


@cache
def _suspendable() -> frozenset[str]:
    """The kinds whose events may name a truce to be suspended under."""
    return frozenset(cls.kind for cls in EVENT_TYPES.values() if "truce" in cls.model_fields)


def _truce_named(fact: Any) -> str | None:
    """The truce a suspension lasts for, if any (read from the model's fields: asking a model for a
    field it lacks is slow to fail)."""
    truce: str | None = vars(fact).get("truce")
    return truce


def catch_up(store: EventStore, recorder: SpanRecorder, clear: bool = False, head: int | None = None) -> int:
    """Project every event recorded since the read model's position (with `clear`, every event
    recorded, the read model emptied first) up to `head` (default: the ledger's); return the position reached."""
    # Only the events of the kinds kept are read: trade flows are never even decoded.
    topics = [
        f"{cls.__module__}:{cls.__qualname__}" for cls in EVENT_TYPES.values() if cls is Retracted or cls.kind in CODES
    ]
    with collector_paused():
        return _pages(store, recorder, topics, store.head() if head is None else head, clear)


@contextlib.contextmanager
def scratch(store: EventStore, head: int) -> Iterator[SpanRecorder]:
    """The read model projected afresh from the ledger's events up to `head`, in a temporary SQLite
    file of its own: what the stored one must equal, and what a query reads when it may not write."""
    import tempfile

    from eventsourcing.sqlite import SQLiteDatastore

    with tempfile.TemporaryDirectory(prefix="dipledger-") as folder:
        datastore = SQLiteDatastore(str(Path(folder) / "spans.db"))
        try:
            recorder: Any = SQLiteSpanRecorder(datastore)
            recorder.create_table()
            catch_up(store, recorder, head=head)
            yield recorder
        finally:
            datastore.close()


def _pages(store: EventStore, recorder: SpanRecorder, topics: list[str], head: int, clear: bool = False) -> int:
    """Project the events of `topics` up to `head`, a page at a time; return the position reached.
    With `clear`, first empty the read model (while the first page is projected), and make its query
    index at the end."""
    conflicts = 0
    with Writer() as writer:
        while True:
            projector: Projector | None = None
            try:
                start = 0 if clear else recorder.max_tracking_id(NAME) or 0
                if start >= head:
                    if clear:
                        _emptied(recorder)
                    return start
                projector = Projector(store, recorder, start)
                size = min(PAGE, max(SMALLEST_PAGE, (head - start) // 4))
                page = _page(store, topics, start, head, size)
                if clear:
                    writer.submit(_emptied, recorder)
                while True:
                    for row in page:
                        projector.take(decode(row.id, row.originator_version, row.topic, row.state))
                    stop = _stop(start, head, size)
                    batch = projector.batch(stop)
                    # Read before the write starts (an in-memory database lets no reader in meanwhile).
                    page = _page(store, topics, stop, head, size)
                    if stop == head:
                        projector.forget()  # let go while the page before is still being written
                    writer.submit(recorder.write, start, batch)
                    if stop == head:
                        if clear:
                            writer.submit(recorder.index)
                        writer.wait()
                        return stop
                    if projector.full():
                        writer.wait()  # what it forgets must be written before it is read back
                        projector.forget()
                        projector.seen_after, projector.blank = stop, False
                    start = stop
            except (IntegrityError, OperationalError) as error:
                # Another process projected these events first (or held the lock): start again from
                # where it stopped, with nothing remembered from spans it may have changed.
                writer.cancel()
                clear = False
                conflicts += 1
                if conflicts == RETRIES:
                    raise StorageError(f"cannot bring the read model up to date: {error}") from None
            finally:
                if projector is not None:
                    projector.forget()


def _emptied(recorder: SpanRecorder) -> None:
    """Empty the read model; a failure ends the rebuild (it is not a conflict to retry past)."""
    try:
        recorder.clear()
    except PersistenceError as error:
        raise StorageError(f"cannot empty the read model: {error}") from None


def _page(store: EventStore, topics: list[str], start: int, head: int, size: int) -> Sequence[Any]:
    """The notifications of `topics` after `start`: at most `size` positions, so the limit never cuts it short."""
    if start >= head:
        return []
    return store.recorder.select_notifications(
        start, size, stop=_stop(start, head, size), topics=topics, inclusive_of_start=False
    )


def _stop(start: int, head: int, size: int) -> int:
    """The last position of the page after `start`: `size` positions on, except that the last few
    before `head` make a page of their own, so that little is left to write once projecting ends."""
    tail = head - size // 8
    return tail if start < tail < start + size else min(start + size, head)


class Writer:
    """Writes the read model in a thread of its own while the next page is projected (SQLite and
    PostgreSQL do their part without holding the interpreter), one write at a time, in order."""

    def __init__(self) -> None:
        self.pending: threading.Thread | None = None
        self.failed: BaseException | None = None

    def __enter__(self) -> Writer:
        return self

    def submit(self, write: Callable[..., None], *args: Any) -> None:
        """Start `write` once the write before it is done (raising what that raised)."""
        self.wait()
        self.pending = threading.Thread(target=self._run, args=(write, *args), name="read-model writer")
        self.pending.start()

    def _run(self, write: Callable[..., None], *args: Any) -> None:
        try:
            write(*args)
        except BaseException as error:  # raised again in the projecting thread, by `wait`
            self.failed = error

    def wait(self) -> None:
        pending, self.pending = self.pending, None
        if pending is not None:
            pending.join()
        failed, self.failed = self.failed, None
        if failed is not None:
            raise failed

    def cancel(self) -> None:
        """Let the pending write end, whatever it raises: its page is projected again."""
        with contextlib.suppress(Exception):
            self.wait()

    def __exit__(self, *exc: object) -> None:
        self.cancel()


def rebuild(store: EventStore) -> int:
    """Empty the read model and project the whole ledger again; return the position reached."""
    recorder = span_recorder(store)
    reached = catch_up(store, recorder, clear=True)
    recorder.index()  # made already, unless another process took the rebuild over (or there was nothing)
    return reached


class ReadModel:
    """The spans as known at one position: what the tariffs, controls, truces and negotiations queries read."""

    def __init__(self, recorder: SpanRecorder, known_at: int):
        self.recorder = recorder
        self.known_at = known_at

    def views(self, kind: str, as_of: date) -> list[dict[str, Any]]:
        """The view of every aggregate of `kind` on `as_of`, by key."""
        return parsed(self.recorder.views(kind, as_of.toordinal(), self.known_at), kind, as_of)


def spans_of(rows: Iterable[Row]) -> list[tuple[str, str, int, int, int, int, str]]:
    """The rows without their ids, sorted: two read models are equal when these are."""
    return sorted((r.kind, r.key, r.valid_from, r.valid_to, r.known_from, r.known_to, r.view) for r in rows)


def follow(store: EventStore, moved: Callable[[int], None], interval: float = 1.0) -> None:
    """Keep the read model up to date as other processes record, until interrupted (Ctrl-C).

    On PostgreSQL the ledger's subscription (LISTEN/NOTIFY) wakes it when events are recorded;
    SQLite has no subscription, so it polls every `interval` seconds. `moved` hears each new position.
    """
    recorder = span_recorder(store)
    reached = catch_up(store, recorder)
    moved(reached)
    try:
        subscription = store.recorder.subscribe(gt=reached)
    except NotImplementedError:
        while True:
            time.sleep(interval)
            if store.head() > reached:
                reached = catch_up(store, recorder)
                moved(reached)
    with subscription:
        for notification in subscription:
            if notification.id > reached:
                reached = catch_up(store, recorder)
                moved(reached)
