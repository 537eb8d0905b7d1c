"""The use cases: record events, retract one, and read the ledger as of a day and as known then."""

from __future__ import annotations

import getpass
import os
from collections import OrderedDict
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import ExitStack
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from functools import cache, lru_cache
from itertools import islice
from typing import TYPE_CHECKING

from eventsourcing.persistence import IntegrityError, OperationalError

# A recording reads the catalogue's names off the package (domain.fold, domain.Recorded) for each aggregate: the
# package loads them on first use, and an import statement in a function costs thousands of instructions a run.
import domain
from domain import KINDS, LedgerError, LedgerRuleError
from domain.errors import UnknownAggregate
from ledger.address import database, is_postgres
from ledger.collector import collector_paused
from ledger.integrity import seal_at
from ledger.snapshots import Asking, Snapshot  # already loaded with the store, which needs its INTERVAL
from ledger.store import EventStore, Write, redact, topic_of

if TYPE_CHECKING:
    from domain import Aggregate, Fact, Recorded, RuleBroken, World
    from ledger.read_model import ReadModel
    from ledger.snapshots import Asked

RETRIES = 20
BATCH = 1_000
"""Events per insert in a recording's one transaction: few round trips, little held in memory."""
MAX_PROBLEMS = 20
"""A refusal names this many problems at most; checking stops there."""
KEPT = 256
"""Aggregates a recording keeps placed in memory at once: the latest, and those named again and again."""
AHEAD = 100
"""Aggregates whose recorded events a recording reads in one query (their candidates wait meanwhile)."""


class WriteConflict(LedgerError):
    """Other writers kept changing the same aggregates; retries ran out."""


@dataclass
class Candidate:
    """An event offered for recording, with where it came from (for messages)."""

    fact: Fact
    origin: str = ""
    """`FILE:LINE`, or empty for a single command."""
    event: bytes | None = None
    """The stamped event as stored (`ledger.store.event_json`), when the offer made it with the id."""


Group = tuple[tuple[str, str], list[Candidate]]
"""An aggregate's `(kind, key)` and the candidates offered for it."""


class Offer:
    """Events offered for recording, an aggregate at a time, so that an offer need not hold them all
    in memory (`ledger.jsonl.Lines` streams its files)."""

    def __len__(self) -> int:
        raise NotImplementedError

    def groups(self, recorded_by: str) -> Iterator[Group]:
        """Each `(kind, key)` offered, once, with its candidates in the order offered: stamped for
        `recorded_by` (`Fact.stamps`) where the offer can do it cheaper than a copy, placing stamps
        the rest. May raise `RecordingRefused` on the way (an invalid line): nothing is recorded then."""
        raise NotImplementedError

    def candidates(self, kind: str, key: str) -> list[Candidate]:
        """One aggregate's candidates out of turn, when another names it (none if it is not offered)."""
        raise NotImplementedError


class Offered(Offer):
    """Candidates held in memory: a command's event, a test's."""

    def __init__(self, candidates: Iterable[Candidate]):
        self.held: dict[tuple[str, str], list[Candidate]] = {}
        for candidate in candidates:
            self.held.setdefault((candidate.fact.kind, candidate.fact.key), []).append(candidate)

    def __len__(self) -> int:
        return sum(len(group) for group in self.held.values())

    def groups(self, recorded_by: str) -> Iterator[Group]:
        return iter(self.held.items())  # the caller's events: placing stamps copies

    def candidates(self, kind: str, key: str) -> list[Candidate]:
        return self.held.get((kind, key), [])


@dataclass
class Recording:
    """What one call to `record` did: the events written (how many, first and last position) and skipped."""

    count: int = 0
    first: int = 0
    last: int = 0
    skipped: int = 0
    recorded: list[Recorded] = field(default_factory=list)
    """Every event written, when the candidates were given in memory; an `Offer` gets the counts only."""

    def add(self, batch: Sequence[Write], positions: Sequence[int], recorded_at: datetime, keep: bool) -> None:
        """Count the events of `batch` written at `positions`; keep them too if `keep`."""
        if positions:
            self.count += len(positions)
            self.first = self.first or positions[0]
            self.last = positions[-1]
        if keep:
            from domain import Recorded

            self.recorded += [
                Recorded(fact, position, version, recorded_at)
                for (fact, version, _), position in zip(batch, positions, strict=True)
            ]


