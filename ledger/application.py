"""The use cases: record events, retract one, and read the ledger as of a day and as known then."""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable, Sequence
from contextlib import ExitStack
from datetime import UTC, date, datetime
from typing import TYPE_CHECKING, Any, TypeVar

from eventsourcing.persistence import IntegrityError, OperationalError

from domain import KINDS, LedgerError, LedgerRuleError
from domain.errors import UnknownAggregate
from ledger.address import database
from ledger.collector import collector_paused
from ledger.known_at import KnownAt
from ledger.offers import MAX_PROBLEMS, Candidate, Group, Offer, Offered, Recording, RecordingRefused, current_user
from ledger.storage import backend_for
from ledger.store import EventStore, topic_of
from ledger.timelines import REFERENCES, Timelines, named_keys

if TYPE_CHECKING:
    from domain import Recorded, World
    from ledger.read_model import ReadModel

RETRIES = 20
BATCH = 1_000
"""Events per insert in a recording's one transaction: few round trips, little held in memory."""
T = TypeVar("T")


class WriteConflict(LedgerError):
    """Other writers kept changing the same aggregates; retries ran out."""


class Ledger:
    """The ledger's use cases over one database."""

    def __init__(self, db: str | None = None, create: bool = True, read_only: bool | None = None):
        """Open the ledger at `db` (see `ledger.address.database`). `create`: make it if it does not
        exist (commands that record); else it must exist (queries). `read_only`: create and write
        nothing, reading the read model afresh when the stored one is behind; None: when the database
        lets this user write nothing (a read-only file, a SELECT-only role) or `DIPLEDGER_READ_ONLY=1`."""
        from ledger.chain import prepare

        address = database(db)
        backend = backend_for(address)
        if read_only is None:
            read_only = not create and is_read_only(address)
        if create and _asked_read_only():
            raise LedgerError("the ledger is opened read-only (DIPLEDGER_READ_ONLY): nothing was recorded")
        if create and not backend.may_write():
            raise LedgerError(f"this role may not record into the ledger at {backend.shown()}: it may only query it")
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
        far.
        """
        keep = not isinstance(offer, Offer)
        offered = offer if isinstance(offer, Offer) else Offered(offer)
        user = current_user(recorded_by)
        return self.locked_write(lambda cursor: self._record(cursor, offered, user, keep, progress))

    def retract(self, position: int, reason: str, recorded_by: str | None = None) -> Recorded:
        """Record that the event at `position` is withdrawn, if nothing recorded depends on it."""
        user = current_user(recorded_by)
        return self.locked_write(lambda cursor: self._retract(cursor, position, reason, user))

    def locked_write(self, write: Callable[[Any], T]) -> T:
        """Every write goes this way: `write(cursor)` checks what it reads through `cursor` and writes
        through it, in one transaction that holds the ledger's write lock from its start, so nothing
        it checked can change before it commits. A version conflict with another writer (one that
        wrote without the lock) is retried by reading and checking again."""
        for _ in range(RETRIES):
            try:
                with collector_paused(), self.store.writing() as cursor:
                    return write(cursor)
            except IntegrityError:
                continue
            except OperationalError as error:
                raise _lock_timeout(error) from None
        raise WriteConflict(f"gave up after {RETRIES} write conflicts with other writers; try again")

    def _record(
        self, cursor: Any, offer: Offer, user: str, keep: bool, progress: Callable[[int], None] | None
    ) -> Recording:
        """Check the offer an aggregate at a time and write it in batches."""
        done, batch, checked = Recording(), [], 0
        problems: list[tuple[str, str, str]] = []
        recorded_at = datetime.now(UTC)
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

    def _retract(self, cursor: Any, position: int, reason: str, user: str) -> Recorded:
        from domain import Recorded, Retracted, RuleBroken, fold
        from domain.world import without_retracted

        target = next(self.store.notifications(position, position, cursor=cursor), None)
        if target is None:
            raise UnknownAggregate(f"no event is recorded at position {position}")
        if isinstance(target.fact, Retracted):
            raise LedgerRuleError(f"position {position} is itself a retraction")
        events = self.store.aggregate(target.kind, target.fact.key, cursor)
        if any(isinstance(r.fact, Retracted) and r.fact.retracts == position for r in events):
            raise LedgerRuleError(f"position {position} is already retracted")
        self._check_not_named(target, cursor)
        remaining = [r for r in without_retracted(events) if r.position != position]
        try:
            fold(remaining, truces=Timelines(self.store, cursor).truce_end)
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
            recorded_by=user,
        )
        fact = fact.model_copy(update={"id": fact.derived_id()})
        version, now = events[-1].version + 1, datetime.now(UTC)
        return Recorded(fact, self.store.insert([(fact, version, None)], now, cursor)[0], version, now)

    def _check_not_named(self, target: Recorded, cursor: Any) -> None:
        """A truce, negotiation or product list may not lose its creation while other aggregates name it."""
        from domain import EVENT_TYPES
        from domain.world import without_retracted

        fields = [name for name, kind in REFERENCES if kind == target.kind]
        if not target.fact.creates or not fields:
            return
        naming = [
            topic_of(cls)
            for cls in EVENT_TYPES.values()
            if cls.kind == "*" or (cls.kind != target.kind and any(name in cls.model_fields for name in fields))
        ]
        for recorded in without_retracted(self.store.notifications(topics=naming, cursor=cursor)):
            for name in fields:
                if recorded.kind != target.kind and target.fact.key in named_keys(recorded.fact, name):
                    raise LedgerRuleError(
                        f"cannot retract position {target.position}: position {recorded.position} depends on it "
                        f"({recorded.fact.type} {recorded.fact.key} names {name} {target.fact.key}); "
                        "retract that first"
                    )

    # Reading ---------------------------------------------------------------------------------

    def head(self) -> int:
        return self.store.head()

    def resolve_known_at(self, known: KnownAt) -> int:
        """The position `--known-at` names: its position (at most the head), the last recorded by its
        moment, or the head."""
        head = self.head()
        if known.position is not None:
            return min(known.position, head)
        if known.moment is not None:
            return self.store.last_recorded_by(known.moment)
        return head

    def world(self, known_at: int, kinds: Iterable[str] | None = None, share: tuple[int, int] | None = None) -> World:
        """Everything recorded up to `known_at`, retractions applied; only the aggregates of `kinds`
        (and the retractions among them) when given, the others never read; only share `(i, n)` of
        the aggregates when given (`EventStore.notifications`)."""
        from domain import EVENT_TYPES, World

        topics: list[str] = []
        if kinds is not None:
            wanted = set(kinds)
            topics = [topic_of(cls) for cls in EVENT_TYPES.values() if cls.kind in wanted or cls.kind == "*"]
        return World(self.store.notifications(1, known_at, topics, share=share), known_at)

    def dated_world(self, known_at: int, start: date, end: date) -> World:
        """The events recorded up to `known_at` that are dated or announced from `start` to `end`,
        retractions applied: what took effect in those days, without reading the rest."""
        from domain import Retracted, World

        return World(self.store.dated(start, end, known_at, [topic_of(Retracted)]), known_at)

    def changes(self, known_at: int, start: date, end: date) -> dict[str, Any]:
        """`projections.changes` from `start` to `end` as known at `known_at`."""
        from ledger.projections import changes

        return changes(self.dated_world(known_at, start, end), self.read_model(known_at), start, end)

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
    or a database this user may not write (a read-only SQLite file or folder, a PostgreSQL role that
    may not insert)."""
    return _asked_read_only() or not backend_for(db).may_write()


def _asked_read_only() -> bool:
    return os.environ.get("DIPLEDGER_READ_ONLY", "").strip().lower() in ("1", "yes", "true")


def _lock_timeout(error: OperationalError) -> Exception:
    """SQLite's "database is locked" or PostgreSQL's lock timeout: another writer kept the lock too long."""
    if "lock" not in str(error):
        return error
    return WriteConflict(f"another writer kept the ledger locked past the timeout ({error}); try again")


__all__ = [
    "KINDS",
    "MAX_PROBLEMS",
    "Candidate",
    "Group",
    "Ledger",
    "Offer",
    "Offered",
    "Recording",
    "RecordingRefused",
    "WriteConflict",
    "current_user",
]
