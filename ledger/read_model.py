"""Persistent bitemporal read models: every view an aggregate had, as a rectangle of valid × record time.

For tariffs, export controls, truces and negotiations, the ledger's own database keeps *spans*:
an aggregate's view (the row a query prints, without its day-counting fields), the days it holds
(`[valid_from, valid_to)`, valid time) and the positions at which the ledger held it
(`[known_from, known_to)`, record time). A query for `(as_of, known_at)` is a point lookup among
rectangles — an R*Tree on SQLite, a GiST index on PostgreSQL — that reads one row per aggregate
and folds nothing.

The spans come from the one fold (`domain.timeline.course`). The event at position p ends
(`known_to = p`) the spans of its aggregate from the day it counts and starts their successors
(`known_from = p`); a truce's event does the same for every measure suspended under the truce.
An eventsourcing tracking recorder keeps them: each page of events changes the spans and moves the
tracking position in one transaction, so they are exactly-once and resume where they stopped.
Every read catches up first; `dipledger rebuild` empties them and catches up from the start.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date
from functools import cache
from typing import TYPE_CHECKING, Any, NamedTuple, Protocol

from eventsourcing.persistence import IntegrityError, OperationalError, PersistenceError, Tracking
from eventsourcing.sqlite import SQLiteTrackingRecorder

from ledger.store import OPEN_ATTEMPTS, StorageError

if TYPE_CHECKING:
    from domain import Recorded
    from ledger.store import EventStore

NAME = "spans"
"""The read model's name in the tracking table."""
TABLE, INDEX, REFS = "dipledger_spans", "dipledger_span_index", "dipledger_span_refs"
KINDS = ("Negotiation", "Truce", "ExportControl", "TariffMeasure")
"""The aggregates kept as spans (trade flows are series read whole, not views of a day)."""
CODES = {kind: number for number, kind in enumerate(KINDS, start=1)}
FOREVER = 2**31 - 1
"""The open end of a span, in days or positions (the R*Tree keeps 32-bit integers)."""
PAGE = 5_000
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


@dataclass
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

    def same(self, other: Span) -> bool:
        return (self.valid_from, self.valid_to, self.view) == (other.valid_from, other.valid_to, other.view)


# The tables ------------------------------------------------------------------------------------


class SpanRecorder(Protocol):
    def max_tracking_id(self, application_name: str) -> int | None: ...
    def open_spans(self, kind: str, key: str) -> list[Span]: ...
    def referrers(self, truce: str) -> list[tuple[str, str]]: ...
    def write(self, start: int, changes: Changes, tracking: Tracking) -> None: ...
    def views(self, kind: str, day: int, position: int) -> list[str]: ...
    def rows(self) -> list[Row]: ...
    def clear(self) -> None: ...


@dataclass
class Changes:
    """What one page of events does to the tables."""

    written: list[tuple[str, str, Span]] = field(default_factory=list)
    """New spans `(kind, key, span)`, ended or not."""
    ended: list[Span] = field(default_factory=list)
    """Spans already in the tables whose `known_to` is now set."""
    refs: set[tuple[str, str, str]] = field(default_factory=set)
    """`(truce, kind, key)`: a measure suspended under a truce."""