class RecordingRefused(LedgerError):
    """Some candidates break a rule or clash with recorded ids: `(origin, field, problem)`."""

    def __init__(self, problems: list[tuple[str, str, str]]):
        self.problems = problems
        super().__init__(
            "\n".join(f"{origin}{': ' if origin else ''}{fld}: {problem}" for origin, fld, problem in problems)
        )


def current_user(given: str | None = None) -> str:
    """Who records: `--as`, else `DIPLEDGER_USER`, else the OS user."""
    return given or os.environ.get("DIPLEDGER_USER") or getpass.getuser()


class Ledger:
    """The ledger's use cases over one database."""

    def __init__(self, db: str | None = None, create: bool = True, read_only: bool | None = None):
        """Open the ledger at `db` (see `ledger.address.database`). `create`: make it if it does not
        exist (commands that record); else it must exist (queries). `read_only`: create and write
        nothing, reading the read model afresh when the stored one is behind; None: when the database
        lets this user write nothing (a read-only file, a SELECT-only role) or `DIPLEDGER_READ_ONLY=1`."""
        from ledger.integrity import prepare

        address = database(db)
        if read_only is None:
            read_only = not create and is_read_only(address)
        if create and _asked_read_only():
            raise LedgerError("the ledger is opened read-only (DIPLEDGER_READ_ONLY): nothing was recorded")
        if create and is_postgres(address) and not postgres_may_write(address):
            raise LedgerError(f"this role may not record into the ledger at {redact(address)}: it may only query it")
        self.store = EventStore(address, create=create, read_only=read_only)
        self.read_only = read_only
        self.scratch = ExitStack()
        """The read model projected afresh for a read-only ledger, while it is open."""
        if not read_only:
            prepare(self.store)

    def close(self) -> None:
        self.scratch.close()
        self.store.close()

    # Recording -------------------------------------------------------------------------------

    def record(
        self,
        offer: Offer | Sequence[Candidate],
        recorded_by: str | None = None,
        progress: Callable[[int], None] | None = None,
    ) -> Recording:
        """Check what is offered against everything recorded, and write it all in one transaction.

        Nothing is written if anything is refused. Given candidates, the result lists every event
        written; given an `Offer`, it counts them. `progress` hears how many candidates are checked so
        far. A version conflict with another writer is retried by re-reading and re-checking.
        """
        keep = not isinstance(offer, Offer)
        offered = offer if isinstance(offer, Offer) else Offered(offer)
        user = current_user(recorded_by)
        for _ in range(RETRIES):
            try:
                with collector_paused():
                    return self._write(offered, user, keep, progress)
            except IntegrityError:
                continue
            except OperationalError as error:
                raise _locked(error) from None
        raise WriteConflict(f"gave up after {RETRIES} write conflicts with other writers; try again")

    def _write(self, offer: Offer, user: str, keep: bool, progress: Callable[[int], None] | None) -> Recording:
        """One attempt: check the offer an aggregate at a time and write it in batches, in a transaction
        that holds the write lock throughout, so nothing checked changes before it commits."""
        done, batch, checked = Recording(), [], 0
        problems: list[tuple[str, str, str]] = []
        recorded_at = datetime.now(UTC)
        with self.store.writing() as cursor:
            timelines = Timelines(self.store, cursor, offer, user)
            for (kind, key), candidates in timelines.read_ahead(offer.groups(user)):
                checked += len(candidates)
                if progress is not None:
                    progress(checked)
                if len(problems) >= MAX_PROBLEMS:
                    continue  # the offer is still read to its end: an invalid line is refused before any rule
                placed = timelines.place(kind, key, candidates)
                problems += timelines.problems(placed)
                done.skipped += placed.skipped
                if not problems:  # once anything is refused, the rest is only checked
                    batch += placed.plan()
                if len(batch) >= BATCH:
                    done.add(batch, self.store.insert(batch, recorded_at, cursor), recorded_at, keep)
                    batch = []
            if problems:
                raise RecordingRefused(problems[:MAX_PROBLEMS])
            if batch:
                done.add(batch, self.store.insert(batch, recorded_at, cursor), recorded_at, keep)
        return done

    def retract(self, position: int, reason: str, recorded_by: str | None = None) -> Recorded:
        """Record that the event at `position` is withdrawn, if nothing recorded depends on it."""
        from domain import Recorded, Retracted, RuleBroken, fold
        from domain.world import without_retracted

        for _ in range(RETRIES):
            target = next(self.store.notifications(position, position), None)
            if target is None:
                raise UnknownAggregate(f"no event is recorded at position {position}")
            if isinstance(target.fact, Retracted):
                raise LedgerRuleError(f"position {position} is itself a retraction")
            events = self.store.aggregate(target.kind, target.fact.key)
            if any(isinstance(r.fact, Retracted) and r.fact.retracts == position for r in events):
                raise LedgerRuleError(f"position {position} is already retracted")
            self._check_not_named(target)
            remaining = [r for r in without_retracted(events) if r.position != position]
            timelines = Timelines(self.store)
            try:
                fold(remaining, truces=timelines.truce_end)
            except RuleBroken as broken:
                raise LedgerRuleError(
                    f"cannot retract position {position}: position {broken.recorded.position} depends on it "
                    f"({broken.problem}); retract that first"
                ) from None
            fact = Retracted(
                key=target.fact.key,
                date=target.fact.date,
                retracts=position,
                reason=reason,
                aggregate=target.kind,
                recorded_by=current_user(recorded_by),
            )
            fact = fact.model_copy(update={"id": fact.derived_id()})
            version, now = events[-1].version + 1, datetime.now(UTC)
            try:
                return Recorded(fact, self.store.insert([(fact, version, None)], now)[0], version, now)
            except IntegrityError:
                continue
            except OperationalError as error:
                raise _locked(error) from None
        raise WriteConflict(f"gave up after {RETRIES} write conflicts with other writers; try again")

    def _check_not_named(self, target: Recorded) -> None:
        """A truce, negotiation or product list may not lose its creation while other aggregates name it."""
        from domain.world import without_retracted

        fields = [name for name, kind in REFERENCES if kind == target.kind]
        if not target.fact.creates or not fields:
            return
        for recorded in without_retracted(self.store.notifications()):
            if recorded.kind == target.kind:
                continue
            for name in fields:
                if target.fact.key in _named(recorded.fact, name):
                    raise LedgerRuleError(
                        f"cannot retract position {target.position}: position {recorded.position} depends on it "
                        f"({recorded.fact.type} {recorded.fact.key} names {name} {target.fact.key}); "
                        "retract that first"
                    )

    # Reading ---------------------------------------------------------------------------------

    def head(self) -> int:
        return self.store.head()

    def resolve_known_at(self, when: str | None) -> int:
        """A position from `--known-at`: digits are a position; else an ISO timestamp or date (UTC)."""
        head = self.head()
        if when is None or not when.strip():
            return head
        when = when.strip()
        if is_position(when):
            return min(int(when), head)
        if when.isdigit() or (when.isdecimal() and not when.isascii()):
            raise LedgerError(f"--known-at: {when[:40]!r} is not a position (ASCII digits, at most 18 of them)")
        return self.store.last_recorded_by(parse_moment(when))

    def world(self, known_at: int, kinds: Iterable[str] | None = None) -> World:
        """Everything recorded up to `known_at`, retractions applied; only the aggregates of `kinds`
        (and the retractions among them) when given, the others never read."""
        from domain import EVENT_TYPES, World

        topics: list[str] = []
        if kinds is not None:
            wanted = set(kinds)
            topics = [topic_of(cls) for cls in EVENT_TYPES.values() if cls.kind in wanted or cls.kind == "*"]
        return World(self.store.notifications(1, known_at, topics), known_at)

    def read_model(self, known_at: int) -> ReadModel:
        """The persistent read model as known at `known_at`, brought up to date with the ledger first."""
        from ledger.read_model import NAME, ReadModel, catch_up, scratch, span_recorder

        if self.read_only:
            recorder = self.scratch.enter_context(scratch(self.store, self.head()))
            return ReadModel(recorder, known_at)
        recorder = span_recorder(self.store)
        if (recorder.max_tracking_id(NAME) or 0) < self.head():
            catch_up(self.store, recorder)
        return ReadModel(recorder, known_at)

    def log(self, known_at: int, key: str | None = None) -> list[dict[str, object]]:
        """The ledger in record order, each entry with the position that retracted it, if any."""
        from domain import Retracted

        events = [r for r in self.store.notifications(1, known_at) if key is None or r.fact.key == key]
        retracted_by = {r.fact.retracts: r.position for r in events if isinstance(r.fact, Retracted)}
        return [{**r.entry(), "retracted_by": retracted_by.get(r.position)} for r in events]

    def history(self, known_at: int, key: str) -> list[dict[str, object]]:
        """`log(known_at, key)` read from the aggregates with that key alone (a retraction is recorded
        on the aggregate of what it retracts), not from the whole log."""
        from domain import Retracted

        found = self.store.aggregates([(kind, key) for kind in KINDS])
        events = sorted((r for rs in found.values() for r in rs if r.position <= known_at), key=lambda r: r.position)
        retracted_by = {r.fact.retracts: r.position for r in events if isinstance(r.fact, Retracted)}
        return [{**r.entry(), "retracted_by": retracted_by.get(r.position)} for r in events]

    def log_page(self, known_at: int, first: int, last: int) -> list[dict[str, object]]:
        """The entries of `log(known_at)` at positions `first` to `last`: their retractions are looked
        for in their own aggregates only."""
        from domain import Retracted

        page = list(self.store.notifications(first, min(last, known_at)))
        names = sorted({(r.kind, r.fact.key) for r in page})
        retracted_by = {
            r.fact.retracts: r.position
            for events in self.store.aggregates(names).values()
            for r in events
            if isinstance(r.fact, Retracted) and r.position <= known_at
        }
        return [{**r.entry(), "retracted_by": retracted_by.get(r.position)} for r in page]

    def live_events(self) -> list[Recorded]:
        """Every event not retracted as of now, in position order (what `export` writes)."""
        from domain.world import without_retracted

        return without_retracted(self.store.notifications())


