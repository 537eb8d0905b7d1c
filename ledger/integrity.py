"""Tamper evidence: every stored event is chained by SHA-256, and the chain can be checked.

The chain covers the rows exactly as stored (topic and state bytes), not a re-encoding:

    hash_0 = "0" * 64
    hash_n = sha256(hash_{n-1} ‖ canonical(row n))          (hashes as 64 lowercase hex digits)
    canonical(row) = b"POSITION\\nAGGREGATE-ID\\nVERSION\\nTYPE\\n" + PAYLOAD

where POSITION and VERSION are decimal, AGGREGATE-ID is the UUID with hyphens, TYPE is the stored
topic (`domain.truce:TruceExtended`) and PAYLOAD the stored state bytes. The chain over positions
1…P (positions may skip numbers on PostgreSQL) is published as the digest `HASH@P`.

The chain lives in the ledger's own database, in a table kept by an eventsourcing tracking
recorder: each page of links is written in one transaction with the position it reaches, so
catching up is exactly-once and resumes where it stopped. It is caught up before every `digest`
and `verify`. Each link also keeps the hash of its row without the position, so `verify` can tell
an edited row from one moved to another position.
"""

from __future__ import annotations

import hashlib
import re
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from functools import cache
from typing import TYPE_CHECKING, Any, NamedTuple, Protocol

from eventsourcing.persistence import IntegrityError, Notification, OperationalError, PersistenceError, Tracking
from eventsourcing.sqlite import SQLiteTrackingRecorder

from domain.errors import InputError
from ledger.store import OPEN_ATTEMPTS, StorageError

if TYPE_CHECKING:
    from ledger.application import Ledger
    from ledger.store import EventStore

GENESIS = "0" * 64
CHAIN = "chain"
"""The chain's name in the tracking table."""
TABLE = "dipledger_chain"
PAGE = 10_000
DIGEST = re.compile(r"([0-9a-f]{64})@(\d+)")


class Link(NamedTuple):
    position: int
    event_hash: str
    """sha256 of the row without its position: finds a row that moved."""
    chain_hash: str


@dataclass(frozen=True)
class Problem:
    """Where the stored events and the chain, or a published digest, disagree."""

    position: int
    problem: str

    def __str__(self) -> str:
        return f"position {self.position}: {self.problem}"


def content(row: Notification) -> bytes:
    """The row without its position: aggregate id, version, type and payload, as stored."""
    return f"{row.originator_id}\n{row.originator_version}\n{row.topic}\n".encode() + _payload(row.state)


def _payload(state: object) -> bytes:
    """The stored state's bytes; an edit can leave text or a number in SQLite's column instead."""
    if isinstance(state, bytes | bytearray | memoryview):
        return bytes(state)
    return str(state).encode("utf-8", "surrogateescape")


def event_hash(row: Notification) -> str:
    return hashlib.sha256(content(row)).hexdigest()


def chain_hash(previous: str, row: Notification) -> str:
    return hashlib.sha256(previous.encode() + f"{row.id}\n".encode() + content(row)).hexdigest()


# The chain table -------------------------------------------------------------------------------


class ChainRecorder(Protocol):
    def max_tracking_id(self, application_name: str) -> int | None: ...
    def insert_links(self, links: Sequence[Link], tracking: Tracking) -> None: ...
    def links(self, after: int, limit: int) -> list[Link]: ...
    def last_link(self, at_most: int) -> Link | None: ...
    def position_of(self, event_hash: str) -> int | None: ...


