"""ExportControl: one control measure on items, by licence or by ban, to some or all destinations."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any, ClassVar, Literal

from pydantic import Field

from domain.events import Announceable, Fact
from domain.suspension import Suspension, SuspensionTerms, turns_of
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


class ExportControl(Aggregate):
    kind = "ExportControl"
    creation = ExportControlImposed
    closing_word = "lifted"

    def __init__(self, first: Fact):
        assert isinstance(first, ExportControlImposed)
        super().__init__(first)
        self.imposer, self.regime, self.basis = first.imposer, first.regime, first.basis
        self.items = list(first.items)
        self.controlled = {item.casefold() for item in self.items}
        """`items`, casefolded."""
        self.destinations = first.destinations
        self.announced, self.effective = first.announced, first.date
        self.suspension: Suspension | None = None
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
                if self.suspension is None or not self.suspension.applies(fact.date, truces):
                    raise ValueError("no suspension applies that day")
                self.suspension.reinstated = fact.date

    def derive(self) -> None:
        super().derive()
        self.controlled = {item.casefold() for item in self.items}

    def _controls(self, item: str) -> bool:
        return item.casefold() in self.controlled

    def status(self, as_of: date, truces: TruceEnds) -> tuple[str, date]:
        if self.closed_on is not None and as_of >= self.closed_on:
            return "lifted", self.closed_on
        if as_of < self.effective:
            return "announced", self.announced or self.effective
        if self.suspension is None:
            return "in_force", self.effective
        if self.suspension.applies(as_of, truces):
            return "suspended", max(self.suspension.start, self.effective)
        return "in_force", max(self.effective, self.suspension.lapsed(as_of, truces) or self.effective)

    def turns(self, day: date, truces: TruceEnds) -> list[date | None]:
        return [self.effective, self.closed_on, *turns_of(self.suspension, day, truces)]

    def settled(self, as_of: date, truces: TruceEnds) -> dict[str, Any]:
        status, since = self.status(as_of, truces)
        suspended = status == "suspended" and self.suspension is not None
        return {
            "key": self.key,
            "imposer": self.imposer,
            "items": self.items,
            "regime": self.regime,
            "destinations": self.destinations,
            "status": status,
            "since": iso_day(since),
            "suspended_until": iso(self.suspension.end(as_of, truces)) if suspended else None,  # type: ignore[union-attr]
            "licence_approvals": self.licence_approvals,
            "licences_approved": self.licences_approved,
            "basis": self.basis,
            "sources": self.sources(),
        }
