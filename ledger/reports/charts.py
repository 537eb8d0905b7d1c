"""Charts of the projections over time: tariff totals as step lines, export-control status as bars.

The series are computed here by asking the projections about each day on which something can
change; matplotlib is imported only when a chart is drawn.
"""

from __future__ import annotations

import io
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import TYPE_CHECKING, Any

from ledger import projections

if TYPE_CHECKING:
    from matplotlib.figure import Figure

    from domain import World

STATUS_COLOURS = {"announced": "#d9a520", "in_force": "#b3261e", "suspended": "#5b8fd6", "lifted": "#bdbdbd"}
PAIR_COLOURS = ("#b3261e", "#1f5fa8", "#2e7d32", "#8e44ad", "#e67e22", "#00838f", "#6d4c41")


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


def _change_days(world: World, kind: str, start: date, end: date) -> set[date]:
    """The days on which a measure of `kind` or a truce can change: every event's dates, and the ends."""
    days = {start, end}
    for (event_kind, _), timeline in world.timelines.items():
        if event_kind in (kind, "Truce"):
            for recorded in timeline:
                days |= {recorded.fact.start, recorded.fact.date}
    return {day for day in days if start <= day <= end}


def first_day(world: World, kinds: tuple[str, ...], end: date) -> date:
    """The first day any measure of `kinds` counts (its announcement), or `end` if none does by then."""
    starts = [r.fact.start for (k, _), timeline in world.timelines.items() if k in kinds for r in timeline]
    return min([day for day in starts if day <= end], default=end)


def _answers(
    days: Iterable[date], end: date, rows_on: Callable[[date], list[dict[str, Any]]]
) -> dict[date, list[dict[str, Any]]]:
    """The projection's rows on each day, adding every day a suspension ends until none is new."""
    pending, answers = sorted(days), {}
    while pending:
        day = pending.pop()
        if day in answers:
            continue
        answers[day] = rows = rows_on(day)
        for row in rows:
            until = date.fromisoformat(row["suspended_until"]) if row.get("suspended_until") else None
            if until is not None and until <= end and until not in answers:
                pending.append(until)
    return dict(sorted(answers.items()))


def tariff_series(
    world: World,
    end: date,
    start: date | None = None,
    imposer: str | None = None,
    target: str | None = None,
) -> list[TariffSeries]:
    """Each imposer→target total on all goods, from `start` (default: the first tariff) to `end`."""
    start = start or first_day(world, ("TariffMeasure",), end)
    answers = _answers(
        _change_days(world, "TariffMeasure", start, end),
        end,
        lambda day: (
            [{**row, "total": False} for row in projections.tariffs(world, day, imposer, target)["measures"]]
            + [{**t, "total": True} for t in projections.tariffs(world, day, imposer, target)["totals"]]
        ),
    )
    pairs = sorted({(row["imposer"], row["target"]) for rows in answers.values() for row in rows if row["total"]})
    series = []
    for pair in pairs:
        line = TariffSeries(*pair)
        suspended_since: date | None = None
        for day, rows in answers.items():
            rate = next((r["rate_pct"] for r in rows if r["total"] and (r["imposer"], r["target"]) == pair), 0.0)
            if not line.rates or rate != line.rates[-1]:
                line.days.append(day)
                line.rates.append(rate)
            suspended = any(
                not r["total"]
                and (r["imposer"], r["target"]) == pair
                and not r["products"]
                and r["status"] == "suspended"
                for r in rows
            )
            if suspended and suspended_since is None:
                suspended_since = day
            elif not suspended and suspended_since is not None:
                line.suspensions.append((suspended_since, day))
                suspended_since = None
        if suspended_since is not None:
            line.suspensions.append((suspended_since, end + timedelta(days=1)))
        if line.days[-1] != end:
            line.days.append(end)
            line.rates.append(line.rates[-1])
        series.append(line)
    return series


def control_bars(
    world: World,
    end: date,
    start: date | None = None,
    imposer: str | None = None,
    destination: str | None = None,
) -> list[ControlBar]:
    """Each export control's status from `start` (default: the first control) to `end`."""
    start = start or first_day(world, ("ExportControl",), end)
    answers = _answers(
        _change_days(world, "ExportControl", start, end),
        end,
        lambda day: projections.controls(world, day, imposer, None, destination, include_lifted=True)["controls"],
    )
    bars: dict[str, ControlBar] = {}
    after_end = end + timedelta(days=1)
    for day, rows in answers.items():
        seen = set()
        for row in rows:
            bar = bars.setdefault(row["key"], ControlBar(row["key"], row["imposer"]))
            seen.add(row["key"])
            last = bar.segments[-1] if bar.segments else None
            if last is None or last[2] != row["status"] or last[1] != after_end:
                if last is not None and last[1] == after_end:
                    bar.segments[-1] = (last[0], day, last[2])
                bar.segments.append((day, after_end, row["status"]))
        for key in bars.keys() - seen:  # retracted from view on this day: the bar stops
            last = bars[key].segments[-1]
            if last[1] == after_end:
                bars[key].segments[-1] = (last[0], day, last[2])
    return sorted(bars.values(), key=lambda bar: (bar.imposer, bar.key))


# Drawing -------------------------------------------------------------------------------------------


def _figure(width: float, height: float) -> Figure:
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib.figure import Figure

    figure = Figure(figsize=(width, height), layout="constrained")
    figure.patch.set_alpha(0)
    return figure


