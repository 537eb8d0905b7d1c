"""Queries over the events themselves, folded in memory: the aggregates known, replay, and what changed."""

from __future__ import annotations

from collections import defaultdict
from datetime import date
from typing import TYPE_CHECKING, Any

from ledger.projections.views import folded, header

if TYPE_CHECKING:
    from domain import World
    from ledger.projections.views import Spanned


def keys(world: World, kind: str | None = None, match: str | None = None) -> dict[str, Any]:
    """Every aggregate known at the world's position: its kind, key, what it is in a few words, and the
    span of days and number of its events; `match` narrows them to those whose key or words name it."""
    wanted = folded(match)
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


def replay(world: World, as_of: date, key: str | None = None) -> dict[str, Any]:
    """The events that count on `as_of` in valid-time order, and the state they build."""
    events = world.counting(as_of, key)
    built = sorted({(r.kind, r.fact.key) for r in events})
    state: dict[str, Any] = defaultdict(dict)
    for kind, k in built:
        aggregate = world.state(kind, k, as_of)
        if aggregate is not None:
            state[kind][k] = aggregate.view(as_of, world.truce_end)
    return {**header(world, as_of), "events": [r.entry() for r in events], "state": dict(state)}


def changes(world: World, source: Spanned, start: date, end: date) -> dict[str, Any]:
    """What took effect between `start` and `end` (inclusive), by aggregate, in date order: the events
    dated in the window; measures announced in it (marked `"effect": "announced"`, with the day they
    take effect, as they charge nothing yet); and what no event dates but time brings about (a truce
    expiring, a suspension ending and the rate it brings back). Each entry says the day it took
    effect in `on`. `world` needs only the events dated or announced in the window
    (`Ledger.dated_world`); what time brings about is read from the views of the read model `source`."""
    groups: dict[tuple[str, str], list[dict[str, Any]]] = defaultdict(list)
    for recorded in (r for timeline in world.timelines.values() for r in timeline):
        fact = recorded.fact
        if start <= fact.date <= end:
            groups[recorded.kind, fact.key].append({**recorded.entry(), "on": fact.date.isoformat()})
        elif fact.creates and start <= fact.start <= end:
            entry = {**recorded.entry(), "on": fact.start.isoformat(), "effect": "announced"}
            groups[recorded.kind, fact.key].append({**entry, "in_force_from": fact.date.isoformat()})
    for kind, key, entry in _brought_about(source, start, end):
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


def _brought_about(source: Spanned, start: date, end: date) -> list[tuple[str, str, dict[str, Any]]]:
    """Changes in the window that no event is dated on: a truce's expiry, and the end of a suspension
    (by its `until`, or with its truce), with the status and rate it leaves."""
    first, last = start.isoformat(), end.isoformat()
    found = [
        ("Truce", view["key"], _derived("TruceExpired", view["key"], view["expires"], {"expires": view["expires"]}))
        for view in source.views("Truce", end)
        if view["status"] == "expired" and first <= view["expires"] <= last
    ]
    for kind in ("TariffMeasure", "ExportControl"):
        for key, day, before, after in source.turned(kind, start, end):
            if before["status"] != "suspended" or after["status"] == "suspended":
                continue
            if before.get("suspended_until") != day.isoformat():
                continue  # lifted or ended by an event of that day, which is listed itself
            said = {"status": after["status"]}
            if "rate_pct" in after:
                said["rate_pct"] = after["rate_pct"]
            found.append((kind, key, _derived("SuspensionEnded", key, day.isoformat(), said)))
    return found


def _derived(what: str, key: str, day: str, said: dict[str, Any]) -> dict[str, Any]:
    """An entry of `changes` that no recorded event is: no position, no record time."""
    return {"position": None, "recorded_at": None, "type": what, "key": key, "date": day, **said, "on": day}
