"""The ledger's use cases on real storage: SQLite files and PostgreSQL, written, reopened and read."""

from __future__ import annotations

import io
import time
from datetime import UTC, date, datetime

import pytest

from domain import LedgerRuleError, parse_fact
from ledger import projections
from ledger.application import Candidate, Ledger, RecordingRefused
from ledger.jsonl import export_line, read_events
from ledger.known_at import KnownAt
from tests.conftest import EXAMPLE

D = date.fromisoformat


def example(ledger: Ledger) -> int:
    with open(EXAMPLE, "rb") as stream:
        return len(ledger.record(list(read_events([("example", stream)]))).recorded)


def lines(*events: dict[str, object]) -> list[Candidate]:
    return [Candidate(parse_fact(e), f"test:{n}") for n, e in enumerate(events, start=1)]


@pytest.fixture
def ledger(db: str) -> Ledger:
    opened = Ledger(db)
    yield opened
    opened.close()


def test_the_example_answers_the_london_questions(ledger: Ledger) -> None:
    assert example(ledger) == 36
    world = ledger.world(ledger.head())
    totals = {(t["imposer"], t["target"]): t["rate_pct"] for t in projections.tariffs(world, D("2025-06-10"))["totals"]}
    assert totals == {("US", "CN"): 30, ("CN", "US"): 10}
    (truce,) = projections.truces(world, D("2025-06-10"))["truces"]
    assert (truce["status"], truce["expires"], truce["days_remaining"]) == ("in_force", "2025-08-12", 63)
    (control,) = projections.controls(world, D("2025-06-10"))["controls"]
    assert (control["status"], control["licence_approvals"]) == ("in_force", 1)
    (talks,) = projections.negotiations(world, D("2025-06-10"))["negotiations"]
    london = next(r for r in talks["rounds"] if r["round"] == "london-2025-06")
    assert london["convened"] == "2025-06-09"
    assert {"Scott Bessent", "He Lifeng"} <= {d["name"] for d in london["delegations"]}


def test_positions_count_from_one_and_survive_reopening(db: str) -> None:
    first = Ledger(db)
    example(first)
    first.close()
    again = Ledger(db)
    assert again.head() == 36
    assert [entry["position"] for entry in again.log(3)] == [1, 2, 3]
    again.close()


def test_reimporting_records_nothing_new(ledger: Ledger) -> None:
    example(ledger)
    with open(EXAMPLE, "rb") as stream:
        done = ledger.record(list(read_events([("example", stream)])))
    assert (done.recorded, done.skipped, ledger.head()) == ([], 36, 36)


def test_the_same_id_with_other_content_is_refused(ledger: Ledger) -> None:
    base = {"type": "TariffImposed", "key": "t", "date": "2025-01-01", "imposer": "US", "target": "CN"}
    ledger.record(lines({**base, "rate_pct": 10, "id": "mine"}))
    with pytest.raises(RecordingRefused) as refused:
        ledger.record(lines({**base, "rate_pct": 20, "id": "mine"}))
    assert refused.value.problems == [("test:1", "id", "mine is already recorded with other content")]


def test_a_broken_rule_refuses_the_whole_import_and_names_the_line(ledger: Ledger) -> None:
    truce = {"type": "TruceAgreed", "key": "g", "date": "2025-05-12", "parties": ["US", "CN"], "days": 90}
    late = {"type": "TruceExtended", "key": "g", "date": "2025-09-01", "days": 30}
    with pytest.raises(RecordingRefused) as refused:
        ledger.record(lines(truce, late))
    assert refused.value.problems == [("test:2", "TruceExtended", "the truce expired on 2025-08-10; agree a new one")]
    assert ledger.head() == 0


def test_a_reference_to_an_unknown_truce_is_refused(ledger: Ledger) -> None:
    tariff = {"type": "TariffImposed", "key": "t", "date": "2025-01-01", "imposer": "US", "target": "CN", "rate_pct": 5}
    suspended = {"type": "TariffSuspended", "key": "t", "date": "2025-02-01", "points": 5, "truce": "nowhere"}
    with pytest.raises(RecordingRefused) as refused:
        ledger.record(lines(tariff, suspended))
    assert refused.value.problems == [("test:2", "truce", "no truce 'nowhere' in the ledger or in this import")]