def _dates_axis(axes: Any, start: date, end: date) -> None:
    import matplotlib.dates as mdates

    locator = mdates.AutoDateLocator(minticks=4, maxticks=9)
    axes.xaxis.set_major_locator(locator)
    axes.xaxis.set_major_formatter(mdates.ConciseDateFormatter(locator))
    axes.set_xlim(start, end + timedelta(days=1))
    for side in ("top", "right"):
        axes.spines[side].set_visible(False)
    axes.tick_params(labelsize=9)


def draw_tariffs(
    series: list[TariffSeries],
    start: date,
    end: date,
    title: str | None = None,
    ylabel: str = "total tariff on all goods (%)",
) -> Figure:
    """Step lines of the totals, their suspension periods shaded, each line's last value labelled."""
    figure = _figure(8.0, 3.6)
    axes: Any = figure.add_subplot()  # dates on the x axis go through matplotlib's unit converters
    for number, line in enumerate(series):
        colour = PAIR_COLOURS[number % len(PAIR_COLOURS)]
        axes.step(line.days, line.rates, where="post", color=colour, linewidth=2, label=line.label)
        for first, last in line.suspensions:
            axes.axvspan(first, last, color=colour, alpha=0.07, linewidth=0)
        axes.annotate(
            f"{line.rates[-1]:g}%",
            (line.days[-1], line.rates[-1]),
            xytext=(4, 3),
            textcoords="offset points",
            color=colour,
            fontsize=9,
            fontweight="bold",
        )
    _dates_axis(axes, start, end)
    axes.set_ylim(bottom=0)
    axes.set_ylabel(ylabel, fontsize=9)
    axes.grid(axis="y", color="#dddddd", linewidth=0.6)
    axes.set_title(title or f"Tariff totals to {end.isoformat()} (shaded: part suspended)", fontsize=10, loc="left")
    if series:
        axes.legend(fontsize=9, frameon=False, loc="upper left")
    return figure


def draw_controls(bars: list[ControlBar], start: date, end: date, title: str | None = None) -> Figure:
    """One horizontal bar per control, coloured by its status over time."""
    import matplotlib.dates as mdates
    from matplotlib.patches import Patch

    figure = _figure(8.0, 1.3 + 0.45 * max(len(bars), 1))
    axes: Any = figure.add_subplot()  # dates on the x axis go through matplotlib's unit converters
    for row, bar in enumerate(bars):
        for status in STATUS_COLOURS:
            spans = [
                (mdates.date2num(first), (last - first).days) for first, last, said in bar.segments if said == status
            ]
            if spans:
                axes.broken_barh(spans, (row - 0.35, 0.7), facecolors=STATUS_COLOURS[status], label=status)
    axes.set_yticks(range(len(bars)), [f"{bar.key} ({bar.imposer})" for bar in bars], fontsize=9)
    axes.set_ylim(len(bars) - 0.5, -0.5)
    _dates_axis(axes, start, end)
    axes.set_title(title or f"Export-control status to {end.isoformat()}", fontsize=10, loc="left")
    shown = [s for s in STATUS_COLOURS if any(seg[2] == s for bar in bars for seg in bar.segments)]
    axes.legend(
        handles=[Patch(color=STATUS_COLOURS[s], label=s.replace("_", " ")) for s in shown],
        fontsize=9,
        frameon=False,
        loc="lower right",
        bbox_to_anchor=(1, 1),
        ncol=4,
    )
    return figure


def tariff_chart(
    world: World, end: date, start: date | None = None, imposer: str | None = None, target: str | None = None
) -> Figure:
    start = start or first_day(world, ("TariffMeasure",), end)
    return draw_tariffs(tariff_series(world, end, start, imposer, target), start, end)


def control_chart(
    world: World, end: date, start: date | None = None, imposer: str | None = None, destination: str | None = None
) -> Figure:
    start = start or first_day(world, ("ExportControl",), end)
    return draw_controls(control_bars(world, end, start, imposer, destination), start, end)


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


def level_chart(answer: dict[str, Any], start: date, end: date, targets: list[str] | None = None) -> Figure:
    """Trade-weighted added rates over time as steps (`answer`: a `levels --from --to` series)."""
    return draw_tariffs(
        level_lines(answer, end, targets),
        start,
        end,
        title=f"{answer['imposer']}'s trade-weighted tariff levels to {end.isoformat()} (weights {answer['weights']})",
        ylabel="added tariff, trade-weighted (%)",
    )


def save(figure: Figure, path: str) -> None:
    """Write the chart as SVG or PNG, by the file's suffix."""
    kind = "png" if path.lower().endswith(".png") else "svg"
    options: dict[str, Any] = {"metadata": {"Date": None}} if kind == "svg" else {"dpi": 160}
    figure.savefig(path, format=kind, **options)


def inline_svg(figure: Figure, name: str) -> str:
    """The chart as an `<svg>` element to place in an HTML page: no prolog, no comments, unique ids."""
    import matplotlib

    out = io.StringIO()
    with matplotlib.rc_context({"svg.hashsalt": name, "svg.fonttype": "none"}):
        figure.savefig(out, format="svg", metadata={"Date": None})
    text = out.getvalue()
    text = text[text.index("<svg") :]
    text = re.sub(r"<!--.*?-->", "", text, flags=re.S)
    text = re.sub(r"<metadata>.*?</metadata>", "", text, flags=re.S)
    return re.sub(r'\b(id="|href="#|url\(#)(?=[A-Za-z_])', rf"\g<1>{name}-", text)
