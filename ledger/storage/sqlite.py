"""SQLite: a file, written by one process at a time; eventsourcing's `eventsourcing.sqlite`.

The events table is `stored_events`, its position the rowid. A write transaction takes SQLite's lock
at its first write, so `lock` writes nothing to take it at once.
"""

from __future__ import annotations

import contextlib
import functools
import os
import sqlite3
import uuid
from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ledger.storage.backend import Backend, NoLedger, StoredRow

if TYPE_CHECKING:
    from ledger.known_at import KnownAt
    from ledger.spans import DirectReadModel


class SQLiteBackend(Backend):
    name = "sqlite"
    position = "rowid"
    tracking_table = "tracking"
    mark = "?"

    def settings(self, read_only: bool) -> dict[str, str]:
        path = self.address
        if read_only:
            path = f"{Path(path).resolve().as_uri()}?mode=ro"
        return {"PERSISTENCE_MODULE": "eventsourcing.sqlite", "SQLITE_DBNAME": path, "SQLITE_LOCK_TIMEOUT": "30"}

    def check_exists(self) -> None:
        path = Path(self.address)
        if not path.is_file():
            raise NoLedger(f"no ledger at {self.address} (commands that record create one; queries do not)")
        try:
            connection = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True)
            try:
                sql = "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'stored_events'"
                is_ledger = connection.execute(sql).fetchone() is not None
            finally:
                connection.close()
        except sqlite3.Error as error:
            raise NoLedger(f"{self.address} is not a dipledger ledger ({error})") from None
        if not is_ledger:
            raise NoLedger(f"{self.address} is not a dipledger ledger: it has no stored events (nothing was changed)")

    def may_write(self) -> bool:
        path = os.path.abspath(self.address)
        folder = os.access(os.path.dirname(path), os.W_OK)  # SQLite writes its journal beside the file
        return folder and (os.access(path, os.W_OK) or not os.path.exists(path))

    @contextlib.contextmanager
    def opening(self) -> Iterator[None]:
        mask = os.umask(0o077)  # a new file is never readable by others
        try:
            yield
        finally:
            os.umask(mask)

    def table(self, name: str) -> str:
        return f'"{name}"'

    def table_exists(self, name: str, cursor: Any = None) -> bool:
        with self.reading(cursor) as opened:
            opened.execute("SELECT count(*) > 0 AS found FROM sqlite_master WHERE name = ?", (name,))
            return bool(opened.fetchone()["found"])

    def lock(self, cursor: Any) -> None:
        cursor.execute(f"DELETE FROM {self.events} WHERE 0")

    def insert_events(self, cursor: Any, rows: Sequence[StoredRow]) -> Sequence[int]:
        """All in one call (eventsourcing inserts one row a call to read each rowid): the transaction
        holds the write lock from its start, so the rows take consecutive rowids and the last is
        SQLite's `last_insert_rowid()`."""
        cursor.executemany(
            self.recorder.insert_events_statement, [(_hex(id_), version, t, s) for id_, version, t, s in rows]
        )
        cursor.execute("SELECT last_insert_rowid()")
        last = int(cursor.fetchone()[0])
        return range(last - len(rows) + 1, last + 1)

    def insert_snapshot(self, cursor: Any, row: StoredRow) -> None:
        cursor.execute(self.snapshots.recorder.insert_events_statement, (_hex(row[0]), *row[1:]))

    def restore_events(self, cursor: Any, rows: Sequence[tuple[int, StoredRow]]) -> None:
        sql = "INSERT INTO {events} (rowid, originator_id, originator_version, topic, state) VALUES (?, ?, ?, ?, ?)"
        cursor.executemany(
            self.statement(sql, events=self.events),
            [(position, id_.hex, version, t, s) for position, (id_, version, t, s) in rows],
        )

    def aggregates_query(self, wanted: Mapping[uuid.UUID, int]) -> tuple[str, tuple[Any, ...]]:
        values = ",".join(["(?, ?)"] * len(wanted))
        sql = (
            f"WITH wanted(id, since) AS (VALUES {values}) "
            "SELECT e.rowid AS position, e.originator_id, e.originator_version, e.topic, e.state FROM wanted "
            f"JOIN {self.events} e "
            "ON e.originator_id = wanted.id AND e.originator_version >= wanted.since"
        )
        return sql, tuple(value for id_, since in wanted.items() for value in (_hex(id_), since))

    def state_text(self, *path: str) -> str:
        return f"CAST(json_extract(CAST(state AS TEXT), '$.{'.'.join(path)}') AS TEXT)"

    def among(self, ids: Sequence[uuid.UUID]) -> tuple[str, tuple[Any, ...]]:
        return f"originator_id IN ({','.join('?' * len(ids))})", tuple(_hex(id_) for id_ in ids)

    def guards_present(self, chain: str, seals: str) -> tuple[str, tuple[Any, ...]]:
        return "SELECT count(*) AS n FROM sqlite_master WHERE type = 'trigger' AND name LIKE 'dipledger%'", ()

    def guards(self, tables: Sequence[str], chain: str, seals: str, sealed_late: str) -> list[Any]:
        found = [
            f"CREATE TABLE IF NOT EXISTS {chain} "
            "(position INTEGER PRIMARY KEY, event_hash TEXT NOT NULL, chain_hash TEXT NOT NULL)",
            f"CREATE TABLE IF NOT EXISTS {seals} (seal TEXT NOT NULL, position INTEGER PRIMARY KEY)",
        ]
        for table in tables:
            for action in ("UPDATE", "DELETE"):
                found.append(
                    f"CREATE TRIGGER IF NOT EXISTS dipledger_{table}_{action.lower()} BEFORE {action} ON {table} "
                    f"BEGIN SELECT RAISE(ABORT, 'dipledger: {table} is append-only: recorded events and their "
                    "links are never changed or deleted'); END"
                )
        found.append(
            f"CREATE TRIGGER IF NOT EXISTS dipledger_{seals}_insert BEFORE INSERT ON {seals} "
            f"WHEN EXISTS (SELECT 1 FROM {chain} WHERE position = NEW.position) "
            f"OR NOT EXISTS (SELECT 1 FROM {self.events} WHERE rowid = NEW.position) "
            f"BEGIN SELECT RAISE(ABORT, '{sealed_late}'); END"
        )
        return found

    def direct_views(self, known_at: KnownAt) -> DirectReadModel | None:
        from ledger.spans import up_to_date

        return up_to_date(self.address, known_at)

    def span_recorder_class(self) -> type:
        from ledger.read_model.tables import SQLiteSpanRecorder

        return SQLiteSpanRecorder


@functools.lru_cache(maxsize=4096)
def _hex(originator: uuid.UUID) -> str:
    """An aggregate id as SQLite stores it: its hex, which a UUID works out anew each time asked (an
    import asks for the same few again and again)."""
    return originator.hex
