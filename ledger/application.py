"""The use cases: record events, retract one, and read the ledger as of a day and as known then."""

from __future__ import annotations

import getpass
import os
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from functools import cache
from typing import TYPE_CHECKING

from eventsourcing.persistence import IntegrityError, OperationalError

from domain import KINDS, Fact, LedgerError, LedgerRuleError, Recorded, Retracted, RuleBroken, World, fold
from domain.errors import UnknownAggregate
from domain.world import without_retracted
from ledger.store import EventStore, database

if TYPE_CHECKING:
    from ledger.read_model import ReadModel

RETRIES = 20


class WriteConflict(LedgerError):
    """Other writers kept changing the same aggregates; retries ran out."""


@dataclass
class Candidate:
    """An event offered for recording, with where it came from (for messages)."""

    fact: Fact
    origin: str = ""
    """`FILE:LINE`, or empty for a single command."""


@dataclass
class Recording:
    """What one call to `record` did."""

    recorded: list[Recorded] = field(default_factory=list)
    skipped: int = 0


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

    def __init__(self, db: str | None = None):
        self.store = EventStore(database(db))

    def close(self) -> None:
        self.store.close()

    # Recording -------------------------------------------------------------------------------

    def record(self, candidates: Sequence[Candidate], recorded_by: str | None = None) -> Recording:
        """Validate `candidates` against everything recorded and write them in one transaction.

        Nothing is written if any is refused. A version conflict with another writer is retried
        by re-reading the aggregates and re-checking the rules.
        """
        user = current_user(recorded_by)
        stamped = [Candidate(_stamp(c.fact, user), c.origin) for c in candidates]
        for _ in range(RETRIES):
            plan, skipped = self._plan(stamped)
            if not plan:
                return Recording([], skipped)
            try:
                return Recording(self.store.insert(plan, datetime.now(UTC)), skipped)
            except IntegrityError:
                continue
            except OperationalError as error:
                raise _locked(error) from None
        raise WriteConflict(f"gave up after {RETRIES} write conflicts with other writers; try again")

    def _plan(self, candidates: Sequence[Candidate]) -> tuple[list[tuple[Fact, int]], int]:
        """Check every candidate; return the `(event, version)` pairs to write and the count skipped."""
        timelines = Timelines(self.store)
        problems: list[tuple[str, str, str]] = []
        fresh: dict[tuple[str, str], list[Candidate]] = {}
        in_batch: dict[tuple[str, str, str | None], Fact] = {}
        skipped = 0
        for candidate in candidates:
            fact = candidate.fact
            same = timelines.ids(fact.kind, fact.key).get(fact.id or "") or in_batch.get((fact.kind, fact.key, fact.id))
            if same is None:
                fresh.setdefault((fact.kind, fact.key), []).append(candidate)
                in_batch[fact.kind, fact.key, fact.id] = fact
                continue
            if same.canonical() != fact.canonical():
                problems.append((candidate.origin, "id", f"{fact.id} is already recorded with other content"))
            skipped += 1
        for group in fresh.values():
            group.sort(key=lambda c: (not c.fact.creates, c.fact.date))
        timelines.add_pending(fresh)
        for candidate in (c for group in fresh.values() for c in group):
            problems += [(candidate.origin, fld, problem) for fld, problem in timelines.references(candidate.fact)]
        for (kind, key), group in fresh.items():
            try:
                fold(timelines.live(kind, key), truces=timelines.truce_end)
            except RuleBroken as broken:
                problems.append(_blame(broken, group))
        if problems:
            raise RecordingRefused(problems)
        plan = [
            (c.fact, timelines.next_version(kind, key) + i)
            for (kind, key), group in fresh.items()
            for i, c in enumerate(group)
        ]
        return plan, skipped

    def retract(self, position: int, reason: str, recorded_by: str | None = None) -> Recorded:
        """Record that the event at `position` is withdrawn, if nothing recorded depends on it."""
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
            try:
                return self.store.insert([(fact, events[-1].version + 1)], datetime.now(UTC))[0]
            except IntegrityError:
                continue
            except OperationalError as error:
                raise _locked(error) from None
        raise WriteConflict(f"gave up after {RETRIES} write conflicts with other writers; try again")

    def _check_not_named(self, target: Recorded) -> None:
        """A truce or negotiation may not lose its creation while other aggregates name it."""
        field = {"Truce": "truce", "Negotiation": "negotiation"}.get(target.kind)
        if not target.fact.creates or field is None:
            return
        for recorded in without_retracted(self.store.notifications()):
            if recorded.kind != target.kind and getattr(recorded.fact, field, None) == target.fact.key:
                raise LedgerRuleError(
                    f"cannot retract position {target.position}: position {recorded.position} depends on it "
                    f"({recorded.fact.type} {recorded.fact.key} names {field} {target.fact.key}); retract that first"
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
        if when.isdigit():
            return min(int(when), head)
        moment = parse_moment(when)
        return max((r.position for r in self.store.notifications() if r.recorded_at <= moment), default=0)

    def world(self, known_at: int) -> World:
        """Everything recorded up to `known_at`, retractions applied."""
        return World(self.store.notifications(1, known_at), known_at)

    def read_model(self, known_at: int) -> ReadModel:
        """The persistent read model as known at `known_at`, brought up to date with the ledger first."""
        from ledger.read_model import NAME, ReadModel, catch_up, span_recorder

        recorder = span_recorder(self.store)
        if (recorder.max_tracking_id(NAME) or 0) < self.head():
            catch_up(self.store, recorder)
        return ReadModel(recorder, known_at)

    def log(self, known_at: int, key: str | None = None) -> list[dict[str, object]]:
        """The ledger in record order, each entry with the position that retracted it, if any."""
        events = [r for r in self.store.notifications(1, known_at) if key is None or r.fact.key == key]
        retracted_by = {r.fact.retracts: r.position for r in events if isinstance(r.fact, Retracted)}
        return [{**r.entry(), "retracted_by": retracted_by.get(r.position)} for r in events]

    def live_events(self) -> list[Recorded]:
        """Every event not retracted as of now, in position order (what `export` writes)."""
        return without_retracted(self.store.notifications())


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


def _stamp(fact: Fact, user: str) -> Fact:
    """Fill in who records the event and its idempotency key."""
    fact = fact if fact.recorded_by else fact.model_copy(update={"recorded_by": user})
    return fact if fact.id else fact.model_copy(update={"id": fact.derived_id()})


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


class Timelines:
    """The aggregates one recording touches, read once, with the candidates placed in them."""

    def __init__(self, store: EventStore):
        self.store = store
        self.read: Callable[[str, str], list[Recorded]] = cache(lambda kind, key: store.aggregate(kind, key))
        self.pending: dict[tuple[str, str], list[Recorded]] = {}
        self.truce_end = cache(self._truce_end)
        self.ids: Callable[[str, str], dict[str, Fact]] = cache(self._ids)
        self.exists: Callable[[str, str], bool] = cache(self._exists)

    def _ids(self, kind: str, key: str) -> dict[str, Fact]:
        """The ids recorded in one aggregate, retracted or not."""
        return {r.fact.id: r.fact for r in self.read(kind, key) if r.fact.id}

    def next_version(self, kind: str, key: str) -> int:
        recorded = self.read(kind, key)
        return recorded[-1].version + 1 if recorded else 1

    def add_pending(self, fresh: dict[tuple[str, str], list[Candidate]]) -> None:
        for (kind, key), group in fresh.items():
            start = self.next_version(kind, key)
            self.pending[kind, key] = [Recorded(c.fact, 0, start + i, datetime.now(UTC)) for i, c in enumerate(group)]

    def live(self, kind: str, key: str) -> list[Recorded]:
        return without_retracted(self.read(kind, key)) + self.pending.get((kind, key), [])

    def _exists(self, kind: str, key: str) -> bool:
        return any(r.fact.creates for r in self.live(kind, key))

    def references(self, fact: Fact) -> Iterable[tuple[str, str]]:
        """Problems with the aggregates `fact` names (`truce`, `negotiation`)."""
        for name, kind in (("truce", "Truce"), ("negotiation", "Negotiation")):
            key = getattr(fact, name, None)
            if key is not None and not self.exists(kind, key):
                yield name, f"no {kind.lower()} {key!r} in the ledger or in this import"

    def _truce_end(self, key: str, day: date) -> date | None:
        truce = fold(self.live("Truce", key), day, strict=False)
        return truce.end() if truce is not None else None  # type: ignore[attr-defined]


__all__ = ["KINDS", "Candidate", "Ledger", "Recording", "RecordingRefused", "WriteConflict"]
