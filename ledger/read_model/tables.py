"""The read model's tables on SQLite and PostgreSQL, and the recorder that reads and writes them.

Each recorder is an eventsourcing tracking recorder (so a page of span changes and the position it
reaches are written in one transaction) with the statements of its database. It knows rows, not
how they are made: the projector (`ledger.read_model.projector`) hands it plain rows to write.
"""

from __future__ import annotations

import time
from typing import TYPE_CHECKING, Any, NamedTuple, Protocol

import orjson
from eventsourcing.persistence import IntegrityError, PersistenceError, Tracking
from eventsourcing.sqlite import SQLiteTrackingRecorder

from ledger.spans import FOREVER, MAPPED, NAME, QUERY_INDEX, REFS, TABLE, turned_sql, views_sql
from ledger.store import OPEN_ATTEMPTS, StorageError

if TYPE_CHECKING:
    from ledger.read_model.projector import Batch
    from ledger.store import EventStore


class Row(NamedTuple):
    id: int
    kind: str
    key: str
    valid_from: int
    valid_to: int
    known_from: int
    known_to: int
    view: str


class Held(NamedTuple):
    """A span that still holds, as `open_spans` reads it."""

    id: int
    valid_from: int
    valid_to: int
    known_from: int
    view: str


class SpanRecorder(Protocol):
    def max_tracking_id(self, application_name: str) -> int | None: ...
    def open_spans(self, kind: str, key: str) -> list[Held]: ...
    def referrers(self, truce: str) -> list[tuple[str, str]]: ...
    def top(self) -> int: ...
    def turned(self, kind: str, first: int, last: int, position: int) -> list[tuple[str, int, int, str]]: ...
    def change_days(self) -> list[int]: ...
    def write(self, start: int, batch: Batch) -> None: ...
    def views(self, kind: str, day: int, position: int) -> list[tuple[str, str]]: ...
    def rows(self) -> list[Row]: ...
    def clear(self) -> None: ...
    def index(self) -> None: ...


class Spans:
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

    def open_spans(self, kind: str, key: str) -> list[Held]:
        """The aggregate's spans that still hold, in valid-time order."""
        m = self.mark
        sql = (
            f"SELECT id, valid_from, valid_to, known_from, view FROM {self.table} "
            f"WHERE kind = {m} AND key = {m} AND known_to = {m} ORDER BY valid_from"
        )
        with self.datastore.transaction(commit=False) as cursor:
            cursor.execute(sql, (kind, key, FOREVER))
            return [
                Held(r["id"], r["valid_from"], r["valid_to"], r["known_from"], r["view"]) for r in cursor.fetchall()
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

    def turned(self, kind: str, first: int, last: int, position: int) -> list[tuple[str, int, int, str]]:
        """The rows of `turned_sql`: heads of `kind` that begin or end from day `first` to `last`."""
        with self.datastore.transaction(commit=False) as cursor:
            cursor.execute(turned_sql(self.table, self.mark), (kind, position, position, first, last, first, last))
            return [(r["key"], r["valid_from"], r["valid_to"], r["view"]) for r in cursor.fetchall()]

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


class SQLiteSpanRecorder(Spans, SQLiteTrackingRecorder):
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


def span_recorder(store: EventStore) -> SpanRecorder:
    """The read model's recorder, its tables created if need be (retried when another process races it)."""
    from ledger.store import table_exists

    cls, tracking = store.backend.span_recorder_class(), store.backend.tracking_table
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