class _Links:
    """The chain table's statements, for either database (`table` qualified, `mark` a placeholder)."""

    table: str
    mark: str
    datastore: Any

    if TYPE_CHECKING:  # supplied by the tracking recorder this is mixed into

        def _insert_tracking(self, cursor: Any, tracking: Tracking) -> None: ...

    def insert_links(self, links: Sequence[Link], tracking: Tracking) -> None:
        """The links and the position they reach, in one transaction (a repeat raises IntegrityError)."""
        m = self.mark
        with self.datastore.transaction(commit=True) as cursor:
            cursor.executemany(f"INSERT INTO {self.table} VALUES ({m}, {m}, {m})", links)
            self._insert_tracking(cursor, tracking)

    def links(self, after: int, limit: int) -> list[Link]:
        return self._select(f"WHERE position > {self.mark} ORDER BY position LIMIT {self.mark}", (after, limit))

    def last_link(self, at_most: int) -> Link | None:
        found = self._select(f"WHERE position <= {self.mark} ORDER BY position DESC LIMIT 1", (at_most,))
        return found[0] if found else None

    def position_of(self, event_hash: str) -> int | None:
        found = self._select(f"WHERE event_hash = {self.mark} ORDER BY position LIMIT 1", (event_hash,))
        return found[0].position if found else None

    def _select(self, clause: str, params: tuple[Any, ...]) -> list[Link]:
        with self.datastore.transaction(commit=False) as cursor:
            cursor.execute(f"SELECT position, event_hash, chain_hash FROM {self.table} {clause}", params)
            return [Link(row["position"], row["event_hash"], row["chain_hash"]) for row in cursor.fetchall()]


class SQLiteChainRecorder(_Links, SQLiteTrackingRecorder):
    """The chain table beside `stored_events`, tracked in SQLite's `tracking` table."""

    table, mark = TABLE, "?"

    def construct_create_table_statements(self) -> list[str]:
        return [
            *super().construct_create_table_statements(),
            f"CREATE TABLE IF NOT EXISTS {TABLE} "
            "(position INTEGER PRIMARY KEY, event_hash TEXT NOT NULL, chain_hash TEXT NOT NULL)",
        ]


@cache
def _postgres_chain_recorder() -> type:
    """Defined on first use: importing eventsourcing.postgres is slow, and SQLite needs none of it."""
    from eventsourcing.postgres import PostgresTrackingRecorder
    from psycopg.sql import SQL, Identifier

    class PostgresChainRecorder(_Links, PostgresTrackingRecorder):
        """The chain table beside `dipledger_events`, in the ledger's schema."""

        mark = "%s"

        def __init__(self, datastore: Any, **kwargs: Any):
            super().__init__(datastore, **kwargs)
            self.table = f'"{datastore.schema}"."{TABLE}"'
            self.sql_create_statements.append(
                SQL(
                    "CREATE TABLE IF NOT EXISTS {0}.{1} "
                    "(position bigint PRIMARY KEY, event_hash text NOT NULL, chain_hash text NOT NULL)"
                ).format(Identifier(datastore.schema), Identifier(TABLE))
            )

    return PostgresChainRecorder


def chain_recorder(store: EventStore) -> ChainRecorder:
    """The chain's recorder, its tables created if need be (retried when another process races it)."""
    postgres = hasattr(store.recorder, "datastore") and hasattr(store.recorder.datastore, "schema")
    cls = _postgres_chain_recorder() if postgres else SQLiteChainRecorder
    attempt = 0
    while True:
        attempt += 1
        try:
            recorder: Any = store.factory.tracking_recorder(cls)
            return recorder
        except PersistenceError as error:
            if attempt == OPEN_ATTEMPTS:
                raise StorageError(f"cannot create the hash chain's tables: {error}") from None
            time.sleep(0.05 * attempt)


# Keeping the chain -----------------------------------------------------------------------------


def catch_up(store: EventStore, chain: ChainRecorder) -> Link | None:
    """Chain every event recorded since the last link; return the head link (None: empty ledger)."""
    while True:
        reached = chain.max_tracking_id(CHAIN) or 0
        head = chain.last_link(reached)
        page = store.recorder.select_notifications(reached, PAGE, inclusive_of_start=False)
        if not page:
            return head
        previous = head.chain_hash if head else GENESIS
        links = []
        for row in page:
            previous = chain_hash(previous, row)
            links.append(Link(row.id, event_hash(row), previous))
        try:
            chain.insert_links(links, Tracking(CHAIN, page[-1].id))
        except IntegrityError:
            continue  # another process chained these rows first: read where it stopped
        except OperationalError as error:  # SQLite's lock held by another writer past the timeout
            raise StorageError(f"cannot extend the hash chain: {error}") from None


