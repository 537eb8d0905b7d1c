"""Tariff law's answers: the rate one good pays, trade-weighted levels (on a day and as a series), and
product lists — each for one `(as_of, known_at)` pair, folded from the ledger as known then."""

from __future__ import annotations

import operator
from bisect import bisect_right
from collections import Counter
from collections.abc import Iterator
from datetime import date
from typing import TYPE_CHECKING, Any

import orjson

from domain import LedgerError
from domain.partners import EU, EU_MEMBERS
from domain.stacking import Layer, judge, layers_on
from domain.timeline import Course, counts_from

if TYPE_CHECKING:
    from domain import World
    from ledger.levels import Weights

Made = dict[int, tuple[list[frozenset[str] | None], Layer]]
"""The layer last made of each view of a series, by the view's identity, with the lists' codes it took."""

KINDS = ("TariffMeasure", "ProductList", "Truce", "TradeWeights")
"""What these answers read; negotiations, controls and trade flows are never decoded for them."""


class TariffLaw:
    """The tariff layers, product lists and weights of a ledger as known at one position."""

    def __init__(self, world: World):
        self.world = world
        self._weights: dict[str, Weights] = {}
        self._lists: dict[tuple[str, date | None], frozenset[str] | None] = {}
        self._list_days: dict[str, list[date]] = {}
        """The days each product list changes on, in order."""
        self._layers: dict[bytes, Layer] = {}
        """Layers by what makes them: a series meets the same layer on most of its days, and its
        coverage masks are remembered by the very sets this keeps."""

    @property
    def known_at(self) -> int:
        return self.world.known_at

    def codes(self, key: str, day: date) -> frozenset[str] | None:
        """A product list's codes as it stands on `day`, folded once for each of its versions."""
        days = self._list_days.get(key)
        if days is None:
            timeline = self.world.timelines.get(("ProductList", key), ())
            days = self._list_days[key] = sorted(counts_from(r.fact) for r in timeline)
        counted = bisect_right(days, day)
        changed = days[counted - 1] if counted else None
        if (key, changed) not in self._lists:
            state = self.world.state("ProductList", key, day) if changed is not None else None
            self._lists[key, changed] = state.codes if state is not None else None  # type: ignore[attr-defined]
        return self._lists[key, changed]

    def layers(self, imposer: str, day: date) -> list[Layer]:
        """The layers of `imposer` on `day`, their lists as they stand that day."""
        return [
            self.layer(state.view(day, self.world.truce_end), day)
            for state in self.world.states("TariffMeasure", day)
            if state.imposer == imposer  # type: ignore[attr-defined]
        ]

    def layer(self, view: dict[str, Any], day: date) -> Layer:
        """The layer of a tariff view on `day`, its lists as they stand that day."""
        lists = [*(view.get("hs_lists") or ()), *(view.get("exempt_lists") or ())]
        made = orjson.dumps(
            [
                {k: v for k, v in view.items() if k != "sources"},
                [self.codes(n, day) is not None and id(self.codes(n, day)) for n in lists],
            ]
        )
        if made not in self._layers:
            self._layers[made] = layers_on([view], lambda key: self.codes(key, day))[0]
        return self._layers[made]

    def layers_over(self, imposer: str, start: date, end: date) -> Iterator[tuple[date, list[Layer]]]:
        """The layers of `imposer` on `start` and on each later day to `end` they may change: a day one
        of them changes (`domain.timeline.Course`, each layer's timeline walked once) or a product list
        does. Equal to `layers` on each of those days, and unchanged between them."""
        truce_days: dict[str, list[date]] = {}
        for (kind, key), timeline in self.world.timelines.items():
            if kind == "Truce":
                truce_days[key] = sorted(counts_from(r.fact) for r in timeline)
        courses: list[tuple[list[date], list[dict[str, Any] | None]]] = []
        for (kind, _), timeline in sorted(self.world.timelines.items()):
            if kind != "TariffMeasure" or not any(vars(r.fact).get("imposer") == imposer for r in timeline):
                continue
            named = {truce for r in timeline if (truce := vars(r.fact).get("truce")) is not None}
            course = Course(timeline, self.world.truce_end)
            steps = course.steps(also=[truce_days.get(truce, []) for truce in sorted(named)])
            courses.append(([day for day, _ in steps], [view for _, view in steps]))
        days = {day for steps, _ in courses for day in steps}
        days.update(
            counts_from(r.fact)
            for (kind, _), timeline in self.world.timelines.items()
            if kind == "ProductList"
            for r in timeline
        )
        made: Made = {}
        for day in [start, *sorted(day for day in days if start < day <= end)]:
            views = [views[i - 1] for steps, views in courses if (i := bisect_right(steps, day))]
            yield day, [self._layer_again(view, day, made) for view in views if view is not None]

    def _layer_again(self, view: dict[str, Any], day: date, made: Made) -> Layer:
        """`layer(view, day)`, the one made before of the same view while its lists' codes are the same:
        a view is the same on most days of a series, and `layer` reads it whole to tell."""
        codes = [self.codes(name, day) for name in (*(view.get("hs_lists") or ()), *(view.get("exempt_lists") or ()))]
        before = made.get(id(view))
        if before is None or any(map(operator.is_not, before[0], codes)):
            before = made[id(view)] = codes, self.layer(view, day)
        return before[1]

    def weights(self, imposer: str, key: str | None = None) -> Weights | None:
        """The weights `key`, or the latest year's of `imposer` (None when the ledger holds none)."""
        from ledger.levels import Weights

        keys = sorted(k for kind, k in self.world.timelines if kind == "TradeWeights")
        states = [s for k in keys if (s := self.world.state("TradeWeights", k, date.max)) is not None]
        if key is not None:
            states = [s for s in states if s.key == key]
            if not states:
                raise LedgerError(f"--weights: no weights {key!r} in the ledger (as known at {self.known_at})")
        states = [s for s in states if s.imposer == imposer]  # type: ignore[attr-defined]
        if key is not None and not states:
            raise LedgerError(f"--weights: {key} holds the imports of another country than {imposer}")
        if not states:
            return None
        chosen = max(states, key=lambda s: (s.year, s.key))  # type: ignore[attr-defined]
        if chosen.key not in self._weights:
            self._weights[chosen.key] = Weights(chosen.key, imposer, chosen.year, chosen.partners)  # type: ignore[attr-defined]
        return self._weights[chosen.key]


