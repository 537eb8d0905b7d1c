"""Answers over time are each day's answer: a chart's every day is what the day's query answers from
the in-memory fold, and a report reads the same from the read model as from the fold. On random
ledgers (`tests.reports.generated`) read as known at the head and at an earlier position."""

from __future__ import annotations

import functools
from bisect import bisect_right
from datetime import date, timedelta
from typing import Any

import orjson
import pytest
from hypothesis import strategies as st

from domain import World
from ledger import projections
from ledger.projections.over_time import Held, first_day, held, walk
from ledger.reports import markdown, model, series
from tests.integration.test_read_model import fresh_ledger
from tests.reports.generated import EXAMPLES, LEDGERS, generated, positions


def step_on(days: list[date], values: list[Any], day: date) -> Any:
    """The value of a step function (from `days[i]`, `values[i]`) on `day`."""
    return values[bisect_right(days, day) - 1]


def imposers(world: World) -> list[str | None]:
    found = sorted({state.imposer for state in world.states("TariffMeasure", date.max)})  # type: ignore[attr-defined]
    return [None, *found[:1]]


@EXAMPLES
@LEDGERS
def test_every_day_of_the_tariff_chart_is_that_days_tariffs_answer(
    seed: int, size: int, data: st.DataObject, tmp_path_factory: pytest.TempPathFactory
) -> None:
    with fresh_ledger("sqlite", tmp_path_factory) as ledger:
        days = generated(ledger, seed, size)
        for known_at in positions(ledger, data):
            world, spans = ledger.world(known_at), held(ledger.read_model(known_at), "TariffMeasure")
            start, end = days[0], days[-1]
            for imposer in imposers(world):
                lines = {(line.imposer, line.target): line for line in series.tariff_series(spans, start, end, imposer)}
                paired = set()
                for day in days:
                    answer = projections.tariffs(world, day, imposer)
                    totals = {(t["imposer"], t["target"]): t["rate_pct"] for t in answer["totals"]}
                    suspended = {
                        (row["imposer"], row["target"])
                        for row in answer["measures"]
                        if not row["products"] and row["status"] == "suspended"
                    }
                    paired |= totals.keys()
                    for pair, line in lines.items():
                        assert step_on(line.days, line.rates, day) == totals.get(pair, 0.0), (pair, day, known_at)
                        shaded = any(first <= day < last for first, last in line.suspensions)
                        assert shaded == (pair in suspended), (pair, day, known_at)
                assert paired == lines.keys()


@EXAMPLES
@LEDGERS
def test_every_day_of_the_control_chart_is_that_days_controls_answer(
    seed: int, size: int, data: st.DataObject, tmp_path_factory: pytest.TempPathFactory
) -> None:
    with fresh_ledger("sqlite", tmp_path_factory) as ledger:
        days = generated(ledger, seed, size)
        for known_at in positions(ledger, data):
            world, spans = ledger.world(known_at), held(ledger.read_model(known_at), "ExportControl")
            bars = series.control_bars(spans, days[0], days[-1])
            for day in days:
                answer = projections.controls(world, day, include_lifted=True)["controls"]
                drawn = {bar.key: status for bar in bars for first, last, status in bar.segments if first <= day < last}
                assert drawn == {row["key"]: row["status"] for row in answer}, (day, known_at)


@EXAMPLES
@LEDGERS
def test_a_report_reads_the_same_from_the_read_model_as_from_the_fold(
    seed: int, size: int, data: st.DataObject, tmp_path_factory: pytest.TempPathFactory
) -> None:
    with fresh_ledger("sqlite", tmp_path_factory) as ledger:
        days = generated(ledger, seed, size)
        for known_at in positions(ledger, data):
            world = ledger.world(known_at)
            for as_of in data.draw(st.lists(st.sampled_from(days), min_size=1, max_size=3), label="as_of"):
                window = ledger.changes(known_at, as_of - timedelta(days=model.WINDOW_DAYS - 1), as_of)
                flows = functools.partial(model.trade_flows, ledger, known_at, as_of)
                read = model.compose(ledger.read_model(known_at), flows, window, as_of, ledger.head(), "digest")
                folded = model.compose(world, flows, window, as_of, ledger.head(), "digest")
                assert markdown.render(read) == markdown.render(folded)


def test_the_walk_hands_on_each_view_as_it_starts_and_none_as_it_stops() -> None:
    d = date.fromisoformat
    spans = [
        Held("a", d("2025-01-01").toordinal(), d("2025-03-01").toordinal(), '{"key": "a", "n": 1}'),
        Held("a", d("2025-03-01").toordinal(), 2**62, '{"key": "a", "n": 2}'),
        Held("b", d("2025-02-01").toordinal(), d("2025-04-01").toordinal(), '{"key": "b", "n": 1}'),
        Held("c", d("2025-05-01").toordinal(), 2**62, '{"key": "c", "n": 1}'),
    ]
    assert list(walk(spans, d("2025-01-15"), d("2025-04-30"))) == [
        (d("2025-01-15"), {"a": {"key": "a", "n": 1}}),
        (d("2025-02-01"), {"b": {"key": "b", "n": 1}}),
        (d("2025-03-01"), {"a": {"key": "a", "n": 2}}),
        (d("2025-04-01"), {"b": None}),
    ]
    assert first_day(spans, d("2025-04-30")) == d("2025-01-01")
    assert first_day(spans[3:], d("2025-04-30")) == d("2025-04-30")


def test_the_walk_puts_each_view_back_together_from_its_head_and_items() -> None:
    d = date.fromisoformat
    inline = [{"url": f"u{i}"} for i in range(8)]
    head = orjson.dumps({"key": "a", "sources": inline}).decode()
    spans = [
        Held("a", d("2025-01-01").toordinal(), 2**62, head),
        Held("a", d("2025-02-01").toordinal(), 2**62, '["sources", 9, {"url": "u9"}]'),
        Held("a", d("2025-02-01").toordinal(), d("2025-03-01").toordinal(), '["sources", 8, {"url": "u8"}]'),
        Held("a", d("2025-03-01").toordinal(), 2**62, '["sources", 8, {"url": "v8"}]'),
    ]
    assert list(walk(spans, d("2025-01-15"), d("2025-04-30"))) == [
        (d("2025-01-15"), {"a": {"key": "a", "sources": inline}}),
        (d("2025-02-01"), {"a": {"key": "a", "sources": [*inline, {"url": "u8"}, {"url": "u9"}]}}),
        (d("2025-03-01"), {"a": {"key": "a", "sources": [*inline, {"url": "v8"}, {"url": "u9"}]}}),
    ]
