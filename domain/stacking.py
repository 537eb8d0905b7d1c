"""How tariff layers combine on one good from one partner on one day: the law `rate` and `levels` apply.

1. A layer falls on the partner when its target is the partner, a group the partner belongs to
   (`EU`) or every country (`*`), and the partner is not among its `exempt_targets`.
2. It is in force (or suspended, at its rate less the points suspended) that day.
3. It covers the good: the good's HS code starts with one of its included prefixes (`hs`, and the
   codes of its `hs_lists` as each list stands that day), or it names none (all goods), and starts
   with none of its exempt prefixes (`exempt_hs`, `exempt_lists`).
4. It does not apply while a layer of a program it is `not_with` applies to the good (step 1-3).
5. It adds its rate, or, when `includes_base`, what its rate exceeds the good's base rate by.
A layer's `exempt_share_pct` (trade freed by an origin rule) counts only in trade-weighted levels.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from domain.partners import names, why_not_named

Lists = Callable[[str], "frozenset[str] | None"]
"""A product list's codes as it stands on the day asked (None: no such list that day)."""
APPLYING = ("in_force", "suspended")


@dataclass(frozen=True)
class Layer:
    """One tariff layer as it stands on one day, with its lists resolved to codes."""

    key: str
    program: str
    imposer: str
    target: str
    status: str
    since: str
    rate_pct: float
    """The rate charged that day: the layer's rate less any points suspended."""
    include: frozenset[str] | None
    """HS prefixes covered; None: all goods."""
    exempt: frozenset[str]
    exempt_targets: tuple[str, ...]
    not_with: tuple[str, ...]
    includes_base: bool
    exempt_share_pct: float
    products: tuple[str, ...]
    scope: Mapping[str, tuple[str, ...]]
    """Where each prefix came from, for the reasons given: `hs`, `list KEY`, `exempt hs`, `exempt list KEY`."""

    @classmethod
    def of(cls, view: Mapping[str, Any], lists: Lists) -> Layer:
        """The layer of a tariff view (`TariffMeasure.settled`), its lists read through `lists`."""
        hs, hs_lists = view.get("hs") or [], view.get("hs_lists") or []
        exempt_hs, exempt_lists = view.get("exempt_hs") or [], view.get("exempt_lists") or []
        scope: dict[str, tuple[str, ...]] = {"hs": tuple(hs), "exempt hs": tuple(exempt_hs)}
        for name in hs_lists:
            scope[f"list {name}"] = tuple(sorted(lists(name) or ()))
        for name in exempt_lists:
            scope[f"exempt list {name}"] = tuple(sorted(lists(name) or ()))
        include = None
        if hs or hs_lists or view.get("products"):  # labels alone name no HS code: they cover no good by code
            include = frozenset(
                code for where, codes in scope.items() if not where.startswith("exempt") for code in codes
            )
        exempt = frozenset(code for where, codes in scope.items() if where.startswith("exempt") for code in codes)
        return cls(
            key=view["key"],
            program=view.get("program") or view["key"],
            imposer=view["imposer"],
            target=view["target"],
            status=view["status"],
            since=view["since"],
            rate_pct=view["rate_pct"],
            include=include,
            exempt=exempt,
            exempt_targets=tuple(view.get("exempt_targets") or ()),
            not_with=tuple(view.get("not_with") or ()),
            includes_base=bool(view.get("includes_base")),
            exempt_share_pct=float(view.get("exempt_share_pct") or 0.0),
            products=tuple(view.get("products") or ()),
            scope=scope,
        )

    def falls_on(self, partner: str) -> bool:
        return names(self.target, self.exempt_targets, self.imposer, partner)

    def in_effect(self) -> bool:
        return self.status in APPLYING

    def covers(self, code: str) -> bool:
        """Whether the layer covers the good `code`, exemptions aside."""
        return (self.include is None or starts_with_any(code, self.include)) and not starts_with_any(code, self.exempt)

    def contribution(self, base_pct: float) -> float:
        """What the layer adds on a good whose base rate is `base_pct`."""
        return max(0.0, self.rate_pct - base_pct) if self.includes_base else self.rate_pct

    def why_not_covered(self, code: str) -> str | None:
        if self.include is not None and not starts_with_any(code, self.include):
            if not any(codes for where, codes in self.scope.items() if not where.startswith("exempt")):
                return f"not covered: names products ({', '.join(self.products)}), not HS codes"
            covered = [_named(where, codes) for where, codes in self.scope.items() if not where.startswith("exempt")]
            return f"not covered: outside {'; '.join(c for c in covered if c) or 'an empty list'}"
        for where, codes in self.scope.items():
            if where.startswith("exempt") and starts_with_any(code, codes):
                prefix = next(c for c in codes if code.startswith(c))
                return f"exempt: {where.removeprefix('exempt ')}" + (f" ({prefix})" if where == "exempt hs" else "")
        return None


