"""An aggregate's folded state as plain JSON values and back, so a snapshot can stand in for the
events folded into it; and when the fold may go on from such a state.

Each kind names the fields of its state: days are written as ISO dates, a suspension as an object,
everything else is JSON already (lists, rows, numbers, text). Nothing is pickled: a snapshot holds
data, never code.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import asdict
from datetime import date
from typing import Any

from domain import Aggregate, Recorded
from domain.suspension import Suspension

FORMAT = 3
"""The layout of a state: bump it when a kind's fields or their meaning change (or the rules do), so
that states written before are not used."""

COMMON = ("key", "start", "closed_on", "cited")
FIELDS: dict[str, tuple[str, ...]] = {
    "Negotiation": ("parties", "title", "rounds", "contacts", "statements", "agreements", "outcome"),
    "Truce": ("parties", "effective", "expires", "allegations"),
    "ExportControl": (
        *("imposer", "regime", "basis", "items", "destinations", "announced", "effective", "suspension"),
        *("licence_approvals", "licences_approved"),
    ),
    "TariffMeasure": (
        *("imposer", "target", "products", "basis", "announced", "effective", "rate", "rate_since", "suspension"),
        *("program", "not_with", "includes_base", "ends", "hs", "hs_lists", "exempt_hs", "exempt_lists"),
        *("exempt_targets", "exempt_share_pct", "scoped"),
    ),
    "TradeFlow": ("reporter", "partner", "flow", "reports"),
    "ProductList": ("title", "basis", "codes", "changed"),
    "TradeWeights": ("imposer", "year", "partners"),
}
"""Every attribute of each kind's state, after those all kinds share (but those in DERIVED)."""
DERIVED = frozenset({"urls", "convened", "controlled"})
"""Attributes a state makes from its others to look them up quickly (`Aggregate.derive`): never
written, made again when read."""
DAYS = frozenset({"start", "closed_on", "announced", "effective", "expires", "rate_since", "ends", "changed"})
SUSPENSION_DAYS = ("start", "until", "reinstated")


def to_state(state: Aggregate) -> dict[str, Any]:
    """The state as JSON values."""
    return {"kind": state.kind, **{name: _dump(name, getattr(state, name)) for name in _fields(state.kind)}}


def from_state(data: dict[str, Any]) -> Aggregate:
    """The state `to_state` gave, as an aggregate again."""
    cls = Aggregate.kinds[data["kind"]]
    state = cls.__new__(cls)  # not __init__, which starts from a creation event: every field is set here
    for name in _fields(cls.kind):
        setattr(state, name, _load(name, data[name]))
    state.derive()
    return state


def goes_on(kind: str, day: date, events: Iterable[Recorded]) -> bool:
    """Whether `events`, of versions after those a state was folded from, all come after those in the
    timeline's order (`timeline.in_order`): dated on or after `day`, the latest day folded, and none a
    creation (which goes first), unless every event is one (a series). If so, folding them on from the
    state judges each as the fold of the whole timeline would."""
    series = Aggregate.kinds[kind].series
    return all(r.fact.date >= day and (series or not r.fact.creates) for r in events)


def _fields(kind: str) -> tuple[str, ...]:
    return (*COMMON, *FIELDS[kind])


def _dump(name: str, value: Any) -> Any:
    if value is None:
        return None
    if name in DAYS:
        return value.isoformat()
    if name == "suspension":
        return {**asdict(value), **{d: _iso(getattr(value, d)) for d in SUSPENSION_DAYS}}
    if name == "codes":
        return sorted(value)
    return value


def _load(name: str, value: Any) -> Any:
    if value is None:
        return None
    if name in DAYS:
        return date.fromisoformat(value)
    if name == "suspension":
        return Suspension(**{**value, **{d: _day(value[d]) for d in SUSPENSION_DAYS}})
    if name == "codes":
        return frozenset(value)
    return value


def _iso(day: date | None) -> str | None:
    return day.isoformat() if day is not None else None


def _day(text: str | None) -> date | None:
    return date.fromisoformat(text) if text is not None else None
