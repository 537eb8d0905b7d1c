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
import time
import uuid
from collections.abc import Iterator, Mapping, Sequence
from datetime import date, datetime
from typing import TYPE_CHECKING, Any, NamedTuple

import orjson
from eventsourcing.application import Application

from domain.values import STORED
from domain.versions import CURRENT, upcast
from ledger.address import redact
from ledger.snapshots import INTERVAL
from ledger.storage import BadAddress, NoLedger, StorageError, backend_for

if TYPE_CHECKING:  # the catalogue is built on the first event decoded or written, not at import
    from domain import Fact, Recorded
    from ledger.snapshots import Snapshot

NAMESPACE = uuid.UUID("6f1d6a36-5b1e-5d7c-9c1e-d1b1ed9e0000")
PAGE = 10_000
OPEN_ATTEMPTS = 5
CREATION_RACES = ("concurrently updated", "duplicate key value", "already exists")
"""PostgreSQL's answers when two processes create or replace the same tables or functions at once."""
SNAPSHOT_TOPIC = "ledger.snapshots:Snapshot"
__all__ = ["BadAddress", "EventStore", "NoLedger", "StorageError", "redact", "settings"]
Write = tuple["Fact", int, bytes | None]
"""An event to write, its version, and its `event_json` when made already."""


class _Notification(NamedTuple):
    id: int
    originator_id: uuid.UUID | str
    originator_version: int
    topic: str
    state: bytes


@functools.lru_cache(maxsize=4096)
def aggregate_id(kind: str, key: str) -> uuid.UUID:
    """Aggregates are found by name without a lookup table: UUIDv5 of `kind/key`. A recording asks
    for an aggregate's again and again close together (to read its events and snapshot, to write
    each event), and uuid5 is not free: the latest are remembered."""
    return uuid.uuid5(NAMESPACE, f"{kind}/{key}")


def settings(db: str) -> dict[str, str]:
    """eventsourcing's settings for the ledger at `db`."""
    return backend_for(db).settings(read_only=False)


