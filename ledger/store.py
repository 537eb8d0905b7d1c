"""Persistence: the database address → eventsourcing settings, and events ↔ stored events.

eventsourcing supplies the event store: one row per event keyed by (aggregate id, version), so two
writers extending the same aggregate conflict instead of overwriting, and a notification id that
orders the whole ledger — the ledger's *position*. Each row's topic names the catalogue type and
its state is the event's normalised JSON with the time it was recorded.
"""

from __future__ import annotations

import contextlib
import functools
import hashlib
import os
import re
import sqlite3
import time
import uuid
from collections.abc import Iterator, Mapping, Sequence
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qs, unquote, urlparse

import orjson
from eventsourcing.application import Application
from eventsourcing.persistence import StoredEvent

from domain.errors import LedgerError
from domain.values import STORED
from domain.versions import CURRENT, upcast
from ledger.address import is_postgres
from ledger.snapshots import INTERVAL

if TYPE_CHECKING:  # the catalogue is built on the first event decoded or written, not at import
    from domain import Fact, Recorded
    from ledger.snapshots import Snapshot

NAMESPACE = uuid.UUID("6f1d6a36-5b1e-5d7c-9c1e-d1b1ed9e0000")
PAGE = 10_000
OPEN_ATTEMPTS = 5
CREATION_RACES = ("concurrently updated", "duplicate key value")
"""PostgreSQL's answers when two processes create or replace the same tables or functions at once."""
SNAPSHOT_TOPIC = "ledger.snapshots:Snapshot"
Write = tuple["Fact", int, bytes | None]
"""An event to write, its version, and its `event_json` when made already."""


class StorageError(LedgerError):
    """The database cannot be opened or read."""


class BadAddress(LedgerError):
    """`--db` is not an address the ledger can be at."""


SCHEMA = re.compile(r"[A-Za-z_][A-Za-z0-9_]{0,62}")
"""A PostgreSQL schema named in `?schema=`: a plain identifier, never anything SQL would read otherwise."""


@functools.lru_cache(maxsize=4096)
def aggregate_id(kind: str, key: str) -> uuid.UUID:
    """Aggregates are found by name without a lookup table: UUIDv5 of `kind/key`. A recording asks
    for an aggregate's again and again close together (to read its events and snapshot, to write
    each event), and uuid5 is not free: the latest are remembered."""
    return uuid.uuid5(NAMESPACE, f"{kind}/{key}")


def settings(db: str) -> dict[str, str]:
    """eventsourcing's settings for a file path (SQLite) or a `postgresql://` URL."""
    if is_postgres(db):
        try:
            url = urlparse(db)
            query = parse_qs(url.query)
            url.port  # noqa: B018 - parsed on first use: a bad one raises here, not later
        except ValueError as error:
            raise BadAddress(f"--db: {redact(db)!r} is not a PostgreSQL URL ({error})") from None
        schema = query.get("schema", [""])[0]
        if schema and not SCHEMA.fullmatch(schema):
            raise BadAddress(
                f"--db: schema {schema!r} is not a plain identifier (letters, digits and _, not starting with a digit)"
            )
        return {
            "PERSISTENCE_MODULE": "eventsourcing.postgres",
            "POSTGRES_DBNAME": unquote(url.path.lstrip("/")) or "postgres",
            "POSTGRES_HOST": url.hostname or "127.0.0.1",
            "POSTGRES_PORT": str(url.port or 5432),
            "POSTGRES_USER": unquote(url.username or "postgres"),
            "POSTGRES_PASSWORD": unquote(url.password or ""),
            "POSTGRES_SCHEMA": schema,
            "POSTGRES_CONNECT_TIMEOUT": "5",
            "POSTGRES_LOCK_TIMEOUT": "30",
        }
    return {
        "PERSISTENCE_MODULE": "eventsourcing.sqlite",
        "SQLITE_DBNAME": db,
        "SQLITE_LOCK_TIMEOUT": "30",
    }


class NoLedger(LedgerError):
    """Nothing to query: no ledger at the address, or something else that is not one."""


def ledger_exists(db: str, env: dict[str, str]) -> bool:
    try:
        check_exists(db, env)
    except NoLedger:
        return False
    return True


