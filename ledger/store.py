"""Persistence: the database address → eventsourcing settings, and events ↔ stored events.

eventsourcing supplies the event store: one row per event keyed by (aggregate id, version), so two
writers extending the same aggregate conflict instead of overwriting, and a notification id that
orders the whole ledger — the ledger's *position*. Each row's topic names the catalogue type and
its state is the event's normalised JSON with the time it was recorded.
"""

from __future__ import annotations

import contextlib
import json
import os
import time
import uuid
from collections.abc import Iterator, Sequence
from datetime import datetime
from typing import Any
from urllib.parse import parse_qs, unquote, urlparse

from eventsourcing.application import Application
from eventsourcing.persistence import StoredEvent

from domain import EVENT_TYPES, Fact, Recorded
from domain.errors import LedgerError

NAMESPACE = uuid.UUID("6f1d6a36-5b1e-5d7c-9c1e-d1b1ed9e0000")
DEFAULT_DB = "dipledger.db"
PAGE = 10_000
OPEN_ATTEMPTS = 5
CREATION_RACES = ("concurrently updated", "duplicate key value")
"""PostgreSQL's answers when two processes create or replace the same tables or functions at once."""


class StorageError(LedgerError):
    """The database cannot be opened or read."""


def aggregate_id(kind: str, key: str) -> uuid.UUID:
    """Aggregates are found by name without a lookup table: UUIDv5 of `kind/key`."""
    return uuid.uuid5(NAMESPACE, f"{kind}/{key}")


def database(db: str | None) -> str:
    """The ledger's address: `--db`, else `DIPLEDGER_DB`, else `./dipledger.db`."""
    return db or os.environ.get("DIPLEDGER_DB") or DEFAULT_DB


def settings(db: str) -> dict[str, str]:
    """eventsourcing's settings for a file path (SQLite) or a `postgresql://` URL."""
    if db.startswith(("postgresql://", "postgres://")):
        url = urlparse(db)
        query = parse_qs(url.query)
        return {
            "PERSISTENCE_MODULE": "eventsourcing.postgres",
            "POSTGRES_DBNAME": unquote(url.path.lstrip("/")) or "postgres",
            "POSTGRES_HOST": url.hostname or "127.0.0.1",
            "POSTGRES_PORT": str(url.port or 5432),
            "POSTGRES_USER": unquote(url.username or "postgres"),
            "POSTGRES_PASSWORD": unquote(url.password or ""),
            "POSTGRES_SCHEMA": query.get("schema", [""])[0],
            "POSTGRES_CONNECT_TIMEOUT": "5",
            "POSTGRES_LOCK_TIMEOUT": "30",
        }
    return {
        "PERSISTENCE_MODULE": "eventsourcing.sqlite",
        "SQLITE_DBNAME": db,
        "SQLITE_LOCK_TIMEOUT": "30",
    }


def redact(db: str) -> str:
    """The address as it may be shown: never with its password."""
    url = urlparse(db)
    if url.password:
        return db.replace(f":{url.password}@", ":***@")
    return db


class EventStore(Application):
    """The eventsourcing application that holds the ledger's events."""

    name = "dipledger"

    def __init__(self, db: str):
        self.db = db
        is_new_file = "://" not in db and not os.path.exists(db)
        for attempt in range(1, OPEN_ATTEMPTS + 1):
            try:
                super().__init__(env=settings(db))
                break
            except Exception as error:  # the driver's own message, without secrets
                if attempt < OPEN_ATTEMPTS and any(race in str(error) for race in CREATION_RACES):
                    time.sleep(0.05 * attempt)  # another process was creating the tables at the same moment
                    continue
                raise StorageError(f"cannot open the ledger at {redact(db)}: {redact(str(error))}") from None
        if is_new_file and os.path.exists(db):
            for path in (db, f"{db}-wal", f"{db}-shm"):
                with contextlib.suppress(FileNotFoundError):
                    os.chmod(path, 0o600)

    def head(self) -> int:
        return self.recorder.max_notification_id() or 0

    def aggregate(self, kind: str, key: str) -> list[Recorded]:
        """One aggregate's events in record order, each with its position."""
        originator = aggregate_id(kind, key)
        recorder: Any = self.recorder
        table = recorder.events_table_name
        columns = "originator_version, topic, state"
        if hasattr(recorder.datastore, "schema"):  # PostgreSQL
            schema = recorder.datastore.schema or "public"
            sql = (
                f'SELECT notification_id AS position, {columns} FROM "{schema}"."{table}" '
                "WHERE originator_id = %s ORDER BY originator_version"
            )
            with recorder.datastore.transaction(commit=False) as cursor:
                cursor.execute(sql, (originator,))
                rows = cursor.fetchall()
        else:
            sql = (
                f"SELECT rowid AS position, {columns} FROM {table} WHERE originator_id = ? ORDER BY originator_version"
            )
            with recorder.datastore.transaction(commit=False) as cursor:
                cursor.execute(sql, (originator.hex,))
                rows = cursor.fetchall()
        return [decode(row["position"], row["originator_version"], row["topic"], bytes(row["state"])) for row in rows]

    def notifications(self, start: int = 1, stop: int | None = None) -> Iterator[Recorded]:
        """Every event from `start` to `stop` (inclusive) in position order, read a page at a time."""
        while stop is None or start <= stop:
            page = self.recorder.select_notifications(start, PAGE, stop=stop)
            for item in page:
                yield decode(item.id, item.originator_version, item.topic, item.state)
            if len(page) < PAGE:
                return
            start = page[-1].id + 1

    def insert(self, batch: Sequence[tuple[Fact, int]], recorded_at: datetime) -> list[Recorded]:
        """Write `(event, version)` pairs in one transaction; return them with their positions."""
        stored = [encode(fact, version, recorded_at) for fact, version in batch]
        positions = self.recorder.insert_events(stored) or []
        return [
            Recorded(fact, position, version, recorded_at)
            for (fact, version), position in zip(batch, positions, strict=True)
        ]


def topic(fact: Fact) -> str:
    """Stored topics name the catalogue class, e.g. `domain.truce:TruceExtended`."""
    cls = type(fact)
    return f"{cls.__module__}:{cls.__qualname__}"


def encode(fact: Fact, version: int, recorded_at: datetime) -> StoredEvent:
    state = {"recorded_at": recorded_at.isoformat(), "event": fact.model_dump(mode="json", exclude_none=True)}
    return StoredEvent(
        originator_id=aggregate_id(_kind(fact), fact.key),
        originator_version=version,
        topic=topic(fact),
        state=json.dumps(state, ensure_ascii=False, separators=(",", ":")).encode(),
    )


def decode(position: int, version: int, stored_topic: str, state: bytes) -> Recorded:
    data = json.loads(state)
    fact = EVENT_TYPES[stored_topic.rpartition(":")[2]].model_validate(data["event"])
    return Recorded(fact, position, version, datetime.fromisoformat(data["recorded_at"]))


def _kind(fact: Fact) -> str:
    return getattr(fact, "aggregate", None) or fact.kind