def rate(
    law: TariffLaw, imposer: str, partner: str, code: str, as_of: date, weights: str | None = None
) -> dict[str, Any]:
    """The rate the good `code` from `partner` pays on `as_of`, with every layer naming the pair and why
    it applies or not. The base rate is the good's in the weights (duty ÷ value), else 0."""
    held = law.weights(imposer, weights)
    base = held.base(partner, code) if held is not None else None
    judged = judge(law.layers(imposer, as_of), imposer, partner, code, base or 0.0)
    added = sum(j.contribution_pct for j in judged)
    return {
        "as_of": as_of.isoformat(),
        "known_at": law.known_at,
        "imposer": imposer,
        "target": partner,
        "hs": code,
        "weights": held.key if held is not None else None,
        "base_pct": round(base or 0.0, 4),
        "base_known": base is not None,
        "added_pct": round(added, 6),
        "total_pct": round((base or 0.0) + added, 6),
        "layers": [j.row() for j in judged],
    }


def levels(
    law: TariffLaw, imposer: str, as_of: date, targets: list[str] | None = None, weights: str | None = None
) -> dict[str, Any]:
    """Each partner's trade-weighted added, base and total rate on `as_of`, and all partners' together."""
    from ledger.levels import levels as weighted

    held = _required(law, imposer, weights)
    _weighed(held, targets)
    found, whole = weighted(held, law.layers(imposer, as_of), targets or held.partners)
    return {
        "as_of": as_of.isoformat(),
        "known_at": law.known_at,
        "imposer": imposer,
        "weights": held.key,
        "levels": [level.row() for level in found],
        "all": {k: v for k, v in whole.row().items() if k != "target"},
    }