def table_exists(store: EventStore, table: str) -> bool:
    """Whether the ledger's database holds `table` (in its schema on PostgreSQL)."""
    return store.backend.table_exists(table)


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
        self.backend = backend_for(db)
        self.seals: dict[tuple[str, int], str] = {}
        """The hashes of the snapshots taken in the current write transaction, by aggregate id and version."""
        env = self.backend.settings(read_only)
        if not create or read_only:
            self.backend.check_exists()
        if read_only or not create or self.backend.exists():
            env["CREATE_TABLE"] = "no"  # its tables are there: a role that may not create any still records
        with self.backend.opening():
            for attempt in range(1, OPEN_ATTEMPTS + 1):
                try:
                    super().__init__(env=env)
                    break
                except Exception as error:  # the driver's own message, without secrets
                    if attempt < OPEN_ATTEMPTS and any(race in str(error) for race in CREATION_RACES):
                        time.sleep(0.05 * attempt)  # another process was creating the tables at the same moment
                        continue
                    shown = self.backend.shown()
                    raise StorageError(f"cannot open the ledger at {shown}: {redact(str(error))}") from None
        self.backend.bind(self.recorder, self.snapshots)

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
        sql, params = self.backend.aggregates_query({id_: (since or {}).get(name, 1) for id_, name in ids.items()})
        with self.backend.reading(cursor) as opened:
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
        among, params = self.backend.among(list(ids))
        table = self.backend.table(self.backend.snapshot_table)
        with self.backend.reading(cursor) as opened:
            sql = f"SELECT originator_id, originator_version, topic, state FROM {table} WHERE {among}"
            opened.execute(f"{sql} ORDER BY originator_version", params)
            rows = opened.fetchall()
        found, bad = {}, []
        for row in rows:  # one a key, as each replaces the one before; else the latest wins
            name = ids[_uuid(row["originator_id"])]
            topic_ok = row["topic"] == SNAPSHOT_TOPIC
            snapshot = well_formed(row["originator_version"], row["state"]) if topic_ok else "another topic"
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
        originator, stored = aggregate_id(*name), snapshot.encode()
        # Sealed in the link of the event it was taken after, written in this transaction (`insert`).
        self.seals[str(originator), snapshot.version] = hashlib.sha256(stored).hexdigest()
        self.backend.insert_snapshot(cursor, (originator, snapshot.version, SNAPSHOT_TOPIC, stored))

    def drop_snapshots(self, names: Sequence[tuple[str, str]] | None = None, cursor: Any = None) -> None:
        """Delete the snapshots of `names` (every one when None), through `cursor` when given."""
        if self.snapshots is None:
            return
        table = self.backend.table(self.backend.snapshot_table)
        where, params = ("", ()) if names is None else self.backend.among([aggregate_id(*name) for name in names])
        writing = contextlib.nullcontext(cursor) if cursor is not None else self.backend.writing()
        with writing as opened:
            opened.execute(f"DELETE FROM {table}{' WHERE ' if where else ''}{where}", params)

    def notifications(
        self,
        start: int = 1,
        stop: int | None = None,
        topics: Sequence[str] = (),
        cursor: Any = None,
        share: tuple[int, int] | None = None,
    ) -> Iterator[Recorded]:
        """Every event from `start` to `stop` (inclusive) in position order, read a page at a time; only
        those of `topics` when given; through `cursor` (a transaction of `writing()`) when given; only
        those of share `(i, n)` of the aggregates when given (split by id, so that n processes can
        decode a kind between them, each its aggregates' every event)."""
        while stop is None or start <= stop:
            if cursor is None:
                page = self.recorder.select_notifications(start, PAGE, stop=stop, topics=topics)
            else:
                page = self._page(cursor, start, stop, topics)
            for item in page:
                if share is None or _uuid(item.originator_id).int % share[1] == share[0]:
                    yield decode(item.id, item.originator_version, item.topic, item.state)
            if len(page) < PAGE:
                return
            start = page[-1].id + 1

    def dated(self, start: date, end: date, stop: int, always: Sequence[str] = ()) -> Iterator[Recorded]:
        """The events up to position `stop` dated or announced from `start` to `end` (inclusive), those
        of the topics `always`, and any written under an earlier catalogue version (its fields are
        known only once upcast), in position order: chosen by the database from the stored JSON, so
        that the events of other days are never decoded."""
        field = self.backend.state_text
        day, announced, version = field("event", "date"), field("event", "announced"), field("v")
        among = f" OR topic IN ({', '.join('?' * len(always))})" if always else ""
        sql = self.backend.statement(
            f"SELECT {self.backend.position} AS id, originator_version, topic, state FROM {{events}} "
            f"WHERE {self.backend.position} <= ? AND ({day} BETWEEN ? AND ? OR {announced} BETWEEN ? AND ? "
            f"OR {version} IS NULL OR {version} <> ?{among}) ORDER BY {self.backend.position}",
            events=self.backend.events,
        )
        window = (start.isoformat(), end.isoformat())
        with self.backend.reading() as cursor:
            cursor.execute(sql, (stop, *window, *window, str(CURRENT), *always))
            rows = cursor.fetchall()
        for r in rows:
            yield decode(r["id"], r["originator_version"], r["topic"], bytes(r["state"]))

    def _page(self, cursor: Any, start: int, stop: int | None, topics: Sequence[str]) -> list[Any]:
        """`recorder.select_notifications` read through a cursor of this process's write transaction."""
        position = self.backend.position
        among = f" AND topic IN ({', '.join('?' * len(topics))})" if topics else ""
        sql = self.backend.statement(
            f"SELECT {position} AS id, originator_id, originator_version, topic, state FROM {{events}} "
            f"WHERE {position} >= ? AND {position} <= ?{among} ORDER BY {position} LIMIT ?",
            events=self.backend.events,
        )
        cursor.execute(sql, (start, stop if stop is not None else 2**62, *topics, PAGE))
        rows = cursor.fetchall()
        return [
            _Notification(r["id"], r["originator_id"], r["originator_version"], r["topic"], bytes(r["state"]))
            for r in rows
        ]

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

    def writing(self) -> contextlib.AbstractContextManager[Any]:
        """A write transaction holding the ledger's write lock from its start, so that what is read
        through its cursor stays true until it commits; rolled back if the block raises."""
        self.seals.clear()
        return self.backend.writing()

    def insert(self, batch: Sequence[Write], recorded_at: datetime, cursor: Any) -> Sequence[int]:
        """Write `(event, version, its JSON or None)` with their links in the hash chain, in the
        transaction of `cursor` (from `writing()`), and give their positions."""
        from ledger.chain import Row, link

        at = recorded_at.isoformat()
        rows = [
            (aggregate_id(_kind(fact), fact.key), version, topic(fact), state(fact, at, event))
            for fact, version, event in batch
        ]
        positions = self.backend.insert_events(cursor, rows)
        chained = [Row(p, str(r[0]), r[1], r[2], r[3]) for p, r in zip(positions, rows, strict=True)]
        link(self, cursor, chained)  # each event's link in the transaction that records it
        return positions


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


def _uuid(originator: uuid.UUID | str) -> uuid.UUID:
    """An aggregate id as read: a UUID from PostgreSQL, its hex from SQLite."""
    return originator if isinstance(originator, uuid.UUID) else uuid.UUID(originator)
