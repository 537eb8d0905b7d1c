"""TariffMeasure: one tariff layer of an imposer on a target; layers stack.

A layer covers goods by HS code (`hs`, `hs_lists`, less `exempt_hs`, `exempt_lists`) or, with no
scope, all goods; it falls on one country, the EU's members, or every country (`*`) less
`exempt_targets`. How it combines with the other layers on a good (`program`, `not_with`,
`includes_base`) is judged in `domain.stacking`.
"""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any, ClassVar

from pydantic import Field, model_validator

from domain.events import Announceable, Fact
from domain.measure import Measure
from domain.suspension import Suspension, SuspensionTerms
from domain.timeline import Aggregate, TruceEnds
from domain.values import EVERY, Country, Day, HsCode, Rate, Share, Slug, Target, Text, iso, iso_day

Prefixes = Annotated[list[HsCode], Field(max_length=5000)]
Keys = Annotated[list[Slug], Field(max_length=50)]
Countries = Annotated[list[Country], Field(max_length=300)]
LAW: tuple[str, ...] = ("hs", "hs_lists", "exempt_hs", "exempt_lists", "exempt_targets", "exempt_share_pct")
LAW += ("program", "not_with", "includes_base", "ends")
"""The fields version 2 of the catalogue added to a layer."""
SCOPE = ("hs", "hs_lists", "exempt_hs", "exempt_lists", "exempt_targets", "products", "basis", "exempt_share_pct")
"""The fields a `TariffScopeChanged` may give, each replacing the layer's own from its date."""


class TariffEvent(Announceable):
    kind: ClassVar[str] = "TariffMeasure"


class ScopedTariffEvent(TariffEvent):
    """What a layer covers. Every field is optional and absent by default (never an empty list), so an
    event that gives none has the canonical form, and the id, it had before these fields existed."""

    hs: Prefixes | None = None
    hs_lists: Keys | None = None
    exempt_hs: Prefixes | None = None
    exempt_lists: Keys | None = None
    exempt_targets: Countries | None = None
    exempt_share_pct: Share | None = None


class TariffImposed(ScopedTariffEvent):
    creates: ClassVar[bool] = True
    imposer: Country
    target: Target
    rate_pct: Rate
    products: Annotated[list[Text], Field(max_length=500)] = []
    basis: Text | None = None
    program: Slug | None = None
    not_with: Keys | None = None
    includes_base: bool | None = None
    ends: Day | None = None

    @model_validator(mode="after")
    def _imposer_is_not_target(self) -> TariffImposed:
        if self.imposer == self.target:
            raise ValueError("imposer and target must differ")
        if self.exempt_targets and self.target not in (EVERY, "EU"):
            raise ValueError("exempt_targets applies only to a target of * or EU")
        if self.ends is not None and self.ends <= self.date:
            raise ValueError("ends must be after date")
        return self


class TariffScopeChanged(ScopedTariffEvent):
    products: Annotated[list[Text], Field(max_length=500)] | None = None
    basis: Text | None = None

    @model_validator(mode="after")
    def _changes_something(self) -> TariffScopeChanged:
        if all(getattr(self, name) is None for name in SCOPE):
            raise ValueError(f"give at least one of {', '.join(SCOPE)}")
        return self


class TariffRateChanged(TariffEvent):
    rate_pct: Rate


class TariffSuspended(TariffEvent, SuspensionTerms):
    points: Rate = Field(gt=0)


class TariffReinstated(TariffEvent):
    pass


class TariffLifted(TariffEvent):
    closes: ClassVar[bool] = True


class TariffMeasure(Measure, Aggregate):
    kind = "TariffMeasure"
    creation = TariffImposed

    def __init__(self, first: Fact):
        assert isinstance(first, TariffImposed)
        super().__init__(first)
        self.imposer, self.target = first.imposer, first.target
        self.products, self.basis = first.products, first.basis
        self.take_effect(first)
        self.rate, self.rate_since = first.rate_pct, first.date
        self.program = first.program or first.key
        self.not_with = first.not_with or []
        self.includes_base = bool(first.includes_base)
        self.ends = first.ends
        self.hs, self.hs_lists = first.hs or [], first.hs_lists or []
        self.exempt_hs, self.exempt_lists = first.exempt_hs or [], first.exempt_lists or []
        self.exempt_targets, self.exempt_share_pct = first.exempt_targets or [], first.exempt_share_pct or 0.0
        self.scoped = any(getattr(first, name) is not None for name in LAW)
        """Whether any version-2 field was ever given: only then does the view show them, so a version-1
        layer's row is what it always was."""

    def apply(self, fact: Fact, truces: TruceEnds) -> None:
        if self.ends is not None and fact.date >= self.ends and not isinstance(fact, TariffLifted):
            raise ValueError(f"the layer ended on {self.ends}")
        match fact:
            case TariffRateChanged():
                self.rate, self.rate_since = fact.rate_pct, fact.date
            case TariffScopeChanged():
                if fact.exempt_targets and self.target not in (EVERY, "EU"):
                    raise ValueError("exempt_targets applies only to a target of * or EU")
                for name in SCOPE:
                    value = getattr(fact, name)
                    if value is not None:
                        setattr(self, name, value)
                self.scoped = True
            case TariffSuspended():
                if fact.points > self.rate:
                    raise ValueError(f"{fact.points:g} points exceed the rate of {self.rate:g}% that day")
                self.suspension = Suspension(fact.date, fact.until, fact.truce, fact.points)
            case TariffReinstated():
                self.reinstate(fact.date, truces)
            case TariffLifted():
                pass

    def in_force_since(self) -> date:
        return self.rate_since

    def settled(self, as_of: date, truces: TruceEnds) -> dict[str, Any]:
        status, since, suspension = self.status(as_of, truces)
        points = suspension.points if suspension else 0.0
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
            **(self.law() if self.scoped else {}),
            "sources": self.sources(),
        }

    def law(self) -> dict[str, Any]:
        """The version-2 fields: what the layer covers and how it stacks."""
        return {
            "program": self.program,
            "hs": self.hs,
            "hs_lists": self.hs_lists,
            "exempt_hs": self.exempt_hs,
            "exempt_lists": self.exempt_lists,
            "exempt_targets": self.exempt_targets,
            "not_with": self.not_with,
            "includes_base": self.includes_base,
            "exempt_share_pct": self.exempt_share_pct,
            "ends": iso(self.ends),
        }

    def all_goods(self) -> bool:
        """Whether the layer names no goods in particular (exemptions aside)."""
        return not (self.products or self.hs or self.hs_lists)