def level_series(
    law: TariffLaw, imposer: str, start: date, end: date, targets: list[str] | None = None, weights: str | None = None
) -> dict[str, Any]:
    """The levels from `start` to `end`: a row for each partner (and `all`) on the first day and on each
    day its level changes. Levels are weighed only on the days a layer may change (`TariffLaw.layers_over`),
    and then only those of the partners a layer that came or went falls on."""
    from ledger.levels import Level, level

    held = _required(law, imposer, weights)
    partners = _weighed(held, targets) or held.partners
    series: list[dict[str, Any]] = []
    last: dict[str, dict[str, Any]] = {}
    weighed: dict[str, Level | None] = {}
    """Each partner's level as last weighed (None: the weights hold none of its goods)."""
    previous: list[Layer] | None = None
    for day, layers in law.layers_over(imposer, start, end):
        moved = partners if previous is None else _fallen_on(held, _came_or_went(previous, layers), partners)
        previous = layers
        if not moved:
            continue  # the same layers on each partner weigh the same
        weighed.update((partner, level(held, layers, partner)) for partner in moved)
        found = [known for partner in partners if (known := weighed[partner]) is not None]
        # all partners together, added up as `ledger.levels.levels` adds them
        whole = Level("all", sum(f.value_usd for f in found), sum(f.added for f in found), sum(f.duty for f in found))
        for level_of in [*found, whole]:
            row = level_of.row()
            if last.get(level_of.target) != row:
                last[level_of.target] = row
                series.append({"date": day.isoformat(), **row})
    return {
        "from": start.isoformat(),
        "to": end.isoformat(),
        "known_at": law.known_at,
        "imposer": imposer,
        "weights": held.key,
        "series": series,
    }


def _came_or_went(before: list[Layer], after: list[Layer]) -> list[Layer]:
    """The layers in one day's list and not the other's, by identity: a series meets the same layer
    objects from day to day (`TariffLaw.layer`). The others keep their order, each the layer of its
    own measure, so a partner none of these fall on is weighed from the same layers in the same order."""
    count = Counter(map(id, before))
    count.subtract(map(id, after))
    return [layer for layer in {id(layer): layer for layer in [*before, *after]}.values() if count[id(layer)]]


def _fallen_on(held: Weights, layers: list[Layer], partners: list[str]) -> list[str]:
    """The partners, in order, whose level any of `layers` may change: those it applies to."""
    moved = []
    for partner in partners:
        found = held.of(partner)
        if found is not None and any(layer.in_effect() and held.falls_on(layer, found[0]) for layer in layers):
            moved.append(partner)
    return moved


def product_list(law: TariffLaw, key: str, as_of: date) -> dict[str, Any]:
    state = law.world.state("ProductList", key, as_of)
    if state is None:
        raise LedgerError(f"no product list {key!r} as of {as_of} (as known at {law.known_at})")
    return {"as_of": as_of.isoformat(), "known_at": law.known_at, **state.view(as_of, law.world.truce_end)}


def weights_held(law: TariffLaw, key: str | None = None) -> dict[str, Any]:
    """Every set of weights as known (or the one `key`): each partner's goods, value, duty and file."""
    keys = sorted(k for kind, k in law.world.timelines if kind == "TradeWeights" and (key is None or k == key))
    if key is not None and not keys:
        raise LedgerError(f"no weights {key!r} in the ledger (as known at {law.known_at})")
    views = [s.view(date.max, law.world.truce_end) for k in keys if (s := law.world.state("TradeWeights", k, date.max))]
    return {"known_at": law.known_at, "weights": views}


def _weighed(held: Weights, targets: list[str] | None) -> list[str] | None:
    """`targets`, each of which the weights must hold apart: a level weighs a partner's own goods (the
    EU's goods taken whole are the EU's level, not a member's)."""
    missing = [target for target in targets or () if target not in held.goods]
    if missing:
        grouped = " (they hold the EU's as EU)" if EU in held.goods and set(missing) & EU_MEMBERS else ""
        raise LedgerError(f"--target: the weights {held.key} hold no imports from {', '.join(missing)}{grouped}")
    return list(dict.fromkeys(targets)) if targets else None


def _required(law: TariffLaw, imposer: str, key: str | None) -> Weights:
    held = law.weights(imposer, key)
    if held is None:
        raise LedgerError(
            f"no weights of {imposer}'s imports in the ledger (as known at {law.known_at}): "
            "record some with `dipledger weights import`"
        )
    return held
