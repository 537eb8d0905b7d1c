"""A command line that explains itself: what a new analyst tripped over, each with its test."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from ledger.cli.main import app
from tests.conftest import EXAMPLE

runner = CliRunner()


def run(*args: Any, input: str | None = None) -> Any:
    return runner.invoke(app, [str(a) for a in args], input=input)


@pytest.fixture
def london(sqlite_db: str) -> str:
    assert run("import", EXAMPLE, "--db", sqlite_db).exit_code == 0
    return sqlite_db


def test_an_event_for_a_key_never_opened_names_the_key_and_how_to_open_it(london: str) -> None:
    result = run(
        "append",
        "TariffRateChanged",
        "us-ieepa-fentanyl-cm",
        "--date",
        "2025-11-10",
        "--field",
        "rate_pct=10",
        "--db",
        london,
    )
    assert result.exit_code == 2
    assert "no TariffMeasure 'us-ieepa-fentanyl-cm' exists before it" in result.stderr
    assert "record its TariffImposed with key 'us-ieepa-fentanyl-cm' first" in result.stderr


def test_a_byte_order_mark_at_the_start_of_a_file_is_accepted(london: str, tmp_path: Path) -> None:
    path = tmp_path / "bom.jsonl"
    line = {"type": "TariffLifted", "key": "cn-counter-us-energy", "date": "2025-11-10"}
    path.write_bytes(b"\xef\xbb\xbf" + json.dumps(line).encode() + b"\n")
    result = run("import", path, "--db", london)
    assert result.exit_code == 0, result.stderr
    assert "recorded 1 events" in result.stderr


def help_of(*command: str) -> str:
    result = runner.invoke(app, [*command, "--help"], env={"COLUMNS": "250", "TERMINAL_WIDTH": "250"})
    assert result.exit_code == 0, result.output
    return " ".join(result.stdout.split())


@pytest.mark.parametrize(
    ("command", "option", "allowed"),
    [
        (("control", "impose"), "--regime", "licence, ban"),
        (("control", "ease"), "--regime", "licence, ban"),
        (("negotiation", "state-position"), "--stance", "expectation, demand, offer, assessment, accusation, denial"),
        (("negotiation", "leaders-spoke"), "--mode", "call, meeting, letter"),
        (("trade", "report"), "--flow", "exports, imports"),
        (("trade", "report"), "--trend", "up, down, flat"),
    ],
)
def test_help_lists_the_choices_of_every_fixed_choice_option(
    command: tuple[str, ...], option: str, allowed: str
) -> None:
    text = help_of(*command)
    assert f"{option} <str> One of: {allowed}." in text


def test_help_gives_the_format_of_a_period_and_the_exactly_one_of_rules() -> None:
    assert "The month reported, YYYY-MM" in help_of("trade", "report")
    for command in (("truce", "agree"), ("truce", "extend")):
        assert "Give exactly one of --expires and --days." in help_of(*command)
    for command in (("tariff", "suspend"), ("control", "suspend")):
        assert "Give exactly one of --until and --truce." in help_of(*command)


def test_every_typed_option_says_more_than_its_own_name() -> None:
    from domain import EVENT_TYPES
    from ledger.cli.helptext import field_help
    from ledger.cli.typed import GROUPS, HELP, SKIPPED

    for commands in GROUPS.values():
        for event_type in commands.values():
            for name, field in EVENT_TYPES[event_type].model_fields.items():
                if name in SKIPPED:
                    continue
                text = field_help(name, field.annotation, HELP)
                assert text.rstrip(".").lower() not in (name.replace("_", " "), f"the event's {name.replace('_', ' ')}")
                assert len(text.split()) >= 3, (event_type, name, text)


def test_schema_of_one_event_type_shows_that_type_alone() -> None:
    result = run("schema", "TruceExtended")
    assert result.exit_code == 0
    schema = json.loads(result.stdout)
    assert schema["oneOf"] == [{"$ref": "#/$defs/TruceExtended"}]
    assert "TruceAgreed" not in schema["$defs"]
    unknown = run("schema", "TruceUpdated")
    assert unknown.exit_code == 2 and "unknown event type 'TruceUpdated'" in unknown.stderr


def test_a_trend_that_contradicts_the_reported_change_is_refused(london: str) -> None:
    base = [
        "trade",
        "report",
        "cn-customs-exports-us",
        "--date",
        "2025-07-14",
        "--reporter",
        "CN",
        "--partner",
        "US",
        "--flow",
        "exports",
        "--period",
        "2025-06",
        "--db",
        london,
    ]
    refused = run(*base, "--change-pct", "-9.9", "--trend", "up")
    assert refused.exit_code == 2
    assert "trend: up contradicts change_pct -9.9 (a fall on a year earlier)" in refused.stderr
    assert run(*base, "--change-pct", "3", "--trend", "down").exit_code == 2
    assert run(*base, "--change-pct", "-9.9", "--trend", "down").exit_code == 0


def as_json(*args: Any) -> Any:
    result = run(*args, "--format", "json")
    assert result.exit_code == 0, result.stderr
    return json.loads(result.stdout)


def test_keys_lists_the_aggregates_by_kind_and_by_a_word(london: str) -> None:
    every = as_json("keys", "--db", london)["keys"]
    assert len(every) == 12
    assert {
        "kind": "Truce",
        "key": "geneva-2025",
        "about": "truce between US, CN",
        "first": "2025-05-12",
        "last": "2025-08-11",
        "events": 4,
    } in every
    tariffs = as_json("keys", "--kind", "tariffmeasure", "--match", "ieepa", "--db", london)["keys"]
    assert [row["key"] for row in tariffs] == ["us-ieepa-fentanyl-cn", "us-ieepa-reciprocal-cn"]
    assert "truce|exportcontrol|tariffmeasure|tradeflow" in help_of("keys").lower()


def test_every_view_takes_a_key(london: str) -> None:
    one = as_json("tariffs", "--as-of", "2025-06-10", "--key", "us-ieepa-reciprocal-cn", "--db", london)
    assert [m["key"] for m in one["measures"]] == ["us-ieepa-reciprocal-cn"]
    assert one["totals"] == [{"imposer": "US", "target": "CN", "product": None, "rate_pct": 10.0}]
    for view, key, rows in (
        ("controls", "cn-rare-earths-2025-04", "controls"),
        ("truces", "geneva-2025", "truces"),
        ("negotiations", "us-cn-trade-2025", "negotiations"),
        ("trade-flows", "cn-customs-exports-us", "trade_flows"),
    ):
        answer = as_json(view, "--as-of", "2025-06-10", "--key", key, "--db", london)
        assert [row["key"] for row in answer[rows]] == [key]


def test_a_control_is_found_by_a_word_of_its_items_or_its_basis(london: str) -> None:
    event = {
        "type": "ExportControlImposed",
        "key": "nl-nexperia-2025-10",
        "date": "2025-10-04",
        "imposer": "CN",
        "items": ["chips made by Nexperia China"],
        "regime": "ban",
        "basis": "MOFCOM Announcement No. 62",
    }
    assert run("append", "--json", json.dumps(event), "--db", london).exit_code == 0
    for text in ("nexperia", "NEXPERIA CHINA", "announcement no. 62"):
        found = as_json("controls", "--as-of", "2025-10-10", "--item", text, "--db", london)["controls"]
        assert [row["key"] for row in found] == ["nl-nexperia-2025-10"], text
    rare = as_json("controls", "--as-of", "2025-10-10", "--item", "terbium", "--db", london)["controls"]
    assert [row["key"] for row in rare] == ["cn-rare-earths-2025-04"]


def table(*args: Any) -> str:
    result = run(*args)
    assert result.exit_code == 0, result.stderr
    return str(result.stdout)


def test_log_and_history_tables_show_what_each_event_says_and_why_one_was_retracted(london: str) -> None:
    assert run("retract", "34", "--reason", "Misdated: announced a day later", "--db", london).exit_code == 0
    for args in (("history", "geneva-2025"), ("log",)):
        text = table(*args, "--db", london)
        assert "what" in text.splitlines()[1]
        assert "expires: 2025-11-10" in text
        assert "retracts position 34: Misdated: announced a day later" in text
        assert "by: US; against: CN; claim: China violated the Geneva agreement" in text


def test_negotiation_and_trade_flow_tables_read_as_words_not_json(london: str) -> None:
    talks = table("negotiations", "--as-of", "2025-06-10", "--db", london)
    assert "london-2025-06 in London (Lancaster House), 2025-06-09–2025-06-10" in talks
    assert "Kevin Hassett (US, expectation)" in talks
    assert "{" not in talks
    flows = table("trade-flows", "--as-of", "2025-06-10", "--db", london)
    assert "2025-05: USD 28.8 bn -34.5% down" in flows and "{" not in flows
    assert "{" not in table("truces", "--as-of", "2025-06-10", "--db", london)


def test_a_replay_table_shows_the_state_the_events_build(london: str) -> None:
    text = table(
        "replay", "--as-of", "2025-06-10", "--key", "us-ieepa-reciprocal-cn", "--format", "table", "--db", london
    )
    state = text.split("state (as of 2025-06-10")[1]
    assert "TariffMeasure  us-ieepa-reciprocal-cn  suspended" in state
    assert "rate pct: 10" in state and "suspended until: 2025-08-12" in state
    assert "rate: 34%" in text.split("state (")[0]  # the events say what they changed


def test_a_report_known_at_a_position_shows_the_digest_published_then(london: str) -> None:
    digest_then = table("digest", "--db", london)  # the head is 36 now
    assert run("retract", "36", "--reason", "Double-counted", "--db", london).exit_code == 0
    earlier = table("report", "--as-of", "2025-08-12", "--known-at", "36", "--db", london)
    assert f"- **Digest at position 36:** `{digest_then.strip()}`" in earlier
    now = table("report", "--as-of", "2025-08-12", "--db", london)
    assert "- **Head digest:** `" in now and digest_then.strip() not in now


def test_truces_that_ended_before_the_reports_window_leave_its_headline(london: str) -> None:
    headline = table("report", "--as-of", "2025-11-20", "--db", london).split("## ")[0]
    assert "**Truce geneva-2025:** expired, expires 2025-11-10" in headline  # within the last 30 days
    later = table("report", "--as-of", "2025-12-20", "--db", london)
    assert "**Truce geneva-2025:**" not in later.split("## ")[0]
    assert "geneva-2025" in later  # still in the truces section


def test_a_long_import_on_a_terminal_shows_a_bar_with_counts_from_the_start(tmp_path: Path) -> None:
    from rich.progress import BarColumn

    from ledger.cli.progress import ImportProgress
    from ledger.jsonl import open_lines

    heard: list[tuple[int, int, int | None]] = []
    with open_lines([str(EXAMPLE)], lambda *said: heard.append(said)) as lines:
        assert len(lines) == 36
    size = EXAMPLE.stat().st_size
    assert heard[0] == (0, 0, size)  # a length before the first line is read: a bar, not a spinner

    bars = ImportProgress()
    assert any(isinstance(column, BarColumn) for column in bars.columns)
    bars.checking(0, 0, size)
    assert bars.tasks[0].total == size
    advance = bars.recording(36)
    advance(10)
    recording = bars.tasks[1]
    assert (recording.total, recording.completed, recording.fields["count"]) == (36, 10, "10/36 events")


def test_a_chart_keeps_every_series_visible_where_lines_overlap_and_its_legend_off_the_title() -> None:
    from datetime import date

    from ledger.reports import charts

    days, rates = [date(2025, 1, 1), date(2025, 3, 1), date(2025, 6, 30)], [10.0, 20.0, 20.0]
    same = [charts.TariffSeries("US", "CN", days, rates), charts.TariffSeries("US", "MX", days, rates)]
    figure = charts.draw_tariffs(same, days[0], days[-1], title="A long title that runs across most of the chart")
    first, second = figure.axes[0].get_lines()
    assert (first.get_linestyle(), first.get_marker()) != (second.get_linestyle(), second.get_marker())
    assert first.get_linewidth() > second.get_linewidth()  # the one drawn first shows around the other

    from matplotlib.backends.backend_agg import FigureCanvasAgg

    canvas = FigureCanvasAgg(figure)
    canvas.draw()
    renderer = canvas.get_renderer()
    axes = figure.axes[0]
    legend, title = axes.get_legend().get_window_extent(renderer), axes.title.get_window_extent(renderer)
    assert not legend.overlaps(title)
    assert not legend.overlaps(axes.get_window_extent(renderer))  # beside the plot, over no line


def test_an_empty_chart_says_nothing_to_draw_without_a_warning(london: str, tmp_path: Path) -> None:
    import warnings
    from datetime import date

    from ledger.reports import charts

    with warnings.catch_warnings():
        warnings.simplefilter("error")
        for figure in (
            charts.draw_tariffs([], date(2025, 1, 1), date(2025, 2, 1)),
            charts.draw_controls([], date(2025, 1, 1), date(2025, 2, 1)),
        ):
            from matplotlib.backends.backend_agg import FigureCanvasAgg

            FigureCanvasAgg(figure).draw()
            assert charts.NOTHING in [text.get_text() for text in figure.axes[0].texts]
    for kind, narrow in (("tariffs", ("--imposer", "JP")), ("controls", ("--imposer", "JP"))):
        out = tmp_path / f"{kind}.svg"
        result = run("chart", kind, "-o", out, *narrow, "--to", "2025-06-10", "--db", london)
        assert result.exit_code == 0, result.stderr
        assert "nothing to draw" in result.stderr and out.exists()


def changes(db: str, *args: str) -> list[dict[str, Any]]:
    answer = as_json("changes", *args, "--db", db)
    return [{"kind": g["kind"], **e} for g in answer["changes"] for e in g["events"]]


def test_changes_lists_what_an_expiry_brought_back_sorted_by_date(london: str) -> None:
    found = changes(london, "--from", "2025-08-01", "--to", "2025-11-30")
    said = [(e["on"], e["type"], e["key"], e.get("rate_pct")) for e in found]
    assert said == sorted(said, key=lambda s: s[0])
    assert ("2025-08-11", "TruceExtended", "geneva-2025", None) in said
    assert ("2025-11-10", "TruceExpired", "geneva-2025", None) in said
    assert ("2025-11-10", "SuspensionEnded", "us-ieepa-reciprocal-cn", 34.0) in said
    assert ("2025-11-10", "SuspensionEnded", "cn-reciprocal-us", 34.0) in said
    before = changes(london, "--from", "2025-08-01", "--to", "2025-08-31", "--known-at", "33")
    assert {(e["on"], e["type"], e["key"]) for e in before} == {
        ("2025-08-12", "TruceExpired", "geneva-2025"),
        ("2025-08-12", "SuspensionEnded", "us-ieepa-reciprocal-cn"),
        ("2025-08-12", "SuspensionEnded", "cn-reciprocal-us"),
    }
    text = table("changes", "--from", "2025-08-01", "--to", "2025-11-30", "--db", london)
    lines = [line for line in text.splitlines() if "SuspensionEnded" in line]
    assert lines and all("status: in_force; rate: 34%" in line for line in lines)


def test_a_measure_announced_in_the_window_shows_no_rate_as_if_charged(london: str) -> None:
    found = changes(london, "--from", "2025-04-01", "--to", "2025-04-04")
    announced = next(e for e in found if e["key"] == "us-ieepa-reciprocal-cn")
    assert (announced["on"], announced["effect"], announced["in_force_from"]) == (
        "2025-04-02",
        "announced",
        "2025-04-05",
    )
    text = table("changes", "--from", "2025-04-01", "--to", "2025-04-04", "--db", london)
    line = next(line for line in text.splitlines() if "us-ieepa-reciprocal-cn" in line)
    assert "rate from 2025-04-05: 10%" in line and "; rate: 10%" not in line
    charged = changes(london, "--from", "2025-04-05", "--to", "2025-04-05")
    assert "effect" not in next(e for e in charged if e["key"] == "us-ieepa-reciprocal-cn")
