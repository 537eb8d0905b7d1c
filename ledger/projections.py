"""The read side: each query answers for one `(as_of, known_at)` pair with the JSON shapes the README gives."""

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
        if item and not _mentions(row, item):
            continue
        if destination and row["destinations"] and destination.upper() not in row["destinations"]:
            continue
        if row["status"] in ACTIVE or include_lifted:
            rows.append(row)
    return {**_header(source, as_of), "controls": rows}


def _mentions(row: dict[str, Any], text: str) -> bool:
    """Whether a control names `text` in one of its items or its basis, as a word or part of one
    (`nexperia` finds "chips of Nexperia"), whatever the case."""
    wanted = text.casefold().strip()
    return any(wanted in said.casefold() for said in (*row["items"], row.get("basis") or ""))


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
    return {**_header(source, as_of), "truces": source.views("Truce", as_of)}


@paused
def negotiations(source: Views, as_of: date) -> dict[str, Any]:
    return {**_header(source, as_of), "negotiations": source.views("Negotiation", as_of)}


def keys(world: World, kind: str | None = None, match: str | None = None) -> dict[str, Any]:
    """Every aggregate known at the world's position: its kind, key, what it is in a few words, and the
    span of days and number of its events; `match` narrows them to those whose key or words name it."""
    wanted = _folded(match)
    rows = []
    for (k, key), timeline in sorted(world.timelines.items()):
        if (kind and k != kind) or not timeline:
            continue
        label = _label(k, timeline[0].fact)
        if wanted and wanted not in key.casefold() and wanted not in label.casefold():
            continue
        days = [r.fact.date for r in timeline]
        rows.append(
            {
                "kind": k,
                "key": key,
                "about": label,
                "first": min(days).isoformat(),
                "last": max(days).isoformat(),
                "events": len(timeline),
            }
        )
    return {"known_at": world.known_at, "keys": rows}


def _label(kind: str, fact: Any) -> str:
    """An aggregate's creation event in a few words."""
    if kind == "Negotiation":
        return f"{fact.title} ({', '.join(fact.parties)})"
    if kind == "Truce":
        return f"truce between {', '.join(fact.parties)}"
    if kind == "ExportControl":
        return f"{fact.imposer} {fact.regime} on {', '.join(fact.items)}" + (f"; {fact.basis}" if fact.basis else "")
    if kind == "TariffMeasure":
        goods = ", ".join(fact.products) if fact.products else "all goods"
        return f"{fact.imposer} on {fact.target}, imposed at {fact.rate_pct:g}% on {goods}" + (
            f"; {fact.basis}" if fact.basis else ""
        )
    if kind == "TradeFlow":
        return f"{fact.reporter} {fact.flow} {'to' if fact.flow == 'exports' else 'from'} {fact.partner}"
    return ""


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
    """What took effect between `start` and `end` (inclusive), by aggregate, in date order: the events
    dated in the window; measures announced in it (marked `"effect": "announced"`, with the day they
    take effect, as they charge nothing yet); and what no event dates but time brings about (a truce
    expiring, a suspension ending and the rate it brings back). Each entry says the day it took
    effect in `on`."""
    groups: dict[tuple[str, str], list[dict[str, Any]]] = defaultdict(list)
    for recorded in world.counting(end):
        fact = recorded.fact
        if start <= fact.date <= end:
            groups[recorded.kind, fact.key].append({**recorded.entry(), "on": fact.date.isoformat()})
        elif fact.creates and start <= fact.start <= end:
            entry = {**recorded.entry(), "on": fact.start.isoformat(), "effect": "announced"}
            groups[recorded.kind, fact.key].append({**entry, "in_force_from": fact.date.isoformat()})
    for kind, key, entry in _brought_about(world, start, end):
        groups[kind, key].append(entry)
    ordered = sorted(
        ((kind, key), sorted(events, key=lambda e: (e["on"], e["position"] or 0)))
        for (kind, key), events in groups.items()
    )
    ordered.sort(key=lambda group: group[1][0]["on"])
    return {
        "from": start.isoformat(),
        "to": end.isoformat(),
        "known_at": world.known_at,
        "changes": [{"kind": kind, "key": key, "events": events} for (kind, key), events in ordered],
    }


def _brought_about(world: World, start: date, end: date) -> list[tuple[str, str, dict[str, Any]]]:
    """Changes in the window that no event is dated on: a truce's expiry, and the end of a suspension
    (by its `until`, or with its truce), with the status and rate it leaves."""
    from datetime import timedelta

    found: list[tuple[str, str, dict[str, Any]]] = []
    truce_days = {r.fact.date for (k, _), timeline in world.timelines.items() if k == "Truce" for r in timeline}
    for (kind, key), timeline in world.timelines.items():
        if kind == "Truce":
            view = _view(world, kind, key, end)
            if (
                view is not None
                and view["status"] == "expired"
                and start.isoformat() <= view["expires"] <= end.isoformat()
            ):
                found.append((kind, key, _derived("TruceExpired", key, view["expires"], {"expires": view["expires"]})))
            continue
        if kind not in ("TariffMeasure", "ExportControl"):
            continue
        looked = {start - timedelta(days=1)} | {
            d for d in truce_days | {r.fact.date for r in timeline} if start <= d <= end
        }
        ends = set()
        for day in looked:
            view = _view(world, kind, key, day)
            if view is not None and view.get("suspended_until"):
                ends.add(date.fromisoformat(view["suspended_until"]))
        for day in sorted(d for d in ends if start <= d <= end):
            before, after = _view(world, kind, key, day - timedelta(days=1)), _view(world, kind, key, day)
            if before is None or after is None or before["status"] != "suspended" or after["status"] == "suspended":
                continue
            if before.get("suspended_until") != day.isoformat():
                continue
            said = {"status": after["status"]}
            if "rate_pct" in after:
                said["rate_pct"] = after["rate_pct"]
            found.append((kind, key, _derived("SuspensionEnded", key, day.isoformat(), said)))
    return found


def _view(world: World, kind: str, key: str, day: date) -> dict[str, Any] | None:
    state = world.state(kind, key, day)
    return state.view(day, world.truce_end) if state is not None else None


def _derived(what: str, key: str, day: str, said: dict[str, Any]) -> dict[str, Any]:
    """An entry of `changes` that no recorded event is: no position, no record time."""
    return {"position": None, "recorded_at": None, "type": what, "key": key, "date": day, **said, "on": day}
