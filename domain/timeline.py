"""The one fold: an aggregate's events in valid-time order, checked against its rules as they apply.

The same fold serves three jobs. With `as_of=None` it checks a whole timeline (recording,
back-filling, retracting); with a date it builds the state of that day for replay and projections.
"""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Callable, Iterable, Sequence
from datetime import date
from typing import Any, ClassVar, Generic, TypeVar, overload

from domain.errors import LedgerRuleError
from domain.events import Fact, Recorded, Retracted

TruceEnds = Callable[[str, date], "date | None"]
"""`(truce key, day) -> ` the first day the truce no longer applies, as known that day (None: no
such truce)."""


def no_truces(key: str, day: date) -> date | None:
    return None


class RuleBroken(LedgerRuleError):
    """A rule broken by one event of a timeline."""

    def __init__(self, recorded: Recorded, problem: str):
        self.recorded = recorded
        self.problem = problem
        fact = recorded.fact
        super().__init__(f"{fact.type} {fact.key} on {fact.date}: {problem}")


class Aggregate:
    """State of one aggregate folded from its timeline; subclasses add the kind's rules."""

    kind: ClassVar[str]
    creation: ClassVar[type[Fact]]
    closing_word: ClassVar[str] = "closed"
    series: ClassVar[bool] = False
    """Whether every event is a report of its own, so the creation type repeats (TradeFlow)."""
    kinds: ClassVar[dict[str, type[Aggregate]]] = {}

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        Aggregate.kinds[cls.kind] = cls

    def __init__(self, first: Fact):
        self.key = first.key
        self.start = first.start
        self.closed_on: date | None = None
        self.cited: list[dict[str, Any]] = []
        """Every source cited by the events taken so far, each once and in order."""
        self.urls: set[str] = set()
        """The addresses of `cited`."""
        self.cite(first)

    def derive(self) -> None:
        """Make again what the state keeps beside its fields to look them up quickly (its snapshot,
        `domain.snapshot`, holds the fields alone)."""
        self.urls = {row["url"] for row in self.cited}

    def apply(self, fact: Fact, truces: TruceEnds) -> None:
        """Check `fact` against the state of its day, then take it in. Raise `ValueError` if refused."""
        raise NotImplementedError

    def view(self, as_of: date, truces: TruceEnds) -> dict[str, Any]:
        """The read-model row of this aggregate on `as_of`."""
        return self.on_day(self.settled(as_of, truces), as_of)

    def settled(self, as_of: date, truces: TruceEnds) -> dict[str, Any]:
        """The row without the fields that change every day (those `on_day` fills in). Its lists are the
        state's own, so that a view costs the same however long they grow: as events are taken, a list
        only grows at its end, any other change makes a new list, and an item is never changed in place
        (a view may be kept by its items). So a caller following views one after another finds what
        changed by looking only at what was added, or at a list that is new."""
        raise NotImplementedError

    @classmethod
    def on_day(cls, row: dict[str, Any], as_of: date) -> dict[str, Any]:
        """`row` with its day-counting fields (such as days remaining) for `as_of`."""
        return row

    def turns(self, day: date, truces: TruceEnds) -> list[date | None]:
        """Days on which the view may change with no new event (as known on `day`): an effective date,
        an expiry, the end of a suspension."""
        return []

    def cite(self, fact: Fact) -> None:
        for source in fact.sources:
            if source.url not in self.urls:
                self.urls.add(source.url)
                self.cited.append(source.row())

    def sources(self) -> list[dict[str, Any]]:
        """Every source cited by the events folded so far, each once."""
        return self.cited


def in_order(events: Iterable[Recorded]) -> list[Recorded]:
    """The timeline: creation first, then `(date, position)` (within an aggregate, versions follow positions)."""
    return sorted(events, key=lambda r: (not r.fact.creates, r.fact.date, r.version))


def counts(fact: Fact, as_of: date) -> bool:
    """Whether `fact` has happened by the end of `as_of` (a creation counts from its announcement)."""
    return counts_from(fact) <= as_of


def counts_from(fact: Fact) -> date:
    """The first day `fact` counts: its `date`, or a creation's announcement."""
    return fact.start if fact.creates else fact.date


CREATIONS = {
    "Negotiation": "NegotiationOpened",
    "Truce": "TruceAgreed",
    "ExportControl": "ExportControlImposed",
    "TariffMeasure": "TariffImposed",
    "TradeFlow": "TradeFlowReported",
}


def _unopened(fact: Fact) -> str:
    """Why an event whose aggregate was never opened is refused, and how to open it."""
    opening = CREATIONS.get(fact.kind, "its creation event")
    return (
        f"no {fact.kind} {fact.key!r} exists before it (is the key misspelt?): "
        f"record its {opening} with key {fact.key!r} first, or in the same import"
    )


