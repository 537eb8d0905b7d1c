"""Each recording rule of the catalogue, judged over the whole timeline in valid time, with its message."""

from __future__ import annotations

import pytest

from domain import RuleBroken
from tests.domain.helpers import check, event

OPENED = event("NegotiationOpened", "talks", "2025-05-10", parties=["US", "CN"], title="Trade talks")
AGREED = event("TruceAgreed", "geneva", "2025-05-12", parties=["US", "CN"], effective="2025-05-14", days=90)
IMPOSED = event("TariffImposed", "layer", "2025-04-10", imposer="US", target="CN", rate_pct=125)
CONTROL = event("ExportControlImposed", "rare", "2025-04-04", imposer="CN", items=["terbium"], regime="licence")


def refused(*events: dict[str, object]) -> str:
    with pytest.raises(RuleBroken) as broken:
        check(*events)
    return broken.value.problem


def test_an_event_before_its_creation_is_refused() -> None:
    problem = refused(IMPOSED, event("TariffRateChanged", "layer", "2025-04-01", rate_pct=10))
    assert problem == "it is dated before layer began on 2025-04-10"


def test_an_aggregate_without_its_creation_event_is_refused() -> None:
    assert refused(event("TariffRateChanged", "layer", "2025-04-01", rate_pct=10)) == (
        "no TariffMeasure 'layer' exists before it (is the key misspelt?): "
        "record its TariffImposed with key 'layer' first, or in the same import"
    )


def test_creating_an_aggregate_twice_is_refused() -> None:
    assert refused(IMPOSED, IMPOSED) == "layer already exists"


def test_a_round_convenes_once() -> None:
    convened = event("RoundConvened", "talks", "2025-06-09", round="london", location="London")
    assert refused(OPENED, convened, convened) == "round london already convened on 2025-06-09"


def test_a_round_concludes_only_after_it_convened() -> None:
    concluded = event("RoundConcluded", "talks", "2025-06-08", round="london")
    convened = event("RoundConvened", "talks", "2025-06-09", round="london", location="London")
    assert refused(OPENED, convened, concluded) == "round london has not convened by 2025-06-08"


def test_a_round_concludes_once() -> None:
    convened = event("RoundConvened", "talks", "2025-06-09", round="london", location="London")
    concluded = event("RoundConcluded", "talks", "2025-06-10", round="london")
    assert refused(OPENED, convened, concluded, concluded) == "round london already concluded on 2025-06-10"


def test_delegates_must_speak_for_a_party() -> None:
    convened = event(
        "RoundConvened", "talks", "2025-06-09", round="london", location="London",
        delegations=[{"party": "GB", "name": "Host"}],
    )  # fmt: skip
    assert refused(OPENED, convened) == "GB is not a party to the negotiation (US, CN)"


def test_a_position_is_stated_by_a_party() -> None:
    stated = event("PositionStated", "talks", "2025-06-09", party="FR", speaker="X", stance="demand", statement="More.")
    assert refused(OPENED, stated).startswith("FR is not a party")


def test_nothing_may_follow_a_closed_negotiation() -> None:
    closed = event("NegotiationClosed", "talks", "2025-07-01")
    spoke = event(
        "LeadersSpoke", "talks", "2025-07-02", mode="call", participants=[{"party": "US", "name": "Donald Trump"}]
    )
    assert refused(OPENED, closed, spoke) == "nothing may follow: talks was closed on 2025-07-01"


def test_a_truce_is_extended_before_it_expires() -> None:
    late = event("TruceExtended", "geneva", "2025-08-12", days=90)
    assert refused(AGREED, late) == "the truce expired on 2025-08-12; agree a new one"


def test_the_day_before_expiry_a_truce_can_still_be_extended() -> None:
    truce = check(AGREED, event("TruceExtended", "geneva", "2025-08-11", expires="2025-11-10"))
    assert truce is not None and truce.expires.isoformat() == "2025-11-10"  # type: ignore[attr-defined]


def test_an_extension_must_move_the_expiry_later() -> None:
    earlier = event("TruceExtended", "geneva", "2025-06-01", expires="2025-08-01")
    assert refused(AGREED, earlier) == "the new expiry 2025-08-01 is not after the current 2025-08-12"


def test_extending_a_terminated_truce_is_refused() -> None:
    terminated = event("TruceTerminated", "geneva", "2025-06-01", by="US")
    extended = event("TruceExtended", "geneva", "2025-06-02", days=30)
    assert refused(AGREED, terminated, extended) == "nothing may follow: geneva was terminated on 2025-06-01"


def test_a_violation_is_alleged_between_two_different_parties() -> None:
    itself = event("ViolationAlleged", "geneva", "2025-06-02", by="CN", against="CN", claim="x")
    outsider = event("ViolationAlleged", "geneva", "2025-06-02", by="JP", against="CN", claim="x")
    assert refused(AGREED, itself) == "a party cannot allege a violation against itself"
    assert refused(AGREED, outsider) == "JP is not a party to the truce (US, CN)"


def test_removed_items_must_be_controlled() -> None:
    removed = event("ExportControlItemsRemoved", "rare", "2025-05-01", items=["gallium"])
    assert refused(CONTROL, removed) == "not controlled, so cannot be removed: gallium"


def test_licences_are_approved_only_once_a_control_takes_effect() -> None:
    announced = {**CONTROL, "announced": "2025-04-01", "date": "2025-04-10"}
    early = event("LicencesApproved", "rare", "2025-04-05", count=3)
    assert refused(announced, early) == "the control takes effect only on 2025-04-10"


def test_a_reinstatement_needs_a_suspension_that_applies() -> None:
    reinstated = event("ExportControlReinstated", "rare", "2025-05-01")
    assert refused(CONTROL, reinstated) == "no suspension applies that day"


def test_a_suspension_of_more_points_than_the_rate_is_refused() -> None:
    suspended = event("TariffSuspended", "layer", "2025-05-14", points=130, until="2025-08-12")
    assert refused(IMPOSED, suspended) == "130 points exceed the rate of 125% that day"


def test_nothing_may_be_dated_after_a_lift() -> None:
    lifted = event("TariffLifted", "layer", "2025-06-01")
    changed = event("TariffRateChanged", "layer", "2025-06-02", rate_pct=10)
    assert refused(IMPOSED, lifted, changed) == "nothing may follow: layer was lifted on 2025-06-01"


def test_back_filling_a_lift_before_a_recorded_change_is_refused() -> None:
    changed = event("TariffRateChanged", "layer", "2025-06-02", rate_pct=10)
    lifted = event("TariffLifted", "layer", "2025-06-01")
    with pytest.raises(RuleBroken) as broken:
        check(IMPOSED, changed, lifted)
    assert broken.value.recorded.fact.type == "TariffRateChanged"  # the later event is the one made invalid


def test_back_filling_an_earlier_event_in_valid_time_is_accepted() -> None:
    changed = event("TariffRateChanged", "layer", "2025-05-14", rate_pct=34)
    earlier = event("TariffRateChanged", "layer", "2025-04-20", rate_pct=84)
    tariff = check(IMPOSED, changed, earlier)
    assert tariff is not None and tariff.rate == 34  # type: ignore[attr-defined]


def test_a_trade_flow_keeps_one_reporter_partner_and_direction() -> None:
    first = event(
        "TradeFlowReported", "flow", "2025-06-09", reporter="CN", partner="US", flow="exports", period="2025-05",
        trend="down",
    )  # fmt: skip
    other = {**first, "flow": "imports", "period": "2025-06"}
    assert refused(first, other) == "flow reports CN US exports; record other flows under another key"