def test_lines_of_one_key_are_applied_in_date_order(ledger: Ledger) -> None:
    changed = {"type": "TariffRateChanged", "key": "t", "date": "2025-03-01", "rate_pct": 20}
    imposed = {
        "type": "TariffImposed",
        "key": "t",
        "date": "2025-01-01",
        "imposer": "US",
        "target": "CN",
        "rate_pct": 5,
    }
    done = ledger.record(lines(changed, imposed))
    assert [r.fact.type for r in done.recorded] == ["TariffImposed", "TariffRateChanged"]
    assert [r.position for r in done.recorded] == [1, 2]


def test_retraction_hides_an_event_from_later_views_only(ledger: Ledger) -> None:
    example(ledger)
    changed = next(e for e in ledger.log(36) if e["type"] == "TariffRateChanged" and e["date"] == "2025-03-04")
    retraction = ledger.retract(changed["position"], "Misdated")
    fentanyl = {"imposer": "US", "target": "CN"}

    def rate(known_at: int) -> float:
        answer = projections.tariffs(ledger.world(known_at), D("2025-06-10"), **fentanyl)
        return next(m["rate_pct"] for m in answer["measures"] if m["key"] == "us-ieepa-fentanyl-cn")

    assert rate(36) == 20
    assert rate(retraction.position) == 10
    entry = next(e for e in ledger.log(retraction.position) if e["position"] == changed["position"])
    assert entry["retracted_by"] == retraction.position
    assert all(r.position != changed["position"] for r in ledger.live_events())


def test_a_creation_event_under_later_events_cannot_be_retracted(ledger: Ledger) -> None:
    example(ledger)
    with pytest.raises(LedgerRuleError, match="depends on it"):
        ledger.retract(1, "Not so")


def test_known_at_accepts_positions_timestamps_and_dates(ledger: Ledger) -> None:
    example(ledger)
    assert ledger.resolve_known_at(KnownAt.parse("5")) == 5
    assert ledger.resolve_known_at(KnownAt.parse("999")) == 36
    assert ledger.resolve_known_at(KnownAt.parse("2000-01-01")) == 0
    assert ledger.resolve_known_at(KnownAt.parse("2999-01-01T00:00:00")) == 36
    assert ledger.resolve_known_at(KnownAt.parse(None)) == 36
    between = datetime.now(UTC)
    time.sleep(0.01)
    ledger.record(
        lines({"type": "TariffRateChanged", "key": "us-ieepa-fentanyl-cn", "date": "2025-07-01", "rate_pct": 25})
    )
    assert ledger.resolve_known_at(KnownAt.parse(between.isoformat())) == 36
    assert ledger.resolve_known_at(KnownAt.parse(between.isoformat().replace("+00:00", "Z"))) == 36
    assert ledger.resolve_known_at(KnownAt.parse(datetime.now(UTC).isoformat())) == 37


def test_an_export_reimports_into_the_same_answers(ledger: Ledger, tmp_path: object) -> None:
    example(ledger)
    ledger.retract(next(e["position"] for e in ledger.log(36) if e["type"] == "LicencesApproved"), "Unconfirmed")
    exported = "".join(export_line(r) + "\n" for r in ledger.live_events())
    copy = Ledger(str(tmp_path) + "/copy.db")  # type: ignore[operator]
    copy.record(list(read_events([("export", io.BytesIO(exported.encode()))])))
    for as_of in ("2025-04-10", "2025-06-10", "2025-08-12"):
        for query in (projections.tariffs, projections.controls, projections.truces, projections.negotiations):
            original = query(ledger.world(ledger.head()), D(as_of))
            copied = query(copy.world(copy.head()), D(as_of))
            assert {k: v for k, v in original.items() if k != "known_at"} == {
                k: v for k, v in copied.items() if k != "known_at"
            }
    copy.close()
