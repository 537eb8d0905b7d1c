"""Importing files: read twice (first to place each line, then to validate and record it an aggregate at
a time), written in batches inside one transaction, on SQLite and PostgreSQL."""

from __future__ import annotations

import io
import json
from pathlib import Path
from typing import Any

import orjson
import pytest

import ledger.application
import ledger.jsonl
import ledger.store
import ledger.timelines
from benchmarks.generate import events as generated
from domain import parse_fact
from domain.events import Retracted
from ledger.application import Ledger, RecordingRefused
from ledger.jsonl import Lines, open_lines
from ledger.store import EventStore, event_json


def tariff(key: str, day: str = "2025-01-02", **fields: Any) -> dict[str, Any]:
    return {"type": "TariffImposed", "key": key, "date": day, "imposer": "US", "target": "CN", "rate_pct": 10, **fields}


def change(key: str, day: str, rate: float) -> dict[str, Any]:
    return {"type": "TariffRateChanged", "key": key, "date": day, "rate_pct": rate}


TRUCE = {"type": "TruceAgreed", "key": "geneva", "date": "2025-05-12", "parties": ["US", "CN"], "days": 90}
SUSPENDED = {"type": "TariffSuspended", "key": "b", "date": "2025-05-14", "points": 5, "truce": "geneva"}
INTERLEAVED = [
    change("a", "2025-03-01", 20),  # before its creation line, and dated after the next change
    tariff("b"),
    change("a", "2025-02-01", 15),
    tariff("a"),
    SUSPENDED,  # names a truce that comes later in the file
    change("b", "2025-02-01", 30),
    TRUCE,
    change("a", "2025-02-01", 17),  # same day as the change of 15: line order breaks the tie
]


def write(path: Path, events: list[dict[str, Any]], blank_after: int | None = None) -> Path:
    lines = [json.dumps(event) for event in events]
    if blank_after is not None:
        lines.insert(blank_after, "")
    path.write_text("".join(line + "\n" for line in lines), encoding="utf-8")
    return path


def imported(db: str, *paths: Path) -> ledger.application.Recording:
    opened = Ledger(db)
    try:
        with open_lines([str(path) for path in paths]) as lines:
            return opened.record(lines)
    finally:
        opened.close()


def log(db: str) -> list[tuple[int, str, str, str]]:
    opened = Ledger(db)
    try:
        return [(e["position"], e["key"], e["date"], e["type"]) for e in opened.log(opened.head())]
    finally:
        opened.close()


EXPECTED = [
    (1, "a", "2025-01-02", "TariffImposed"),
    (2, "a", "2025-02-01", "TariffRateChanged"),
    (3, "a", "2025-02-01", "TariffRateChanged"),
    (4, "a", "2025-03-01", "TariffRateChanged"),
    (5, "b", "2025-01-02", "TariffImposed"),
    (6, "b", "2025-02-01", "TariffRateChanged"),
    (7, "b", "2025-05-14", "TariffSuspended"),
    (8, "geneva", "2025-05-12", "TruceAgreed"),
]


def test_each_key_is_recorded_creation_first_then_by_date_line_order_breaking_ties(db: str, tmp_path: Path) -> None:
    done = imported(db, write(tmp_path / "mixed.jsonl", INTERLEAVED, blank_after=3))
    assert (done.count, done.first, done.last, done.skipped) == (8, 1, 8, 0)
    assert log(db) == EXPECTED
    opened = Ledger(db)
    rates = [e["rate_pct"] for e in opened.log(8) if e["key"] == "a"]
    opened.close()
    assert rates == [10, 15, 17, 20]


