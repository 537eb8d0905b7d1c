"""Snapshots on SQLite and PostgreSQL: recording into a long aggregate reads only its events since the
last snapshot, and every rule, id and reference is judged as without snapshots."""

from __future__ import annotations

import contextlib
import json
import tempfile
from collections.abc import Callable, Iterator
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from benchmarks.generate import events as generated
from domain import LedgerError, parse_fact
from ledger.application import Candidate, Ledger
from ledger.cli.main import app
from ledger.store import EventStore
from tests.conftest import _postgres_schema

Event = dict[str, Any]
Outcome = tuple[Any, ...]

IMPOSED = {"type": "TariffImposed", "key": "layer", "date": "2025-01-01", "imposer": "US", "target": "CN"}
IMPOSED["rate_pct"] = 50
AGREED = {"type": "TruceAgreed", "key": "geneva", "date": "2025-05-12", "parties": ["US", "CN"]}
AGREED["expires"] = "2025-08-12"


def rate(day: str, pct: float = 20) -> Event:
    return {"type": "TariffRateChanged", "key": "layer", "date": day, "rate_pct": pct}


def month(n: int) -> str:
    return f"{2025 + n // 12}-{n % 12 + 1:02d}-01"


@contextlib.contextmanager
def ledger_on(db: str, interval: int | None) -> Iterator[Ledger]:
    opened = Ledger(db)
    opened.store.snapshot_interval = interval
    try:
        yield opened
    finally:
        opened.close()


@pytest.fixture
def ledgers(db: str) -> Iterator[tuple[Ledger, Ledger]]:
    """The same ledger twice: snapshots every 3 events (on `db`), and none (on SQLite)."""
    with (
        ledger_on(db, 3) as snapshotting,
        tempfile.TemporaryDirectory() as plain_dir,
        ledger_on(f"{plain_dir}/plain.db", None) as plain,
    ):
        yield snapshotting, plain


def record(ledger: Ledger, *events: Event) -> Outcome:
    """What recording `events` did, or why it was refused."""
    try:
        done = ledger.record([Candidate(parse_fact(e), f"line {n}") for n, e in enumerate(events, start=1)])
    except LedgerError as refused:
        return ("refused", str(refused))
    return ("recorded", done.count, done.skipped)


def both(ledgers: tuple[Ledger, Ledger], *events: Event) -> Outcome:
    first, second = (record(ledger, *events) for ledger in ledgers)
    assert first == second
    return first


def reads(ledger: Ledger) -> list[int]:
    """How many events each recording reads of its aggregates, from now on."""
    counts: list[int] = []
    store = ledger.store
    aggregates = store.aggregates

    def counting(*args: Any, **kwargs: Any) -> Any:
        found = aggregates(*args, **kwargs)
        counts.append(sum(len(events) for events in found.values()))
        return found

    store.aggregates = counting  # type: ignore[method-assign]
    return counts


def snapshot_version(ledger: Ledger, kind: str, key: str) -> int | None:
    found = ledger.store.snapshots_of([(kind, key)])
    return found[kind, key].version if (kind, key) in found else None


def test_recording_in_date_order_reads_only_the_events_since_the_last_snapshot(ledgers: tuple[Ledger, Ledger]) -> None:
    snapshotting, _ = ledgers
    assert both(ledgers, IMPOSED, *(rate(month(n)) for n in range(1, 10))) == ("recorded", 10, 0)
    assert snapshot_version(snapshotting, "TariffMeasure", "layer") == 10
    counts = reads(snapshotting)
    for n in range(10, 16):
        assert both(ledgers, rate(month(n), n)) == ("recorded", 1, 0)
    assert max(counts) <= 3  # the event at the snapshot's version and those since, never all
    assert snapshot_version(snapshotting, "TariffMeasure", "layer") == 16


def test_a_back_filled_event_is_judged_on_the_whole_timeline(ledgers: tuple[Ledger, Ledger]) -> None:
    suspended = {"type": "TariffSuspended", "key": "layer", "date": month(3), "points": 10, "until": month(30)}
    both(ledgers, IMPOSED, rate(month(1), 5), *(rate(month(n), 50) for n in range(2, 12)))
    problem = "10 points exceed the rate of 5% that day"
    assert both(ledgers, {**suspended, "date": month(1)}) == ("refused", f"line 1: TariffSuspended: {problem}")
    assert both(ledgers, suspended, rate(month(12))) == ("recorded", 2, 0)


