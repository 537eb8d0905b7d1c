"""Rows as a person reads them in a table: each event's content in words, a retraction's reason, and
the lists inside a view (rounds, statements, reports) as short phrases instead of raw JSON. JSON
output never passes through here."""

from __future__ import annotations

from typing import Any

from ledger.render import cell


def event_words(entry: dict[str, Any]) -> str:
    """What an event says: `rate: 34%; truce: geneva-2025`, or a retraction's position and reason."""
    if entry.get("type") == "Retracted":
        return f"retracts position {entry.get('retracts')}: {entry.get('reason')}"
    from ledger.reports.words import describe

    own = {name: value for name, value in entry.items() if name != "retracted_by"}  # a column of its own
    return "; ".join(f"{label}: {words}" for label, words in describe(own))


def with_words(entries: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [{**entry, "what": event_words(entry)} for entry in entries]


def _people(people: list[dict[str, Any]]) -> str:
    return ", ".join(f"{p['name']} ({p['party']})" for p in people)


def _round(r: dict[str, Any]) -> str:
    end = f"–{r['concluded']}" if r.get("concluded") else ", open"
    outcome = f": {r['outcome']}" if r.get("outcome") else ""
    return f"{r['round']} in {r['location']}, {r['convened']}{end}{outcome}"


def negotiation_row(row: dict[str, Any]) -> dict[str, Any]:
    return {
        **row,
        "rounds": [_round(r) for r in row["rounds"]],
        "contacts": [f"{c['date']} {c['mode']}: {_people(c['participants'])}" for c in row["contacts"]],
        "statements": [f"{s['date']} {s['speaker']} ({s['party']}, {s['stance']})" for s in row["statements"]],
        "agreements": [f"{a['date']} {a['title']}" for a in row["agreements"]],
    }


def truce_row(row: dict[str, Any]) -> dict[str, Any]:
    return {**row, "allegations": [f"{a['date']} {a['by']} against {a['against']}" for a in row["allegations"]]}


def _report(report: dict[str, Any]) -> str:
    from ledger.reports.words import signed_pct, usd

    parts = [report["period"] + ":"]
    if report.get("value_usd") is not None:
        parts.append(usd(report["value_usd"]))
    if report.get("change_pct") is not None:
        parts.append(signed_pct(report["change_pct"]))
    parts.append(report["trend"])
    return " ".join(parts)


def flow_row(row: dict[str, Any]) -> dict[str, Any]:
    return {**row, "reports": [_report(r) for r in row["reports"]]}


QUIET = {"key", "sources", "parties", "imposer", "target", "reporter", "partner"}


def state_rows(state: dict[str, dict[str, dict[str, Any]]]) -> list[dict[str, Any]]:
    """The state `replay` built, an aggregate a row: its status and what it holds, in short."""
    rows = []
    for kind, views in state.items():
        for key, view in views.items():
            said = []
            for name, value in view.items():
                if name in QUIET or name == "status" or value in (None, [], ""):
                    continue
                if isinstance(value, list) and value and isinstance(value[0], dict):
                    value = f"{len(value)}"
                said.append(f"{name.replace('_', ' ')}: {cell(value)}")
            rows.append({"kind": kind, "key": key, "status": view.get("status", ""), "state": "; ".join(said)})
    return rows