def head_digest(ledger: Ledger, at: int | None = None) -> str:
    """`HASH@POSITION` of the ledger's head (or of the last position up to `at`: what a digest
    published then said), the chain caught up first (`GENESIS@0` when empty)."""
    chain = chain_recorder(ledger.store)
    head = catch_up(ledger.store, chain)
    if at is not None and head is not None and at < head.position:
        head = chain.last_link(at)
    return f"{head.chain_hash}@{head.position}" if head else f"{GENESIS}@0"


def parse_digest(text: str) -> tuple[str, int]:
    match = DIGEST.fullmatch(text.strip().lower())
    if match is None:
        raise InputError([("--digest", f"{text!r} is not HASH@POSITION (64 hex digits, @, a position)")])
    return match[1], int(match[2])


# Checking it ------------------------------------------------------------------------------------


def verify(ledger: Ledger, digest: str | None = None) -> list[Problem]:
    """Every disagreement between the stored events, the chain and `digest`, first position first.

    Each row is checked against its own link (so every edited, deleted, inserted or moved row is
    named), and the chain is recomputed from the rows alone to check the published digest.
    """
    published = parse_digest(digest) if digest else None
    store = ledger.store
    chain = chain_recorder(store)
    catch_up(store, chain)
    reached = chain.max_tracking_id(CHAIN) or 0
    problems: list[Problem] = []
    recomputed, linked = GENESIS, GENESIS
    for position, row, link in _side_by_side(_rows(store, reached), _links(chain)):
        if published and position > published[1]:
            problems += _against(published, recomputed)
            published = None
        if row is not None:
            recomputed = chain_hash(recomputed, row)
        if link is None:
            problems.append(Problem(position, "a row was inserted here: the chain has no link for it"))
        elif row is None:
            problems.append(Problem(position, "the event recorded here was deleted"))
        elif event_hash(row) != link.event_hash:
            moved_from = chain.position_of(event_hash(row))
            problems.append(
                Problem(position, f"holds the event recorded at position {moved_from}: rows were reordered")
                if moved_from is not None
                else Problem(position, "the event recorded here was changed")
            )
        elif chain_hash(linked, row) != link.chain_hash:
            problems.append(Problem(position, "the chain's link here was altered"))
        if link is not None:  # the link as it should be, when its row is intact
            linked = chain_hash(linked, row) if row and event_hash(row) == link.event_hash else link.chain_hash
    if published and published[1] > reached:
        problems.append(Problem(published[1], f"the digest names a position past this ledger's head ({reached})"))
    elif published:
        problems += _against(published, recomputed)
    return sorted(problems, key=lambda p: p.position)


def _against(published: tuple[str, int], recomputed: str) -> list[Problem]:
    expected, position = published
    if expected == recomputed:
        return []
    return [Problem(position, f"the digest does not match: this ledger's chain here is {recomputed}@{position}")]


def _rows(store: EventStore, stop: int) -> Iterator[Notification]:
    """Every stored row up to `stop`, raw, whatever its position (even one below 1)."""
    start: int | None = None
    while True:
        try:
            page = store.recorder.select_notifications(start, PAGE, stop=stop, inclusive_of_start=False)
        except ValueError:  # eventsourcing parses each row's aggregate id as a UUID
            raise StorageError("a stored event's aggregate id is not a UUID: the events table was edited") from None
        yield from page
        if len(page) < PAGE:
            return
        start = page[-1].id


def _links(chain: ChainRecorder) -> Iterator[Link]:
    after = -(2**62)
    while True:
        page = chain.links(after, PAGE)
        yield from page
        if len(page) < PAGE:
            return
        after = page[-1].position


def _side_by_side(
    rows: Iterator[Notification], links: Iterator[Link]
) -> Iterator[tuple[int, Notification | None, Link | None]]:
    """Rows and links merged by position: each position once, with what each side holds there."""
    row, link = next(rows, None), next(links, None)
    while row is not None or link is not None:
        if link is None or (row is not None and row.id < link.position):
            assert row is not None
            yield row.id, row, None
            row = next(rows, None)
        elif row is None or link.position < row.id:
            yield link.position, None, link
            link = next(links, None)
        else:
            yield row.id, row, link
            row, link = next(rows, None), next(links, None)
