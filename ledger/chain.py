"""The hash chain: every stored event is linked by SHA-256 in the transaction that records it.

The chain covers the rows exactly as stored (topic and state bytes), not a re-encoding:

    hash_0 = "0" * 64
    hash_n = sha256(hash_{n-1} ‖ canonical(row n))          (hashes as 64 lowercase hex digits)
    canonical(row) = b"POSITION\\nAGGREGATE-ID\\nVERSION\\nTYPE\\n" + PAYLOAD

where POSITION and VERSION are decimal, AGGREGATE-ID is the UUID with hyphens, TYPE is the stored
topic (`domain.truce:TruceExtended`) and PAYLOAD the stored state bytes. The chain over positions
1…P (positions may skip numbers on PostgreSQL) is published as the digest `HASH@P`.

Each event's link is written in the transaction that records the event (`link`), under the ledger's
write lock, so no event is ever stored without its link. Each link also keeps the hash of its row
without the position, so `verify` can tell an edited row from one moved to another position.

The chain table's row 0 is its origin: `late N` says that the links up to position N were built
after their events were recorded (by an earlier release, which chained lazily, on the first
`digest`), N = 0 that every link was written with its event. A ledger without it is one written by
an earlier release and not yet written to since: its missing links are computed on reading, and the
first recording builds them, once, under the write lock, and writes the origin.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any, NamedTuple

from ledger.store import StorageError

if TYPE_CHECKING:
    from ledger.store import EventStore

GENESIS = "0" * 64
TABLE = "dipledger_chain"
SEALS = "dipledger_snapshot_seals"
SEALED_LATE = "dipledger: a snapshot is sealed only in the transaction of the event it was taken after"
"""The hash of each snapshot, by the position of the event it was taken after: written with that event,
append-only like the chain, so a snapshot changed since is not used."""
PAGE = 10_000
LATE = "late "
"""How the origin row's `event_hash` begins: `late N`."""


class Row(NamedTuple):
    """A stored event as the chain reads it (the attributes of eventsourcing's `Notification`)."""

    id: int
    originator_id: Any
    originator_version: int
    topic: str
    state: Any


class Link(NamedTuple):
    position: int
    event_hash: str
    """sha256 of the row without its position: finds a row that moved."""
    chain_hash: str


def content(row: Row | Any) -> bytes:
    """The row without its position: aggregate id, version, type and payload, as stored."""
    return f"{row.originator_id}\n{row.originator_version}\n{row.topic}\n".encode() + _payload(row.state)


def _payload(state: object) -> bytes:
    """The stored state's bytes; an edit can leave text or a number in SQLite's column instead."""
    if isinstance(state, bytes | bytearray | memoryview):
        return bytes(state)
    return str(state).encode("utf-8", "surrogateescape")


def event_hash(row: Row | Any) -> str:
    return hashlib.sha256(content(row)).hexdigest()


def chain_hash(previous: str, row: Row | Any) -> str:
    return hashlib.sha256(previous.encode() + f"{row.id}\n".encode() + content(row)).hexdigest()


# The tables ---------------------------------------------------------------------------------------


def statement(store: EventStore, text: str, **tables: str) -> Any:
    """`text` with each `{name}` a table of the ledger and `?` its parameters, in the store's dialect."""
    return store.backend.statement(text, **tables)


def events_table(store: EventStore) -> str:
    return store.backend.events


def guarded_tables(store: EventStore) -> list[str]:
    """The tables the database keeps append-only: an UPDATE or DELETE of a row is refused."""
    return [events_table(store), TABLE, SEALS]


def prepare(store: EventStore) -> None:
    """Create the chain's table and the triggers that keep the events and the chain append-only,
    where they are missing (looked up first: most openings find them)."""
    backend, tables = store.backend, guarded_tables(store)
    with backend.reading() as cursor:
        cursor.execute(*backend.guards_present(TABLE, SEALS))
        present = int(cursor.fetchone()["n"])
    if present >= backend.wanted_guards(tables):
        return
    try:
        with backend.writing() as cursor:  # under the write lock: two processes making the same guards would clash
            for sql in backend.guards(tables, TABLE, SEALS, SEALED_LATE):
                cursor.execute(sql)
    except Exception as error:  # the driver's own message
        raise StorageError(f"cannot create the hash chain's table and its guards: {error}") from None


def has_chain(store: EventStore, cursor: Any = None) -> bool:
    """Whether the chain's table exists (a ledger of an earlier release may have none yet)."""
    return store.backend.table_exists(TABLE, cursor)


# Writing the chain --------------------------------------------------------------------------------