def table_exists(store: EventStore, table: str) -> bool:
    """Whether the ledger's database holds `table` (in its schema on PostgreSQL)."""
    recorder: Any = store.recorder
    with recorder.datastore.transaction(commit=False) as cursor:
        if _is_postgres(recorder):
            cursor.execute(
                "SELECT to_regclass(format('%%I.%%I', %s::text, %s::text)) IS NOT NULL AS found",
                (recorder.datastore.schema or "public", table),
            )
        else:
            cursor.execute("SELECT count(*) > 0 AS found FROM sqlite_master WHERE name = ?", (table,))
        return bool(cursor.fetchone()["found"])


def connect_postgres(env: dict[str, str]) -> Any:
    """A plain psycopg connection to the server `settings` names, for a look outside eventsourcing."""
    import psycopg

    return psycopg.connect(
        dbname=env["POSTGRES_DBNAME"],
        host=env["POSTGRES_HOST"],
        port=env["POSTGRES_PORT"],
        user=env["POSTGRES_USER"],
        password=env["POSTGRES_PASSWORD"] or None,
        connect_timeout=5,
    )


def check_exists(db: str, env: dict[str, str]) -> None:
    """Raise `NoLedger` unless a ledger's events table is at `db`; open nothing for writing to find out."""
    if not is_postgres(db):
        path = Path(db)
        if not path.is_file():
            raise NoLedger(f"no ledger at {db} (commands that record create one; queries do not)")
        try:
            connection = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True)
            try:
                sql = "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'stored_events'"
                is_ledger = connection.execute(sql).fetchone() is not None
            finally:
                connection.close()
        except sqlite3.Error as error:
            raise NoLedger(f"{db} is not a dipledger ledger ({error})") from None
        if not is_ledger:
            raise NoLedger(f"{db} is not a dipledger ledger: it has no stored events (nothing was changed)")
        return
    import psycopg

    try:
        with connect_postgres(env) as server:
            schema = env["POSTGRES_SCHEMA"] or "public"
            found = server.execute("SELECT to_regclass(format('%%I.%%I', %s::text, 'dipledger_events'))", (schema,))
            row = found.fetchone()
    except psycopg.Error as error:
        raise StorageError(f"cannot open the ledger at {redact(db)}: {redact(str(error))}") from None
    if row is None or row[0] is None:
        raise NoLedger(f"no ledger at {redact(db)} (commands that record create one; queries do not)")


def redact(db: str) -> str:
    """The address as it may be shown: never with its password."""
    try:
        password = urlparse(db).password
    except ValueError:
        return re.sub(r":[^:@/]*@", ":***@", db)
    if password:
        return db.replace(f":{password}@", ":***@")
    return db


