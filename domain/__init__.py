"""The domain: trade-diplomacy aggregates, their events and rules. Pure: no I/O, no storage.

The catalogue (the aggregate modules, their pydantic event models and the registries those fill) is
imported on first use of one of its names from this package, not with the package: building the
models costs more than a command that decodes no event should pay. Take those names from `domain`,
so the registries are whole.
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING, Any

from domain.errors import InputError, LedgerError, LedgerRuleError

if TYPE_CHECKING:
    from domain import export_control, negotiation, product_list, tariff_measure, trade_flow, trade_weights, truce
    from domain.events import EVENT_TYPES, Fact, Recorded, Retracted, parse_fact
    from domain.timeline import Aggregate, RuleBroken, fold
    from domain.world import World

KINDS = ("Negotiation", "Truce", "ExportControl", "TariffMeasure", "TradeFlow", "ProductList", "TradeWeights")
AGGREGATES = ("export_control", "negotiation", "product_list", "tariff_measure", "trade_flow", "trade_weights", "truce")
CATALOGUE = {
    **dict.fromkeys(("EVENT_TYPES", "Fact", "Recorded", "Retracted", "parse_fact"), "domain.events"),
    **dict.fromkeys(("Aggregate", "RuleBroken", "fold"), "domain.timeline"),
    "World": "domain.world",
}


def __getattr__(name: str) -> Any:
    if name not in CATALOGUE and name not in AGGREGATES:
        raise AttributeError(f"module 'domain' has no attribute {name!r}")
    for module in AGGREGATES:  # each registers its event types and its aggregate, and becomes domain.<module>
        import_module(f"domain.{module}")
    if name in CATALOGUE:
        globals()[name] = getattr(import_module(CATALOGUE[name]), name)
    return globals()[name]


__all__ = [
    "EVENT_TYPES",
    "KINDS",
    "Aggregate",
    "Fact",
    "InputError",
    "LedgerError",
    "LedgerRuleError",
    "Recorded",
    "Retracted",
    "RuleBroken",
    "World",
    "export_control",
    "fold",
    "negotiation",
    "parse_fact",
    "product_list",
    "tariff_measure",
    "trade_flow",
    "trade_weights",
    "truce",
]
