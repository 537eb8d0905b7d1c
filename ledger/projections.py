"""The read side: each query answers for one `(as_of, known_at)` pair with the JSON of DESIGN §5."""

from __future__ import annotations

import difflib
from collections import defaultdict
from datetime import date
from typing import TYPE_CHECKING, Any, Protocol

from ledger.collector import paused

if TYPE_CHECKING:
    from domain import World


class Views(Protocol):
    """Where the views of a day come from: the persistent read model, or a World folded in memory."""

    known_at: int

    def views(self, kind: str, as_of: date) -> list[dict[str, Any]]: ...


ACTIVE = ("announced", "in_force", "suspended")
APPLYING = ("in_force", "suspended")


def _header(source: Views, as_of: date) -> dict[str, Any]:
    return {"as_of": as_of.isoformat(), "known_at": source.known_at}


def _folded(text: str | None) -> str | None:
    return text.casefold() if text else None


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
    from domain.partners import ALIASES, names

    imposer, target = (ALIASES.get(c.upper(), c.upper()) if c else None for c in (imposer, target))
    wanted = _folded(product)
    labels: set[str] = set()
    measures = []
    for row in source.views("TariffMeasure", as_of):
        if imposer and row["imposer"] != imposer:
            continue
        if target and not names(row["target"], row.get("exempt_targets") or (), row["imposer"], target):
            continue
        named = {p.casefold() for p in row["products"]}
        labels |= named
        if wanted and not _all_goods(row) and wanted not in named:
            continue
        if row["status"] in ACTIVE or include_lifted:
            measures.append(row)
    counted = [row for row in measures if row["status"] in APPLYING and (_all_goods(row) or wanted)]
    pairs = {(row["imposer"], target or row["target"]) for row in counted}
    totals = {}
    for by, on in sorted(pairs):
        layers = [row for row in counted if row["imposer"] == by and _falls_on(row, on)]
        programs = {row.get("program") or row["key"] for row in layers}
        totals[by, on] = sum(
            row["rate_pct"] for row in layers if not (wanted and programs.intersection(row.get("not_with") or ()))
        )
    answer = {
        **_header(source, as_of),
        "measures": measures,
        "totals": [
            {"imposer": i, "target": t, "product": product, "rate_pct": round(rate, 6)}
            for (i, t), rate in totals.items()
        ],
    }
    if wanted and wanted not in labels:
        close = difflib.get_close_matches(wanted, sorted(labels), n=3)
        answer["note"] = f"no layer names the product {product!r}" + (
            f" (did you mean {', '.join(close)}?)" if close else ""
        )
    return answer


def _all_goods(row: dict[str, Any]) -> bool:
    """Whether a layer names no goods in particular (its exemptions aside)."""
    return not (row["products"] or row.get("hs") or row.get("hs_lists"))


def _falls_on(row: dict[str, Any], target: str) -> bool:
    """Whether a layer counts in the total on `target`: a layer on `*` counts for each country, one on
    EU for each member; a country's total never takes a layer on another country."""
    from domain.partners import names

    if target in ("*",):
        return row["target"] == "*"
    return names(row["target"], row.get("exempt_targets") or (), row["imposer"], target)


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
    rows = []
    for row in source.views("ExportControl", as_of):
        if imposer and row["imposer"] != imposer.upper():
            continue
        if item and item.casefold() not in {i.casefold() for i in row["items"]}:
            continue
        if destination and row["destinations"] and destination.upper() not in row["destinations"]:
            continue
        if row["status"] in ACTIVE or include_lifted:
            rows.append(row)
    return {**_header(source, as_of), "controls": rows}


@paused
def truces(source: Views, as_of: date) -> dict[str, Any]:
    return {**_header(source, as_of), "truces": source.views("Truce", as_of)}


@paused
def negotiations(source: Views, as_of: date) -> dict[str, Any]:
    return {**_header(source, as_of), "negotiations": source.views("Negotiation", as_of)}


def trade_flows(source: Views, as_of: date) -> dict[str, Any]:
    return {**_header(source, as_of), "trade_flows": source.views("TradeFlow", as_of)}


def replay(world: World, as_of: date, key: str | None = None) -> dict[str, Any]:
    """The events that count on `as_of` in valid-time order, and the state they build."""
    events = world.counting(as_of, key)
    built = sorted({(r.kind, r.fact.key) for r in events})
    state: dict[str, Any] = defaultdict(dict)
    for kind, k in built:
        aggregate = world.state(kind, k, as_of)
        if aggregate is not None:
            state[kind][k] = aggregate.view(as_of, world.truce_end)
    return {**_header(world, as_of), "events": [r.entry() for r in events], "state": dict(state)}


def changes(world: World, start: date, end: date) -> dict[str, Any]:
    """What took effect or was agreed between `start` and `end` (inclusive), grouped by aggregate."""
    groups: dict[tuple[str, str], list[dict[str, Any]]] = defaultdict(list)
    for recorded in world.counting(end):
        fact = recorded.fact
        day = fact.date
        if start <= day <= end or (fact.creates and start <= fact.start <= end):
            groups[recorded.kind, fact.key].append(recorded.entry())
    return {
        "from": start.isoformat(),
        "to": end.isoformat(),
        "known_at": world.known_at,
        "changes": [{"kind": kind, "key": key, "events": events} for (kind, key), events in sorted(groups.items())],
    }
