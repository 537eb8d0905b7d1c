"""Charts: the drawn step lines and status bars carry the projections' values day by day."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date, timedelta
from pathlib import Path

from typer.testing import CliRunner

from ledger.application import Ledger
from ledger.cli.main import app
from ledger.projections.over_time import Held, first_day, held
from ledger.read_model import ReadModel
from ledger.reports import charts, series
from tests.reports.conftest import position_of, record

D = date.fromisoformat


@contextmanager
def read_model(db: str, known_at: int | None = None) -> Iterator[ReadModel]:
    ledger = Ledger(db)
    try:
        yield ledger.read_model(known_at or ledger.head())
    finally:
        ledger.close()


def spans(db: str, kind: str, known_at: int | None = None) -> list[Held]:
    with read_model(db, known_at) as source:
        return held(source, kind)


def tariff_series(db: str, end: date, known_at: int | None = None) -> dict[str, series.TariffSeries]:
    found = spans(db, "TariffMeasure", known_at)
    return {line.label: line for line in series.tariff_series(found, first_day(found, end), end)}


def lines(figure) -> dict[str, tuple[list[date], list[float]]]:  # type: ignore[no-untyped-def]
    return {
        line.get_label(): (list(line.get_xdata(orig=True)), [float(y) for y in line.get_ydata(orig=True)])
        for line in figure.axes[0].get_lines()
    }


def test_the_tariff_chart_draws_each_total_as_steps_up_to_the_day(seed: str) -> None:
    with read_model(seed) as source:
        drawn = lines(charts.tariff_chart(source, D("2025-06-10")))
    assert drawn["US → CN"] == (
        [D(d) for d in ("2025-02-01", "2025-02-04", "2025-03-04", "2025-04-05", "2025-04-09", "2025-04-10")]
        + [D("2025-05-14"), D("2025-06-10")],
        [0.0, 10.0, 20.0, 30.0, 104.0, 145.0, 30.0, 30.0],
    )
    assert drawn["CN → US"] == (
        [D("2025-02-01"), D("2025-04-10"), D("2025-04-12"), D("2025-05-14"), D("2025-06-10")],
        [0.0, 84.0, 125.0, 10.0, 10.0],
    )


def test_the_steps_are_drawn_after_each_change(seed: str) -> None:
    with read_model(seed) as source:
        figure = charts.tariff_chart(source, D("2025-06-10"))
    assert {line.get_drawstyle() for line in figure.axes[0].get_lines()} == {"steps-post"}


def test_known_before_the_extension_the_suspension_ends_on_12_august(seed: str) -> None:
    us = tariff_series(seed, D("2025-09-01"), position_of(seed, "TruceExtended") - 1)["US → CN"]
    assert (us.days[-3:], us.rates[-3:]) == ([D("2025-05-14"), D("2025-08-12"), D("2025-09-01")], [30.0, 54.0, 54.0])
    assert us.suspensions == [(D("2025-05-14"), D("2025-08-12"))]


def test_known_after_the_extension_the_suspension_runs_to_10_november(seed: str) -> None:
    us = tariff_series(seed, D("2025-12-31"))["US → CN"]
    assert (us.days[-3:], us.rates[-3:]) == ([D("2025-05-14"), D("2025-11-10"), D("2025-12-31")], [30.0, 54.0, 54.0])
    assert us.suspensions == [(D("2025-05-14"), D("2025-11-10"))]


def test_suspension_periods_are_shaded_over_exactly_their_days(seed: str) -> None:
    import matplotlib.dates as mdates

    with read_model(seed) as source:
        figure = charts.tariff_chart(source, D("2025-06-10"), imposer="US")
    (span,) = figure.axes[0].patches
    assert (span.get_x(), span.get_x() + span.get_width()) == (
        mdates.date2num(D("2025-05-14")),
        mdates.date2num(D("2025-06-11")),
    )


def test_filters_keep_one_pair_and_a_start_day_begins_the_line(seed: str) -> None:
    with read_model(seed) as source:
        drawn = lines(charts.tariff_chart(source, D("2025-06-10"), D("2025-05-01"), imposer="cn", target="us"))
    assert drawn == {"CN → US": ([D("2025-05-01"), D("2025-05-14"), D("2025-06-10")], [125.0, 10.0, 10.0])}


def test_the_control_chart_draws_one_bar_coloured_by_status(tmp_path: Path, seed: str) -> None:
    import shutil

    db = str(tmp_path / "copy.db")
    shutil.copy(seed, db)
    record(
        db,
        {
            "type": "ExportControlSuspended",
            "key": "cn-rare-earths-2025-04",
            "date": "2025-06-20",
            "until": "2025-07-01",
        },
        {
            "type": "ExportControlImposed",
            "key": "us-chips-2025",
            "date": "2025-06-15",
            "announced": "2025-06-12",
            "imposer": "US",
            "items": ["EDA software"],
            "regime": "ban",
            "destinations": ["CN"],
        },
        {"type": "ExportControlLifted", "key": "us-chips-2025", "date": "2025-07-03"},
    )
    found = spans(db, "ExportControl")
    bars = {
        bar.key: bar.segments for bar in series.control_bars(found, first_day(found, D("2025-07-10")), D("2025-07-10"))
    }
    assert bars["cn-rare-earths-2025-04"] == [
        (D("2025-04-04"), D("2025-06-20"), "in_force"),
        (D("2025-06-20"), D("2025-07-01"), "suspended"),
        (D("2025-07-01"), D("2025-07-11"), "in_force"),
    ]
    assert bars["us-chips-2025"] == [
        (D("2025-06-12"), D("2025-06-15"), "announced"),
        (D("2025-06-15"), D("2025-07-03"), "in_force"),
        (D("2025-07-03"), D("2025-07-11"), "lifted"),
    ]
    with read_model(db) as source:
        figure = charts.control_chart(source, D("2025-07-10"))
    axes = figure.axes[0]
    assert [tick.get_text() for tick in axes.get_yticklabels()] == ["cn-rare-earths-2025-04 (CN)", "us-chips-2025 (US)"]
    drawn = {(collection.get_label(), tuple(collection.get_facecolor()[0])) for collection in axes.collections}
    from matplotlib.colors import to_rgba

    assert drawn == {(status, to_rgba(charts.STATUS_COLOURS[status])) for status in charts.STATUS_COLOURS}
    suspended = next(c for c in axes.collections if c.get_label() == "suspended")
    (path,) = suspended.get_paths()
    import matplotlib.dates as mdates

    assert sorted({round(float(x), 3) for x, _ in path.vertices}) == [
        mdates.date2num(D("2025-06-20")),
        mdates.date2num(D("2025-07-01")),
    ]


def test_the_chart_command_writes_svg_and_png(seed: str, tmp_path: Path) -> None:
    runner = CliRunner()
    svg, png = tmp_path / "tariffs.svg", tmp_path / "controls.png"
    made = runner.invoke(app, ["chart", "tariffs", "--to", "2025-06-10", "-o", str(svg), "--db", seed])
    assert made.exit_code == 0, made.output
    assert svg.read_text(encoding="utf-8").lstrip().startswith("<?xml") and "US → CN" in svg.read_text()
    made = runner.invoke(
        app, ["chart", "controls", "--to", "2025-06-10", "--imposer", "CN", "-o", str(png), "--db", seed]
    )
    assert made.exit_code == 0, made.output
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_a_chart_file_must_be_svg_or_png(seed: str, tmp_path: Path) -> None:
    result = CliRunner().invoke(app, ["chart", "tariffs", "-o", str(tmp_path / "x.pdf"), "--db", seed])
    assert result.exit_code == 2
    assert "written as .svg or .png" in result.stderr
    assert not (tmp_path / "x.pdf").exists()


def test_the_command_line_starts_without_matplotlib_or_jinja() -> None:
    loaded = subprocess.run(
        [sys.executable, "-c", "import sys, ledger.cli.main; print(sorted({m.split('.')[0] for m in sys.modules}))"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    assert "matplotlib" not in loaded and "jinja2" not in loaded


def test_of_more_totals_than_it_can_tell_apart_the_chart_draws_the_highest_and_says_so() -> None:
    days = [D("2025-01-01"), D("2025-06-01")]
    many = [series.TariffSeries("US", f"T{n:02}", days, [float(40 - n), float(n)]) for n in range(40)]
    figure = charts.draw_tariffs(many, *days)
    drawn = [line.get_label() for line in figure.axes[0].get_lines()]
    assert drawn == [f"US → T{n:02}" for n in range(40 - charts.MOST_LINES, 40)]
    assert len(set(drawn)) == charts.MOST_LINES == len(charts.PAIR_COLOURS) * len(charts.PAIR_STYLES)
    assert figure.axes[0].get_title(loc="left").endswith("; the 28 highest on 2025-06-01 of 40)")
    assert charts.draw_tariffs(many[:3], *days).axes[0].get_title(loc="left").endswith("(shaded: part suspended)")


def test_of_more_controls_than_fit_the_chart_draws_those_changed_last_and_says_so() -> None:
    end = D("2025-12-31")
    bars = [
        series.ControlBar(f"c{n:02}", "CN", [(D("2025-01-01") + timedelta(days=n), end, "in_force")]) for n in range(45)
    ]
    axes = charts.draw_controls(bars, D("2025-01-01"), end).axes[0]
    assert [tick.get_text() for tick in axes.get_yticklabels()] == [f"c{n:02} (CN)" for n in range(5, 45)]
    assert axes.get_title(loc="left") == "Export-control status to 2025-12-31; the 40 changed last of 45"


def test_the_title_tick_labels_and_legend_fit_inside_the_figure() -> None:
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    days = [D("2025-01-01"), D("2025-06-01")]
    many = [series.TariffSeries("US", f"T{n:02}", days, [float(40 * n), float(n)]) for n in range(40)]
    long = [series.ControlBar(f"a-control-with-a-long-key-{n}", "CN", [(*days, "in_force")]) for n in range(3)]
    for figure in (charts.draw_tariffs(many, *days), charts.draw_controls(long, *days)):
        canvas = FigureCanvasAgg(figure)
        canvas.draw()
        drawn = figure.axes[0].get_tightbbox(canvas.get_renderer())
        assert figure.bbox.x0 <= drawn.x0 and drawn.x1 <= figure.bbox.x1
        assert figure.bbox.y0 <= drawn.y0 and drawn.y1 <= figure.bbox.y1


PARTNERS = [
    "AR", "AU", "BR", "CA", "CL", "CN", "CO", "DE", "EG", "ES", "FR", "GB", "ID", "IN", "IT",
    "JP", "KR", "MX", "MY", "NG", "NL", "PE", "PH", "PK", "PL", "SA", "SE", "TH", "TR", "VN",
]  # fmt: skip


def test_the_chart_command_says_what_it_left_out(tmp_path: Path) -> None:
    db = str(tmp_path / "many.db")
    layers = [
        {"type": "TariffImposed", "key": f"us-{code.lower()}", "date": "2025-03-01", "imposer": "US", "target": code}
        for code in PARTNERS
    ]
    record(db, *({**layer, "rate_pct": rate} for rate, layer in enumerate(layers, start=1)))
    out = str(tmp_path / "t.svg")
    result = CliRunner().invoke(app, ["chart", "tariffs", "--to", "2025-06-10", "-o", out, "--db", db])
    assert result.exit_code == 0, result.output
    assert "drew the 28 highest of 30 totals on 2025-06-10: narrow it with --imposer or --target" in result.stderr
