"""The whole ledger as known at one position: every aggregate's timeline, folded on demand."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from datetime import date
from typing import Any

from domain.events import Recorded, Retracted
from domain.timeline import Aggregate, counts, counts_from, fold


def without_retracted(events: Iterable[Recorded]) -> list[Recorded]:
    """The events that still exist: retractions and what they retract are removed."""
    events = list(events)
    retracted = {r.fact.retracts for r in events if isinstance(r.fact, Retracted)}
    return [r for r in events if r.position not in retracted and not isinstance(r.fact, Retracted)]


class World:
    """Every aggregate as known at `known_at`; `events` are those recorded up to it."""

    def __init__(self, events: Iterable[Recorded], known_at: int):
        self.known_at = known_at
        self.timelines: dict[tuple[str, str], list[Recorded]] = defaultdict(list)
        for recorded in without_retracted(events):
            self.timelines[recorded.kind, recorded.fact.key].append(recorded)
        self._truce_ends: dict[tuple[str, date], date | None] = {}

    def truce_end(self, key: str, day: date) -> date | None:
        """The first day truce `key` no longer applies, as known on `day` (None: no such truce); kept,
        as folds ask it again and again. Kept in a dict, not by `functools.cache` on an attribute,
        which would refer back to the world: a world in a reference cycle is freed only by the
        cyclic collector, which walks every event (a second for 100,000 events)."""
        if (key, day) not in self._truce_ends:
            truce = self.state("Truce", key, day)
            self._truce_ends[key, day] = truce.end() if truce is not None else None  # type: ignore[attr-defined]
        return self._truce_ends[key, day]

    def state(self, kind: str, key: str, as_of: date) -> Aggregate | None:
        """One aggregate as of the end of `as_of` (None if it did not exist yet)."""
        return fold(self.timelines.get((kind, key), ()), as_of, self.truce_end, strict=False)

    def states(self, kind: str, as_of: date) -> list[Aggregate]:
        """Every aggregate of `kind` that exists on `as_of`, by key."""
        keys = sorted(key for k, key in self.timelines if k == kind)
        return [state for key in keys if (state := self.state(kind, key, as_of)) is not None]

    def views(self, kind: str, as_of: date) -> list[dict[str, Any]]:
        """The view of every aggregate of `kind` on `as_of`, by key."""
        return [state.view(as_of, self.truce_end) for state in self.states(kind, as_of)]

    def counting(self, as_of: date, key: str | None = None) -> list[Recorded]:
        """The events that count on `as_of` (docs/contract.md, section 2), in valid-time order, optionally
        of one key."""
        chosen = [
            recorded
            for (_, k), timeline in self.timelines.items()
            if key is None or k == key
            for recorded in timeline
            if counts(recorded.fact, as_of)
        ]
        return sorted(chosen, key=lambda r: (counts_from(r.fact), not r.fact.creates, r.position))
