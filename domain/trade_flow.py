"""TradeFlow: a series of reported trade statistics, one reporter, partner and direction."""

from __future__ import annotations

import re
from datetime import date
from typing import Annotated, Any, ClassVar, Literal

from pydantic import AfterValidator

from domain.events import Fact
from domain.timeline import Aggregate, TruceEnds
from domain.values import Amount, Country, Percent

PERIOD = re.compile(r"\d{4}-(0[1-9]|1[0-2])")


def _period(value: str) -> str:
    if not PERIOD.fullmatch(value):
        raise ValueError(f"{value!r} is not a month (YYYY-MM)")
    return value


class TradeFlowReported(Fact):
    kind: ClassVar[str] = "TradeFlow"
    creates: ClassVar[bool] = True
    reporter: Country
    partner: Country
    flow: Literal["exports", "imports"]
    period: Annotated[str, AfterValidator(_period)]
    value_usd: Amount | None = None
    change_pct: Percent | None = None
    trend: Literal["up", "down", "flat"]


class TradeFlow(Aggregate):
    kind = "TradeFlow"
    creation = TradeFlowReported
    series = True

    def __init__(self, first: Fact):
        assert isinstance(first, TradeFlowReported)
        super().__init__(first)
        self.reporter, self.partner, self.flow = first.reporter, first.partner, first.flow
        self.reports = {first.period: _report(first)}
        """Each period's latest report, as the row the view shows (plain data: a snapshot holds it)."""

    def apply(self, fact: Fact, truces: TruceEnds) -> None:
        assert isinstance(fact, TradeFlowReported)
        series = (self.reporter, self.partner, self.flow)
        if (fact.reporter, fact.partner, fact.flow) != series:
            raise ValueError(f"{self.key} reports {' '.join(series)}; record other flows under another key")
        self.reports[fact.period] = _report(fact)  # a later report of a period revises it

    def settled(self, as_of: date, truces: TruceEnds) -> dict[str, Any]:
        return {
            "key": self.key,
            "reporter": self.reporter,
            "partner": self.partner,
            "flow": self.flow,
            "reports": [self.reports[period] for period in sorted(self.reports)],
            "sources": self.sources(),
        }


def _report(fact: TradeFlowReported) -> dict[str, Any]:
    return {
        "period": fact.period,
        "date": fact.date.isoformat(),
        "value_usd": fact.value_usd,
        "change_pct": fact.change_pct,
        "trend": fact.trend,
    }
