"""Tariff totals kept up layer by layer (as a chart puts in each day's changes) are always the totals
of the layers as they stand, by their definition: every layer of the imposer that falls on the pair
and applies, less those a product's `not_with` makes give way."""

from __future__ import annotations

from typing import Any

from hypothesis import given
from hypothesis import strategies as st

from domain.partners import names
from ledger.projections import TariffLayers

KEYS = [f"layer-{n}" for n in range(6)]

layers = st.fixed_dictionaries(
    {
        "imposer": st.sampled_from(["US", "CN"]),
        "target": st.sampled_from(["CN", "US", "DE", "FR", "EU", "*"]),
        "exempt_targets": st.none() | st.lists(st.sampled_from(["DE", "FR", "EU"]), max_size=2, unique=True),
        "rate_pct": st.integers(0, 200).map(lambda n: n / 2),
        "products": st.sampled_from([[], ["steel"], ["Chips"]]),
        "hs": st.none() | st.just(["72"]),
        "status": st.sampled_from(["announced", "in_force", "suspended", "lifted"]),
        "program": st.none() | st.sampled_from(["p1", "p2"]),
        "not_with": st.none() | st.lists(st.sampled_from(["p1", "p2", "layer-0"]), max_size=2, unique=True),
    }
)
changes = st.lists(st.tuples(st.sampled_from(KEYS), st.none() | layers), min_size=1, max_size=20)


def defined(rows: dict[str, dict[str, Any]], target: str | None, product: str | None) -> dict[tuple[str, str], float]:
    """The totals by their definition, over the layers by key."""
    wanted = product.casefold() if product else None

    def all_goods(row: dict[str, Any]) -> bool:
        return not (row["products"] or row.get("hs"))

    def falls_on(row: dict[str, Any], on: str) -> bool:
        if on == "*":
            return bool(row["target"] == "*")
        return names(row["target"], row["exempt_targets"] or (), row["imposer"], on)

    counted = [
        row
        for _, row in sorted(rows.items())
        if (not target or names(row["target"], row["exempt_targets"] or (), row["imposer"], target))
        and (all_goods(row) or (wanted is not None and wanted in {p.casefold() for p in row["products"]}))
        and row["status"] in ("in_force", "suspended")
    ]
    totals = {}
    for by, on in {(row["imposer"], target or row["target"]) for row in counted}:
        falling = [row for row in counted if row["imposer"] == by and falls_on(row, on)]
        programs = {row["program"] or row["key"] for row in falling}
        given_way = [row for row in falling if wanted and programs.intersection(row["not_with"] or ())]
        totals[by, on] = round(sum(row["rate_pct"] for row in falling if row not in given_way), 6)
    return totals


@given(changes, st.sampled_from([None, "DE", "EU", "*", "US"]), st.sampled_from([None, "steel"]))
def test_totals_kept_up_change_by_change_are_the_totals_of_the_layers_as_they_stand(
    puts: list[tuple[str, dict[str, Any] | None]], target: str | None, product: str | None
) -> None:
    kept = TariffLayers(target=target, product=product)
    rows: dict[str, dict[str, Any]] = {}
    for key, layer in puts:
        row = None if layer is None else {**layer, "key": key}
        kept.put(key, row)
        if row is None:
            rows.pop(key, None)
        else:
            rows[key] = row
        kept.settle()
        assert kept.rates == defined(rows, target, product)
    assert kept.totals() == [
        {"imposer": by, "target": on, "product": product, "rate_pct": rate}
        for (by, on), rate in sorted(defined(rows, target, product).items())
    ]


def test_a_layer_on_the_eu_counts_for_each_member_it_does_not_spare() -> None:
    kept = TariffLayers()
    kept.put("us-eu", {"key": "us-eu", "imposer": "US", "target": "EU", "exempt_targets": ["FR"], "rate_pct": 15.0,
                       "products": [], "status": "in_force"})  # fmt: skip
    for target in ("DE", "FR"):
        kept.put(f"us-{target}", {"key": f"us-{target}", "imposer": "US", "target": target, "rate_pct": 10.0,
                                   "products": [], "status": "in_force"})  # fmt: skip
    assert kept.totals() == [
        {"imposer": "US", "target": "DE", "product": None, "rate_pct": 25.0},
        {"imposer": "US", "target": "EU", "product": None, "rate_pct": 15.0},
        {"imposer": "US", "target": "FR", "product": None, "rate_pct": 10.0},
    ]
    kept.put("us-eu", None)
    assert kept.settle() == {("US", "DE"), ("US", "EU")}
    assert kept.rates == {("US", "DE"): 10.0, ("US", "FR"): 10.0}
