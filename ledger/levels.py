"""Trade-weighted tariff levels, computed over every good of a partner at once (numpy).

The law is `domain.stacking`'s, applied to columns: each layer's coverage is a boolean mask over the
weights' distinct HS codes, made once per scope and reused on every day and for every partner that
shares it; a day's level is then a few vector sums per partner.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from domain.partners import EU, EU_MEMBERS
from domain.stacking import Layer

LENGTHS = range(2, 11)
"""The lengths an HS prefix may have."""


@dataclass(frozen=True)
class Goods:
    """One partner's goods in the weights: indexes into the distinct codes, values and duties."""

    index: np.ndarray
    value: np.ndarray
    duty: np.ndarray
    base: np.ndarray
    """Each good's base rate in per cent: duty ÷ value (0 where nothing was imported)."""


class Weights:
    """An imposer's imports of a base year by partner and good, ready for vector sums."""

    def __init__(self, key: str, imposer: str, year: int, partners: dict[str, dict[str, Any]]):
        self.key, self.imposer, self.year = key, imposer, year
        columns = {partner: np.array(report["hs"]) for partner, report in partners.items()}
        self.codes = np.unique(np.concatenate(list(columns.values()))) if columns else np.array([], dtype=str)
        self.goods: dict[str, Goods] = {}
        for partner, report in partners.items():
            value = np.asarray(report["value_usd"], dtype=float)
            duty = np.asarray(report["duty_usd"], dtype=float)
            base = np.divide(duty * 100.0, value, out=np.zeros_like(value), where=value > 0)
            index = np.searchsorted(self.codes, columns[partner])  # the codes are sorted and hold every one
            self.goods[partner] = Goods(index, value, duty, base)
        self._truncated: dict[int, np.ndarray] = {}
        self._masks: dict[tuple[frozenset[str] | None, frozenset[str]], np.ndarray] = {}
        self._named: dict[tuple[str, tuple[str, ...], str, str], bool] = {}

    @property
    def partners(self) -> list[str]:
        return sorted(self.goods)

    def of(self, partner: str) -> tuple[str, Goods] | None:
        """The goods from `partner`, or from the EU taken whole for a member the weights do not list apart."""
        if partner in self.goods:
            return partner, self.goods[partner]
        if partner in EU_MEMBERS and EU in self.goods:
            return EU, self.goods[EU]
        return None

    def base(self, partner: str, code: str) -> float | None:
        """The base rate of the goods from `partner` whose codes start with `code`: their duty ÷ their
        value, in per cent (None when the weights hold no such good)."""
        found = self.of(partner)
        if found is None:
            return None
        goods = found[1]
        chosen = self._covering(frozenset({code}))[goods.index] if len(code) <= 10 else None
        if chosen is None or not chosen.any() or goods.value[chosen].sum() <= 0:
            return None
        return float(goods.duty[chosen].sum() * 100.0 / goods.value[chosen].sum())

    def coverage(self, layer: Layer) -> np.ndarray:
        """Which distinct codes `layer` covers (exemptions applied), remembered by its scope."""
        scope = (layer.include, layer.exempt)
        mask = self._masks.get(scope)
        if mask is None:
            mask = np.ones(len(self.codes), dtype=bool) if layer.include is None else self._covering(layer.include)
            if layer.exempt:
                mask = mask & ~self._covering(layer.exempt)
            self._masks[scope] = mask
        return mask

    def falls_on(self, layer: Layer, partner: str) -> bool:
        """Whether `layer` falls on `partner`, remembered by whom it names: a series asks it of the same
        layers on every day and for every partner."""
        named = (layer.target, layer.exempt_targets, layer.imposer, partner)
        found = self._named.get(named)
        if found is None:
            found = self._named[named] = layer.falls_on(partner)
        return found

    def _covering(self, prefixes: frozenset[str]) -> np.ndarray:
        """Which distinct codes start with one of `prefixes`: one set lookup per prefix length."""
        mask = np.zeros(len(self.codes), dtype=bool)
        for length in sorted({len(prefix) for prefix in prefixes}):
            truncated = self._truncated.get(length)
            if truncated is None:
                truncated = self._truncated[length] = self.codes.astype(f"<U{length}")
            mask |= np.isin(truncated, [prefix for prefix in prefixes if len(prefix) == length])
        return mask


@dataclass(frozen=True)
class Level:
    target: str
    value_usd: float
    added: float
    """Σ value × added rate (per cent): summed across partners for the level of all of them."""
    duty: float

    def row(self) -> dict[str, Any]:
        value = self.value_usd
        added = self.added / value if value else 0.0
        base = self.duty * 100.0 / value if value else 0.0
        return {
            "target": self.target,
            "value_usd": round(value, 2),
            "added_pct": round(added, 4),
            "base_pct": round(base, 4),
            "total_pct": round(added + base, 4),
        }


def level(weights: Weights, layers: Sequence[Layer], partner: str) -> Level | None:
    """The trade-weighted level of `partner` under `layers` (those of the weights' imposer on one day)."""
    found = weights.of(partner)
    if found is None:
        return None
    named_as, goods = found
    applying = [layer for layer in layers if layer.in_effect() and weights.falls_on(layer, named_as)]
    masks = [weights.coverage(layer)[goods.index] for layer in applying]
    added = np.zeros(len(goods.value))
    for number, (layer, mask) in enumerate(zip(applying, masks, strict=True)):
        for program in layer.not_with:  # another layer of that program, not this one, spares the good
            for other, (held, covered) in enumerate(zip(applying, masks, strict=True)):
                if other != number and held.program == program:
                    mask = mask & ~covered
        if not mask.any():
            continue
        rate = np.maximum(0.0, layer.rate_pct - goods.base) if layer.includes_base else layer.rate_pct
        added += mask * rate * (1.0 - layer.exempt_share_pct / 100.0)
    return Level(partner, float(goods.value.sum()), float((goods.value * added).sum()), float(goods.duty.sum()))


def levels(weights: Weights, layers: Sequence[Layer], partners: Iterable[str]) -> tuple[list[Level], Level]:
    """Each partner's level, and that of all of them together."""
    found = [found for partner in partners if (found := level(weights, layers, partner)) is not None]
    whole = Level("all", sum(f.value_usd for f in found), sum(f.added for f in found), sum(f.duty for f in found))
    return found, whole