def test_an_event_that_would_make_a_later_one_invalid_is_refused_as_without_snapshots(
    ledgers: tuple[Ledger, Ledger],
) -> None:
    suspended = {"type": "TariffSuspended", "key": "layer", "date": month(20), "points": 40, "until": month(30)}
    both(ledgers, IMPOSED, *(rate(month(n), 50) for n in range(1, 12)), suspended)
    outcome = both(ledgers, rate(month(15), 30))
    assert outcome[0] == "refused" and "would make the TariffSuspended" in outcome[1]


def test_ids_recorded_before_the_snapshot_are_skipped_or_refused_as_without_one(ledgers: tuple[Ledger, Ledger]) -> None:
    first = {**rate(month(1)), "id": "first-change"}
    both(ledgers, IMPOSED, first, *(rate(month(n)) for n in range(2, 12)))
    assert both(ledgers, first, rate(month(12))) == ("recorded", 1, 1)
    refused = both(ledgers, {**first, "note": "Another story"})
    assert refused == ("refused", "line 1: id: first-change is already recorded with other content")


def test_a_retraction_of_an_event_before_the_snapshot_is_judged_on_the_whole_timeline(
    ledgers: tuple[Ledger, Ledger],
) -> None:
    lifted = {"type": "TariffLifted", "key": "layer", "date": month(5)}
    both(ledgers, IMPOSED, *(rate(month(n)) for n in range(1, 5)), lifted)
    for ledger in ledgers:
        ledger.retract(ledger.head(), "Lifted later")
    assert both(ledgers, rate(month(6)), rate(month(7))) == ("recorded", 2, 0)
    for ledger in ledgers:
        ledger.retract(2, "Not so")  # the first rate change, long before the snapshot
    assert both(ledgers, rate(month(8))) == ("recorded", 1, 0)


def test_a_truce_ended_since_the_snapshot_is_judged_on_the_whole_timeline(ledgers: tuple[Ledger, Ledger]) -> None:
    suspended = {"type": "TariffSuspended", "key": "layer", "date": "2025-05-14", "points": 24, "truce": "geneva"}
    reinstated = {"type": "TariffReinstated", "key": "layer", "date": "2025-07-01"}
    both(ledgers, AGREED, IMPOSED, suspended, reinstated, rate("2025-07-02"), rate("2025-07-03"))
    assert both(ledgers, {"type": "TruceTerminated", "key": "geneva", "date": "2025-06-01"}) == ("recorded", 1, 0)
    outcome = both(ledgers, rate("2025-07-04"))
    assert outcome[0] == "refused" and "TariffReinstated of 2025-07-01" in outcome[1]
    assert "no suspension applies that day" in outcome[1]


def test_a_snapshot_the_events_no_longer_match_is_dropped_and_taken_again(ledgers: tuple[Ledger, Ledger]) -> None:
    snapshotting, _ = ledgers
    both(ledgers, IMPOSED, *(rate(month(n)) for n in range(1, 6)))
    store, name = snapshotting.store, ("TariffMeasure", "layer")
    snapshot = store.snapshots_of([name])[name]
    forged = type(snapshot)(snapshot.version, "0" * 64, snapshot.day, {**snapshot.state, "rate": 0.0}, snapshot.ids)
    with store.writing() as cursor:
        store.keep_snapshot(name, forged, cursor)
    counts = reads(snapshotting)
    assert both(ledgers, rate(month(6))) == ("recorded", 1, 0)
    assert counts[-1] == 6  # the snapshot was not trusted: every event read
    assert store.snapshots_of([name])[name].last != forged.last


def test_rebuild_drops_the_snapshots(db: str) -> None:
    with ledger_on(db, 2) as ledger:
        record(ledger, IMPOSED, rate(month(1)), rate(month(2)))
        assert snapshot_version(ledger, "TariffMeasure", "layer") == 3
    result = CliRunner().invoke(app, ["rebuild", "--db", db])
    assert result.exit_code == 0, result.stderr
    assert "dropped the snapshots" in result.stderr
    with ledger_on(db, 2) as ledger:
        assert snapshot_version(ledger, "TariffMeasure", "layer") is None
        assert record(ledger, rate(month(3))) == ("recorded", 1, 0)


# Random histories --------------------------------------------------------------------------------


