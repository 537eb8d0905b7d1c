"""Where the views of a day come from, and the queries that list them as they are."""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING, Any, Protocol

from ledger.collector import paused

if TYPE_CHECKING:
    from ledger.spans import Turn


class Views(Protocol):
    """Where the views of a day come from: the persistent read model, or a World folded in memory."""

    known_at: int

    def views(self, kind: str, as_of: date) -> list[dict[str, Any]]: ...


class Spanned(Views, Protocol):
    """The persistent read model, which also knows the days on which views change."""

    def turned(self, kind: str, start: date, end: date) -> list[Turn]: ...


ACTIVE = ("announced", "in_force", "suspended")
APPLYING = ("in_force", "suspended")


def header(source: Views, as_of: date) -> dict[str, Any]:
    return {"as_of": as_of.isoformat(), "known_at": source.known_at}


def folded(text: str | None) -> str | None:
    return text.casefold() if text else None


class Keyed:
    """The views of one aggregate only (`--key`): every answer is then computed over it alone."""

    def __init__(self, source: Views, key: str):
        self.source = source
        self.key = key
        self.known_at = source.known_at

    def views(self, kind: str, as_of: date) -> list[dict[str, Any]]:
        return [row for row in self.source.views(kind, as_of) if row["key"] == self.key]


def keyed(source: Views, key: str | None) -> Views:
    return source if key is None else Keyed(source, key)


@paused
def truces(source: Views, as_of: date) -> dict[str, Any]:
    return {**header(source, as_of), "truces": source.views("Truce", as_of)}


@paused
def negotiations(source: Views, as_of: date) -> dict[str, Any]:
    return {**header(source, as_of), "negotiations": source.views("Negotiation", as_of)}


def trade_flows(source: Views, as_of: date) -> dict[str, Any]:
    return {**header(source, as_of), "trade_flows": source.views("TradeFlow", as_of)}
