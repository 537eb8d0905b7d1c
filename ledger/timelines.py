"""The aggregates one recording touches, read under the write lock, with what is offered placed in
them and checked against every rule: ids, references to other aggregates, and the one fold."""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from functools import cache, lru_cache
from itertools import islice
from typing import TYPE_CHECKING

# A recording reads the catalogue's names off the package (domain.fold, domain.Recorded) for each aggregate: the
# package loads them on first use, and an import statement in a function costs thousands of instructions a run.
import domain
from ledger.chain import seal_at
from ledger.offers import Candidate, Group, Offer
from ledger.snapshots import Asking, Snapshot  # already loaded with the store, which needs its INTERVAL
from ledger.store import EventStore, Write

if TYPE_CHECKING:
    from domain import Aggregate, Fact, Recorded, RuleBroken
    from ledger.snapshots import Asked

KEPT = 256
"""Aggregates a recording keeps placed in memory at once: the latest, and those named again and again."""
AHEAD = 100
"""Aggregates whose recorded events a recording reads in one query (their candidates wait meanwhile)."""


def _stamped(candidate: Candidate, user: str) -> Candidate:
    """The candidate with who records the event and its idempotency key (derived without either)
    filled in: as it is when the offer stamped it (it made the stored form then)."""
    if candidate.event is not None:
        return candidate
    fact = candidate.fact.stamped(user)
    return candidate if fact is candidate.fact else Candidate(fact, candidate.origin)


@cache
def _references(cls: type[Fact]) -> tuple[tuple[str, str], ...]:
    """The fields of an event type that name another aggregate (one key, or a list of keys), with its
    kind: asked once a type, as asking a model's fields is not free."""
    return tuple((name, kind) for name, kind in REFERENCES if name in cls.model_fields)


REFERENCES = (
    ("truce", "Truce"),
    ("negotiation", "Negotiation"),
    ("hs_lists", "ProductList"),
    ("exempt_lists", "ProductList"),
)
"""Fields that name another aggregate, and its kind."""


def named_keys(fact: Fact, name: str) -> list[str]:
    """The keys a reference field of `fact` names (none when absent)."""
    value = getattr(fact, name, None)
    return [] if value is None else [value] if isinstance(value, str) else list(value)


def _spoken(kind: str) -> str:
    """A kind as a sentence names it: `ProductList` is a product list."""
    return "".join(f" {c.lower()}" if c.isupper() else c for c in kind).strip()


def _blame(broken: RuleBroken, group: list[Candidate]) -> tuple[str, str, str]:
    culprit = next((c for c in group if c.fact is broken.recorded.fact), None)
    if culprit is not None:
        return culprit.origin, broken.recorded.fact.type, broken.problem
    fact = broken.recorded.fact
    return (
        group[0].origin,
        group[0].fact.type,
        f"it would make the {fact.type} of {fact.date} (position {broken.recorded.position}) invalid: "
        + broken.problem,
    )


@dataclass
class Placed:
    """One aggregate as recorded (from its snapshot on, when it has one), and the candidates offered
    for it that are new, in timeline order."""

    name: tuple[str, str]
    recorded: list[Recorded]
    """Its events in record order: those after `snapshot`, or all of them without one."""
    snapshot: Snapshot | None = None
    earlier: list[Recorded] | None = None
    """The events up to the snapshot, once they had to be read after all."""
    fresh: list[Candidate] = field(default_factory=list)
    skipped: int = 0
    """Candidates whose id is recorded already, or was offered before them."""
    problems: list[tuple[str, str, str]] = field(default_factory=list)

    @property
    def version(self) -> int:
        """The version of its last recorded event (0: none)."""
        if self.recorded:
            return self.recorded[-1].version
        return self.snapshot.version if self.snapshot is not None else 0

    def plan(self) -> list[Write]:
        """The new events with the versions they are written at (and as stored, when made already)."""
        return [(c.fact, version, c.event) for version, c in enumerate(self.fresh, self.version + 1)]

    def read(self) -> list[Recorded]:
        """The events read: all of them, or only those since the snapshot until the others are read."""
        return [*(self.earlier or ()), *self.recorded]

    def live(self) -> list[Recorded]:
        """The timeline the rules judge, of the events read: what is not retracted, and the new events."""
        from domain.world import without_retracted

        now = datetime.now(UTC)
        new = [domain.Recorded(c.fact, 0, version, now) for version, c in enumerate(self.fresh, self.version + 1)]
        return without_retracted(self.read()) + new

    def exists(self) -> bool:
        """Whether its timeline (`live()`, of the events read) holds its creation, told without building it."""
        from domain.world import without_retracted

        return any(c.fact.creates for c in self.fresh) or any(r.fact.creates for r in without_retracted(self.read()))

    def retracts_earlier(self) -> bool:
        """Whether an event since the snapshot retracts one up to it (a position not among those since)."""
        from domain import Retracted

        since = {r.position for r in self.recorded}
        return any(isinstance(r.fact, Retracted) and r.fact.retracts not in since for r in self.recorded)


