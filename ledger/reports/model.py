"""What a report says, gathered from the projections; rendering only, no fold of its own."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import TYPE_CHECKING, Any

from ledger import projections
from ledger.collector import paused
from ledger.reports.words import describe

if TYPE_CHECKING:
    from domain import World
    from ledger.application import Ledger
    from ledger.projections import Views

WINDOW_DAYS = 30
"""Statements, allegations and changes are those of the last 30 days up to the as-of day."""


class Citations:
    """Every source cited in a report, numbered in the order the report first cites it."""

    def __init__(self) -> None:
        self.numbers: dict[str, int] = {}
        self.listing: list[dict[str, Any]] = []

    def cite(self, sources: list[dict[str, Any]]) -> list[int]:
        refs = []
        for source in sources:
            url = source["url"]
            if url not in self.numbers:
                self.listing.append({**source, "number": len(self.listing) + 1})
                self.numbers[url] = len(self.listing)
            refs.append(self.numbers[url])
        return refs


@dataclass
class Pair:
    """The tariffs of one imposer on one target: the total on all goods, and every layer."""

    imposer: str
    target: str
    total_pct: float | None
    layers: list[dict[str, Any]]


@dataclass
class Report:
    as_of: date
    known_at: int
    head: int
    digest: str
    """`HASH@POSITION` of the position the report is known at."""
    window_start: date
    pairs: list[Pair]
    controls: list[dict[str, Any]]
    truces: list[dict[str, Any]]
    negotiations: list[dict[str, Any]]
    trade_flows: list[dict[str, Any]]
    allegations: list[dict[str, Any]]
    statements: list[dict[str, Any]]
    changes: list[dict[str, Any]]
    sources: list[dict[str, Any]] = field(default_factory=list)
    levels: list[dict[str, Any]] = field(default_factory=list)
    """Each imposer's trade-weighted levels (a `levels` answer), for those whose imports are weighed."""
    charts: dict[str, str] = field(default_factory=dict)
    """Inline SVG by chart name (`tariffs`, `controls`), filled in for the HTML report."""

    @property
    def digest_label(self) -> str:
        return "Head digest" if self.known_at == self.head else f"Digest at position {self.known_at}"

    @property
    def headline_truces(self) -> list[dict[str, Any]]:
        """The truces the headline names: those agreed or in force, and those that ended within the
        report's window (older ones are history, kept in the truces section)."""
        start = self.window_start.isoformat()
        return [truce for truce in self.truces if (ended := _ended(truce)) is None or ended >= start]


@paused
def gather(ledger: Ledger, as_of: date, known_at: int, with_charts: bool = False) -> Report:
    """The report of `as_of` as the ledger knew it at position `known_at` (with inline SVG charts): the
    views from the read model, as the queries read them; trade flows and what changed from the events."""
    from ledger.integrity import head_digest

    world = ledger.world(known_at)
    source = ledger.read_model(known_at)
    report = compose(source, world, as_of, ledger.head(), head_digest(ledger, known_at))
    report.levels = weighted_levels(world, as_of)
    if with_charts:
        report.charts = draw_charts(source, world, as_of, [answer["imposer"] for answer in report.levels])
    return report


def weighted_levels(world: World, as_of: date) -> list[dict[str, Any]]:
    """The levels of every imposer with weights recorded, as of `as_of`."""
    from ledger.tariff_law import TariffLaw, levels

    law = TariffLaw(world)
    imposers = sorted({state.imposer for state in world.states("TradeWeights", date.max)})  # type: ignore[attr-defined]
    return [levels(law, imposer, as_of) for imposer in imposers]


