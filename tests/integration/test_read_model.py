"""The persistent read model answers exactly what the in-memory fold answers, on both stores.

Random ledgers come from the benchmark generator, recorded in a random order in random batches
(so history is back-filled and batches are refused), with random retractions and catch-ups in
between. For random known-at positions, every day on which anything could change is checked.
"""

from __future__ import annotations

import contextlib
import json
import random
from collections.abc import Iterator
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from benchmarks import generate
from domain import LedgerError, parse_fact
from ledger.address import is_postgres
from ledger.application import Candidate, Ledger, RecordingRefused
from ledger.known_at import NOW, KnownAt
from ledger.projections import Views
from ledger.read_model import KINDS, NAME, ReadModel, catching_up, projector, rebuild, span_recorder, spans_of
from ledger.spans import up_to_date
from tests.conftest import EXAMPLE, _postgres_schema


@contextlib.contextmanager
def fresh_ledger(backend: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Ledger]:
    """A new, empty ledger for one hypothesis example."""
    with contextlib.ExitStack() as stack:
        if backend == "sqlite":
            db = str(tmp_path_factory.mktemp("ledger") / "ledger.db")
        else:
            db = stack.enter_context(contextlib.contextmanager(_postgres_schema)())
        ledger = Ledger(db)
        stack.callback(ledger.close)
        yield ledger