class _Spans:
    """The statements, for either database (`table`, `refs` qualified; `mark` a placeholder)."""

    table: str
    refs: str
    tracking: str
    mark: str
    datastore: Any

    if TYPE_CHECKING:  # supplied by the tracking recorder this is mixed into

        def _insert_tracking(self, cursor: Any, tracking: Tracking) -> None: ...

    def open_spans(self, kind: str, key: str) -> list[Span]:
        m = self.mark
        sql = (
            f"SELECT id, valid_from, valid_to, known_from, view FROM {self.table} "
            f"WHERE kind = {m} AND key = {m} AND known_to = {m} ORDER BY valid_from"
        )
        with self.datastore.transaction(commit=False) as cursor:
            cursor.execute(sql, (kind, key, FOREVER))
            return [
                Span(r["valid_from"], r["valid_to"], r["view"], r["known_from"], id=r["id"]) for r in cursor.fetchall()
            ]

    def referrers(self, truce: str) -> list[tuple[str, str]]:
        with self.datastore.transaction(commit=False) as cursor:
            cursor.execute(f"SELECT kind, key FROM {self.refs} WHERE truce = {self.mark}", (truce,))
            return [(r["kind"], r["key"]) for r in cursor.fetchall()]

    def write(self, start: int, changes: Changes, tracking: Tracking) -> None:
        """The page's changes and its tracking position, in one transaction.

        Raises IntegrityError if another process moved the read model on since `start` was read:
        the changes were computed from spans that may no longer hold.
        """
        m = self.mark
        with self.datastore.transaction(commit=True) as cursor:
            self._lock(cursor)
            cursor.execute(f"SELECT notification_id FROM {self.tracking} WHERE application_name = {m}", (NAME,))
            found = cursor.fetchone()
            if (found["notification_id"] if found else 0) != start:
                raise IntegrityError(f"the read model moved on from position {start}")
            cursor.execute(f"SELECT COALESCE(MAX(id), 0) AS top FROM {self.table}")
            top = cursor.fetchone()["top"]
            rows = []
            for number, (kind, key, s) in enumerate(changes.written, start=top + 1):
                s.id = number
                rows.append(Row(number, kind, key, s.valid_from, s.valid_to, s.known_from, s.known_to, s.view))
            cursor.executemany(f"INSERT INTO {self.table} VALUES ({m}, {m}, {m}, {m}, {m}, {m}, {m}, {m})", rows)
            ends = [(span.known_to, span.id) for span in changes.ended]
            cursor.executemany(f"UPDATE {self.table} SET known_to = {m} WHERE id = {m}", ends)
            self._index(cursor, rows, ends)
            cursor.executemany(f"INSERT INTO {self.refs} VALUES ({m}, {m}, {m}) ON CONFLICT DO NOTHING", changes.refs)
            self._insert_tracking(cursor, tracking)
        for span in changes.ended:
            span.ended = False

    def _lock(self, cursor: Any) -> None:
        """Hold off other writers of the read model until this transaction ends."""

    _indexes: tuple[str, ...] = ()
    """Index tables kept beside the spans, emptied with them."""

    def _index(self, cursor: Any, rows: Sequence[Row], ends: Sequence[tuple[int, int | None]]) -> None:
        """Keep a separate spatial index in step with the table, where the database needs one."""

    def rows(self) -> list[Row]:
        with self.datastore.transaction(commit=False) as cursor:
            cursor.execute(f"SELECT * FROM {self.table} ORDER BY id")
            return [Row(**r) for r in cursor.fetchall()]

    def clear(self) -> None:
        """Empty the read model and forget how far it got, in one transaction."""
        with self.datastore.transaction(commit=True) as cursor:
            self._lock(cursor)
            for table in (*self._indexes, self.table, self.refs):
                cursor.execute(f"DELETE FROM {table}")
            cursor.execute(f"DELETE FROM {self.tracking} WHERE application_name = {self.mark}", (NAME,))