class EventStore(Application):
    """The eventsourcing application that holds the ledger's events."""

    name = "dipledger"
    is_snapshotting_enabled = True
    """The application's snapshot store (`stored_snapshots`, `dipledger_snapshots`) holds the snapshots
    of long aggregates (`ledger.snapshots`)."""
    snapshot_interval: int | None = INTERVAL
    """Events an aggregate grows by between its snapshots; None: take none and use none."""

    def __init__(self, db: str, create: bool = True, read_only: bool = False):
        """Open the ledger at `db`; `create`: make it (and its tables) if need be, else it must exist;
        `read_only`: create nothing and write nothing (a read-only file, a SELECT-only role)."""
        self.db = db
        self.read_only = read_only
        self.seals: dict[tuple[str, int], str] = {}
        """The hashes of the snapshots taken in the current write transaction, by aggregate id and version."""
        env = settings(db)
        if not create or read_only:
            check_exists(db, env)
        if read_only or not create or ledger_exists(db, env):
            env["CREATE_TABLE"] = "no"  # its tables are there: a role that may not create any still records
        if read_only and not is_postgres(db):
            env["SQLITE_DBNAME"] = f"{Path(db).resolve().as_uri()}?mode=ro"
        mask = os.umask(0o077) if not is_postgres(db) else None  # a new file is never readable by others
        try:
            for attempt in range(1, OPEN_ATTEMPTS + 1):
                try:
                    super().__init__(env=env)
                    break
                except Exception as error:  # the driver's own message, without secrets
                    if attempt < OPEN_ATTEMPTS and any(race in str(error) for race in CREATION_RACES):
                        time.sleep(0.05 * attempt)  # another process was creating the tables at the same moment
                        continue
                    raise StorageError(f"cannot open the ledger at {redact(db)}: {redact(str(error))}") from None
        finally:
            if mask is not None:
                os.umask(mask)

    def head(self) -> int:
        return self.recorder.max_notification_id() or 0

    def aggregate(self, kind: str, key: str, cursor: Any = None) -> list[Recorded]:
        """One aggregate's events in record order, each with its position."""
        return self.aggregates([(kind, key)], cursor)[kind, key]

    def aggregates(
        self,
        names: Sequence[tuple[str, str]],
        cursor: Any = None,
        since: Mapping[tuple[str, str], int] | None = None,
    ) -> dict[tuple[str, str], list[Recorded]]:
        """The events of each `(kind, key)` in record order, from version `since[(kind, key)]` on for
        those `since` names, read in one query (through `cursor`, a transaction of `writing()`, when given)."""
        ids = {aggregate_id(kind, key): (kind, key) for kind, key in names}
        starts = [(since or {}).get(name, 1) for name in ids.values()]
        recorder: Any = self.recorder
        columns = "e.originator_id, e.originator_version, e.topic, e.state"
        joined = f"JOIN {_table(recorder)} e ON e.originator_id = wanted.id AND e.originator_version >= wanted.since"
        if _is_postgres(recorder):
            sql = (
                f"SELECT e.notification_id AS position, {columns} "
                f"FROM unnest(%s::uuid[], %s::bigint[]) AS wanted(id, since) {joined}"
            )
            params: tuple[Any, ...] = (list(ids), starts)
        else:
            wanted = f"WITH wanted(id, since) AS (VALUES {','.join(['(?, ?)'] * len(ids))})"
            sql = f"{wanted} SELECT e.rowid AS position, {columns} FROM wanted {joined}"
            params = tuple(value for id_, start in zip(ids, starts, strict=True) for value in (id_.hex, start))
        with _reading(recorder, cursor) as opened:
            opened.execute(f"{sql} ORDER BY e.originator_id, e.originator_version", params)
            rows = opened.fetchall()
        found: dict[tuple[str, str], list[Recorded]] = {name: [] for name in names}
        for row in rows:
            name = ids[_uuid(row["originator_id"])]
            found[name].append(decode(row["position"], row["originator_version"], row["topic"], bytes(row["state"])))
        return found

    def snapshots_of(self, names: Sequence[tuple[str, str]], cursor: Any = None) -> dict[tuple[str, str], Snapshot]:
        """The snapshot of each `(kind, key)` that has one (in the current format), read through `cursor`
        when given."""
        from ledger.snapshots import Snapshot, well_formed

        if self.snapshots is None:
            return {}
        ids = {aggregate_id(kind, key): (kind, key) for kind, key in names}
        recorder: Any = self.snapshots.recorder
        sql = f"SELECT originator_id, originator_version, state FROM {_table(recorder)} WHERE {_among(recorder, ids)}"
        with _reading(recorder, cursor) as opened:
            opened.execute(f"{sql} ORDER BY originator_version", _ids(recorder, ids))
            rows = opened.fetchall()
        found, bad = {}, []
        for row in rows:  # one a key, as each replaces the one before; else the latest wins
            name = ids[_uuid(row["originator_id"])]
            snapshot = well_formed(row["originator_version"], row["state"])
            if isinstance(snapshot, Snapshot) and (snapshot.state["kind"], snapshot.state["key"]) == name:
                found[name] = snapshot
            elif snapshot is not None:
                bad.append(name)
        if bad and cursor is not None:  # a cache that cannot be checked is dropped, never a reason to fail
            self.drop_snapshots(bad, cursor)
        return {name: snapshot for name, snapshot in found.items() if name not in bad}

    def keep_snapshot(self, name: tuple[str, str], snapshot: Snapshot, cursor: Any) -> None:
        """Store `snapshot` of the aggregate `name` in place of the one before, in the transaction of
        `cursor` (from `writing()`): it stands or falls with the events it was taken after."""
        if self.snapshots is None:
            return
        self.drop_snapshots([name], cursor)
        stored = StoredEvent(
            originator_id=aggregate_id(*name),
            originator_version=snapshot.version,
            topic=SNAPSHOT_TOPIC,
            state=snapshot.encode(),
        )
        # Sealed in the link of the event it was taken after, written in this transaction (`insert`).
        self.seals[str(stored.originator_id), snapshot.version] = hashlib.sha256(stored.state).hexdigest()
        recorder: Any = self.snapshots.recorder
        if _is_postgres(recorder):
            recorder._insert_stored_events(cursor, [stored])
        else:
            recorder._insert_events(cursor, [stored])

    def drop_snapshots(self, names: Sequence[tuple[str, str]] | None = None, cursor: Any = None) -> None:
        """Delete the snapshots of `names` (every one when None), through `cursor` when given."""
        if self.snapshots is None:
            return
        recorder: Any = self.snapshots.recorder
        ids = {aggregate_id(kind, key): (kind, key) for kind, key in names or ()}
        where = "" if names is None else f" WHERE {_among(recorder, ids)}"
        writing = contextlib.nullcontext(cursor) if cursor is not None else recorder.datastore.transaction(commit=True)
        with writing as opened:
            opened.execute(f"DELETE FROM {_table(recorder)}{where}", _ids(recorder, ids) if names is not None else ())

    def notifications(self, start: int = 1, stop: int | None = None, topics: Sequence[str] = ()) -> Iterator[Recorded]:
        """Every event from `start` to `stop` (inclusive) in position order, read a page at a time; only
        those of `topics` when given."""
        while stop is None or start <= stop:
            page = self.recorder.select_notifications(start, PAGE, stop=stop, topics=topics)
            for item in page:
                yield decode(item.id, item.originator_version, item.topic, item.state)
            if len(page) < PAGE:
                return
            start = page[-1].id + 1

    def last_recorded_by(self, moment: datetime) -> int:
        """The last position recorded at or before `moment` (0: none), read from each stored event's
        time alone: no event is built."""
        found, start = 0, 1
        while page := self.recorder.select_notifications(start, PAGE):
            for item in page:
                if datetime.fromisoformat(orjson.loads(item.state)["recorded_at"]) <= moment:
                    found = item.id
            if len(page) < PAGE:
                break
            start = page[-1].id + 1
        return found

    @contextlib.contextmanager
    def writing(self) -> Iterator[Any]:
        """A write transaction holding the ledger's write lock from its start, so that what is read
        through its cursor stays true until it commits; rolled back if the block raises."""
        recorder: Any = self.recorder
        self.seals.clear()
        with recorder.datastore.transaction(commit=True) as cursor:
            if _is_postgres(recorder):
                recorder._lock_table(cursor)  # EXCLUSIVE: other writers wait (up to the lock timeout), readers do not
            else:
                cursor.execute(f"DELETE FROM {recorder.events_table_name} WHERE 0")  # SQLite locks at the first write
            yield cursor

    def insert(self, batch: Sequence[Write], recorded_at: datetime, cursor: Any = None) -> Sequence[int]:
        """Write `(event, version, its JSON or None)` with their links in the hash chain, and give their
        positions: inside the transaction of `cursor` (from `writing()`) when given, else in one
        transaction of their own."""
        from ledger.integrity import Row, link

        if cursor is None:
            with self.writing() as opened:
                return self.insert(batch, recorded_at, opened)
        at = recorded_at.isoformat()
        recorder: Any = self.recorder
        if not _is_postgres(recorder):
            rows = [
                (_stored_id(_kind(fact), fact.key), version, topic(fact), state(fact, at, event))
                for fact, version, event in batch
            ]
            positions = _insert_sqlite(recorder, cursor, rows)
            ids = [str(aggregate_id(_kind(fact), fact.key)) for fact, _, _ in batch]
            chained = [Row(p, i, r[1], r[2], r[3]) for p, i, r in zip(positions, ids, rows, strict=True)]
        else:
            stored = [
                encode(fact, version, at, aggregate_id(_kind(fact), fact.key), event) for fact, version, event in batch
            ]
            recorder._insert_stored_events(cursor, stored)
            positions = recorder._fetch_ids_after_insert_events(cursor, stored)
            chained = [
                Row(p, str(s.originator_id), s.originator_version, s.topic, s.state)
                for p, s in zip(positions, stored, strict=True)
            ]
        link(self, cursor, chained)  # each event's link in the transaction that records it
        return positions


