"""Tariffs and export controls on a day: which measures an answer shows, and the totals they add up to.

The same code answers one day and a series of days: a query puts one day's layers into
`TariffLayers`, a chart puts in only the layers that change from one day to the next, and each
total is added up again only when a layer that falls on its pair changes.
"""

from __future__ import annotations

import difflib
from collections import defaultdict
from datetime import date
from typing import Any

from domain.partners import ALIASES, EU, EVERY, names
from ledger.collector import paused
from ledger.projections.views import ACTIVE, APPLYING, Views, folded, header

Row = dict[str, Any]
Pair = tuple[str, str]
"""`(imposer, target)` of a total."""
SUMMED = ("imposer", "target", "exempt_targets", "rate_pct", "program", "not_with")
"""What a total reads of a layer it counts."""


class TariffLayers:
    """The layers a tariffs answer lists (`shown`) and the total per imposer→target (`rates`), kept up
    as layers are put in, replaced or taken out by key.

    A pair is each target of a layer counted in totals (the target asked for, when one is): a layer
    falls on its own target, and one on `*` or `EU` on each pair whose target it names. With a
    product, a layer does not count while a layer of a program it is `not_with` falls on the pair."""

    def __init__(
        self,
        imposer: str | None = None,
        target: str | None = None,
        product: str | None = None,
        include_lifted: bool = False,
    ):
        self.imposer, self.target = (ALIASES.get(c.upper(), c.upper()) if c else None for c in (imposer, target))
        self.product = product
        self.wanted = folded(product)
        self.include_lifted = include_lifted
        self.shown: dict[str, Row] = {}
        """The layers listed, by key, in the order they were put in."""
        self.labels: set[str] = set()
        """Every product (casefolded) named by a layer put in of the imposer and target asked for."""
        self.rates: dict[Pair, float] = {}
        """The total of each pair as of the last `settle`."""
        self._counted: dict[str, dict[str, dict[str, Row]]] = defaultdict(lambda: defaultdict(dict))
        """The layers counted in totals: by imposer, then by their own target, then by key."""
        self._counting: dict[str, Row] = {}
        """The same layers by key."""
        self._stale: set[Pair] = set()

    def put(self, key: str, row: Row | None) -> None:
        """Make `row` the layer `key` from now on (None: there is none)."""
        self.shown.pop(key, None)
        old = self._counting.pop(key, None)
        if old is not None:
            del self._counted[old["imposer"]][old["target"]][key]
        new = self._counts(key, row)
        if new is not None:
            self._counted[new["imposer"]][new["target"]][key] = self._counting[key] = new
        if old is not None and new is not None and _summed(old) == _summed(new):
            return  # its totals stay as they are
        for changed in (old, new):
            if changed is not None:
                self._touch(changed)

    def _counts(self, key: str, row: Row | None) -> Row | None:
        """`row` if the answer counts it in totals; list it in `shown` if the answer does."""
        if row is None or not self._admits(row):
            return None
        named = {p.casefold() for p in row["products"]} if row["products"] else set()
        self.labels |= named
        if self.wanted and not all_goods(row) and self.wanted not in named:
            return None
        if row["status"] in ACTIVE or self.include_lifted:
            self.shown[key] = row
        return row if row["status"] in APPLYING and (all_goods(row) or self.wanted) else None

    def settle(self) -> set[Pair]:
        """Add up again each total a layer put in since touched; the pairs whose total changed, came or went."""
        moved = set()
        for pair in self._stale:
            rate = self._total(*pair)
            if rate != self.rates.get(pair):
                moved.add(pair)
                if rate is None:
                    del self.rates[pair]
                else:
                    self.rates[pair] = rate
        self._stale.clear()
        return moved

    def totals(self) -> list[Row]:
        """Every total, by pair."""
        self.settle()
        return [
            {"imposer": by, "target": on, "product": self.product, "rate_pct": rate}
            for (by, on), rate in sorted(self.rates.items())
        ]

    def _admits(self, row: Row) -> bool:
        """Whether a layer is of the imposer asked for and falls on the target asked for."""
        if self.imposer and row["imposer"] != self.imposer:
            return False
        return not self.target or names(row["target"], row.get("exempt_targets") or (), row["imposer"], self.target)

    def _touch(self, row: Row) -> None:
        """Mark the totals a counted layer falls on as to be added up again."""
        by = row["imposer"]
        if self.target:
            self._stale.add((by, self.target))
            return
        if row["target"] in (EVERY, EU):  # a group's layer falls on those pairs of its imposer it names
            self._stale.update((by, on) for on in self._counted[by] if falls_on(row, on))
        self._stale.add((by, row["target"]))

    def _total(self, by: str, on: str) -> float | None:
        """The total on the pair, from the layers that fall on it (None: no layer makes it a pair)."""
        layers = self._counted.get(by, {})
        if not (any(layers.values()) if self.target else layers.get(on)):
            return None
        falling = sorted(
            (key, row)
            for own in {on, EVERY, EU}  # a layer falls only on its own target or, on a group, a member's
            for key, row in layers.get(own, {}).items()
            # most layers are on the pair's own target and spare no one: they fall on it, no need to ask
            if (own == on != by and not row.get("exempt_targets")) or falls_on(row, on)
        )
        if self.wanted:
            programs = {row.get("program") or key for key, row in falling}
            falling = [(key, row) for key, row in falling if not programs.intersection(row.get("not_with") or ())]
        return round(sum(row["rate_pct"] for _, row in falling), 6)


