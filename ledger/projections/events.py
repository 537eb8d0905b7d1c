"""Queries over the events themselves, folded in memory: the aggregates known, replay, and what changed."""

from __future__ import annotations

from collections import defaultdict
from datetime import date, timedelta
from typing import TYPE_CHECKING, Any

from ledger.projections.views import folded, header

if TYPE_CHECKING:
    from domain import World


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


def changes(world: World, start: date, end: date) -> dict[str, Any]:
    """What took effect between `start` and `end` (inclusive), by aggregate, in date order: the events
    dated in the window; measures announced in it (marked `"effect": "announced"`, with the day they
    take effect, as they charge nothing yet); and what no event dates but time brings about (a truce
    expiring, a suspension ending and the rate it brings back). Each entry says the day it took
    effect in `on`."""
    groups: dict[tuple[str, str], list[dict[str, Any]]] = defaultdict(list)
    for recorded in (r for timeline in world.timelines.values() for r in timeline):
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
    from domain.suspension import SuspensionTerms

    found: list[tuple[str, str, dict[str, Any]]] = []
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
        suspensions = [r.fact for r in timeline if isinstance(r.fact, SuspensionTerms)]
        if not any(fact.truce or (fact.until and start <= fact.until <= end) for fact in suspensions):
            continue  # only a suspension ends with no event dated on its end: on its `until`, or its truce's end
        # Where a suspension may end is read from the view on each day it can change in the window:
        # a day of the measure's own events or of the truces it is suspended under.
        truces = {fact.truce for fact in suspensions if fact.truce}
        days = {r.fact.date for r in timeline}
        days |= {r.fact.date for truce in truces for r in world.timelines.get(("Truce", truce), ())}
        looked = {start - timedelta(days=1)} | {d for d in days if start <= d <= end}
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