@functools.lru_cache(maxsize=4096)
def _stored_id(kind: str, key: str) -> str:
    """An aggregate's id as SQLite stores it: its hex, which a UUID works out anew each time asked."""
    return aggregate_id(kind, key).hex


def _insert_sqlite(recorder: Any, cursor: Any, rows: Sequence[tuple[str, int, str, bytes]]) -> Sequence[int]:
    """Insert the rows (id, version, topic, state: as the statement takes them, without a StoredEvent
    each) in one call, and give their positions: the transaction holds the write lock from its start
    (`writing()`), so they take consecutive rowids and the last is SQLite's `last_insert_rowid()`.
    (eventsourcing inserts one row a call to read each rowid.)"""
    cursor.executemany(recorder.insert_events_statement, rows)
    cursor.execute("SELECT last_insert_rowid()")
    last = int(cursor.fetchone()[0])
    return range(last - len(rows) + 1, last + 1)


def topic(fact: Fact) -> str:
    """Stored topics name the catalogue class, e.g. `domain.truce:TruceExtended`."""
    return topic_of(type(fact))


@functools.cache
def topic_of(cls: type) -> str:
    """The stored topic of an event type."""
    return f"{cls.__module__}:{cls.__qualname__}"


def event_json(fact: Fact, normalised: dict[str, Any] | None = None) -> bytes:
    """The event as stored: its fields as compact UTF-8 JSON, absent optional fields left out. Given
    its `normalised()` fields (made for its id), they are serialised with the stamps, sparing a second
    dump of the model."""
    if normalised is not None:
        fields = normalised.copy()
        if fact.id is not None:
            fields["id"] = fact.id
        if fact.recorded_by is not None:
            fields["recorded_by"] = fact.recorded_by
        try:
            event = orjson.dumps(fields)
        except orjson.JSONEncodeError:  # text that is not valid Unicode, a huge integer: as pydantic writes it
            pass
        else:  # copied to its own size: orjson's bytes keep the 4 KiB buffer they were written in, and an
            return bytes(memoryview(event))  # import holds up to 20,000 of them till they are inserted
    return fact.model_dump_json(exclude_none=True).encode()  # pydantic's serialiser: faster than json.dumps