def test_aggregates_open_too_long_are_let_go_and_read_again_in_their_turn(
    db: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(ledger.jsonl, "HELD", 1)
    read_again: list[tuple[str, str]] = []
    candidates = Lines.candidates

    def spying(self: Lines, kind: str, key: str) -> list[ledger.application.Candidate]:
        read_again.append((kind, key))
        return candidates(self, kind, key)

    monkeypatch.setattr(Lines, "candidates", spying)
    done = imported(db, write(tmp_path / "mixed.jsonl", INTERLEAVED))
    assert done.count == 8
    assert log(db) == EXPECTED
    assert ("TariffMeasure", "a") in read_again


def test_a_truce_named_before_its_lines_are_read_is_read_ahead_of_its_turn(db: str, tmp_path: Path) -> None:
    lines = write(tmp_path / "forward.jsonl", [tariff("b"), SUSPENDED, TRUCE])
    assert imported(db, lines).count == 3


@pytest.fixture
def inserts(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """The size of each batch inserted, two events a batch, read ahead an aggregate at a time."""
    monkeypatch.setattr(ledger.application, "BATCH", 2)
    monkeypatch.setattr(ledger.timelines, "AHEAD", 1)
    sizes: list[int] = []
    insert = ledger.store.EventStore.insert

    def counting(self: Any, batch: Any, recorded_at: Any, cursor: Any = None) -> Any:
        assert cursor is not None, "an import writes inside its own transaction"
        sizes.append(len(batch))
        return insert(self, batch, recorded_at, cursor)

    monkeypatch.setattr(ledger.store.EventStore, "insert", counting)
    return sizes


def test_events_are_written_in_batches_inside_one_transaction(db: str, tmp_path: Path, inserts: list[int]) -> None:
    assert imported(db, write(tmp_path / "many.jsonl", [tariff(f"t{i}") for i in range(7)])).count == 7
    assert inserts == [2, 2, 2, 1]
    assert [position for position, *_ in log(db)] == [1, 2, 3, 4, 5, 6, 7]


@pytest.mark.parametrize(
    ("last", "field"),
    [
        (tariff("late", "2025-13-01"), "date"),
        (change("late", "2024-12-01", 5), "TariffRateChanged"),  # dated before its tariff began
        ({"type": "TariffSuspended", "key": "late", "date": "2025-02-01", "points": 5, "truce": "nowhere"}, "truce"),
    ],
    ids=["invalid field", "broken rule", "unknown truce"],
)
def test_a_refusal_after_batches_were_written_leaves_nothing(
    db: str, tmp_path: Path, inserts: list[int], last: dict[str, Any], field: str
) -> None:
    path = write(tmp_path / "late.jsonl", [*(tariff(f"t{i}") for i in range(9)), tariff("late"), last])
    with pytest.raises(RecordingRefused) as refused:
        imported(db, path)
    assert sum(inserts) >= 8, "the refusal comes after batches were written"
    assert [(origin, fld) for origin, fld, _ in refused.value.problems] == [(f"{path}:11", field)]
    assert log(db) == []


def test_an_invalid_line_is_refused_before_any_broken_rule(db: str, tmp_path: Path) -> None:
    events = [tariff("t"), change("t", "2024-01-01", 5), tariff("u", note="")]
    with pytest.raises(RecordingRefused) as refused:
        imported(db, write(tmp_path / "both.jsonl", events))
    assert refused.value.problems == [(f"{tmp_path}/both.jsonl:3", "note", "must not be empty")]


def test_problems_of_every_kind_are_named_in_line_order_up_to_twenty(db: str, tmp_path: Path) -> None:
    path = tmp_path / "bad.jsonl"
    bad = [json.dumps(tariff(f"t{i}", rate_pct=-1)) if i % 2 else "{not json" for i in range(30)]
    path.write_text("\n".join([json.dumps(tariff("fine")), *bad]) + "\n", encoding="utf-8")
    with pytest.raises(RecordingRefused) as refused:
        imported(db, path)
    origins = [origin for origin, _, _ in refused.value.problems]
    assert origins == [f"{path}:{n}" for n in range(2, 22)]
    assert {field for _, field, _ in refused.value.problems} == {"line", "rate_pct"}
    assert log(db) == []


def test_a_line_changed_between_the_two_reads_is_refused(db: str, tmp_path: Path) -> None:
    path = write(tmp_path / "moving.jsonl", [tariff("a"), tariff("b")])
    opened = Ledger(db)
    try:
        with open_lines([str(path)]) as lines:
            path.write_text(json.dumps(tariff("c")) + "\n" + json.dumps(tariff("b")) + "\n", encoding="utf-8")
            with pytest.raises(RecordingRefused) as refused:
                opened.record(lines)
    finally:
        opened.close()
    assert refused.value.problems == [(f"{path}:1", "line", "changed while it was being imported")]
    assert log(db) == []


def test_several_files_are_one_import(db: str, tmp_path: Path) -> None:
    first = write(tmp_path / "first.jsonl", [tariff("a"), change("b", "2025-02-01", 30)])
    second = write(tmp_path / "second.jsonl", [tariff("b"), change("a", "2025-02-01", 15)])
    assert imported(db, first, second).count == 4
    assert [(key, kind) for _, key, _, kind in log(db)] == [
        ("a", "TariffImposed"),
        ("a", "TariffRateChanged"),
        ("b", "TariffImposed"),
        ("b", "TariffRateChanged"),
    ]


def test_reimporting_skips_every_line_and_a_reused_id_with_other_content_is_refused(db: str, tmp_path: Path) -> None:
    path = write(tmp_path / "once.jsonl", [tariff("a", id="mine"), change("a", "2025-02-01", 15)])
    assert imported(db, path).count == 2
    again = imported(db, path)
    assert (again.count, again.skipped) == (0, 2)
    clash = write(tmp_path / "clash.jsonl", [tariff("a", id="mine", rate_pct=99)])
    with pytest.raises(RecordingRefused) as refused:
        imported(db, clash)
    assert refused.value.problems == [(f"{clash}:1", "id", "mine is already recorded with other content")]


class Pipe(io.BytesIO):
    """A stream that cannot seek, as standard input from a pipe."""

    def seekable(self) -> bool:
        return False


def test_a_stream_that_cannot_seek_is_spooled_and_read_again_from_the_spool(db: str) -> None:
    lines = Lines()
    pipe = Pipe(b"".join(json.dumps(event).encode() + b"\n" for event in INTERLEAVED))
    lines.read("-", pipe)
    pipe.close()  # gone, as a pipe is once read: the second read must use the spool
    opened = Ledger(db)
    try:
        assert opened.record(lines).count == 8
    finally:
        opened.close()
        lines.close()
    assert log(db) == EXPECTED


def test_progress_is_heard_for_the_first_read_and_for_recording(db: str, tmp_path: Path) -> None:
    path = write(tmp_path / "many.jsonl", [tariff(f"t{i}") for i in range(2500)])
    heard: list[tuple[int, int, int | None]] = []
    checked: list[int] = []
    opened = Ledger(db)
    try:
        with open_lines([str(path)], lambda *report: heard.append(report)) as lines:
            opened.record(lines, progress=checked.append)
    finally:
        opened.close()
    size = path.stat().st_size
    assert [lines for lines, _, _ in heard] == [0, 1000, 2000]  # the first before any line: the bar's length
    assert all(0 <= done < size and total == size for _, done, total in heard)
    assert checked == sorted(checked) and checked[-1] == 2500


def test_an_imported_event_is_stored_as_its_model_writes_it_and_reads_back_the_same(db: str, tmp_path: Path) -> None:
    lines = list(generated(300, seed=7))
    imported(db, write(tmp_path / "generated.jsonl", lines))
    by_id = {fact.id: fact for fact in (parse_fact(line, "tester") for line in lines)}
    store = EventStore(db)
    try:
        rows = store.recorder.select_notifications(1, 1000)
        assert len(rows) == len(lines)
        for row in rows:
            read = ledger.store.decode(row.id, row.originator_version, row.topic, row.state).fact
            assert orjson.loads(row.state)["event"] == orjson.loads(read.model_dump_json(exclude_none=True))
            assert read.model_dump() == by_id[read.id].model_dump()
            assert read.id == read.derived_id()
    finally:
        store.close()


def test_an_event_orjson_cannot_write_is_stored_as_pydantic_writes_it() -> None:
    huge = Retracted(key="a", date="2025-01-02", retracts=2**70, reason="typo", aggregate="TariffMeasure", id="x")
    assert event_json(huge, huge.normalised()) == event_json(huge) == huge.model_dump_json(exclude_none=True).encode()
