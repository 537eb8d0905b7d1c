"""Valid time and record time: statuses by day, the Geneva worked example, retraction."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from domain import Recorded, Retracted, World
from ledger import projections
from tests.domain.helpers import day, event, timeline, world

GENEVA = [
    event("TariffImposed", "us-reciprocal-cn", "2025-04-10", imposer="US", target="CN", rate_pct=125),
    event("TruceAgreed", "geneva-2025", "2025-05-12", parties=["US", "CN"], effective="2025-05-14", days=90),
    event("TariffRateChanged", "us-reciprocal-cn", "2025-05-14", rate_pct=34),
    event("TariffSuspended", "us-reciprocal-cn", "2025-05-14", points=24, truce="geneva-2025"),
    event("TruceExtended", "geneva-2025", "2025-08-11", expires="2025-11-10"),
]


def rate(known: World, as_of: str) -> float:
    (measure,) = projections.tariffs(known, day(as_of))["measures"]
    return measure["rate_pct"]


@pytest.mark.parametrize(("as_of", "expected"), [("2025-05-13", 125), ("2025-05-14", 10), ("2025-08-11", 10)])
def test_the_geneva_cut_applies_from_the_fourteenth_of_may(as_of: str, expected: float) -> None:
    assert rate(world(*GENEVA), as_of) == expected


def test_before_the_extension_was_known_the_rate_on_twelve_august_is_34() -> None:
    recorded = timeline(*GENEVA)
    assert rate(World(recorded[:4], 4), "2025-08-12") == 34


def test_once_the_extension_is_known_the_rate_on_twelve_august_is_10() -> None:
    known = world(*GENEVA)
    assert rate(known, "2025-08-12") == 10
    assert rate(known, "2025-11-10") == 34


def test_a_suspended_layer_reports_its_base_rate_points_and_end() -> None:
    (measure,) = projections.tariffs(world(*GENEVA), day("2025-06-10"))["measures"]
    assert measure["status"] == "suspended"
    assert (measure["base_rate_pct"], measure["suspended_pct"], measure["rate_pct"]) == (34, 24, 10)
    assert measure["suspended_until"] == "2025-08-12"  # the extension of 11 August has not happened yet


def test_a_measure_announced_before_it_applies_shows_as_announced() -> None:
    announced = event(
        "TariffImposed", "fentanyl", "2025-02-04", announced="2025-02-01", imposer="US", target="CN", rate_pct=10
    )
    known = world(announced)
    assert projections.tariffs(known, day("2025-01-31"))["measures"] == []
    answer = projections.tariffs(known, day("2025-02-02"))
    assert answer["measures"][0]["status"] == "announced"
    assert answer["totals"] == []
    assert projections.tariffs(known, day("2025-02-04"))["totals"][0]["rate_pct"] == 10


@pytest.mark.parametrize(
    ("as_of", "status", "remaining"),
    [
        ("2025-05-13", "agreed", 91),
        ("2025-05-14", "in_force", 90),
        ("2025-08-11", "in_force", 1),
        ("2025-08-12", "expired", 0),
    ],
)
def test_a_truce_status_follows_its_effective_and_expiry_days(as_of: str, status: str, remaining: int) -> None:
    (truce,) = projections.truces(world(GENEVA[1]), day(as_of))["truces"]
    assert (truce["status"], truce["days_remaining"]) == (status, remaining)


def test_a_terminated_truce_ends_the_suspensions_tied_to_it() -> None:
    terminated = event("TruceTerminated", "geneva-2025", "2025-07-01", by="US", reason="Talks collapsed")
    known = world(*GENEVA[:4], terminated)
    assert rate(known, "2025-06-30") == 10
    assert rate(known, "2025-07-01") == 34
    assert projections.truces(known, day("2025-07-01"))["truces"][0]["status"] == "terminated"


def test_a_reinstatement_ends_a_suspension() -> None:
    reinstated = event("TariffReinstated", "us-reciprocal-cn", "2025-06-15")
    known = world(*GENEVA[:4], reinstated)
    assert rate(known, "2025-06-14") == 10
    assert rate(known, "2025-06-15") == 34


def test_a_retracted_event_is_gone_from_later_views_only() -> None:
    recorded = timeline(*GENEVA[:3])
    retraction = Recorded(
        Retracted(
            key="us-reciprocal-cn", date=day("2025-05-14"), retracts=3, reason="Wrong", aggregate="TariffMeasure"
        ),
        4,
        3,
        datetime(2025, 6, 1, tzinfo=UTC),
    )
    assert rate(World(recorded, 3), "2025-06-01") == 34
    assert rate(World([*recorded, retraction], 4), "2025-06-01") == 125


def test_controls_suspended_until_a_day_are_back_in_force_on_that_day() -> None:
    control = event("ExportControlImposed", "rare", "2025-04-04", imposer="CN", items=["terbium"], regime="licence")
    suspended = event("ExportControlSuspended", "rare", "2025-06-01", until="2025-07-01")
    known = world(control, suspended)
    (during,) = projections.controls(known, day("2025-06-30"))["controls"]
    (after,) = projections.controls(known, day("2025-07-01"))["controls"]
    assert (during["status"], during["suspended_until"]) == ("suspended", "2025-07-01")
    assert (after["status"], after["since"]) == ("in_force", "2025-07-01")


def test_totals_for_a_product_add_layers_that_name_it() -> None:
    known = world(
        event("TariffImposed", "all", "2025-03-01", imposer="CN", target="US", rate_pct=10),
        event("TariffImposed", "coal", "2025-03-01", imposer="CN", target="US", rate_pct=15, products=["Coal"]),
    )
    assert projections.tariffs(known, day("2025-03-02"))["totals"][0]["rate_pct"] == 10
    by_product = projections.tariffs(known, day("2025-03-02"), product="coal")["totals"]
    assert by_product == [{"imposer": "CN", "target": "US", "product": "coal", "rate_pct": 25}]
