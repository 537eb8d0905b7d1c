"""Tamper evidence: every stored event is chained by SHA-256 as it is recorded, and the chain can be checked.

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
import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, NamedTuple

from domain.errors import InputError
from ledger.store import StorageError

if TYPE_CHECKING:
    from ledger.application import Ledger
    from ledger.store import EventStore

GENESIS = "0" * 64
TABLE = "dipledger_chain"
SEALS = "dipledger_snapshot_seals"
SEALED_LATE = "dipledger: a snapshot is sealed only in the transaction of the event it was taken after"
"""The hash of each snapshot, by the position of the event it was taken after: written with that event,
append-only like the chain, so a snapshot changed since is not used."""
PAGE = 10_000
DIGEST = re.compile(r"([0-9a-f]{64})@(\d{1,18})")
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


@dataclass(frozen=True)
class Problem:
    """Where the stored events and the chain, a published digest, or what queries read disagree."""

    position: int
    problem: str
    where: str = ""
    """What is wrong when it is not an event's row: a read-model row, a snapshot."""

    def __str__(self) -> str:
        return f"{self.where or f'position {self.position}'}: {self.problem}"


@dataclass
class Verdict:
    """What `verify` found: its problems (none: verified), and what it proved and could not."""

    problems: list[Problem]
    head: int
    digest: str
    notes: list[str]


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
    origin = _origin(store, cursor)
    last = _last_link(store, cursor, rows[0].id - 1)
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
    with _reading(store, cursor) as opened:
        opened.execute(statement(store, "SELECT seal FROM {seals} WHERE position = ?", seals=SEALS), (position,))
        found = opened.fetchone()
        return str(found["seal"]) if found else None


def _build_late(store: EventStore, cursor: Any, last: Link | None, stop: int) -> Link | None:
    """Link every event after `last` up to `stop`, and write the origin saying they were linked late."""
    previous = last.chain_hash if last is not None else GENESIS
    start = last.position if last is not None else 0
    while True:
        page = _select_rows(store, cursor, start, stop, PAGE)
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


def _origin(store: EventStore, cursor: Any = None) -> int | None:
    """N of the origin `late N` (None: no origin, a ledger of an earlier release)."""
    found = _select_links(store, cursor, "WHERE position = 0", ())
    if not found:
        return None
    text = found[0].event_hash
    return int(text[len(LATE) :]) if text.startswith(LATE) and text[len(LATE) :].isdigit() else -1


def _last_link(store: EventStore, cursor: Any, at_most: int) -> Link | None:
    clause = "WHERE position > 0 AND position <= ? ORDER BY position DESC LIMIT 1"
    found = _select_links(store, cursor, clause, (at_most,))
    return found[0] if found else None


def _select_links(store: EventStore, cursor: Any, clause: str, params: tuple[Any, ...]) -> list[Link]:
    with _reading(store, cursor) as opened:
        sql = statement(store, "SELECT position, event_hash, chain_hash FROM {chain} " + clause, chain=TABLE)
        opened.execute(sql, params)
        return [Link(row["position"], row["event_hash"], row["chain_hash"]) for row in opened.fetchall()]


def _select_rows(store: EventStore, cursor: Any, after: int, stop: int, limit: int) -> list[Row]:
    """The stored rows after position `after` up to `stop`, raw."""
    column = store.backend.position
    sql = statement(
        store,
        f"SELECT {column} AS position, originator_id, originator_version, topic, state FROM {{events}} "
        f"WHERE {column} > ? AND {column} <= ? ORDER BY {column} LIMIT ?",
        events=events_table(store),
    )
    with _reading(store, cursor) as opened:
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


def _reading(store: EventStore, cursor: Any) -> Any:
    return store.backend.reading(cursor)


# Reading the chain --------------------------------------------------------------------------------


def _rows(store: EventStore) -> Iterator[Row]:
    """Every stored row in position order, raw, whatever its position (even one below 1)."""
    start = -(2**62)
    while True:
        page = _select_rows(store, None, start, 2**62, PAGE)
        yield from page
        if len(page) < PAGE:
            return
        start = page[-1].id


def _links(store: EventStore) -> Iterator[Link]:
    """Every link but the origin, whatever its position (one moved below 1 is named like any other)."""
    after = -(2**62)
    while True:
        clause = "WHERE position > ? AND position <> 0 ORDER BY position LIMIT ?"
        page = _select_links(store, None, clause, (after, PAGE))
        yield from page
        if len(page) < PAGE:
            return
        after = page[-1].position


def head_digest(ledger: Ledger, at: int | None = None) -> str:
    """`HASH@POSITION` of the ledger's head, or of the last position up to `at` (what a digest published
    then said); `GENESIS@0` when empty. The stored links are read, and computed on from the last one
    for the events an earlier release left without one."""
    store = ledger.store
    limit = 2**62 if at is None else at
    last = _last_link(store, None, limit) if has_chain(store) else None
    previous, position = (last.chain_hash, last.position) if last is not None else (GENESIS, 0)
    while True:
        page = _select_rows(store, None, position, limit, PAGE)
        for row in page:
            previous, position = chain_hash(previous, row), row.id
        if len(page) < PAGE:
            return f"{previous}@{position}"


