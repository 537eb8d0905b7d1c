"""Charts of the projections over time: tariff totals as step lines, export-control status as bars.

The series are computed in `ledger.reports.series`; matplotlib is imported only when a chart is drawn.
"""

from __future__ import annotations

import io
import re
from datetime import date, timedelta
from typing import TYPE_CHECKING, Any

from ledger.projections.over_time import first_day, held
from ledger.reports.series import ControlBar, TariffSeries, control_bars, level_lines, tariff_series

if TYPE_CHECKING:
    from matplotlib.figure import Figure
    from matplotlib.text import Text

    from ledger.projections import Views

STATUS_COLOURS = {"announced": "#d9a520", "in_force": "#b3261e", "suspended": "#5b8fd6", "lifted": "#bdbdbd"}
PAIR_COLOURS = ("#b3261e", "#1f5fa8", "#2e7d32", "#8e44ad", "#e67e22", "#00838f", "#6d4c41")
PAIR_STYLES = (("-", "o", 2.6), ("--", "s", 2.0), ("-.", "^", 1.8), (":", "D", 1.8))
"""Line style, marker and width by series: where two totals are the same, both stay visible (a
solid line under a dashed one, each change marked with its own shape)."""
NOTHING = "nothing to draw"
MOST_LINES = len(PAIR_COLOURS) * len(PAIR_STYLES)
"""Totals a chart draws at most, each in a colour and style of its own. Of more (958 on the
100,000-event benchmark ledger: a legend that long leaves no room for the plot, and takes half a
minute to lay out), it draws those highest on its last day, and says so."""
MOST_BARS = 40
"""Controls a chart draws at most, for the same reason: of more, the most recently changed."""


def most_lines(series: list[TariffSeries]) -> list[TariffSeries]:
    """The totals drawn, in their order: all, or the `MOST_LINES` highest on the last day (then at their peak)."""
    if len(series) <= MOST_LINES:
        return series
    highest = sorted(series, key=lambda line: (-line.rates[-1], -max(line.rates), line.label))[:MOST_LINES]
    chosen = {id(line) for line in highest}
    return [line for line in series if id(line) in chosen]


def most_bars(bars: list[ControlBar]) -> list[ControlBar]:
    """The controls drawn, in their order: all, or the `MOST_BARS` whose status changed last."""
    if len(bars) <= MOST_BARS:
        return bars
    latest = sorted(bars, key=lambda bar: (bar.segments[-1][0], bar.key), reverse=True)[:MOST_BARS]
    chosen = {id(bar) for bar in latest}
    return [bar for bar in bars if id(bar) in chosen]


def _of_all(drawn: int, every: int, which: str) -> str:
    """What a chart that leaves some out draws, for its title."""
    return f"; the {drawn} {which} of {every}" if drawn < every else ""


# Drawing -------------------------------------------------------------------------------------------


def _figure(width: float, height: float) -> Figure:
    from matplotlib.figure import Figure  # not pyplot: no backend to choose, no figure manager

    figure = Figure(figsize=(width, height))
    figure.patch.set_alpha(0)
    return figure


MARGIN_PT = 4.0
"""Space between the figure's edge and what is drawn nearest it."""


def _fit(figure: Figure, axes: Any, title: Text) -> None:
    """Place the plot so that its title, tick labels, axis labels and the legend beside it fit the figure.

    A layout engine would do the same by measuring every artist, lines and markers too, and again at
    each save: the extents of what is drawn around the plot are enough, measured once. The legend
    hangs from the plot's top, so only the axes' labels set the bottom margin."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.transforms import Bbox

    renderer = FigureCanvasAgg(figure).get_renderer()
    plot = axes.get_window_extent(renderer)
    axis_boxes = (axes.xaxis.get_tightbbox(renderer), axes.yaxis.get_tightbbox(renderer))
    labels = Bbox.union([plot, *(box for box in axis_boxes if box is not None)])  # an axis with no ticks has none
    around = [labels, title.get_window_extent(renderer)]
    if (legend := axes.get_legend()) is not None:
        around.append(legend.get_window_extent(renderer))
    used = Bbox.union(around)
    width, height = figure.bbox.width, figure.bbox.height
    pad = renderer.points_to_pixels(MARGIN_PT)
    figure.subplots_adjust(
        left=(plot.x0 - used.x0 + pad) / width,
        right=1 - (used.x1 - plot.x1 + pad) / width,
        bottom=(plot.y0 - labels.y0 + pad) / height,
        top=1 - (used.y1 - plot.y1 + pad) / height,
    )


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
    """Step lines of the totals (`most_lines`), their suspension periods shaded, each line's last value labelled."""
    drawn = most_lines(series)
    figure = _figure(8.0, max(3.6, 1.0 + 0.2 * len(drawn)))  # taller where the legend beside needs it
    axes: Any = figure.add_subplot()  # dates on the x axis go through matplotlib's unit converters
    for number, line in enumerate(drawn):
        colour = PAIR_COLOURS[number % len(PAIR_COLOURS)]
        style, marker, width = PAIR_STYLES[number % len(PAIR_STYLES)]
        axes.step(
            line.days,
            line.rates,
            where="post",
            color=colour,
            linewidth=width,
            linestyle=style,
            marker=marker,
            markersize=5,
            markevery=list(range(max(len(line.days) - 1, 1))),  # each change, not the chart's last day
            label=line.label,
        )
        for first, last in line.suspensions:
            _shade(axes, first, last, colour)
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
    heading = title or f"Tariff totals to {end.isoformat()} (shaded: part suspended"
    heading += _of_all(len(drawn), len(series), f"highest on {end.isoformat()}") + ("" if title else ")")
    written = axes.set_title(heading, fontsize=10, loc="left")
    if series:
        _legend_beside(axes)
    else:
        _nothing(axes)
    _fit(figure, axes, written)
    return figure


