"""`dipledger report` and `dipledger chart`: the projections as a document, and over time as a chart."""

from __future__ import annotations

import sys
from datetime import date
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any

import typer

from ledger.cli.common import AsOf, Db, KnownAtOption, country, fail, ledger, parse_day, say, views
from ledger.known_at import NOW, KnownAt


class ReportFormat(StrEnum):
    md = "md"
    html = "html"


class ChangesFormat(StrEnum):
    """`dipledger changes` prints what the other queries print, and Markdown too."""

    table = "table"
    json = "json"
    csv = "csv"
    md = "md"


class ChartKind(StrEnum):
    tariffs = "tariffs"
    controls = "controls"
    levels = "levels"


Output = Annotated[Path | None, typer.Option("--output", "-o", help="Write to this file (default: standard output).")]


def report(
    as_of: AsOf = None,
    known_at: KnownAtOption = NOW,
    fmt: Annotated[ReportFormat, typer.Option("--format", "-f", help="Markdown or one self-contained HTML file.")] = (
        ReportFormat.md
    ),
    output: Output = None,
    db: Db = None,
) -> None:
    """A report of a day: tariffs, export controls, truces, negotiations, trade, the last 30 days, sources."""
    from ledger.reports import html, markdown, model

    day = parse_day(as_of)
    with ledger(db) as opened:
        gathered = model.gather(opened, day, opened.resolve_known_at(known_at), with_charts=fmt is ReportFormat.html)
    document = html.render(gathered) if fmt is ReportFormat.html else markdown.render(gathered)
    if output is None:
        sys.stdout.write(document)
        return
    _write(output, document)
    say(f"wrote the report as of {day.isoformat()} (known at position {gathered.known_at}) to {output}")


def chart(
    kind: Annotated[
        ChartKind,
        typer.Argument(
            help="tariffs: totals per imposer→target; controls: status bars; levels: trade-weighted levels "
            "(needs --imposer and recorded weights)."
        ),
    ],
    output: Annotated[Path, typer.Option("--output", "-o", help="The chart file, .svg or .png.")],
    start: Annotated[str | None, typer.Option("--from", help="First day (default: the first measure).")] = None,
    end: Annotated[str | None, typer.Option("--to", help="Last day (default: today).")] = None,
    imposer: Annotated[str | None, typer.Option(help="Only measures of this imposer (country code).")] = None,
    target: Annotated[
        str | None, typer.Option(help="Only tariffs on this target, or controls applying to this destination.")
    ] = None,
    known_at: KnownAtOption = NOW,
    db: Db = None,
) -> None:
    """Draw tariff totals (step lines) or export-control status (bars) over time."""
    if output.suffix.lower() not in (".svg", ".png"):
        raise fail(f"--output {output}: the chart is written as .svg or .png")
    last = parse_day(end, "--to")
    first = parse_day(start, "--from") if start else None
    if first is not None and first > last:
        raise fail("--from is after --to")
    if kind is ChartKind.levels:
        _level_chart(output, first, last, imposer, target, known_at, db)
        return
    from ledger.projections.over_time import first_day, held
    from ledger.reports import charts, series

    with views(db, known_at) as source:
        spans = held(source, "TariffMeasure" if kind is ChartKind.tariffs else "ExportControl")
        position = source.known_at
    since = first or first_day(spans, last)
    drawn: list[Any]
    if kind is ChartKind.tariffs:
        drawn = series.tariff_series(spans, since, last, imposer, target)
        figure, shown = charts.draw_tariffs(drawn, since, last), len(charts.most_lines(drawn))
        which = f"highest of {len(drawn)} totals on {last.isoformat()}"
    else:
        drawn = series.control_bars(spans, since, last, imposer, target)
        figure, shown = charts.draw_controls(drawn, since, last), len(charts.most_bars(drawn))
        which = f"changed last of {len(drawn)} controls"
    if shown < len(drawn):
        say(f"drew the {shown} {which}: narrow it with --imposer or --target")
    if not drawn:
        say(
            f"{charts.NOTHING}: no {'tariff total' if kind is ChartKind.tariffs else 'export control'} "
            f"from {since.isoformat()} to {last.isoformat()} matches; the chart says so"
        )
    _save(figure, output)
    say(f"wrote the {kind.value} chart to {output} (to {last.isoformat()}, known at position {position})")


def _level_chart(
    output: Path,
    first: date | None,
    last: date,
    imposer: str | None,
    target: str | None,
    known_at: KnownAt,
    db: str | None,
) -> None:
    from ledger import tariff_law
    from ledger.cli.tariff_law import reading_law
    from ledger.projections.over_time import first_day, held
    from ledger.reports import charts

    if imposer is None:
        raise fail("chart levels: give --imposer")
    by = country(imposer, "--imposer", group=False)
    targets = [country(target, "--target")] if target else None
    if first is None:
        with views(db, known_at) as source:
            first = first_day(held(source, "TariffMeasure"), last)
    with reading_law(db, known_at) as law:
        answer = tariff_law.level_series(law, by, first, last, targets)
    _save(charts.level_chart(answer, first, last, targets), output)
    say(f"wrote the levels chart to {output} (to {last.isoformat()}, known at position {answer['known_at']})")


def _save(figure: Any, path: Path) -> None:
    from ledger.reports import charts

    try:
        charts.save(figure, str(path))
    except OSError as error:
        raise fail(f"--output {path}: {error.strerror or error}") from None


def _write(path: Path, text: str) -> None:
    try:
        path.write_text(text, encoding="utf-8")
    except OSError as error:
        raise fail(f"--output {path}: {error.strerror or error}") from None


def add_report_commands(app: typer.Typer) -> None:
    app.command("report")(report)
    app.command("chart")(chart)