@paused
def tariffs(
    source: Views,
    as_of: date,
    imposer: str | None = None,
    target: str | None = None,
    product: str | None = None,
    include_lifted: bool = False,
) -> dict[str, Any]:
    """Tariff layers in effect and the total per imposer→target (for all goods, or for `product`).

    A layer on `*` or `EU` falls on each country it names: `target` finds it unless that country is
    spared, and it counts in the total of every such target listed. A layer does not count in a
    product's total while a layer of a program it is `not_with` applies to the product."""
    layers = TariffLayers(imposer, target, product, include_lifted)
    for row in source.views("TariffMeasure", as_of):
        layers.put(row["key"], row)
    answer = {**header(source, as_of), "measures": list(layers.shown.values()), "totals": layers.totals()}
    wanted = layers.wanted
    if wanted and wanted not in layers.labels:
        close = difflib.get_close_matches(wanted, sorted(layers.labels), n=3)
        answer["note"] = f"no layer names the product {product!r}" + (
            f" (did you mean {', '.join(close)}?)" if close else ""
        )
    return answer


def _summed(row: Row) -> tuple[Any, ...]:
    return tuple(map(row.get, SUMMED))


def all_goods(row: Row) -> bool:
    """Whether a layer names no goods in particular (its exemptions aside)."""
    return not (row["products"] or row.get("hs") or row.get("hs_lists"))


def falls_on(row: Row, target: str) -> bool:
    """Whether a layer counts in the total on `target`: a layer on `*` counts for each country, one on
    EU for each member; a country's total never takes a layer on another country."""
    if target in ("*",):
        return row["target"] == "*"
    return names(row["target"], row.get("exempt_targets") or (), row["imposer"], target)


def shows_control(
    row: Row,
    imposer: str | None = None,
    item: str | None = None,
    destination: str | None = None,
    include_lifted: bool = False,
) -> bool:
    """Whether a controls answer lists the control `row`."""
    if imposer and row["imposer"] != imposer.upper():
        return False
    if item and not _mentions(row, item):
        return False
    if destination and row["destinations"] and destination.upper() not in row["destinations"]:
        return False
    return row["status"] in ACTIVE or include_lifted


@paused
def controls(
    source: Views,
    as_of: date,
    imposer: str | None = None,
    item: str | None = None,
    destination: str | None = None,
    include_lifted: bool = False,
) -> dict[str, Any]:
    """Export controls in effect, with licence approvals."""
    rows = [
        row
        for row in source.views("ExportControl", as_of)
        if shows_control(row, imposer, item, destination, include_lifted)
    ]
    return {**header(source, as_of), "controls": rows}


def _mentions(row: Row, text: str) -> bool:
    """Whether a control names `text` in one of its items or its basis, as a word or part of one
    (`nexperia` finds "chips of Nexperia"), whatever the case."""
    wanted = text.casefold().strip()
    return any(wanted in said.casefold() for said in (*row["items"], row.get("basis") or ""))