def draw_charts(source: Views, world: World, as_of: date, weighed: list[str] | None = None) -> dict[str, str]:
    """The charts as inline SVG, on one time axis from the first tariff or control to `as_of`: tariff
    totals, control status, and the levels of each imposer in `weighed`."""
    from ledger.projections.over_time import first_day, held
    from ledger.reports import charts, series
    from ledger.tariff_law import TariffLaw, level_series

    tariffs, controls = held(source, "TariffMeasure"), held(source, "ExportControl")
    start = first_day([*tariffs, *controls], as_of)
    drawn = {
        "tariffs": charts.draw_tariffs(series.tariff_series(tariffs, start, as_of), start, as_of),
        "controls": charts.draw_controls(series.control_bars(controls, start, as_of), start, as_of),
    }
    law = TariffLaw(world)
    for imposer in weighed or ():
        drawn[f"levels-{imposer}"] = charts.level_chart(level_series(law, imposer, start, as_of), start, as_of)
    return {name: charts.inline_svg(figure, name) for name, figure in drawn.items()}


def _ended(truce: dict[str, Any]) -> str | None:
    """The day a truce stopped applying (ISO), or None while it is agreed or in force."""
    if truce["status"] in ("agreed", "in_force"):
        return None
    return str(truce.get("terminated") or truce["expires"])


def compose(source: Views, world: World, as_of: date, head: int, digest: str) -> Report:
    """Every section of the report, each fact with the numbers of its sources (`refs`): the views of the
    day from `source`, trade flows and the changes of the window from `world`."""
    citations = Citations()

    def cited(row: dict[str, Any], sources: list[dict[str, Any]] | None = None) -> dict[str, Any]:
        return {**row, "refs": citations.cite(row.get("sources", []) if sources is None else sources)}

    tariffs = projections.tariffs(source, as_of)
    totals = {(t["imposer"], t["target"]): t["rate_pct"] for t in tariffs["totals"]}
    by_pair: dict[tuple[str, str], list[dict[str, Any]]] = {}
    for row in tariffs["measures"]:
        by_pair.setdefault((row["imposer"], row["target"]), []).append(row)
    pairs = [
        Pair(imposer, target, totals.get((imposer, target)), [cited(row) for row in _layered(rows)])
        for (imposer, target), rows in sorted(by_pair.items())
    ]
    controls = [cited(row) for row in projections.controls(source, as_of)["controls"]]
    truces = [cited(row) for row in projections.truces(source, as_of)["truces"]]
    negotiations = [_negotiation(row, cited) for row in projections.negotiations(source, as_of)["negotiations"]]
    trade_flows = [cited(row) for row in projections.trade_flows(world, as_of)["trade_flows"]]

    start = as_of - timedelta(days=WINDOW_DAYS - 1)
    changes = changed(projections.changes(world, start, as_of), citations)
    allegations = [entry for entry in changes if entry["type"] == "ViolationAlleged"]
    statements = [entry for entry in changes if entry["type"] == "PositionStated"]
    return Report(
        as_of=as_of,
        known_at=source.known_at,
        head=head,
        digest=digest,
        window_start=start,
        pairs=pairs,
        controls=controls,
        truces=truces,
        negotiations=negotiations,
        trade_flows=trade_flows,
        allegations=allegations,
        statements=statements,
        changes=changes,
        sources=citations.listing,
    )


def changed(answer: dict[str, Any], citations: Citations) -> list[dict[str, Any]]:
    """The events of a `changes` answer in date order, each with its kind, a summary and its sources' numbers."""
    events = sorted(
        ({**entry, "kind": group["kind"]} for group in answer["changes"] for entry in group["events"]),
        key=lambda entry: (entry.get("on", entry["date"]), entry["position"] or 0),
    )
    return [{**entry, "fields": describe(entry), "refs": citations.cite(entry.get("sources", []))} for entry in events]


def _layered(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Layers on all goods first, then by rate, highest first."""
    return sorted(
        rows,
        key=lambda row: (bool(row["products"] or row.get("hs") or row.get("hs_lists")), -row["rate_pct"], row["key"]),
    )


def _negotiation(row: dict[str, Any], cited: Any) -> dict[str, Any]:
    """A negotiation with its contacts, statements and agreements cited one by one."""
    return cited(
        {
            **row,
            "contacts": [cited(c) for c in row["contacts"]],
            "statements": [cited(s) for s in row["statements"]],
            "agreements": [cited(a) for a in row["agreements"]],
        }
    )
