"""Build timelines for domain tests without any storage."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

from domain import Recorded, World, fold, parse_fact
from domain.timeline import Aggregate


def event(type_: str, key: str, day: str, **fields: Any) -> dict[str, Any]:
    return {"type": type_, "key": key, "date": day, **fields}


def timeline(*events: dict[str, Any]) -> list[Recorded]:
    """Events recorded in the order given: positions 1, 2, 3 …, versions per key."""
    versions: dict[str, int] = {}
    recorded = []
    for position, line in enumerate(events, start=1):
        fact = parse_fact(line)
        versions[fact.key] = versions.get(fact.key, 0) + 1
        recorded.append(Recorded(fact, position, versions[fact.key], datetime(2025, 1, 1, tzinfo=UTC)))
    return recorded


def check(*events: dict[str, Any]) -> Aggregate | None:
    """Fold a whole timeline strictly, as recording does."""
    return fold(timeline(*events))


def world(*events: dict[str, Any]) -> World:
    recorded = timeline(*events)
    return World(recorded, len(recorded))


def day(text: str) -> date:
    return date.fromisoformat(text)


LAW = [
    event("ProductListPublished", "annex-ii", "2025-04-05", title="Annex II", codes=["2709", "3004.90"]),
    event("ProductListAmended", "annex-ii", "2025-11-14", add=["0901"], remove=["2709"]),
    event(
        "WeightsReported", "us-2024", "2024-12-31", imposer="US", partner="CN", year=2024,
        hs=["8517130000", "7208100000"], value_usd=[1000.0, 500.0], duty_usd=[0.0, 10.0],
    ),
    event("WeightsReported", "us-2024", "2024-12-31", imposer="US", partner="EU", year=2024,
          hs=["0901000000"], value_usd=[10.0], duty_usd=[1.0]),
    event(
        "TariffImposed", "reciprocal-all", "2025-04-05", imposer="US", target="*", rate_pct=10,
        program="reciprocal", exempt_lists=["annex-ii"], not_with=["s232-steel"], exempt_targets=["CN"],
    ),
    event("TariffScopeChanged", "reciprocal-all", "2025-04-11", exempt_hs=["8517.13"], exempt_lists=["annex-ii"]),
    event("TariffImposed", "s232-steel", "2025-03-12", imposer="US", target="*", rate_pct=25, hs=["72"],
          ends="2027-01-01"),
    event("TariffImposed", "eu-deal", "2025-08-07", announced="2025-09-25", imposer="US", target="EU", rate_pct=15,
          includes_base=True, exempt_share_pct=12.5),
]  # fmt: skip
"""Events of catalogue version 2: product lists, weights, and layers with scopes, groups and stacking."""
