"""What the charts draw: tariff totals and control status over time, from one walk of the read model.

Each day's answer is the one the `tariffs` and `controls` queries give (the same projection code),
kept up from day to day with only the views that changed (`ledger.projections.over_time`).
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from ledger.collector import paused
from ledger.projections import TariffLayers, shows_control
from ledger.projections.over_time import Held, walk

Pair = tuple[str, str]


@dataclass
class TariffSeries:
    """The total tariff of one imposer on one target on all goods, as steps: from `days[i]`, `rates[i]`."""

    imposer: str
    target: str
    days: list[date] = field(default_factory=list)
    rates: list[float] = field(default_factory=list)
    suspensions: list[tuple[date, date]] = field(default_factory=list)
    """Periods `[start, end)` in which part of the total is suspended."""

    @property
    def label(self) -> str:
        return f"{self.imposer} → {self.target}"


@dataclass
class ControlBar:
    """One export control's status over time: segments `(start, end exclusive, status)`."""

    key: str
    imposer: str
    segments: list[tuple[date, date, str]] = field(default_factory=list)


@paused
def tariff_series(
    spans: list[Held], start: date, end: date, imposer: str | None = None, target: str | None = None
) -> list[TariffSeries]:
    """Each imposer→target total on all goods from `start` to `end`, from the tariff spans held at one
    position: a line for every pair that has a total on some day, shaded where part of it is suspended."""
    layers = TariffLayers(imposer, target)
    steps: dict[Pair, list[tuple[date, float]]] = {}
    suspended: dict[Pair, set[str]] = defaultdict(set)
    """The layers on all goods listed as suspended, by their own pair."""
    since: dict[Pair, date] = {}
    """The day part of each pair's total was suspended from, while it is."""
    shaded: dict[Pair, list[tuple[date, date]]] = defaultdict(list)
    for day, changed in walk(spans, start, end):
        touched: set[Pair] = set()
        for key, row in changed.items():
            if (before := _suspended_pair(layers.shown.get(key))) is not None:
                suspended[before].discard(key)
                touched.add(before)
            layers.put(key, row)
            if (after := _suspended_pair(layers.shown.get(key))) is not None:
                suspended[after].add(key)
                touched.add(after)
        for pair in touched:
            if suspended[pair] and pair not in since:
                since[pair] = day
            elif not suspended[pair] and pair in since:
                shaded[pair].append((since.pop(pair), day))
        for pair in layers.settle():
            rate = layers.rates.get(pair, 0.0)
            line = steps.setdefault(pair, [(start, 0.0)])
            if rate == line[-1][1]:
                continue
            if line[-1][0] == day:  # on the first day a line starts at its total
                line[-1] = (day, rate)
            else:
                line.append((day, rate))
    after_end = end + timedelta(days=1)
    for pair, first in since.items():
        shaded[pair].append((first, after_end))
    series = []
    for pair, line in sorted(steps.items()):
        if line[-1][0] != end:
            line.append((end, line[-1][1]))
        series.append(TariffSeries(*pair, [day for day, _ in line], [rate for _, rate in line], shaded.get(pair, [])))
    return series


def _suspended_pair(row: dict[str, Any] | None) -> Pair | None:
    """The pair of a listed layer on all goods that is suspended (None for any other)."""
    if row is None or row["products"] or row["status"] != "suspended":
        return None
    return row["imposer"], row["target"]


@paused
def control_bars(
    spans: list[Held], start: date, end: date, imposer: str | None = None, destination: str | None = None
) -> list[ControlBar]:
    """Each export control's status from `start` to `end`, from the control spans held at one position:
    a bar stops on a day the control is no longer listed (lifted controls are listed)."""
    bars: dict[str, ControlBar] = {}
    after_end = end + timedelta(days=1)
    for day, changed in walk(spans, start, end):
        for key, row in changed.items():
            shown = row if row is not None and shows_control(row, imposer, None, destination, True) else None
            bar = bars.get(key)
            if bar is not None and bar.segments[-1][1] == after_end:  # the bar runs on: stop it, unless it goes on
                first, _, status = bar.segments[-1]
                if shown is not None and shown["status"] == status:
                    continue
                bar.segments[-1] = (first, day, status)
            if shown is not None:
                bar = bars.setdefault(key, ControlBar(key, shown["imposer"]))
                bar.segments.append((day, after_end, shown["status"]))
    return sorted(bars.values(), key=lambda bar: (bar.imposer, bar.key))


LEVEL_LINES = 6
"""Partners drawn when none is named: the largest by trade, beside all of them together."""


def level_lines(answer: dict[str, Any], end: date, targets: list[str] | None = None) -> list[TariffSeries]:
    """The added rate of each partner of a `levels` series as steps: those named, else `all` and the
    `LEVEL_LINES` largest partners by the value of their trade."""
    by_target: dict[str, TariffSeries] = {}
    values: dict[str, float] = {}
    for row in answer["series"]:
        line = by_target.setdefault(row["target"], TariffSeries(answer["imposer"], row["target"]))
        line.days.append(date.fromisoformat(row["date"]))
        line.rates.append(round(row["added_pct"], 1))
        values[row["target"]] = row["value_usd"]
    chosen = targets or ["all", *sorted((t for t in values if t != "all"), key=lambda t: -values[t])[:LEVEL_LINES]]
    lines = [by_target[t] for t in chosen if t in by_target]
    for line in lines:
        if line.days[-1] != end:
            line.days.append(end)
            line.rates.append(line.rates[-1])
    return lines
