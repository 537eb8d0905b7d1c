"""ExportControl: one control measure on items, by licence or by ban, to some or all destinations."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any, ClassVar, Literal

from pydantic import Field

from domain.events import Announceable, Fact
from domain.measure import Measure
from domain.suspension import Suspension, SuspensionTerms
from domain.timeline import Aggregate, TruceEnds
from domain.values import Count, Country, Items, Text, iso, iso_day

Regime = Literal["licence", "ban"]


class ExportControlEvent(Announceable):
    kind: ClassVar[str] = "ExportControl"


class ExportControlImposed(ExportControlEvent):
    creates: ClassVar[bool] = True
    imposer: Country
    items: Items
    regime: Regime
    destinations: Annotated[list[Country], Field(max_length=300)] = []
    basis: Text | None = None


class ExportControlItemsAdded(ExportControlEvent):
    items: Items


class ExportControlItemsRemoved(ExportControlEvent):
    items: Items


class LicencesApproved(ExportControlEvent):
    count: Count | None = None
    destination: Country | None = None
    sectors: Annotated[list[Text], Field(max_length=100)] = []


class ExportControlEased(ExportControlEvent):
    regime: Regime | None = None
    description: Text


class ExportControlSuspended(ExportControlEvent, SuspensionTerms):
    open_ended: ClassVar[bool] = True


class ExportControlReinstated(ExportControlEvent):
    pass


class ExportControlLifted(ExportControlEvent):
    closes: ClassVar[bool] = True


class ExportControl(Measure, Aggregate):
    kind = "ExportControl"
    creation = ExportControlImposed

    def __init__(self, first: Fact):
        assert isinstance(first, ExportControlImposed)
        super().__init__(first)
        self.imposer, self.regime, self.basis = first.imposer, first.regime, first.basis
        self.items = list(first.items)
        self.controlled = {item.casefold() for item in self.items}
        """`items`, casefolded."""
        self.destinations = first.destinations
        self.take_effect(first)
        self.licence_approvals, self.licences_approved = 0, 0
        """How many `LicencesApproved`, and the sum of their known counts: all the view shows of them."""

    def apply(self, fact: Fact, truces: TruceEnds) -> None:
        match fact:
            case ExportControlItemsAdded():
                added = [item for item in fact.items if not self._controls(item)]
                self.items += added  # in place: the list grows at its end (see `Aggregate.settled`)
                self.controlled.update(item.casefold() for item in added)
            case ExportControlItemsRemoved():
                missing = [item for item in fact.items if not self._controls(item)]
                if missing:
                    raise ValueError(f"not controlled, so cannot be removed: {', '.join(missing)}")
                removed = {item.casefold() for item in fact.items}
                self.items = [item for item in self.items if item.casefold() not in removed]
                self.controlled -= removed
            case LicencesApproved():
                if fact.date < self.effective:
                    raise ValueError(f"the control takes effect only on {self.effective}")
                self.licence_approvals += 1
                self.licences_approved += fact.count or 0
            case ExportControlEased():
                self.regime = fact.regime or self.regime
            case ExportControlSuspended():
                self.suspension = Suspension(fact.date, fact.until, fact.truce)
            case ExportControlReinstated():
                self.reinstate(fact.date, truces)

    def derive(self) -> None:
        super().derive()
        self.controlled = {item.casefold() for item in self.items}

    def _controls(self, item: str) -> bool:
        return item.casefold() in self.controlled

    def settled(self, as_of: date, truces: TruceEnds) -> dict[str, Any]:
        status, since, suspension = self.status(as_of, truces)
        return {
            "key": self.key,
            "imposer": self.imposer,
            "items": self.items,
            "regime": self.regime,
            "destinations": self.destinations,
            "status": status,
            "since": iso_day(since),
            "suspended_until": iso(suspension.end(as_of, truces)) if suspension else None,
            "licence_approvals": self.licence_approvals,
            "licences_approved": self.licences_approved,
            "basis": self.basis,
            "sources": self.sources(),
        }