def record_randomly(ledger: Ledger, rng: random.Random, events: list[dict[str, Any]]) -> None:
    """Record `events` in a shuffled order, in batches (refused ones dropped), catching up now and then."""
    order = events[:]
    for _ in range(len(order) // 4):  # local swaps: history arrives out of valid-time order
        i = rng.randrange(len(order))
        j = min(len(order) - 1, i + rng.randint(1, 8))
        order[i], order[j] = order[j], order[i]
    while order:
        size = rng.randint(1, 12)
        batch, order = order[:size], order[size:]
        with contextlib.suppress(RecordingRefused):
            ledger.record([Candidate(parse_fact(e)) for e in batch])
        if rng.random() < 0.3:
            ledger.read_model(ledger.head())
        if rng.random() < 0.15 and ledger.head():
            with contextlib.suppress(LedgerError):
                ledger.retract(rng.randint(1, ledger.head()), "withdrawn in a test")


def turning_days(events: list[dict[str, Any]]) -> list[date]:
    """Every day named in the events, and the days either side: where answers can change."""
    days: set[date] = set()
    for event in events:
        for value in event.values():
            if isinstance(value, str) and len(value) == 10 and value[4] == "-":
                with contextlib.suppress(ValueError):
                    day = date.fromisoformat(value)
                    days |= {day - timedelta(days=1), day, day + timedelta(days=1)}
    return sorted(days)


def normal(views: list[dict[str, Any]]) -> Any:
    return json.loads(json.dumps(views))


def assert_same_answers(ledger: Ledger, known_at: int, days: list[date]) -> None:
    """The fold, the read model and (on SQLite) the read model read straight from the file agree."""
    world = ledger.world(known_at)
    models: list[Views] = [ledger.read_model(known_at)]  # caught up: the direct reader takes it
    direct = None if is_postgres(ledger.store.db) else up_to_date(ledger.store.db, KnownAt(position=known_at))
    assert direct is not None or is_postgres(ledger.store.db)
    models += [direct] if direct is not None else []
    try:
        for day in days:
            for kind in KINDS:
                expected = normal(world.views(kind, day))
                for model in models:
                    assert model.views(kind, day) == expected, (type(model), kind, day.isoformat(), known_at)
    finally:
        if direct is not None:
            direct.close()


@pytest.mark.parametrize("backend", ["sqlite", "postgres"])
@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(seed=st.integers(0, 10**6), size=st.integers(10, 160), data=st.data())
def test_read_model_answers_equal_the_fold(
    backend: str, seed: int, size: int, data: st.DataObject, tmp_path_factory: pytest.TempPathFactory
) -> None:
    rng = random.Random(seed)
    events = list(generate.events(size, seed))
    days = turning_days(events)
    with fresh_ledger(backend, tmp_path_factory) as ledger:
        record_randomly(ledger, rng, events)
        head = ledger.head()
        for known_at in {head, *data.draw(st.lists(st.integers(0, head), max_size=3), label="known_at")}:
            assert_same_answers(ledger, known_at, days[:: max(1, len(days) // 120)] + days[-3:])
        before = spans_of(span_recorder(ledger.store).rows())
        assert rebuild(ledger.store) == head
        assert spans_of(span_recorder(ledger.store).rows()) == before


def test_the_example_is_answered_from_spans_on_every_day(db: str) -> None:
    ledger = Ledger(db)
    try:
        events = [json.loads(line) for line in EXAMPLE.read_text().splitlines() if line.strip()]
        ledger.record([Candidate(parse_fact(e)) for e in events])
        days = [date(2025, 3, 1) + timedelta(days=n) for n in range(0, 300)]
        for known_at in (1, 10, 20, ledger.head()):
            assert_same_answers(ledger, known_at, days)
    finally:
        ledger.close()


def test_a_truce_extension_recorded_later_moves_the_suspension_end(db: str) -> None:
    """The Geneva worked example: as known before the extension the rate on 12 August is 34; after it, 10."""
    ledger = Ledger(db)
    try:
        events = [json.loads(line) for line in EXAMPLE.read_text().splitlines() if line.strip()]
        ledger.record([Candidate(parse_fact(e)) for e in events if e["type"] != "TruceExtended"])
        before = ledger.head()
        ledger.record([Candidate(parse_fact(e)) for e in events if e["type"] == "TruceExtended"])
        rates = {}
        for known_at in (before, ledger.head()):
            (measure,) = [
                m
                for m in ledger.read_model(known_at).views("TariffMeasure", date(2025, 8, 12))
                if m["key"] == "us-ieepa-reciprocal-cn"
            ]
            rates[known_at] = measure["rate_pct"]
        assert rates == {before: 34.0, ledger.head(): 10.0}
    finally:
        ledger.close()


def test_catching_up_twice_changes_nothing_and_rebuild_resumes(sqlite_db: str) -> None:
    ledger = Ledger(sqlite_db)
    try:
        events = list(generate.events(300, 7))
        ledger.record([Candidate(parse_fact(e)) for e in events])
        recorder = span_recorder(ledger.store)
        ledger.read_model(ledger.head())
        rows = spans_of(recorder.rows())
        assert rows, "the read model holds spans"
        assert recorder.max_tracking_id(NAME) == ledger.head()
        ledger.read_model(ledger.head())
        assert spans_of(recorder.rows()) == rows
        assert isinstance(ledger.read_model(0), ReadModel)
        assert all(ledger.read_model(0).views(kind, date(2020, 1, 1)) == [] for kind in KINDS)
    finally:
        ledger.close()


def test_the_file_is_read_directly_only_when_the_read_model_is_up_to_date(sqlite_db: str) -> None:
    example = [Candidate(parse_fact(json.loads(line))) for line in Path(EXAMPLE).read_text("utf-8").splitlines()]
    ledger = Ledger(sqlite_db)
    try:
        ledger.record(example[:5])
        assert up_to_date(sqlite_db, NOW) is None  # nothing projected yet
        ledger.read_model(ledger.head())
        direct = up_to_date(sqlite_db, KnownAt.parse("3"))
        assert direct is not None and direct.known_at == 3
        direct.close()
        assert up_to_date(sqlite_db, KnownAt.parse("2025-06-10")) is None  # a time is resolved by reading the ledger
        ledger.record(example[5:6])
        assert up_to_date(sqlite_db, NOW) is None  # behind the ledger again
        ledger.read_model(ledger.head())
        with span_recorder(ledger.store).datastore.transaction(commit=True) as cursor:
            cursor.execute("DROP INDEX dipledger_spans_day")  # a rebuild cut short before its index
        assert up_to_date(sqlite_db, NOW) is None
    finally:
        ledger.close()
    assert up_to_date(str(Path(sqlite_db).parent / "missing.db"), NOW) is None


def test_a_long_negotiation_adds_rows_the_size_of_each_event(db: str) -> None:
    """Each statement is a piece of its own: the stored rows do not grow with the negotiation."""
    opened = {"type": "NegotiationOpened", "key": "talks", "date": "2025-01-01", "parties": ["US", "CN"]}
    statements = [
        {
            "type": "PositionStated",
            "key": "talks",
            "date": (date(2025, 1, 2) + timedelta(days=n)).isoformat(),
            "party": "US",
            "speaker": "Trade Representative",
            "stance": "assessment",
            "statement": f"Statement number {n}.",
        }
        for n in range(120)
    ]
    ledger = Ledger(db)
    try:
        ledger.record([Candidate(parse_fact({**opened, "title": "US–CN talks"}))])
        for statement in statements:
            ledger.record([Candidate(parse_fact(statement))])
        (negotiation,) = ledger.read_model(ledger.head()).views("Negotiation", date(2025, 12, 31))
        assert [s["statement"] for s in negotiation["statements"]] == [s["statement"] for s in statements]
        (earlier,) = ledger.read_model(61).views("Negotiation", date(2025, 12, 31))
        assert len(earlier["statements"]) == 60  # as known after the opening and 60 statements
        assert max(len(row.view) for row in span_recorder(ledger.store).rows()) < 400
    finally:
        ledger.close()


@pytest.mark.parametrize("kind", generate.LONG)
def test_a_long_aggregate_of_each_kind_answers_as_the_fold(db: str, kind: str) -> None:
    """Lists long enough to be stored an item a span (past those kept in the head), items removed
    from the middle of one, a retraction: caught up a batch at a time, or all at once, the same."""
    rng = random.Random(11)
    events = list(generate.long(kind, 400, 11))
    ledger = Ledger(db)
    try:
        while events:
            size = rng.randint(1, 60)
            batch, events = events[:size], events[size:]
            ledger.record([Candidate(parse_fact(e)) for e in batch])
            ledger.read_model(ledger.head())
        ledger.retract(200, "withdrawn in a test")
        days = turning_days(ledger.log(ledger.head()))
        for known_at in (150, ledger.head()):
            assert_same_answers(ledger, known_at, days[:: max(1, len(days) // 40)] + days[-3:])
        before = spans_of(span_recorder(ledger.store).rows())
        rebuild(ledger.store)
        assert spans_of(span_recorder(ledger.store).rows()) == before
    finally:
        ledger.close()


def test_a_read_model_of_an_older_layout_is_projected_again(sqlite_db: str) -> None:
    ledger = Ledger(sqlite_db)
    try:
        ledger.record([Candidate(parse_fact(json.loads(line))) for line in EXAMPLE.read_text().splitlines()])
        ledger.read_model(ledger.head())
        expected = spans_of(span_recorder(ledger.store).rows())
        with span_recorder(ledger.store).datastore.transaction(commit=True) as cursor:  # as an older version left it
            cursor.execute("UPDATE tracking SET application_name = 'spans' WHERE application_name = ?", (NAME,))
            cursor.execute('UPDATE dipledger_spans SET view = \'{"key": "stale"}\'')
        assert up_to_date(sqlite_db, NOW) is None
        ledger.read_model(ledger.head())
        assert spans_of(span_recorder(ledger.store).rows()) == expected
    finally:
        ledger.close()


def test_pages_written_while_the_next_is_projected_equal_one_page(db: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """Many small pages, aggregates forgotten and read back between them: the same spans as one page."""
    ledger = Ledger(db)
    try:
        ledger.record([Candidate(parse_fact(e)) for e in generate.events(400, 3)])
        rebuild(ledger.store)
        whole = spans_of(span_recorder(ledger.store).rows())
        monkeypatch.setattr(catching_up, "PAGE", 37)
        monkeypatch.setattr(projector, "CACHED", 5)
        rebuild(ledger.store)
        assert spans_of(span_recorder(ledger.store).rows()) == whole
    finally:
        ledger.close()


def test_a_projection_overtaken_by_another_process_starts_again_from_where_that_stopped(
    db: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    ledger, other = Ledger(db), Ledger(db)
    try:
        events = [Candidate(parse_fact(e)) for e in generate.events(600, 5)]
        ledger.record(events[:300])
        ledger.read_model(ledger.head())
        ledger.record(events[300:])
        write = type(span_recorder(ledger.store)).write
        overtaken = []

        def overtaking(recorder: Any, start: int, batch: Any) -> None:
            if not overtaken:  # another process projects everything before this page is written
                overtaken.append(start)
                other.read_model(other.head())
            write(recorder, start, batch)

        monkeypatch.setattr(catching_up, "PAGE", 50)
        monkeypatch.setattr(type(span_recorder(ledger.store)), "write", overtaking)
        ledger.read_model(ledger.head())
        assert overtaken
        monkeypatch.undo()
        assert span_recorder(ledger.store).max_tracking_id(NAME) == ledger.head()
        incremental = spans_of(span_recorder(ledger.store).rows())
        rebuild(ledger.store)
        assert spans_of(span_recorder(ledger.store).rows()) == incremental
    finally:
        ledger.close()
        other.close()
