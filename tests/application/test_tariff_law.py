"""The worked cases of tariff law, answered from a ledger held in memory: what one good pays, and why."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

import pytest

from domain import Recorded, Retracted, World
from ledger.tariff_law import TariffLaw, level_series, levels, rate
from tests.domain.helpers import event, timeline, world

D = date.fromisoformat
FENTANYL_CA = event(
    "TariffImposed", "us-ieepa-fentanyl-ca", "2025-03-04", imposer="US", target="CA", rate_pct=25,
    program="us-ieepa-fentanyl", exempt_hs=["27", "3104"], exempt_share_pct=62,
)  # fmt: skip
ENERGY_CA = event(
    "TariffImposed", "us-ieepa-fentanyl-ca-energy", "2025-03-04", imposer="US", target="CA", rate_pct=10,
    program="us-ieepa-fentanyl", hs=["27", "3104"], exempt_share_pct=62,
)  # fmt: skip
ANNEX_II = event("ProductListPublished", "us-eo14257-annex-ii", "2025-04-05", title="Annex II", codes=["2709", "3004"])
RECIPROCAL = event(
    "TariffImposed", "us-ieepa-reciprocal", "2025-04-05", imposer="US", target="*", rate_pct=10,
    program="us-ieepa-reciprocal", exempt_lists=["us-eo14257-annex-ii"], exempt_targets=["CA", "MX", "CN"],
    not_with=["us-s232-steel"],
)  # fmt: skip
RECIPROCAL_CN = event(
    "TariffImposed", "us-ieepa-reciprocal-cn", "2025-04-10", imposer="US", target="CN", rate_pct=125,
    program="us-ieepa-reciprocal", exempt_lists=["us-eo14257-annex-ii"], not_with=["us-s232-steel"],
)  # fmt: skip
ELECTRONICS = event(
    "TariffScopeChanged", "us-ieepa-reciprocal-cn", "2025-04-11", exempt_hs=["8471", "8517.13"],
    exempt_lists=["us-eo14257-annex-ii"],
)  # fmt: skip
FENTANYL_CN = event(
    "TariffImposed", "us-ieepa-fentanyl-cn", "2025-03-04", imposer="US", target="CN", rate_pct=20,
    program="us-ieepa-fentanyl",
)  # fmt: skip
STEEL = event("TariffImposed", "us-s232-steel", "2025-03-12", imposer="US", target="*", rate_pct=25, hs=["72", "73"])
STEEL_50 = event("TariffRateChanged", "us-s232-steel", "2025-06-04", rate_pct=50)
STEEL_GB_SPARED = event("TariffScopeChanged", "us-s232-steel", "2025-06-04", exempt_targets=["GB"])
STEEL_GB = event(
    "TariffImposed", "us-s232-steel-gb", "2025-06-04", imposer="US", target="UK", rate_pct=25, hs=["72", "73"],
    program="us-s232-steel",
)  # fmt: skip
EU_DEAL = event(
    "TariffImposed", "us-ieepa-reciprocal-eu", "2025-08-07", imposer="US", target="EU", rate_pct=15,
    program="us-ieepa-reciprocal", includes_base=True, not_with=["us-s232-steel"],
)  # fmt: skip
EU_SPARED = event("TariffScopeChanged", "us-ieepa-reciprocal", "2025-08-07", exempt_targets=["CA", "MX", "CN", "EU"])
WEIGHTS_EU = event(
    "WeightsReported", "us-imports-2024", "2024-12-31", imposer="US", partner="EU", year=2024,
    hs=["0401100000", "0402100000", "7208100000"], value_usd=[100.0, 100.0, 200.0], duty_usd=[4.0, 20.0, 0.0],
)  # fmt: skip
WEIGHTS_CA = event(
    "WeightsReported", "us-imports-2024", "2024-12-31", imposer="US", partner="CA", year=2024,
    hs=["2709000000", "8703230000"], value_usd=[300.0, 100.0], duty_usd=[0.0, 2.5],
)  # fmt: skip
LEDGER = [
    FENTANYL_CA, ENERGY_CA, ANNEX_II, RECIPROCAL, RECIPROCAL_CN, ELECTRONICS, FENTANYL_CN, STEEL, STEEL_50,
    STEEL_GB_SPARED, STEEL_GB, EU_DEAL, EU_SPARED, WEIGHTS_EU, WEIGHTS_CA,
]  # fmt: skip


@pytest.fixture(scope="module")
def law() -> TariffLaw:
    return TariffLaw(world(*LEDGER))


def layers(answer: dict[str, Any]) -> dict[str, tuple[bool, float, str]]:
    return {layer["key"]: (layer["applies"], layer["contribution_pct"], layer["why"]) for layer in answer["layers"]}


def test_canadian_energy_pays_10_percent_instead_of_25(law: TariffLaw) -> None:
    answer = rate(law, "US", "CA", "2709", D("2025-03-07"))
    assert answer["added_pct"] == 10
    assert layers(answer)["us-ieepa-fentanyl-ca"] == (False, 0.0, "exempt: hs (27)")
    assert layers(answer)["us-ieepa-fentanyl-ca-energy"][:2] == (True, 10.0)


def test_other_canadian_goods_pay_25_percent_with_the_usmca_share_shown(law: TariffLaw) -> None:
    answer = rate(law, "US", "CA", "870323", D("2025-03-07"))
    assert answer["added_pct"] == 25
    assert answer["base_pct"] == 2.5  # the good's duty ÷ value in the weights
    assert answer["layers"][0]["exempt_share_pct"] == 62
    assert layers(answer)["us-ieepa-fentanyl-ca-energy"][2] == "not covered: outside hs 27, 3104"


def test_trade_weighted_levels_free_the_usmca_share(law: TariffLaw) -> None:
    answer = levels(law, "US", D("2025-03-07"), ["CA"])
    (canada,) = answer["levels"]
    assert canada["added_pct"] == pytest.approx((300 * 10 + 100 * 25) * 0.38 / 400)
    assert canada["base_pct"] == pytest.approx(2.5 * 100 / 400)


def test_a_chinese_phone_on_12_april_pays_the_fentanyl_layer_only(law: TariffLaw) -> None:
    answer = rate(law, "US", "CN", "85171300", D("2025-04-12"))
    assert answer["added_pct"] == 20
    assert layers(answer)["us-ieepa-reciprocal-cn"] == (False, 0.0, "exempt: hs (851713)")
    assert layers(answer)["us-ieepa-reciprocal"][2] == "exempt: target CN"


def test_the_same_phone_on_10_april_paid_the_reciprocal_rate_too(law: TariffLaw) -> None:
    assert rate(law, "US", "CN", "85171300", D("2025-04-10"))["added_pct"] == 145


def test_annex_ii_goods_are_exempt_from_the_reciprocal_layer(law: TariffLaw) -> None:
    answer = rate(law, "US", "JP", "300490", D("2025-04-12"))
    assert answer["added_pct"] == 0
    assert layers(answer)["us-ieepa-reciprocal"][2] == "exempt: list us-eo14257-annex-ii"


@pytest.mark.parametrize(
    ("partner", "day", "added"),
    [("JP", "2025-03-12", 25), ("JP", "2025-06-03", 25), ("JP", "2025-06-04", 50), ("GB", "2025-06-04", 25)],
)
def test_section_232_steel_spares_the_reciprocal_layer_and_keeps_the_uk_at_25(
    law: TariffLaw, partner: str, day: str, added: float
) -> None:
    answer = rate(law, "US", partner, "7208", D(day))
    assert answer["added_pct"] == added
    if day >= "2025-04-05":
        assert layers(answer)["us-ieepa-reciprocal"][2] == "not with us-s232-steel"


@pytest.mark.parametrize(("hs", "total"), [("0401", 15.0), ("0402", 20.0)])
def test_the_eu_deal_is_15_percent_all_inclusive(law: TariffLaw, hs: str, total: float) -> None:
    answer = rate(law, "US", "DE", hs, D("2025-08-07"))
    assert answer["total_pct"] == pytest.approx(total)
    assert layers(answer)["us-ieepa-reciprocal"][2] == "exempt: target EU"


def test_a_level_series_has_a_row_on_each_day_a_level_changes(law: TariffLaw) -> None:
    answer = level_series(law, "US", D("2025-01-01"), D("2025-12-31"), ["EU"])
    eu = [(row["date"], row["added_pct"]) for row in answer["series"] if row["target"] == "EU"]
    assert eu == [
        ("2025-01-01", 0.0),
        ("2025-03-12", 12.5),  # steel on half the trade
        ("2025-04-05", 17.5),  # and 10% on the rest
        ("2025-06-04", 30.0),
        ("2025-08-07", 25.0 + 11 / 4),  # 15% all-inclusive on the dairy instead of 10%: 11 and 0 points
    ]


TRUCE = event("TruceAgreed", "geneva", "2025-05-12", parties=["US", "CN"], effective="2025-05-14", days=90)
SUSPENDED = event("TariffSuspended", "us-ieepa-reciprocal-cn", "2025-05-14", points=115, truce="geneva")
EXTENDED = event("TruceExtended", "geneva", "2025-08-11", expires="2025-11-10")
ANNEX_AMENDED = event("ProductListAmended", "us-eo14257-annex-ii", "2025-09-01", add=["8703"])
STEEL_LIFTED = event("TariffLifted", "us-s232-steel-gb", "2025-10-01")
WEIGHTS_CN = event(
    "WeightsReported", "us-imports-2024", "2024-12-31", imposer="US", partner="CN", year=2024,
    hs=["8517130000", "7208100000", "9503000000"], value_usd=[500.0, 100.0, 50.0], duty_usd=[0.0, 1.0, 0.0],
)  # fmt: skip
WEIGHTS_GB = event(
    "WeightsReported", "us-imports-2024", "2024-12-31", imposer="US", partner="GB", year=2024,
    hs=["7208100000", "8703230000"], value_usd=[100.0, 300.0], duty_usd=[0.0, 7.5],
)  # fmt: skip


def test_a_series_gives_on_each_of_its_days_the_levels_of_that_day() -> None:
    changing = [
        *LEDGER[:-2], TRUCE, SUSPENDED, EXTENDED, ANNEX_AMENDED, STEEL_LIFTED, WEIGHTS_EU, WEIGHTS_CA, WEIGHTS_CN,
        WEIGHTS_GB,
    ]  # fmt: skip
    recorded = timeline(*changing)
    retracted = next(r.position for r in recorded if r.fact.type == "TariffRateChanged")
    retraction = Recorded(
        Retracted(key="us-s232-steel", date=D("2025-06-04"), retracts=retracted, reason="Wrong", aggregate="*"),
        len(recorded) + 1, 1, datetime(2025, 1, 2, tzinfo=UTC),
    )  # fmt: skip
    law = TariffLaw(World([*recorded, retraction], len(recorded) + 1))
    series = level_series(law, "US", D("2025-01-01"), D("2026-06-30"))["series"]
    days = sorted({row["date"] for row in series})
    assert len(days) > 8
    for day in days:
        one = levels(law, "US", D(day))
        expected = {level["target"]: level for level in [*one["levels"], {"target": "all", **one["all"]}]}
        latest = {row["target"]: row for row in series if row["date"] <= day}
        assert {target: {k: v for k, v in row.items() if k != "date"} for target, row in latest.items()} == expected