class Timelines:
    """The aggregates one recording touches, each read through `cursor` with the offer's candidates
    placed in it. Only the latest `KEPT` are held: those named again and again (truces, negotiations)
    stay, and memory does not grow with the offer.

    Inside a recording (given `cursor`), an aggregate with a snapshot is read from it on, and the
    rules go on from its state when they would judge as over the whole timeline; otherwise its other
    events are read too (`ledger.snapshots`)."""

    def __init__(self, store: EventStore, cursor: object = None, offer: Offer | None = None, user: str = ""):
        self.store = store
        self.cursor = cursor
        self.offer = offer
        self.user = user
        self.kept: OrderedDict[tuple[str, str], Placed] = OrderedDict()
        """By recency. Not a dict: taking a dict's first item skips every one deleted before it."""
        self.ahead: dict[tuple[str, str], Placed] = {}
        self.truce_end = lru_cache(maxsize=16 * KEPT)(self._truce_end)
        self.interval = store.snapshot_interval if cursor is not None and store.snapshots is not None else None
        """Snapshots are read and written only under a recording's write lock, so they match the events."""

    def read_ahead(self, groups: Iterable[Group]) -> Iterator[Group]:
        """`groups` one by one, the events recorded in them read `AHEAD` aggregates at a time."""
        remaining = iter(groups)
        while chunk := list(islice(remaining, AHEAD)):
            self.ahead = self._read([name for name, _ in chunk])
            yield from chunk

    def place(self, kind: str, key: str, candidates: list[Candidate]) -> Placed:
        """Stamp the aggregate's candidates; skip (or refuse) those whose id is recorded or offered before."""
        placed = self.ahead.pop((kind, key), None)
        if placed is None:
            placed = self._read([(kind, key)])[kind, key]
        stamped = [_stamped(candidate, self.user) for candidate in candidates]
        if placed.snapshot is not None and any(candidate.fact.id in placed.snapshot.ids for candidate in stamped):
            self._widen(placed)  # an id recorded by the snapshot's version: compared with its event, as without one
        ids: dict[str | None, Fact] = {r.fact.id: r.fact for r in placed.read() if r.fact.id}
        for candidate in stamped:
            fact = candidate.fact
            same = ids.setdefault(fact.id, fact)
            if same is fact:
                placed.fresh.append(candidate)
                continue
            if same.canonical() != fact.canonical():
                placed.problems.append((candidate.origin, "id", f"{fact.id} is already recorded with other content"))
            placed.skipped += 1
        placed.fresh.sort(key=lambda c: (not c.fact.creates, c.fact.date))
        self.kept[kind, key] = placed
        self.kept.move_to_end((kind, key))
        if len(self.kept) > KEPT:
            self.kept.popitem(last=False)  # the least recently placed
        return placed

    def placed(self, kind: str, key: str) -> Placed:
        """An aggregate named by another: kept, or placed with its candidates asked of the offer."""
        if (kind, key) in self.kept:
            return self.kept[kind, key]
        return self.place(kind, key, self.offer.candidates(kind, key) if self.offer is not None else [])

    def problems(self, placed: Placed) -> list[tuple[str, str, str]]:
        """What placing the candidates in their aggregate would break: ids, references, the rules."""
        problems = list(placed.problems)
        for candidate in placed.fresh:
            if _references(type(candidate.fact)):  # most event types name no other aggregate
                problems += [(candidate.origin, fld, problem) for fld, problem in self.references(candidate.fact)]
        if placed.fresh:
            try:
                folded = self._fold(placed)
            except domain.RuleBroken as broken:
                problems.append(_blame(broken, placed.fresh))
            else:
                if not problems:
                    self._snapshot(placed, *folded)
        return problems

    def live(self, kind: str, key: str) -> list[Recorded]:
        placed = self.placed(kind, key)
        self._widen(placed)
        return placed.live()

    def exists(self, kind: str, key: str) -> bool:
        placed = self.placed(kind, key)
        self._widen(placed)
        return placed.exists()

    def references(self, fact: Fact) -> Iterable[tuple[str, str]]:
        """Problems with the aggregates `fact` names (`truce`, `negotiation`)."""
        for name, kind in _references(type(fact)):
            for key in named_keys(fact, name):
                if not self.exists(kind, key):
                    yield name, f"no {_spoken(kind)} {key!r} in the ledger or in this import"

    def _truce_end(self, key: str, day: date) -> date | None:
        from domain import fold

        truce = fold(self.live("Truce", key), day, strict=False)
        return truce.end() if truce is not None else None  # type: ignore[attr-defined]

    def _read(self, names: list[tuple[str, str]]) -> dict[tuple[str, str], Placed]:
        """Each aggregate as recorded: from its snapshot on when it has one, else all of it."""
        snapshots = self.store.snapshots_of(names, self.cursor) if self.interval else {}
        since = {name: snapshot.version for name, snapshot in snapshots.items()}
        events = self.store.aggregates(names, self.cursor, since)
        return {name: self._trusted(name, snapshots.get(name), events[name]) for name in names}

    def _trusted(self, name: tuple[str, str], snapshot: Snapshot | None, events: list[Recorded]) -> Placed:
        """The aggregate from its snapshot on, while the event at the snapshot's version (read first) is
        the one it was taken after and the snapshot is as sealed in that event's link when it was
        recorded; else it is not trusted: dropped, and all the events read."""
        if snapshot is None:
            return Placed(name, events)
        at = events[0] if events else None
        if (
            at is not None
            and at.version == snapshot.version
            and at.fact.derived_id() == snapshot.last
            and seal_at(self.store, at.position, self.cursor) == snapshot.stored_hash
        ):
            return Placed(name, events[1:], snapshot)
        self.store.drop_snapshots([name], self.cursor)
        return Placed(name, self.store.aggregate(*name, self.cursor))

    def _widen(self, placed: Placed) -> None:
        """Read the events up to the snapshot after all."""
        if placed.snapshot is not None and placed.earlier is None:
            version = placed.snapshot.version
            placed.earlier = [r for r in self.store.aggregate(*placed.name, self.cursor) if r.version <= version]

    def _fold(self, placed: Placed) -> tuple[Aggregate | None, date, Asked]:
        """Fold the aggregate with its new events, checking every rule: on from its snapshot when that
        judges them as the whole fold would (`_goes_on`), else the whole timeline. Gives the state, the
        latest day folded and the truce answers the fold relied on."""
        from domain.snapshot import from_state

        snapshot, timeline = placed.snapshot, placed.live()
        if snapshot is not None and placed.earlier is None:
            if self._goes_on(placed, snapshot, timeline):
                asking = Asking(self.truce_end, snapshot.asked)
                try:
                    state = domain.fold(timeline, truces=asking, start=from_state(snapshot.state))
                    return state, max([snapshot.day, *(r.fact.date for r in timeline)]), asking.asked
                except domain.RuleBroken:
                    pass  # a refusal never rests on a snapshot alone: judged on the whole timeline below
            self._widen(placed)
            timeline = placed.live()  # with the events up to the snapshot; otherwise it is all read already
        asking = Asking(self.truce_end)
        return domain.fold(timeline, truces=asking), max(r.fact.date for r in timeline), asking.asked

    def _goes_on(self, placed: Placed, snapshot: Snapshot, timeline: list[Recorded]) -> bool:
        """Whether the fold from the snapshot judges the events since as the fold of the whole timeline
        would: they all come after it in the timeline, none retracts an event it folded, and the truces
        it relied on still give the answers they gave."""
        from domain.snapshot import goes_on

        return (
            not placed.retracts_earlier()
            and goes_on(placed.name[0], snapshot.day, timeline)
            and all(self.truce_end(key, day) == end for (key, day), end in snapshot.asked.items())
        )

    def _snapshot(self, placed: Placed, state: Aggregate | None, day: date, asked: Asked) -> None:
        """Snapshot the aggregate as this recording leaves it, in the recording's transaction: when it
        has grown by `interval` events since its last snapshot, or had to be read whole despite one
        (that read is paid for; the next need not be)."""
        from domain.snapshot import to_state

        version = placed.version + len(placed.fresh)
        since = placed.snapshot.version if placed.snapshot is not None else 0
        if not self.interval or state is None or (version - since < self.interval and placed.earlier is None):
            return
        ids = {r.fact.id for r in placed.recorded if r.fact.id} | {c.fact.id for c in placed.fresh if c.fact.id}
        if placed.snapshot is not None:
            ids |= placed.snapshot.ids  # those of the events up to it
        snapshot = Snapshot(version, placed.fresh[-1].fact.derived_id(), day, to_state(state), frozenset(ids), asked)
        self.store.keep_snapshot(placed.name, snapshot, self.cursor)
