"""What a report says, gathered from the projections; rendering only, no fold of its own."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import TYPE_CHECKING, Any

from ledger import projections
from ledger.collector import paused
from ledger.reports.words import describe

if TYPE_CHECKING:
    from ledger.application import Ledger
    from ledger.projections import Views
    from ledger.tariff_law import TariffLaw

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
    chart_names: list[str] = field(default_factory=list)
    """The charts of the HTML report (`tariffs`, `controls`, `levels-IMPOSER`): known before they are drawn."""
    drawn: Callable[[], dict[str, str]] = dict
    """Gives the inline SVG of each chart by name: called once the rest of the page is written, as the
    charts may still be being drawn aside."""

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
    views from the read model, as the queries read them; trade flows folded from their events; what
    changed from the events of the window; levels where trade weights are recorded. Trade flows and
    charts are worked out aside (`ledger.aside`) while the rest is gathered."""
    from ledger import aside
    from ledger.integrity import head_digest

    source = ledger.read_model(known_at)  # brought up to date before the parts aside read it
    half = aside.start(ledger, trade_flows, known_at, as_of, (0, 2))
    drawn = aside.start(ledger, inline_charts, known_at, as_of) if with_charts else dict
    window = ledger.changes(known_at, as_of - timedelta(days=WINDOW_DAYS - 1), as_of)
    law = weighed_law(ledger, known_at)

    def flows() -> list[dict[str, Any]]:  # half of them here, once the sections before them are composed
        here = trade_flows(ledger, known_at, as_of, (1, 2))
        return sorted([*half(), *here], key=lambda row: str(row["key"]))

    report = compose(source, flows, window, as_of, ledger.head(), head_digest(ledger, known_at))
    report.levels = weighted_levels(law, as_of) if law is not None else []
    if with_charts:
        report.chart_names = ["tariffs", "controls", *(f"levels-{answer['imposer']}" for answer in report.levels)]
        report.drawn = drawn
    return report


def trade_flows(
    ledger: Ledger, known_at: int, as_of: date, share: tuple[int, int] | None = None
) -> list[dict[str, Any]]:
    """The trade flows reported by `as_of`, as known at `known_at`, by key; only share `(i, n)` of
    them when given (see `EventStore.notifications`), so that two processes can fold them between them."""
    return list(projections.trade_flows(ledger.world(known_at, ["TradeFlow"], share), as_of)["trade_flows"])


def inline_charts(ledger: Ledger, known_at: int, as_of: date) -> dict[str, str]:
    """Every chart of the report as inline SVG (`draw_charts`)."""
    law = weighed_law(ledger, known_at)
    return draw_charts(ledger.read_model(known_at), law, as_of, weighed(law) if law is not None else [])


def weighed_law(ledger: Ledger, known_at: int) -> TariffLaw | None:
    """The tariff law as known at `known_at` if trade weights are recorded (None: no levels to give),
    so that a ledger without weights never folds its tariff layers for them."""
    from ledger.tariff_law import KINDS, TariffLaw

    if not ledger.world(known_at, ["TradeWeights"]).timelines:
        return None
    return TariffLaw(ledger.world(known_at, KINDS))


def weighed(law: TariffLaw) -> list[str]:
    """The imposers whose imports are weighed."""
    return sorted({state.imposer for state in law.world.states("TradeWeights", date.max)})  # type: ignore[attr-defined]


def weighted_levels(law: TariffLaw, as_of: date) -> list[dict[str, Any]]:
    """The levels of every imposer with weights recorded, as of `as_of`."""
    from ledger.tariff_law import levels

    return [levels(law, imposer, as_of) for imposer in weighed(law)]


def draw_charts(source: Views, law: TariffLaw | None, as_of: date, weighed: list[str] | None = None) -> dict[str, str]:
    """The charts as inline SVG, on one time axis from the first tariff or control to `as_of`: tariff
    totals, control status, and the levels of each imposer in `weighed` (by `law`)."""
    from ledger.projections.over_time import first_day, held
    from ledger.reports import charts, series
    from ledger.tariff_law import level_series

    tariffs, controls = held(source, "TariffMeasure"), held(source, "ExportControl")
    start = first_day([*tariffs, *controls], as_of)
    drawn = {
        "tariffs": charts.draw_tariffs(series.tariff_series(tariffs, start, as_of), start, as_of),
        "controls": charts.draw_controls(series.control_bars(controls, start, as_of), start, as_of),
    }
    if law is not None:
        for imposer in weighed or ():
            drawn[f"levels-{imposer}"] = charts.level_chart(level_series(law, imposer, start, as_of), start, as_of)
    return {name: charts.inline_svg(figure, name) for name, figure in drawn.items()}


def _ended(truce: dict[str, Any]) -> str | None:
    """The day a truce stopped applying (ISO), or None while it is agreed or in force."""
    if truce["status"] in ("agreed", "in_force"):
        return None
    return str(truce.get("terminated") or truce["expires"])


def compose(
    source: Views,
    flows: Callable[[], list[dict[str, Any]]],
    window: dict[str, Any],
    as_of: date,
    head: int,
    digest: str,
) -> Report:
    """Every section of the report, each fact with the numbers of its sources (`refs`): the views of the
    day from `source`, the trade flows `flows()` gives (asked for only once the sections before them
    are composed, as they may be worked out aside meanwhile), and what changed from `window` (a
    `changes` answer)."""
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
    trade_flows = [cited(row) for row in flows()]

    start = date.fromisoformat(window["from"])
    changes = changed(window, citations)
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
