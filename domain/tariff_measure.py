"""TariffMeasure: one tariff layer of an imposer on a target; layers stack."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any, ClassVar

from pydantic import Field, model_validator

from domain.events import Announceable, Fact
from domain.suspension import Suspension, SuspensionTerms, turns_of
from domain.timeline import Aggregate, TruceEnds
from domain.values import Country, Rate, Text, iso, iso_day


class TariffEvent(Announceable):
    kind: ClassVar[str] = "TariffMeasure"


class TariffImposed(TariffEvent):
    creates: ClassVar[bool] = True
    imposer: Country
    target: Country
    rate_pct: Rate
    products: Annotated[list[Text], Field(max_length=500)] = []
    basis: Text | None = None

    @model_validator(mode="after")
    def _imposer_is_not_target(self) -> TariffImposed:
        if self.imposer == self.target:
            raise ValueError("imposer and target must differ")
        return self


class TariffRateChanged(TariffEvent):
    rate_pct: Rate


class TariffSuspended(TariffEvent, SuspensionTerms):
    points: Rate = Field(gt=0)


class TariffReinstated(TariffEvent):
    pass


class TariffLifted(TariffEvent):
    closes: ClassVar[bool] = True


class TariffMeasure(Aggregate):
    kind = "TariffMeasure"
    creation = TariffImposed
    closing_word = "lifted"

    def __init__(self, first: Fact):
        assert isinstance(first, TariffImposed)
        super().__init__(first)
        self.imposer, self.target = first.imposer, first.target
        self.products, self.basis = first.products, first.basis
        self.announced, self.effective = first.announced, first.date
        self.rate, self.rate_since = first.rate_pct, first.date
        self.suspension: Suspension | None = None

    def apply(self, fact: Fact, truces: TruceEnds) -> None:
        match fact:
            case TariffRateChanged():
                self.rate, self.rate_since = fact.rate_pct, fact.date
            case TariffSuspended():
                if fact.points > self.rate:
                    raise ValueError(f"{fact.points:g} points exceed the rate of {self.rate:g}% that day")
                self.suspension = Suspension(fact.date, fact.until, fact.truce, fact.points)
            case TariffReinstated():
                if self.suspension is None or not self.suspension.applies(fact.date, truces):
                    raise ValueError("no suspension applies that day")
                self.suspension.reinstated = fact.date
            case TariffLifted():
                pass

    def status(self, as_of: date, truces: TruceEnds) -> tuple[str, date, float]:
        """`(status, since, suspended points)` on `as_of`."""
        if self.closed_on is not None and as_of >= self.closed_on:
            return "lifted", self.closed_on, 0.0
        if as_of < self.effective:
            return "announced", self.announced or self.effective, 0.0
        if self.suspension is None:
            return "in_force", self.rate_since, 0.0
        if self.suspension.applies(as_of, truces):
            return "suspended", max(self.suspension.start, self.effective), self.suspension.points
        lapsed = self.suspension.lapsed(as_of, truces) or self.rate_since
        return "in_force", max(self.rate_since, lapsed), 0.0

    def turns(self, day: date, truces: TruceEnds) -> list[date | None]:
        return [self.effective, self.closed_on, *turns_of(self.suspension, day, truces)]

    def settled(self, as_of: date, truces: TruceEnds) -> dict[str, Any]:
        status, since, points = self.status(as_of, truces)
        suspension = self.suspension if status == "suspended" else None
        return {
            "key": self.key,
            "imposer": self.imposer,
            "target": self.target,
            "products": self.products,
            "status": status,
            "base_rate_pct": self.rate,
            "suspended_pct": points,
            "rate_pct": max(self.rate - points, 0.0) if status != "lifted" else 0.0,
            "since": iso_day(since),
            "suspended_until": iso(suspension.end(as_of, truces)) if suspension else None,
            "basis": self.basis,
            "sources": self.sources(),
        }
