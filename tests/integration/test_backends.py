"""The storage adapters' contract, on every backend: what the ledger asks of a database beyond
eventsourcing's public API (and the eventsourcing internals the PostgreSQL adapter relies on)."""

from __future__ import annotations

import contextlib
import threading
import time
import uuid
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest

from ledger.application import Ledger
from ledger.chain import SEALS, TABLE, guarded_tables
from ledger.snapshots import Snapshot
from ledger.storage import Backend, NoLedger, backend_for
from ledger.store import SNAPSHOT_TOPIC, EventStore, aggregate_id
from tests.conftest import _postgres_schema


@pytest.fixture(params=["sqlite", "postgres", "memory"])
def store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[EventStore]:
    """An open, empty ledger's store on each backend."""
    if request.param == "postgres":
        with contextlib.contextmanager(_postgres_schema)() as address:
            opened = Ledger(address)
            yield opened.store
            opened.close()
        return
    opened = Ledger("memory:" if request.param == "memory" else str(tmp_path / "ledger.db"))
    yield opened.store
    opened.close()


def rows(n: int, key: str = "a") -> list[tuple[uuid.UUID, int, str, bytes]]:
    originator = aggregate_id("Truce", key)
    return [(originator, version, "tests:Row", b'{"n":%d}' % version) for version in range(1, n + 1)]


def test_the_factory_picks_one_adapter_from_the_address() -> None:
    assert backend_for("ledger.db").name == "sqlite"
    assert backend_for("memory:").name == "memory"
    assert backend_for("postgresql://postgres@127.0.0.1/test?schema=s").name == "postgresql"


def test_inserted_rows_get_the_positions_the_log_gives_them(store: EventStore) -> None:
    backend: Backend = store.backend
    with backend.writing() as cursor:
        first = list(backend.insert_events(cursor, rows(3)))
    with backend.writing() as cursor:
        second = list(backend.insert_events(cursor, rows(2, "b")))
    log = store.recorder.select_notifications(1, 10)
    assert [n.id for n in log] == first + second
    assert first == sorted(first) and second[0] > first[-1]
    assert [n.state for n in log[:3]] == [r[3] for r in rows(3)]


def test_a_failed_write_leaves_nothing(store: EventStore) -> None:
    backend = store.backend
    with pytest.raises(RuntimeError), backend.writing() as cursor:
        backend.insert_events(cursor, rows(2))
        raise RuntimeError("refused")
    assert store.head() == 0


def test_the_write_lock_makes_a_second_writer_wait(store: EventStore) -> None:
    if store.backend.name == "memory":
        pytest.skip("one process's memory: nothing else can write to it")
    other = EventStore(store.db)
    order: list[str] = []

    def second() -> None:
        with other.backend.writing() as cursor:
            order.append("second")
            other.backend.insert_events(cursor, rows(1, "b"))

    with store.backend.writing() as cursor:
        store.backend.insert_events(cursor, rows(1))
        thread = threading.Thread(target=second)
        thread.start()
        time.sleep(0.5)
        order.append("first commits")
    thread.join(timeout=30)
    other.close()
    assert order == ["first commits", "second"]


def test_aggregates_are_read_from_a_version_on(store: EventStore) -> None:
    backend = store.backend
    with backend.writing() as cursor:
        backend.insert_events(cursor, rows(4) + rows(2, "b"))
    a, b = aggregate_id("Truce", "a"), aggregate_id("Truce", "b")
    sql, params = backend.aggregates_query({a: 3, b: 1})
    with backend.reading() as cursor:
        cursor.execute(f"{sql} ORDER BY e.originator_id, e.originator_version", params)
        found = [(uuid.UUID(str(r["originator_id"])), r["originator_version"]) for r in cursor.fetchall()]
    assert sorted(found) == sorted([(a, 3), (a, 4), (b, 1), (b, 2)])


def test_snapshots_are_kept_sealed_and_dropped(store: EventStore) -> None:
    name = ("Truce", "a")
    snapshot = Snapshot(1, "id", date(2025, 1, 1), {"kind": "Truce", "key": "a"}, frozenset())
    with store.writing() as cursor:
        store.backend.insert_events(cursor, rows(1))
        store.keep_snapshot(name, snapshot, cursor)
    with store.backend.reading() as cursor:
        among, params = store.backend.among([aggregate_id(*name)])
        cursor.execute(f"SELECT topic FROM {store.backend.table(store.backend.snapshot_table)} WHERE {among}", params)
        assert [r["topic"] for r in cursor.fetchall()] == [SNAPSHOT_TOPIC]
    store.drop_snapshots([name])
    assert store.snapshots_of([name]) == {}


def test_rows_are_restored_at_their_positions_and_the_log_goes_on_after_them(store: EventStore) -> None:
    backend = store.backend
    with backend.writing() as cursor:
        backend.restore_events(cursor, list(zip([1, 2, 5], rows(3), strict=True)))
    with backend.writing() as cursor:
        (after,) = backend.insert_events(cursor, rows(1, "b"))
    assert [n.id for n in store.recorder.select_notifications(1, 10)] == [1, 2, 5, after]
    assert after > 5


def test_the_guards_are_all_there_once_prepared(store: EventStore) -> None:
    backend = store.backend
    with backend.reading() as cursor:
        cursor.execute(*backend.guards_present(TABLE, SEALS))
        assert int(cursor.fetchone()["n"]) == backend.wanted_guards(guarded_tables(store))
    assert backend.table_exists(TABLE) and not backend.table_exists("no_such_table")


def test_an_address_with_no_ledger_is_told_apart(db: str) -> None:
    with pytest.raises(NoLedger):
        backend_for(db).check_exists()
    with pytest.raises(NoLedger):
        backend_for("memory:").check_exists()


def test_the_database_chooses_events_by_a_field_of_their_stored_json(store: EventStore) -> None:
    """`state_text` lets `EventStore.dated` pick the events of some days, and those of another catalogue
    version, without decoding the rest."""
    backend = store.backend

    def state(day: str, version: int = 2, announced: str | None = None) -> bytes:
        extra = f',"announced":"{announced}"' if announced else ""
        return f'{{"recorded_at":"2025-01-01T00:00:00+00:00","v":{version},"event":{{"date":"{day}"{extra}}}}}'.encode()

    written = [  # day, catalogue version, announced
        ("2025-05-31", 2, None),
        ("2025-06-01", 2, None),
        ("2025-06-30", 2, None),
        ("2025-07-01", 2, None),
        ("2025-07-15", 2, "2025-06-15"),
        ("2025-01-01", 1, None),
    ]
    with backend.writing() as cursor:
        positions = backend.insert_events(
            cursor,
            [
                (aggregate_id("Truce", "x"), n, "tests:Row", state(day, v, ann))
                for n, (day, v, ann) in enumerate(written, 1)
            ],
        )
    sql = backend.statement(
        f"SELECT {backend.position} AS id FROM {{events}} WHERE {backend.state_text('event', 'date')} "
        f"BETWEEN ? AND ? ORDER BY {backend.position}",
        events=backend.events,
    )
    with backend.reading() as cursor:
        cursor.execute(sql, ("2025-06-01", "2025-06-30"))
        assert [r["id"] for r in cursor.fetchall()] == list(positions[1:3])
        cursor.execute(
            backend.statement(f"SELECT {backend.state_text('v')} AS v FROM {{events}}", events=backend.events)
        )
        assert [r["v"] for r in cursor.fetchall()] == ["2", "2", "2", "2", "2", "1"]
