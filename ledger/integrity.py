"""Tamper evidence: the chain (`ledger.chain`) checked against the stored rows and a published digest.

`verify` names every row edited, deleted, inserted or moved since it was linked, and, given a digest
published earlier, any rewriting of the chain itself (which a rewritten chain cannot hide).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING

from domain.errors import InputError
from ledger.chain import (
    GENESIS,
    PAGE,
    Link,
    Row,
    chain_hash,
    event_hash,
    has_chain,
    last_link,
    origin_of,
    select_links,
    select_rows,
)

if TYPE_CHECKING:
    from ledger.application import Ledger
    from ledger.store import EventStore

DIGEST = re.compile(r"([0-9a-f]{64})@(\d{1,18})")


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


# Reading the chain --------------------------------------------------------------------------------


def _rows(store: EventStore) -> Iterator[Row]:
    """Every stored row in position order, raw, whatever its position (even one below 1)."""
    start = -(2**62)
    while True:
        page = select_rows(store, None, start, 2**62, PAGE)
        yield from page
        if len(page) < PAGE:
            return
        start = page[-1].id


def _links(store: EventStore) -> Iterator[Link]:
    """Every link but the origin, whatever its position (one moved below 1 is named like any other)."""
    after = -(2**62)
    while True:
        clause = "WHERE position > ? AND position <> 0 ORDER BY position LIMIT ?"
        page = select_links(store, None, clause, (after, PAGE))
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
    last = last_link(store, None, limit) if has_chain(store) else None
    previous, position = (last.chain_hash, last.position) if last is not None else (GENESIS, 0)
    while True:
        page = select_rows(store, None, position, limit, PAGE)
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
    origin = origin_of(store) if chained else None
    problems: list[Problem] = []
    notes: list[str] = []
    recomputed, linked = GENESIS, GENESIS
    head = 0
    unlinked_from = None
    newest = last_link(store, None, 2**62) if chained else None
    reach = newest.position if newest is not None else 0
    if origin is not None:
        bound = select_links(store, None, "WHERE position = 0", ())[0].chain_hash
        built = select_links(store, None, "WHERE position = ?", (origin,)) if origin > 0 else []
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
    found = select_links(store, None, "WHERE event_hash = ? ORDER BY position LIMIT 1", (hash_,))
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
