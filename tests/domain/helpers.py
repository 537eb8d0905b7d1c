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