def _named(where: str, codes: tuple[str, ...]) -> str:
    """A scope as a reason names it: a list by its key, codes themselves (the first few)."""
    if where != "hs" or not codes:
        return where if codes else ""
    return "hs " + ", ".join(codes[:5]) + (f" and {len(codes) - 5} more" if len(codes) > 5 else "")


def starts_with_any(code: str, prefixes: Iterable[str]) -> bool:
    """Whether `code` starts with one of `prefixes` (a set is asked once per length, not per prefix)."""
    if isinstance(prefixes, frozenset | set):
        return any(code[:length] in prefixes for length in range(2, len(code) + 1))
    return any(code.startswith(prefix) for prefix in prefixes)


@dataclass(frozen=True)
class Judged:
    """One layer's part in the rate of one good."""

    layer: Layer
    applies: bool
    contribution_pct: float
    why: str

    def row(self) -> dict[str, Any]:
        return {
            "key": self.layer.key,
            "program": self.layer.program,
            "rate_pct": self.layer.rate_pct,
            "applies": self.applies,
            "contribution_pct": round(self.contribution_pct, 6),
            "exempt_share_pct": self.layer.exempt_share_pct,
            "why": self.why,
        }


def named(layers: Iterable[Layer], imposer: str, partner: str) -> list[Layer]:
    """The layers of `imposer` whose target could name `partner`: on it, on a group it is in, or on `*`
    (spared or not, so that a sparing shows as a reason)."""
    return [
        layer
        for layer in layers
        if layer.imposer == imposer and partner != imposer and why_not_named(layer.target, (), partner) is None
    ]


def judge(layers: Iterable[Layer], imposer: str, partner: str, code: str, base_pct: float) -> list[Judged]:
    """Every layer naming the pair, whether it applies to the good `code` and why (steps 1 to 5)."""
    candidates = named(layers, imposer, partner)
    reasons: dict[str, str] = {}
    for layer in candidates:
        reason = why_not_named(layer.target, layer.exempt_targets, partner)
        if reason is None and not layer.in_effect():
            reason = _status_reason(layer)
        if reason is None:
            reason = layer.why_not_covered(code)
        if reason is not None:
            reasons[layer.key] = reason
    covering = {layer.program for layer in candidates if layer.key not in reasons}
    judged = []
    for layer in candidates:
        reason = reasons.get(layer.key)
        if reason is None:
            spared_by = next((program for program in layer.not_with if program in covering), None)
            reason = f"not with {spared_by}" if spared_by is not None else None
        if reason is not None:
            judged.append(Judged(layer, False, 0.0, reason))
            continue
        added = layer.contribution(base_pct)
        why = "applies"
        if layer.includes_base:
            why = f"applies: {layer.rate_pct:g}% all-inclusive over a base of {base_pct:.4g}%"
        if layer.status == "suspended":
            why += " (part suspended)"
        judged.append(Judged(layer, True, added, why))
    return judged


def _status_reason(layer: Layer) -> str:
    if layer.status == "announced":
        return "announced, not in force yet"
    return f"{layer.status} since {layer.since}"


def layers_on(views: Iterable[Mapping[str, Any]], lists: Lists) -> list[Layer]:
    """The layers of the tariff views of one day."""
    return [Layer.of(view, lists) for view in views]
