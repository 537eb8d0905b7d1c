"""The use cases — record, refuse, retract, read as of a day and as known then — on a ledger held in
memory: every rule and table of a real ledger, no file and no server."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from typing import Any

import pytest

from domain import LedgerRuleError, parse_fact
from ledger import projections
from ledger.application import Candidate, Ledger, RecordingRefused

TRUCE = {"type": "TruceAgreed", "key": "g", "date": "2025-05-12", "parties": ["US", "CN"], "days": 90}
TARIFF = {"type": "TariffImposed", "key": "t", "date": "2025-04-09", "imposer": "US", "target": "CN", "rate_pct": 34}
SUSPENDED = {"type": "TariffSuspended", "key": "t", "date": "2025-05-14", "points": 24, "truce": "g"}


def offer(*lines: dict[str, Any]) -> list[Candidate]:
    return [Candidate(parse_fact(line), origin=f"line {n}") for n, line in enumerate(lines, start=1)]


@pytest.fixture
def ledger() -> Iterator[Ledger]:
    opened = Ledger("memory:")
    yield opened
    opened.close()


def total(ledger: Ledger, day: str, known_at: int | None = None) -> float:
    answer = projections.tariffs(
        ledger.read_model(ledger.head() if known_at is None else known_at), date.fromisoformat(day)
    )
    return sum(row["rate_pct"] for row in answer["totals"])


def test_each_memory_address_is_a_ledger_of_its_own(ledger: Ledger) -> None:
    ledger.record(offer(TARIFF))
    other = Ledger("memory:")
    try:
        assert other.head() == 0 and ledger.head() == 1
    finally:
        other.close()


def test_what_is_recorded_is_read_back_as_of_a_day_and_as_known_then(ledger: Ledger) -> None:
    first = ledger.record(offer(TARIFF, TRUCE))
    ledger.record(offer(SUSPENDED))
    assert first.count == 2 and ledger.head() == 3
    assert total(ledger, "2025-05-20") == 10
    assert total(ledger, "2025-05-20", known_at=first.last) == 34
    assert total(ledger, "2025-04-08") == 0


def test_an_offer_that_breaks_a_rule_writes_nothing_and_names_the_line(ledger: Ledger) -> None:
    lifted = {"type": "TariffLifted", "key": "t", "date": "2025-04-01"}  # before the layer began
    with pytest.raises(RecordingRefused) as refused:
        ledger.record(offer(TARIFF, lifted))
    assert refused.value.problems[0][0] == "line 2"
    assert ledger.head() == 0


def test_a_reference_to_a_truce_no_one_recorded_is_refused(ledger: Ledger) -> None:
    with pytest.raises(RecordingRefused, match="no truce 'g'"):
        ledger.record(offer(TARIFF, SUSPENDED))


def test_the_same_events_offered_again_are_skipped(ledger: Ledger) -> None:
    ledger.record(offer(TARIFF, TRUCE))
    again = ledger.record(offer(TARIFF, TRUCE))
    assert (again.count, again.skipped, ledger.head()) == (0, 2, 2)


def test_a_retraction_withdraws_an_event_from_then_on(ledger: Ledger) -> None:
    recorded = ledger.record(offer(TARIFF, TRUCE, SUSPENDED)).recorded
    suspended_at = next(r.position for r in recorded if r.fact.type == "TariffSuspended")
    before = ledger.head()
    retraction = ledger.retract(suspended_at, "entered in error")
    assert retraction.position == before + 1
    assert total(ledger, "2025-05-20") == 34
    assert total(ledger, "2025-05-20", known_at=before) == 10
    with pytest.raises(LedgerRuleError, match="already retracted"):
        ledger.retract(suspended_at, "again")


def test_a_truce_that_a_suspension_names_cannot_lose_its_creation(ledger: Ledger) -> None:
    recorded = ledger.record(offer(TARIFF, TRUCE, SUSPENDED)).recorded
    truce_at = next(r.position for r in recorded if r.fact.key == "g")
    with pytest.raises(LedgerRuleError, match="names truce g"):
        ledger.retract(truce_at, "not agreed")
    assert ledger.head() == 3


def test_a_retraction_that_would_leave_a_later_event_without_its_grounds_is_refused(ledger: Ledger) -> None:
    raised = {"type": "TariffRateChanged", "key": "t", "date": "2025-04-10", "rate_pct": 125}
    ledger.record(offer(TARIFF, raised))
    with pytest.raises(LedgerRuleError, match="depends on it"):
        ledger.retract(1, "not imposed")