def link(store: EventStore, cursor: Any, rows: Sequence[Row]) -> None:
    """Chain `rows`, just inserted through `cursor` (a transaction of `EventStore.writing()`, which holds
    the write lock), in position order; first build the links an earlier release left out."""
    if not rows:
        return
    origin = origin_of(store, cursor)
    last = last_link(store, cursor, rows[0].id - 1)
    if origin is None:
        last = _build_late(store, cursor, last, rows[0].id - 1)
    previous = last.chain_hash if last is not None else GENESIS
    links = []
    seals = store.seals
    sha256 = hashlib.sha256
    for row in rows:  # each row's canonical form made once, for both of its hashes (an import links 100,000)
        body = content(row)
        previous = sha256(previous.encode() + b"%d\n" % row.id + body).hexdigest()
        links.append(Link(row.id, sha256(body).hexdigest(), previous))
    if seals:  # before the links: the database refuses a seal for an event already linked
        taken = ((seals.pop((row.originator_id, row.originator_version), None), row.id) for row in rows)
        sealed = [(seal, position) for seal, position in taken if seal is not None]
        cursor.executemany(statement(store, "INSERT INTO {seals} VALUES (?, ?)", seals=SEALS), sealed)
    _insert(store, cursor, links)


def seal_at(store: EventStore, position: int, cursor: Any = None) -> str | None:
    """The hash of the snapshot taken after the event at `position`, sealed when it was recorded."""
    with reading(store, cursor) as opened:
        opened.execute(statement(store, "SELECT seal FROM {seals} WHERE position = ?", seals=SEALS), (position,))
        found = opened.fetchone()
        return str(found["seal"]) if found else None


def _build_late(store: EventStore, cursor: Any, last: Link | None, stop: int) -> Link | None:
    """Link every event after `last` up to `stop`, and write the origin saying they were linked late."""
    previous = last.chain_hash if last is not None else GENESIS
    start = last.position if last is not None else 0
    while True:
        page = select_rows(store, cursor, start, stop, PAGE)
        links = []
        for row in page:
            previous = chain_hash(previous, row)
            links.append(Link(row.id, event_hash(row), previous))
        _insert(store, cursor, links)
        if links:
            last = links[-1]
        if len(page) < PAGE:
            break
        start = page[-1].id
    # The origin names the last link built late, and carries its hash: an edit of either shows.
    _insert(store, cursor, [Link(0, f"{LATE}{last.position if last else 0}", last.chain_hash if last else GENESIS)])
    return last


def _insert(store: EventStore, cursor: Any, links: Sequence[Link]) -> None:
    if links:
        cursor.executemany(statement(store, "INSERT INTO {chain} VALUES (?, ?, ?)", chain=TABLE), links)


def origin_of(store: EventStore, cursor: Any = None) -> int | None:
    """N of the origin `late N` (None: no origin, a ledger of an earlier release)."""
    found = select_links(store, cursor, "WHERE position = 0", ())
    if not found:
        return None
    text = found[0].event_hash
    return int(text[len(LATE) :]) if text.startswith(LATE) and text[len(LATE) :].isdigit() else -1


def last_link(store: EventStore, cursor: Any, at_most: int) -> Link | None:
    clause = "WHERE position > 0 AND position <= ? ORDER BY position DESC LIMIT 1"
    found = select_links(store, cursor, clause, (at_most,))
    return found[0] if found else None


def select_links(store: EventStore, cursor: Any, clause: str, params: tuple[Any, ...]) -> list[Link]:
    with reading(store, cursor) as opened:
        sql = statement(store, "SELECT position, event_hash, chain_hash FROM {chain} " + clause, chain=TABLE)
        opened.execute(sql, params)
        return [Link(row["position"], row["event_hash"], row["chain_hash"]) for row in opened.fetchall()]


def select_rows(store: EventStore, cursor: Any, after: int, stop: int, limit: int) -> list[Row]:
    """The stored rows after position `after` up to `stop`, raw."""
    column = store.backend.position
    sql = statement(
        store,
        f"SELECT {column} AS position, originator_id, originator_version, topic, state FROM {{events}} "
        f"WHERE {column} > ? AND {column} <= ? ORDER BY {column} LIMIT ?",
        events=events_table(store),
    )
    with reading(store, cursor) as opened:
        opened.execute(sql, (after, stop, limit))
        return [
            Row(r["position"], _uuid_text(r["originator_id"]), r["originator_version"], r["topic"], r["state"])
            for r in opened.fetchall()
        ]


def _uuid_text(value: Any) -> str:
    """An aggregate id as the chain writes it: the UUID with hyphens (SQLite stores its hex)."""
    import uuid

    if isinstance(value, uuid.UUID):
        return str(value)
    try:
        return str(uuid.UUID(str(value)))
    except ValueError:
        return str(value)  # an edited id: hashed as it is, so the edit shows


def reading(store: EventStore, cursor: Any) -> Any:
    return store.backend.reading(cursor)
