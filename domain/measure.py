"""What tariff layers and export controls share: announced, in force from their day, suspended for a
time or under a truce, reinstated, lifted."""

from __future__ import annotations

from datetime import date
from typing import ClassVar

from domain.events import Announceable
from domain.suspension import Suspension
from domain.timeline import TruceEnds


class Measure:
    """Mixin for the aggregate of a measure (before `Aggregate` in its bases): its status on a day, the
    days that status can change on, and the reinstatement of a suspension. The kind's `__init__` calls
    `take_effect` with its creation event."""

    closing_word: ClassVar[str] = "lifted"
    closed_on: date | None
    announced: date | None
    effective: date
    suspension: Suspension | None
    """The latest suspension: a new one replaces it (one at a time)."""
    ends: date | None = None
    """The day the measure lapses by its own terms, as if lifted (None: only when lifted)."""

    def take_effect(self, first: Announceable) -> None:
        """Start from the creation event: announced when it says, in force from its day, not suspended."""
        self.announced, self.effective, self.suspension = first.announced, first.date, None

    def in_force_since(self) -> date:
        """The day its terms in force began, suspensions aside."""
        return self.effective

    def status(self, as_of: date, truces: TruceEnds) -> tuple[str, date, Suspension | None]:
        """`(status, since, the suspension that applies)` on `as_of`."""
        if self.closed_on is not None and as_of >= self.closed_on:
            return "lifted", self.closed_on, None
        if self.ends is not None and as_of >= self.ends:
            return "lifted", self.ends, None  # lapsed by its own terms: in force no more, as if lifted
        if as_of < self.effective:
            return "announced", self.announced or self.effective, None
        since = self.in_force_since()
        if self.suspension is None:
            return "in_force", since, None
        if self.suspension.applies(as_of, truces):
            return "suspended", max(self.suspension.start, self.effective), self.suspension
        return "in_force", max(since, self.suspension.lapsed(as_of, truces) or since), None

    def reinstate(self, day: date, truces: TruceEnds) -> None:
        """End on `day` the suspension that applies that day."""
        if self.suspension is None or not self.suspension.applies(day, truces):
            raise ValueError("no suspension applies that day")
        self.suspension.reinstated = day

    def turns(self, day: date, truces: TruceEnds) -> list[date | None]:
        suspension = [] if self.suspension is None else [self.suspension.start, self.suspension.end(day, truces)]
        return [self.effective, self.closed_on, self.ends, *suspension]