def truce_story(draw: st.DrawFn, n: int) -> list[tuple[str, Any]]:
    """A tariff suspended under a truce is reinstated and changed twice; then the truce ends, perhaps
    before the reinstatement (whose grounds then go), and the tariff is changed again."""
    truce, layer = f"story-truce-{n}", f"story-layer-{n}"
    start = date(2020, 1, 1) + timedelta(days=draw(st.integers(0, 2000)))
    reinstated, ended = draw(st.integers(2, 80)), draw(st.integers(1, 80))

    def on(days: int) -> str:
        return (start + timedelta(days=days)).isoformat()

    def change(days: int) -> Event:
        return {"type": "TariffRateChanged", "key": layer, "date": on(reinstated + days), "rate_pct": 50}

    return [
        ("record", [{"type": "TruceAgreed", "key": truce, "date": on(0), "parties": ["US", "CN"], "days": 90}]),
        ("record", [{**IMPOSED, "key": layer, "date": on(0)}]),
        ("record", [{"type": "TariffSuspended", "key": layer, "date": on(1), "points": 10, "truce": truce}]),
        ("record", [{"type": "TariffReinstated", "key": layer, "date": on(reinstated)}]),
        ("record", [change(1), change(2)]),
        ("record", [{"type": "TruceTerminated", "key": truce, "date": on(ended)}]),
        ("record", [change(3)]),
    ]


@st.composite
def histories(draw: st.DrawFn) -> list[tuple[str, Any]]:
    """Synthetic events, some moved later (back-filled), some with ids of their own, in batches; between
    them retractions, repeats, the same id with other content, and truces ending under reinstated
    suspensions (`truce_story`)."""
    events = list(generated(draw(st.integers(40, 160)), draw(st.integers(0, 10**6))))
    for n, event in enumerate(events):
        if draw(st.integers(0, 3)) == 0:
            event["id"] = f"event-{n}"
    for _ in range(draw(st.integers(0, 8))):
        taken = events.pop(draw(st.integers(0, len(events) - 1)))
        events.insert(draw(st.integers(0, len(events))), taken)
    steps: list[tuple[str, Any]] = []
    offered: list[Event] = []
    while events:
        size = draw(st.integers(1, 8))
        steps.append(("record", events[:size]))
        offered, events = offered + events[:size], events[size:]
        extra = draw(st.sampled_from(("", "", "retract", "again", "other", "truce story")))
        earlier = offered[draw(st.integers(0, len(offered) - 1))]
        if extra == "retract":
            steps.append(("retract", draw(st.floats(0, 1))))
        elif extra == "again":
            steps.append(("record", [earlier]))
        elif extra == "other":
            steps.append(("record", [{**earlier, "note": "Told otherwise"}]))
        elif extra == "truce story":
            steps += truce_story(draw, len(steps))
    return steps


def replay(ledger: Ledger, steps: list[tuple[str, Any]]) -> list[Outcome]:
    outcomes = []
    for step, argument in steps:
        if step == "record":
            outcomes.append(record(ledger, *argument))
            continue
        position = 1 + int(argument * (ledger.head() - 1))
        try:
            outcomes.append(("retracted", ledger.retract(position, "Withdrawn").position))
        except LedgerError as refused:
            outcomes.append(("refused", str(refused)))
    return outcomes


def log(ledger: Ledger) -> list[str]:
    return [json.dumps({k: v for k, v in e.items() if k != "recorded_at"}) for e in ledger.log(ledger.head())]


def compare(address: Callable[[], contextlib.AbstractContextManager[str]], steps: list[tuple[str, Any]]) -> None:
    with address() as db, ledger_on(db, 2) as snapshotting, address() as plain_db, ledger_on(plain_db, None) as plain:
        assert replay(snapshotting, steps) == replay(plain, steps)
        assert log(snapshotting) == log(plain)


@contextlib.contextmanager
def sqlite_file() -> Iterator[str]:
    with tempfile.TemporaryDirectory() as folder:
        yield str(Path(folder) / "ledger.db")


postgres_schema = contextlib.contextmanager(_postgres_schema)

ADDRESSES = {"sqlite": (sqlite_file, 40), "postgres": (postgres_schema, 12)}


@pytest.mark.parametrize("store", list(ADDRESSES))
def test_random_histories_are_judged_the_same_with_and_without_snapshots(store: str) -> None:
    address, examples = ADDRESSES[store]
    checks = settings(max_examples=examples, deadline=None, suppress_health_check=[HealthCheck.too_slow])
    checks(given(histories())(lambda steps: compare(address, steps)))()


def test_snapshots_are_off_when_the_interval_is_none(sqlite_db: str) -> None:
    assert EventStore.snapshot_interval == 200
    with ledger_on(sqlite_db, None) as ledger:
        record(ledger, IMPOSED, rate(month(1)), rate(month(2)))
        assert snapshot_version(ledger, "TariffMeasure", "layer") is None