class SQLiteSpanRecorder(_Spans, SQLiteTrackingRecorder):
    """Spans beside `stored_events`, with an R*Tree over (kind, valid days, known positions)."""

    table, refs, tracking, mark = TABLE, REFS, "tracking", "?"

    def construct_create_table_statements(self) -> list[str]:
        return [
            *super().construct_create_table_statements(),
            f"CREATE TABLE IF NOT EXISTS {TABLE} (id INTEGER PRIMARY KEY, kind TEXT NOT NULL, key TEXT NOT NULL, "
            "valid_from INTEGER NOT NULL, valid_to INTEGER NOT NULL, known_from INTEGER NOT NULL, "
            "known_to INTEGER NOT NULL, view TEXT NOT NULL)",
            f"CREATE INDEX IF NOT EXISTS {TABLE}_open ON {TABLE} (kind, key, known_to)",
            f"CREATE VIRTUAL TABLE IF NOT EXISTS {INDEX} USING rtree_i32"
            "(id, kind_lo, kind_hi, valid_lo, valid_hi, known_lo, known_hi)",
            f"CREATE TABLE IF NOT EXISTS {REFS} (truce TEXT NOT NULL, kind TEXT NOT NULL, key TEXT NOT NULL, "
            "PRIMARY KEY (truce, kind, key))",
        ]

    _indexes = (INDEX,)

    def _index(self, cursor: Any, rows: Sequence[Row], ends: Sequence[tuple[int, int | None]]) -> None:
        # The R*Tree holds closed intervals: the last day and the last position a span holds.
        cursor.executemany(
            f"INSERT INTO {INDEX} VALUES (?, ?, ?, ?, ?, ?, ?)",
            [
                (r.id, CODES[r.kind], CODES[r.kind], r.valid_from, r.valid_to - 1, r.known_from, r.known_to - 1)
                for r in rows
            ],
        )
        cursor.executemany(f"UPDATE {INDEX} SET known_hi = ? - 1 WHERE id = ?", ends)

    def views(self, kind: str, day: int, position: int) -> list[str]:
        code = CODES[kind]
        sql = (
            f"SELECT s.view FROM {INDEX} AS r JOIN {TABLE} AS s ON s.id = r.id "
            "WHERE r.kind_lo <= ? AND r.kind_hi >= ? AND r.valid_lo <= ? AND r.valid_hi >= ? "
            "AND r.known_lo <= ? AND r.known_hi >= ? ORDER BY s.key"
        )
        with self.datastore.transaction(commit=False) as cursor:
            cursor.execute(sql, (code, code, day, day, position, position))
            return [r["view"] for r in cursor.fetchall()]


@cache
def _postgres_span_recorder() -> type:
    """Defined on first use: importing eventsourcing.postgres is slow, and SQLite needs none of it."""
    from eventsourcing.postgres import PostgresTrackingRecorder
    from psycopg.sql import SQL, Identifier

    class PostgresSpanRecorder(_Spans, PostgresTrackingRecorder):
        """Spans in the ledger's schema, with a GiST index over (valid days × known positions) boxes."""

        mark = "%s"
        box = "box(point(valid_from, known_from), point(valid_to - 1, known_to - 1))"

        def __init__(self, datastore: Any, **kwargs: Any):
            super().__init__(datastore, **kwargs)
            schema = Identifier(datastore.schema)
            self.table, self.refs, self.tracking = (
                f'"{datastore.schema}"."{name}"' for name in (TABLE, REFS, self.tracking_table_name)
            )
            self.sql_create_statements += [
                SQL(
                    "CREATE TABLE IF NOT EXISTS {0}.{1} (id bigint PRIMARY KEY, kind text NOT NULL, "
                    "key text NOT NULL, valid_from integer NOT NULL, valid_to integer NOT NULL, "
                    "known_from bigint NOT NULL, known_to bigint NOT NULL, view text NOT NULL)"
                ).format(schema, Identifier(TABLE)),
                SQL("CREATE INDEX IF NOT EXISTS {0} ON {1}.{2} (kind, key, known_to)").format(
                    Identifier(f"{TABLE}_open"), schema, Identifier(TABLE)
                ),
                SQL("CREATE INDEX IF NOT EXISTS {0} ON {1}.{2} USING gist ((" + self.box + "))").format(
                    Identifier(f"{TABLE}_box"), schema, Identifier(TABLE)
                ),
                SQL(
                    "CREATE TABLE IF NOT EXISTS {0}.{1} (truce text NOT NULL, kind text NOT NULL, "
                    "key text NOT NULL, PRIMARY KEY (truce, kind, key))"
                ).format(schema, Identifier(REFS)),
            ]

        def _lock(self, cursor: Any) -> None:
            cursor.execute(f"LOCK TABLE {self.table} IN EXCLUSIVE MODE")

        def views(self, kind: str, day: int, position: int) -> list[str]:
            sql = (
                f"SELECT view FROM {self.table} WHERE kind = %s "
                f"AND {self.box} @> box(point(%s, %s), point(%s, %s)) ORDER BY key"
            )
            with self.datastore.transaction(commit=False) as cursor:
                cursor.execute(sql, (kind, day, position, day, position))
                return [r["view"] for r in cursor.fetchall()]

    return PostgresSpanRecorder


