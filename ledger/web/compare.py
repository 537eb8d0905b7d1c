"""What later records changed: the views of one day as known at two positions, side by side."""

from __future__ import annotations

from datetime import date
from typing import Any

from ledger.web.reading import Axes, Reader

VIEWED = (
    ("TariffMeasure", "tariffs", ("status", "base_rate_pct", "suspended_pct", "rate_pct", "since", "suspended_until")),
    (
        "ExportControl",
        "controls",
        ("status", "regime", "items", "destinations", "since", "suspended_until", "licence_approvals"),
    ),
    ("Truce", "truces", ("status", "effective", "expires", "terminated", "allegations")),
    ("Negotiation", "negotiations", ("status", "rounds", "statements", "agreements", "contacts")),
)
"""What the comparison of two known-at positions looks at: each kind's views, and their fields that
an analyst reads as having moved."""
RECORDS_SHOWN = 200
"""The records in between that the comparison lists, at most."""


def compare(reader: Reader, as_of: date, earlier: int, later: int) -> dict[str, Any]:
    """What the records from `earlier` to `later` changed in the views of `as_of`: views added, gone
    (retracted, or no longer in effect), and moved field by field; the totals that moved; the records
    themselves."""
    kinds = []
    for kind, name, fields in VIEWED:
        before, after = (_by_key(reader, kind, Axes(as_of, position)) for position in (earlier, later))
        moved = []
        for key in sorted(before.keys() & after.keys()):
            diffs = [
                (f, _said(before[key].get(f)), _said(after[key].get(f)))
                for f in fields
                if before[key].get(f) != after[key].get(f)
            ]
            if diffs:
                moved.append({"key": key, "fields": diffs})
        kinds.append(
            {
                "kind": kind,
                "name": name,
                "added": [after[k] for k in sorted(after.keys() - before.keys())],
                "gone": [before[k] for k in sorted(before.keys() - after.keys())],
                "moved": moved,
            }
        )
    totals_before, totals_after = (_totals(reader, Axes(as_of, position)) for position in (earlier, later))
    totals = [
        {"imposer": i, "target": t, "before": totals_before.get((i, t)), "after": totals_after.get((i, t))}
        for i, t in sorted(totals_before.keys() | totals_after.keys())
        if totals_before.get((i, t)) != totals_after.get((i, t))
    ]
    records = reader.ledger.log_page(later, earlier + 1, min(later, earlier + RECORDS_SHOWN)) if later > earlier else []
    return {
        "as_of": as_of,
        "earlier": earlier,
        "later": later,
        "kinds": kinds,
        "totals": totals,
        "records": records,
        "more_records": max(0, later - earlier - RECORDS_SHOWN),
    }


def _by_key(reader: Reader, kind: str, axes: Axes) -> dict[str, dict[str, Any]]:
    with reader.views(axes.known_at) as source:
        return {row["key"]: row for row in source.views(kind, axes.as_of)}


def _totals(reader: Reader, axes: Axes) -> dict[tuple[str, str], float]:
    """Each imposer→target total on all goods."""
    return {(t["imposer"], t["target"]): t["rate_pct"] for t in reader.query("tariffs", axes)["totals"]}


def _said(value: Any) -> str:
    """A field's value in words for the comparison: lists by their length, or their items when short."""
    from ledger.render import cell

    if isinstance(value, list):
        if value and isinstance(value[0], dict):
            return f"{len(value)} entr{'y' if len(value) == 1 else 'ies'}"
        return cell(value) or "none"
    return cell(value) or "—"
