"""A folded state as JSON and back, for every kind; and folding on from it judges as the whole fold does."""

from __future__ import annotations

import json
from collections import defaultdict
from datetime import UTC, datetime

import orjson
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from benchmarks.generate import events as generated
from domain import Aggregate, Recorded, RuleBroken, World, fold, parse_fact
from domain.snapshot import COMMON, DERIVED, FIELDS, from_state, goes_on, to_state
from domain.timeline import in_order
from tests.conftest import EXAMPLE
from tests.domain.helpers import LAW, event, timeline

AT = datetime(2025, 1, 1, tzinfo=UTC)


def ledger(count: int, seed: int) -> World:
    """A generated ledger with the example's story and tariff law, every event recorded in the order written."""
    lines = [json.loads(line) for line in EXAMPLE.read_text().splitlines() if line.strip()] + LAW
    recorded = [
        Recorded(parse_fact(line), position, 0, AT)
        for position, line in enumerate([*lines, *generated(count, seed)], start=1)
    ]
    return World(recorded, len(recorded))


def states(world: World) -> list[Aggregate]:
    return [state for (_, key), events in world.timelines.items() if (state := fold(events, None, world.truce_end))]


def round_trip(state: Aggregate) -> Aggregate:
    return from_state(orjson.loads(orjson.dumps(to_state(state))))


@pytest.fixture(scope="module")
def world() -> World:
    return ledger(3000, seed=7)


def test_every_kind_comes_back_from_json_as_it_was(world: World) -> None:
    folded = states(world)
    assert {state.kind for state in folded} == set(FIELDS)
    for state in folded:
        again = round_trip(state)
        assert type(again) is type(state)
        assert vars(again) == vars(state), state.key


def test_each_kind_names_every_field_of_its_state(world: World) -> None:
    for state in states(world):
        assert set(vars(state)) - DERIVED == {*COMMON, *FIELDS[state.kind]}, state.kind


def test_a_state_from_json_answers_as_the_state_it_came_from(world: World) -> None:
    for state in states(world):
        for day in (state.start, *(d for d in state.turns(state.start, world.truce_end) if d is not None)):
            assert round_trip(state).view(day, world.truce_end) == state.view(day, world.truce_end)


def test_events_before_the_latest_day_folded_or_a_second_creation_do_not_go_on() -> None:
    imposed, later, earlier = timeline(
        event("TariffImposed", "layer", "2025-04-10", imposer="US", target="CN", rate_pct=125),
        event("TariffRateChanged", "layer", "2025-05-14", rate_pct=34),
        event("TariffRateChanged", "layer", "2025-05-13", rate_pct=30),
    )
    day = later.fact.date
    assert goes_on("TariffMeasure", day, [later])
    assert not goes_on("TariffMeasure", day, [earlier])
    assert not goes_on("TariffMeasure", imposed.fact.date, [imposed])
    report = timeline(event("TradeFlowReported", "flow", "2025-06-09", **FLOW))
    assert goes_on("TradeFlow", day, report)  # in a series every event is a creation


FLOW = {"reporter": "CN", "partner": "US", "flow": "exports", "period": "2025-05", "trend": "down"}


@settings(max_examples=25, deadline=None)
@given(seed=st.integers(0, 10_000), cut=st.floats(0.1, 0.9))
def test_folding_on_from_a_state_judges_as_the_whole_fold_does(seed: int, cut: float) -> None:
    world = ledger(400, seed)
    by_key: dict[str, list[Recorded]] = defaultdict(list)
    for recorded in in_order(r for events in world.timelines.values() for r in events):
        by_key[recorded.fact.key].append(Recorded(recorded.fact, 0, len(by_key[recorded.fact.key]) + 1, AT))
    for events in by_key.values():
        before, after = events[: max(1, int(len(events) * cut))], events[max(1, int(len(events) * cut)) :]
        state = fold(before, None, world.truce_end)
        assert state is not None
        if not goes_on(state.kind, max(r.fact.date for r in before), after):
            continue
        whole = fold(events, None, world.truce_end)
        on = fold(after, None, world.truce_end, start=round_trip(state))
        assert on is not None and whole is not None
        assert vars(on) == vars(whole)


def test_folding_on_refuses_what_the_whole_fold_refuses() -> None:
    events = timeline(
        event("TruceAgreed", "geneva", "2025-05-12", parties=["US", "CN"], effective="2025-05-14", days=90),
        event("TruceExtended", "geneva", "2025-08-11", expires="2025-11-10"),
        event("TruceExtended", "geneva", "2025-12-01", days=30),
    )
    state = fold(events[:2])
    assert state is not None and goes_on("Truce", events[1].fact.date, events[2:])
    with pytest.raises(RuleBroken) as whole:
        fold(events)
    with pytest.raises(RuleBroken) as on:
        fold(events[2:], start=round_trip(state))
    assert (on.value.recorded, on.value.problem) == (whole.value.recorded, whole.value.problem)