def span_recorder(store: EventStore) -> SpanRecorder:
    """The read model's recorder, its tables created if need be (retried when another process races it)."""
    postgres = hasattr(store.recorder, "datastore") and hasattr(store.recorder.datastore, "schema")
    cls = _postgres_span_recorder() if postgres else SQLiteSpanRecorder
    attempt = 0
    while True:
        attempt += 1
        try:
            recorder: Any = store.factory.tracking_recorder(cls)
            return recorder
        except PersistenceError as error:
            if attempt == OPEN_ATTEMPTS:
                raise StorageError(f"cannot create the read model's tables: {error}") from None
            time.sleep(0.05 * attempt)


# Keeping the spans ------------------------------------------------------------------------------


class Projector:
    """Turns events, in position order, into span changes; remembers the aggregates it has read."""

    def __init__(self, store: EventStore, recorder: SpanRecorder):
        self.store = store
        self.recorder = recorder
        self.timelines: dict[tuple[str, str], list[Recorded]] = {}
        self.open: dict[tuple[str, str], list[Span]] = {}
        self.changes = Changes()

    def take(self, recorded: Recorded) -> None:
        """Apply the event at `recorded.position` (one of KINDS, or a retraction) to the spans."""
        from domain import Retracted
        from domain.timeline import counts_from

        fact, position = recorded.fact, recorded.position
        kind = fact.aggregate if isinstance(fact, Retracted) else recorded.kind
        if kind not in CODES:
            return
        timeline = self._timeline(kind, fact.key, position)
        if isinstance(fact, Retracted):
            withdrawn = next((r for r in timeline if r.position == fact.retracts), None)
            if withdrawn is None:
                return
            timeline.remove(withdrawn)
            since = counts_from(withdrawn.fact)
        else:
            timeline.append(recorded)
            since = counts_from(fact)
            truce = getattr(fact, "truce", None)
            if truce is not None:
                self.changes.refs.add((truce, kind, fact.key))
        self._redraw(kind, fact.key, since, position)
        if kind == "Truce":  # the measures suspended under it last as long as it does
            referrers = set(self.recorder.referrers(fact.key))
            referrers |= {(k, key) for truce, k, key in self.changes.refs if truce == fact.key}
            for other_kind, other_key in sorted(referrers):
                self._redraw(other_kind, other_key, since, position)

    def _timeline(self, kind: str, key: str, position: int) -> list[Recorded]:
        """The aggregate's live events recorded before `position`, read once and then kept up."""
        found = self.timelines.get((kind, key))
        if found is None:
            from domain.world import without_retracted

            earlier = [r for r in self.store.aggregate(kind, key) if r.position < position]
            found = self.timelines[kind, key] = without_retracted(earlier)
        return found

    def _redraw(self, kind: str, key: str, since: date, position: int) -> None:
        """Replace the aggregate's spans from `since` on with those its events now give."""
        from domain.timeline import counts_from, course, fold

        events = self._timeline(kind, key, position + 1)

        @cache
        def truce_end(truce: str, day: date) -> date | None:
            state = fold(self._timeline("Truce", truce, position + 1), day, strict=False)
            return state.end() if state is not None else None  # type: ignore[attr-defined]

        named = {truce for r in events if (truce := getattr(r.fact, "truce", None)) is not None}
        also = [counts_from(r.fact) for truce in named for r in self._timeline("Truce", truce, position + 1)]
        steps = course(events, truce_end, also, since)
        start = since.toordinal()
        old = self._open(kind, key)
        wanted = [s for s in old if s.valid_to <= start]
        for s in old:
            if s.valid_from < start < s.valid_to:
                wanted.append(Span(s.valid_from, start, s.view, position))
        for (day, text), after in zip(steps, [*steps[1:], None], strict=True):
            if text is None:
                continue
            end = after[0].toordinal() if after else FOREVER
            if wanted and wanted[-1].valid_to == day.toordinal() and wanted[-1].view == text:
                wanted[-1] = Span(wanted[-1].valid_from, end, text, position)  # nothing changed on `since`
            else:
                wanted.append(Span(day.toordinal(), end, text, position))
        kept = [s for s in old if any(s.same(w) for w in wanted)]
        for span in old:
            if not any(span is k for k in kept):
                span.known_to = position
                if span.id is not None and not span.ended:
                    span.ended = True
                    self.changes.ended.append(span)
        fresh = [w for w in wanted if not any(w.same(s) for s in kept)]
        self.changes.written += [(kind, key, span) for span in fresh]
        self.open[kind, key] = sorted(kept + fresh, key=lambda s: s.valid_from)

    def _open(self, kind: str, key: str) -> list[Span]:
        found = self.open.get((kind, key))
        if found is None:
            found = self.open[kind, key] = self.recorder.open_spans(kind, key)
        return found

    def flush(self, start: int, reached: int) -> None:
        """Write the changes and the position they reach; forget aggregates if too many are held."""
        self.recorder.write(start, self.changes, Tracking(NAME, reached))
        self.changes = Changes()
        if len(self.timelines) > CACHED:
            self.timelines.clear()
            self.open.clear()


