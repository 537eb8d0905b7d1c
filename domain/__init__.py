"""The domain: trade-diplomacy aggregates, their events and rules. Pure: no I/O, no storage."""

from domain import export_control, negotiation, tariff_measure, trade_flow, truce
from domain.errors import InputError, LedgerError, LedgerRuleError
from domain.events import EVENT_TYPES, Fact, Recorded, Retracted, parse_fact
from domain.timeline import Aggregate, RuleBroken, fold
from domain.world import World

KINDS = ("Negotiation", "Truce", "ExportControl", "TariffMeasure", "TradeFlow")

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
    "tariff_measure",
    "trade_flow",
    "truce",
]