def is_read_only(db: str) -> bool:
    """Whether the ledger at `db` is to be read without writing: asked for (`DIPLEDGER_READ_ONLY=1`),
    a SQLite file (or its folder) this user may not write, or a PostgreSQL role that may not insert."""
    if _asked_read_only():
        return True
    if is_postgres(db):
        return not postgres_may_write(db)
    path = os.path.abspath(db)
    return not (os.access(path, os.W_OK) and os.access(os.path.dirname(path), os.W_OK))


def _asked_read_only() -> bool:
    return os.environ.get("DIPLEDGER_READ_ONLY", "").strip().lower() in ("1", "yes", "true")


def postgres_may_write(db: str) -> bool:
    import psycopg

    from ledger.store import connect_postgres, settings

    env = settings(db)
    try:
        with connect_postgres(env) as connection:
            found = connection.execute(
                "SELECT has_table_privilege(format('%%I.%%I', %s::text, 'dipledger_events'), 'INSERT')",
                (env["POSTGRES_SCHEMA"] or "public",),
            ).fetchone()
    except psycopg.Error:
        return True  # opening the ledger will say what is wrong
    return bool(found and found[0])


def is_position(text: str) -> bool:
    """Whether `text` names a position: ASCII digits only (not `²` or `٣`), few enough for a position."""
    return text.isascii() and text.isdigit() and len(text) <= 18


def parse_moment(text: str) -> datetime:
    """An ISO-8601 timestamp (no offset means UTC) or a bare date (the end of that day, UTC)."""
    try:
        if len(text) == 10:
            return datetime.combine(date.fromisoformat(text), datetime.max.time(), UTC)
        moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        raise LedgerError(f"--known-at: {text!r} is neither a position nor an ISO-8601 timestamp") from None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def _locked(error: OperationalError) -> Exception:
    """SQLite's "database is locked" or PostgreSQL's lock timeout: another writer kept the lock too long."""
    if "lock" not in str(error):
        return error
    return WriteConflict(f"another writer kept the ledger locked past the timeout ({error}); try again")


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


def _named(fact: Fact, name: str) -> list[str]:
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
            for key in _named(fact, name):
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


__all__ = ["KINDS", "Candidate", "Ledger", "Offer", "Offered", "Recording", "RecordingRefused", "WriteConflict"]