def _shade(axes: Any, first: date, last: date, colour: str) -> None:
    """A band the plot's height over the days `[first, last)`, as `axvspan` draws it, without the
    data limits it updates for each band (the dates axis has its limits set)."""
    import matplotlib.dates as mdates
    from matplotlib.patches import Rectangle

    left, right = mdates.date2num(first), mdates.date2num(last)
    across = axes.get_xaxis_transform()  # days along, the plot's height up
    axes.add_artist(Rectangle((left, 0), right - left, 1, transform=across, color=colour, alpha=0.07, linewidth=0))


def _legend_beside(axes: Any, **options: Any) -> None:
    """The legend to the right of the plot, outside it: it covers neither the lines nor the title."""
    axes.legend(fontsize=9, frameon=False, loc="upper left", bbox_to_anchor=(1.01, 1.0), borderaxespad=0, **options)


def _nothing(axes: Any) -> None:
    """An empty chart says so, with axes that need no data (no warning about their limits)."""
    axes.set_ylim(0, 1)
    axes.set_yticks([])
    axes.text(0.5, 0.5, NOTHING, transform=axes.transAxes, ha="center", va="center", fontsize=11, color="#777777")


def draw_controls(bars: list[ControlBar], start: date, end: date, title: str | None = None) -> Figure:
    """One horizontal bar per control (`most_bars`), coloured by its status over time."""
    import matplotlib.dates as mdates
    from matplotlib.collections import PolyCollection
    from matplotlib.patches import Patch

    every, bars = len(bars), most_bars(bars)
    figure = _figure(8.0, 1.3 + 0.45 * max(len(bars), 1))
    axes: Any = figure.add_subplot()  # dates on the x axis go through matplotlib's unit converters
    boxes: dict[str, list[list[tuple[float, float]]]] = {status: [] for status in STATUS_COLOURS}
    for row, bar in enumerate(bars):
        for first, last, status in bar.segments:
            left, right = mdates.date2num(first), mdates.date2num(last)
            boxes[status].append([(left, row - 0.35), (left, row + 0.35), (right, row + 0.35), (right, row - 0.35)])
    for status, drawn in boxes.items():  # one shape a status, however many bars: each artist costs
        if drawn:
            axes.add_collection(PolyCollection(drawn, facecolors=STATUS_COLOURS[status], label=status))
    _dates_axis(axes, start, end)
    heading = title or f"Export-control status to {end.isoformat()}"
    written = axes.set_title(heading + _of_all(len(bars), every, "changed last"), fontsize=10, loc="left")
    if not bars:
        _nothing(axes)
        _fit(figure, axes, written)
        return figure
    axes.set_yticks(range(len(bars)), [f"{bar.key} ({bar.imposer})" for bar in bars], fontsize=9)
    axes.set_ylim(len(bars) - 0.5, -0.5)
    shown = [s for s in STATUS_COLOURS if any(seg[2] == s for bar in bars for seg in bar.segments)]
    _legend_beside(axes, handles=[Patch(color=STATUS_COLOURS[s], label=s.replace("_", " ")) for s in shown])
    _fit(figure, axes, written)
    return figure


def tariff_chart(
    source: Views,
    end: date,
    start: date | None = None,
    imposer: str | None = None,
    target: str | None = None,
) -> Figure:
    """Tariff totals to `end` as the read model knows them, from `start` (default: the first tariff)."""
    spans = held(source, "TariffMeasure")
    start = start or first_day(spans, end)
    return draw_tariffs(tariff_series(spans, start, end, imposer, target), start, end)


def control_chart(
    source: Views,
    end: date,
    start: date | None = None,
    imposer: str | None = None,
    destination: str | None = None,
) -> Figure:
    """Export-control status to `end` as the read model knows it, from `start` (default: the first control)."""
    spans = held(source, "ExportControl")
    start = start or first_day(spans, end)
    return draw_controls(control_bars(spans, start, end, imposer, destination), start, end)


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
