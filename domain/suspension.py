"""A suspension of a measure, for a fixed time or for as long as a truce applies."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any, ClassVar

from pydantic import model_validator

from domain.timeline import TruceEnds
from domain.values import Day, Model, Slug


class SuspensionTerms(Model):
    """Mixin for suspension events: `until` (exclusive, after `date`) or `truce`, exactly one, unless
    the kind allows a suspension with neither (`open_ended`), which lasts until reinstated or lifted."""

    open_ended: ClassVar[bool] = False
    until: Day | None = None
    truce: Slug | None = None

    @model_validator(mode="after")
    def _until_or_truce(self) -> Any:
        if self.until is not None and self.truce is not None:
            raise ValueError("give until or truce, not both")
        if self.until is None and self.truce is None and not self.open_ended:
            raise ValueError("give exactly one of until or truce")
        if self.until is not None and self.until <= self.date:  # type: ignore[attr-defined]
            raise ValueError("until must be after date")
        return self


@dataclass
class Suspension:
    start: date
    until: date | None
    truce: str | None
    points: float = 0.0
    reinstated: date | None = None

    def end(self, day: date, truces: TruceEnds) -> date | None:
        """The first day it no longer applies, as known on `day`; None when its truce is unknown, or
        when it is open-ended and not reinstated."""
        if self.until is None and self.truce is None:
            return self.reinstated
        end = self.until if self.truce is None else truces(self.truce, day)
        if end is not None and self.reinstated is not None:
            end = min(end, self.reinstated)
        return end

    def applies(self, day: date, truces: TruceEnds) -> bool:
        end = self.end(day, truces)
        if end is None:
            return self.until is None and self.truce is None and self.start <= day
        return self.start <= day < end

    def lapsed(self, day: date, truces: TruceEnds) -> date | None:
        """The day it stopped applying, if that is on or before `day`."""
        end = self.end(day, truces)
        return end if end is not None and end <= day else None