class Folding:
    """The fold one event at a time, so a caller can look at the state between events."""

    def __init__(self, truces: TruceEnds = no_truces, *, strict: bool = True, state: Aggregate | None = None):
        self.truces = truces
        self.strict = strict
        self.state = state

    def take(self, recorded: Recorded) -> None:
        """Check `recorded` against the state so far and take it in (strict: raise `RuleBroken` if refused)."""
        fact, state = recorded.fact, self.state
        if state is None:
            if fact.creates:
                self.state = Aggregate.kinds[fact.kind](fact)
            elif self.strict:
                raise RuleBroken(recorded, _unopened(fact))
            return
        try:
            if fact.creates and not state.series:
                raise ValueError(f"{state.key} already exists")
            if fact.date < state.start:
                raise ValueError(f"it is dated before {state.key} began on {state.start}")
            if state.closed_on is not None and (fact.date > state.closed_on or fact.closes):
                raise ValueError(f"nothing may follow: {state.key} was {state.closing_word} on {state.closed_on}")
            state.apply(fact, self.truces)
        except ValueError as problem:
            if self.strict:
                raise RuleBroken(recorded, str(problem)) from None
            return
        state.cite(fact)
        if fact.closes:
            state.closed_on = fact.date


def fold(
    events: Iterable[Recorded],
    as_of: date | None = None,
    truces: TruceEnds = no_truces,
    *,
    strict: bool = True,
    start: Aggregate | None = None,
) -> Aggregate | None:
    """Fold one aggregate's events (retractions already applied) into its state.

    With `as_of`, only what has happened by that day; without, the whole timeline. Strict, it raises
    `RuleBroken` naming the first event the rules refuse; otherwise it passes over such an event
    (recorded history was checked when written; a view must still answer if a later retraction
    elsewhere left an event without its grounds). From `start`, when given: the state folded from the
    events before these, all of which come before them in the timeline (a snapshot's, `domain.snapshot`).
    """
    folding = Folding(truces, strict=strict, state=start)
    for recorded in in_order(events):
        fact = recorded.fact
        if not isinstance(fact, Retracted) and (as_of is None or counts(fact, as_of)):
            folding.take(recorded)
    return folding.state


T = TypeVar("T")
Step = tuple[date, T | None]
"""From this day on (until the next step), what the caller keeps of the aggregate's view without its
daily fields; None: no aggregate yet."""


def copied(view: dict[str, Any]) -> dict[str, Any]:
    """The view as it is now: its lists copied, as the fold goes on adding to them (their items never change)."""
    return {name: list(value) if type(value) is list else value for name, value in view.items()}


class Course(Generic[T]):
    """An aggregate's view as a step function of valid time, walked by one fold that can be extended.

    The view can change only on a day an event counts from, on a turn of the state (an effective
    date, an expiry, the end of a suspension) or on one of the days `also` (the days the truces it
    names change), so the walk stops on those days alone and takes each event once. Each step gives
    `seen` of the view: by default the view itself (`copied`); a caller that keeps something else
    (only what changed, say) gives its own, called once a day walked, in order, before the fold goes on.
    """

    @overload
    def __init__(self: Course[dict[str, Any]], events: Iterable[Recorded], truces: TruceEnds = no_truces) -> None: ...
    @overload
    def __init__(
        self, events: Iterable[Recorded], truces: TruceEnds = no_truces, *, seen: Callable[[dict[str, Any]], T]
    ) -> None: ...

    def __init__(self, events: Iterable[Recorded], truces: TruceEnds = no_truces, *, seen: Any = copied) -> None:
        self.timeline = [r for r in in_order(events) if not isinstance(r.fact, Retracted)]
        self.days = [counts_from(r.fact) for r in self.timeline]
        """The day each event of the timeline counts from."""
        self.truces = truces
        self.seen: Callable[[dict[str, Any]], T] = seen
        self.folding = Folding(truces, strict=False)
        self.taken = 0

    def extend(self, recorded: Recorded, day: date) -> bool:
        """Add an event that counts from `day`, after all the others in valid time; False (nothing added)
        if it does not come after them."""
        if recorded.fact.creates or (self.days and day < self.days[-1]):
            return False
        self.timeline.append(recorded)
        self.days.append(day)
        return True

    def steps(self, since: date | None = None, also: Iterable[Sequence[date]] = ()) -> list[Step[T]]:
        """The view from `since` (default: the first day) on; `also`: more days it may change on, as
        sorted sequences. The walk only moves forward: every event taken by an earlier call must
        count by `since`."""
        timeline, days, folding, truces, seen = self.timeline, self.days, self.folding, self.truces, self.seen
        extra = [days for days in also if days]
        steps: list[Step[T]] = []
        taken, count = self.taken, len(timeline)
        day = since if since is not None else (days[0] if days else None)
        while day is not None:
            while taken < count and days[taken] <= day:
                folding.take(timeline[taken])
                taken += 1
            state = folding.state
            view = None if state is None else seen(state.settled(day, truces))
            if not steps or steps[-1][1] != view:
                steps.append((day, view))
            later = [d for d in state.turns(day, truces) if d is not None and d > day] if state is not None else []
            if taken < count:
                later.append(days[taken])
            for sorted_days in extra:
                if (i := bisect_right(sorted_days, day)) < len(sorted_days):
                    later.append(sorted_days[i])
            day = min(later, default=None)
        self.taken = taken
        return steps