def encode(
    fact: Fact, version: int, recorded_at: str, originator: uuid.UUID, event: bytes | None = None
) -> StoredEvent:
    """The stored form (`event`: the event's `event_json`, when made already)."""
    return StoredEvent(
        originator_id=originator, originator_version=version, topic=topic(fact), state=state(fact, recorded_at, event)
    )


def state(fact: Fact, recorded_at: str, event: bytes | None = None) -> bytes:
    """The stored state: `{"recorded_at": ISO time, "v": catalogue version, "event": normalised event}`
    as compact UTF-8 JSON. A state without `v` was written in version 1."""
    return b'{"recorded_at":"%s","v":%d,"event":%s}' % (recorded_at.encode(), CURRENT, event or event_json(fact))


def decode(position: int, version: int, stored_topic: str, state: bytes) -> Recorded:
    from domain import EVENT_TYPES, Recorded

    data = orjson.loads(state)  # written by `encode`: plain JSON, parsed three times faster than by json
    name = stored_topic.rpartition(":")[2]
    fields = data["event"] if data.get("v", 1) == CURRENT else upcast(name, data["event"], data.get("v", 1))
    fact = EVENT_TYPES[name].model_validate(fields, context=STORED)
    return Recorded(fact, position, version, datetime.fromisoformat(data["recorded_at"]))


def _kind(fact: Fact) -> str:
    """A retraction (kind `*`) is stored in the aggregate of the event it retracts; only a retraction
    is asked for `aggregate`, as a field a model lacks is slow to ask for."""
    return fact.kind if fact.kind != "*" else getattr(fact, "aggregate", None) or fact.kind


def _is_postgres(recorder: Any) -> bool:
    return hasattr(recorder.datastore, "schema")


def _table(recorder: Any) -> Any:
    """The recorder's table as SQL names it: in the ledger's schema on PostgreSQL, quoted by psycopg."""
    if _is_postgres(recorder):
        from psycopg.sql import Identifier

        name = Identifier(recorder.datastore.schema or "public", recorder.events_table_name)
        return name.as_string(None)
    return str(recorder.events_table_name)


def _among(recorder: Any, ids: Mapping[uuid.UUID, object]) -> str:
    """A condition that the row's aggregate is one of `ids` (parameters from `_ids`)."""
    return "originator_id = ANY(%s)" if _is_postgres(recorder) else f"originator_id IN ({','.join('?' * len(ids))})"


def _ids(recorder: Any, ids: Mapping[uuid.UUID, object]) -> tuple[Any, ...]:
    return (list(ids),) if _is_postgres(recorder) else tuple(originator.hex for originator in ids)


def _uuid(originator: uuid.UUID | str) -> uuid.UUID:
    """An aggregate id as read: a UUID from PostgreSQL, its hex from SQLite."""
    return originator if isinstance(originator, uuid.UUID) else uuid.UUID(originator)


def _reading(recorder: Any, cursor: Any) -> contextlib.AbstractContextManager[Any]:
    """`cursor` when given, else a read-only transaction of its own."""
    return contextlib.nullcontext(cursor) if cursor is not None else recorder.datastore.transaction(commit=False)