def parse_digest(text: str) -> tuple[str, int]:
    match = DIGEST.fullmatch(text.strip().lower())
    if match is None:
        raise InputError([("--digest", f"{text!r} is not HASH@POSITION (64 hex digits, @, a position)")])
    return match[1], int(match[2])


# Checking it --------------------------------------------------------------------------------------


def verify(ledger: Ledger, digest: str | None = None) -> list[Problem]:
    """Every disagreement between the stored events, the chain and `digest`, first position first."""
    return check_chain(ledger.store, digest).problems


def check_chain(store: EventStore, digest: str | None = None) -> Verdict:
    """Check each row against its own link (so every edited, deleted, inserted or moved row is named
    while the links stand), and recompute the chain from the rows alone against the published digest
    (which a rewritten chain cannot meet)."""
    published = parse_digest(digest) if digest else None
    chained = has_chain(store)
    origin = _origin(store) if chained else None
    problems: list[Problem] = []
    notes: list[str] = []
    recomputed, linked = GENESIS, GENESIS
    head = 0
    unlinked_from = None
    last_link = _last_link(store, None, 2**62) if chained else None
    reach = last_link.position if last_link is not None else 0
    if origin is not None:
        bound = _select_links(store, None, "WHERE position = 0", ())[0].chain_hash
        built = _select_links(store, None, "WHERE position = ?", (origin,)) if origin > 0 else []
        if origin == -1 or bound != (built[0].chain_hash if built else GENESIS if origin == 0 else None):
            problems.append(Problem(0, "the chain's origin row was altered", "the chain's row 0"))
    for position, row, found in _side_by_side(_rows(store), _links(store) if chained else iter(())):
        if published and position > published[1] and published[1] >= head:
            problems += _against(published, recomputed, head, problems)
            published = None
        if row is not None:
            recomputed = chain_hash(recomputed, row)
            head = max(head, row.id)
        if found is None:
            assert row is not None
            if origin is None and position > reach:  # never linked: an earlier release's ledger
                unlinked_from = unlinked_from or position
                linked = chain_hash(linked, row)
                continue
            problems.append(Problem(position, "a row was inserted here: the chain has no link for it"))
        elif row is None:
            problems.append(Problem(position, "the event recorded here was deleted"))
        elif event_hash(row) != found.event_hash:
            moved_from = _moved_from(store, event_hash(row))
            problems.append(
                Problem(position, f"holds the event recorded at position {moved_from}: rows were reordered")
                if moved_from is not None and moved_from != position
                else Problem(position, "the event recorded here was changed")
            )
        elif chain_hash(linked, row) != found.chain_hash:
            problems.append(Problem(position, "the chain's link here was altered"))
        if found is not None:  # the link as it should be, when its row is intact
            intact = row is not None and event_hash(row) == found.event_hash
            linked = chain_hash(linked, row) if intact else found.chain_hash
    if published and published[1] > head:
        problems.append(Problem(published[1], f"the digest names a position past this ledger's head ({head})"))
    elif published:
        problems += _against(published, recomputed, head, problems)
    if origin is None and head > 0:
        notes.append(
            "this ledger was written by an earlier release, which built the chain only when a digest was "
            "first asked for: its links prove nothing changed since they were built"
            + (f"; positions {unlinked_from}–{head} have no stored link yet" if unlinked_from else "")
        )
    elif origin and origin > 0:
        notes.append(
            f"the links up to position {origin} were built after their events were recorded (by an earlier "
            "release): they prove nothing changed since they were built, not before"
        )
    if digest and not problems:
        at = parse_digest(digest)[1]
        if at < head:
            notes.append(
                f"positions {at + 1}–{head} come after the digest: they are checked against this ledger's own "
                "chain only, which whoever can write the database could rewrite"
            )
    return Verdict(sorted(problems, key=lambda p: p.position), head, f"{recomputed}@{head}", notes)


def _moved_from(store: EventStore, hash_: str) -> int | None:
    found = _select_links(store, None, "WHERE event_hash = ? ORDER BY position LIMIT 1", (hash_,))
    return found[0].position if found else None


def _against(published: tuple[str, int], recomputed: str, head: int, problems: list[Problem]) -> list[Problem]:
    expected, position = published
    if expected == recomputed and head == position:
        return []
    if head != position:
        return [Problem(position, f"the digest does not match: this ledger has no event at position {position}")]
    earlier = [p.position for p in problems if p.position <= position]
    where = (
        f"first changed at position {min(earlier)}"
        if earlier
        else "an event at or before it was changed and the chain rewritten to hide which"
    )
    return [
        Problem(position, f"the digest does not match ({where}): this ledger's chain here is {recomputed}@{position}")
    ]


def _side_by_side(rows: Iterator[Row], links: Iterator[Link]) -> Iterator[tuple[int, Row | None, Link | None]]:
    """Rows and links merged by position: each position once, with what each side holds there."""
    row, found = next(rows, None), next(links, None)
    while row is not None or found is not None:
        if found is None or (row is not None and row.id < found.position):
            assert row is not None
            yield row.id, row, None
            row = next(rows, None)
        elif row is None or found.position < row.id:
            yield found.position, None, found
            found = next(links, None)
        else:
            yield row.id, row, found
            row, found = next(rows, None), next(links, None)