def catch_up(store: EventStore, recorder: SpanRecorder) -> int:
    """Project every event recorded since the read model's position; return the position reached."""
    from domain import EVENT_TYPES, Retracted

    wanted = {name for name, cls in EVENT_TYPES.items() if cls is Retracted or cls.kind in CODES}
    projector = Projector(store, recorder)
    conflicts = 0
    while True:
        start = recorder.max_tracking_id(NAME) or 0
        page = store.recorder.select_notifications(start, PAGE, inclusive_of_start=False)
        if not page:
            return start
        from ledger.store import decode

        for row in page:
            if row.topic.rpartition(":")[2] in wanted:  # trade flows are never decoded
                projector.take(decode(row.id, row.originator_version, row.topic, row.state))
        try:
            projector.flush(start, page[-1].id)
        except (IntegrityError, OperationalError) as error:
            # Another process projected these events first (or held the lock): start again from
            # where it stopped, with nothing remembered from spans it may have changed.
            conflicts += 1
            if conflicts == RETRIES:
                raise StorageError(f"cannot bring the read model up to date: {error}") from None
            projector = Projector(store, recorder)


def rebuild(store: EventStore) -> int:
    """Empty the read model and project the whole ledger again; return the position reached."""
    recorder = span_recorder(store)
    recorder.clear()
    return catch_up(store, recorder)


class ReadModel:
    """The spans as known at one position: what the tariffs, controls, truces and negotiations queries read."""

    def __init__(self, recorder: SpanRecorder, known_at: int):
        self.recorder = recorder
        self.known_at = known_at

    def views(self, kind: str, as_of: date) -> list[dict[str, Any]]:
        """The view of every aggregate of `kind` on `as_of`, by key."""
        rows = [json.loads(text) for text in self.recorder.views(kind, as_of.toordinal(), self.known_at)]
        if kind == "Truce":  # days remaining count down every day, so they are not stored
            from domain.truce import Truce

            rows = [Truce.on_day(row, as_of) for row in rows]
        return rows


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
