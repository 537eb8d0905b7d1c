"""The one fold: an aggregate's events in valid-time order, checked against its rules as they apply.

The same fold serves three jobs. With `as_of=None` it checks a whole timeline (recording,
back-filling, retracting); with a date it builds the state of that day for replay and projections.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import date
from typing import Any, ClassVar

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
        self.events: list[Fact] = [first]

    def apply(self, fact: Fact, truces: TruceEnds) -> None:
        """Check `fact` against the state of its day, then take it in. Raise `ValueError` if refused."""
        raise NotImplementedError

    def view(self, as_of: date, truces: TruceEnds) -> dict[str, Any]:
        """The read-model row of this aggregate on `as_of`."""
        raise NotImplementedError

    def sources(self) -> list[dict[str, Any]]:
        """Every source cited by the events folded so far, each once."""
        seen: dict[str, dict[str, Any]] = {}
        for fact in self.events:
            for source in fact.sources:
                seen.setdefault(source.url, source.model_dump(mode="json", exclude_none=True))
        return list(seen.values())


def in_order(events: Iterable[Recorded]) -> list[Recorded]:
    """The timeline: creation first, then `(date, position)` (within an aggregate, versions follow positions)."""
    return sorted(events, key=lambda r: (not r.fact.creates, r.fact.date, r.version))


def counts(fact: Fact, as_of: date) -> bool:
    """Whether `fact` has happened by the end of `as_of` (a creation counts from its announcement)."""
    return (fact.start if fact.creates else fact.date) <= as_of


def fold(
    events: Iterable[Recorded],
    as_of: date | None = None,
    truces: TruceEnds = no_truces,
    *,
    strict: bool = True,
) -> Aggregate | None:
    """Fold one aggregate's events (retractions already applied) into its state.

    With `as_of`, only what has happened by that day; without, the whole timeline. Strict, it raises
    `RuleBroken` naming the first event the rules refuse; otherwise it passes over such an event
    (recorded history was checked when written; a view must still answer if a later retraction
    elsewhere left an event without its grounds).
    """
    state: Aggregate | None = None
    for recorded in in_order(events):
        fact = recorded.fact
        if isinstance(fact, Retracted) or (as_of is not None and not counts(fact, as_of)):
            continue
        if state is None:
            if fact.creates:
                state = Aggregate.kinds[fact.kind](fact)
            elif strict:
                raise RuleBroken(recorded, "its aggregate has no creation event before it")
            continue
        try:
            if fact.creates and not state.series:
                raise ValueError(f"{state.key} already exists")
            if fact.date < state.start:
                raise ValueError(f"it is dated before {state.key} began on {state.start}")
            if state.closed_on is not None and (fact.date > state.closed_on or fact.closes):
                raise ValueError(f"nothing may follow: {state.key} was {state.closing_word} on {state.closed_on}")
            state.apply(fact, truces)
        except ValueError as problem:
            if strict:
                raise RuleBroken(recorded, str(problem)) from None
            continue
        state.events.append(fact)
        if fact.closes:
            state.closed_on = fact.date
    return state
