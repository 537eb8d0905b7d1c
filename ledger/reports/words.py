"""Values in words, as reports, tables and pages show them: `30%`, `USD 28.8 bn`, `1–3, 5`, an event's fields."""

from __future__ import annotations

from typing import Any

QUIET_FIELDS = {
    *("kind", "position", "recorded_at", "type", "key", "date", "sources", "id", "recorded_by", "note"),
    *("on", "effect", "in_force_from"),
}
"""Fields of an event entry that `describe` leaves out: they are shown elsewhere or not at all."""


def cited(numbers: list[int]) -> str:
    """Source numbers with runs shortened: `[1, 2, 3, 5]` → `1–3, 5`."""
    runs: list[list[int]] = []
    for number in sorted(set(numbers)):
        if runs and number == runs[-1][-1] + 1:
            runs[-1].append(number)
        else:
            runs.append([number])
    return ", ".join(f"{run[0]}–{run[-1]}" if len(run) > 2 else ", ".join(map(str, run)) for run in runs)


def pct(value: float | None) -> str:
    return "—" if value is None else f"{value:g}%"


def usd(value: float | None) -> str:
    if value is None:
        return "—"
    for size, word in ((1e12, "tn"), (1e9, "bn"), (1e6, "m")):
        if abs(value) >= size:
            return f"USD {value / size:.3g} {word}"
    return f"USD {value:,.0f}"


def signed_pct(value: float | None) -> str:
    return "—" if value is None else f"{value:+g}%"


def products(names: list[str]) -> str:
    return ", ".join(names) if names else "all goods"


def scope(row: dict[str, Any]) -> str:
    """What a tariff layer covers, in words: its product labels, else its HS scope and lists, less its
    exemptions (`HS 72, 73`; `all goods except list us-eo14257-annex-ii`)."""
    covered = [*row["products"]]
    if not covered:
        covered = [*_codes("HS", row.get("hs")), *(f"list {key}" for key in row.get("hs_lists") or ())]
    spared = [*_codes("HS", row.get("exempt_hs")), *(f"list {key}" for key in row.get("exempt_lists") or ())]
    spared += [f"goods from {code}" for code in row.get("exempt_targets") or ()]
    words = ", ".join(covered) if covered else "all goods"
    return words + (f" except {', '.join(spared)}" if spared else "")


def _codes(label: str, codes: list[str] | None) -> list[str]:
    if not codes:
        return []
    shown = ", ".join(codes[:LISTED]) + (f" and {len(codes) - LISTED} more" if len(codes) > LISTED else "")
    return [f"{label} {shown}"]


def destinations(codes: list[str]) -> str:
    return ", ".join(codes) if codes else "all destinations"


def person(who: dict[str, Any]) -> str:
    """`Name (role)`, the party shown where the person stands."""
    return f"{who['name']} ({who['role']})" if who.get("role") else who["name"]


def delegations(people: list[dict[str, Any]]) -> list[tuple[str, list[str]]]:
    """`(party, [person, …])` in the order the parties first appear."""
    grouped: dict[str, list[str]] = {}
    for who in people:
        grouped.setdefault(who["party"], []).append(person(who))
    return list(grouped.items())


def licences(row: dict[str, Any]) -> str:
    """`1 approval (count not given)`, `2 approvals (40 licences counted)`."""
    approvals = row["licence_approvals"]
    if not approvals:
        return "none approved"
    counted = f"{row['licences_approved']:g} licences counted" if row["licences_approved"] else "count not given"
    return f"{approvals} approval{'s' if approvals != 1 else ''} ({counted})"


def status(word: str) -> str:
    return word.replace("_", " ")


LISTED = 12
"""Items of a list field an event summary shows; a product list's codes or a partner's weights run to thousands."""


def describe(entry: dict[str, Any]) -> list[tuple[str, str]]:
    """An event's own fields as `(label, words)`: `[("rate", "34%"), ("truce", "geneva-2025")]`."""
    parts = []
    for name, value in entry.items():
        if name in QUIET_FIELDS or value in (None, [], ""):
            continue
        label = name.removesuffix("_pct").removesuffix("_usd").replace("_", " ")
        if entry.get("effect") == "announced" and name in ("rate_pct", "regime"):
            label = f"{label} from {entry['in_force_from']}"  # announced: nothing is charged yet
        if isinstance(value, list) and len(value) > LISTED:
            if name == "value_usd":
                text = f"{usd(sum(value))} in all"
            elif all(isinstance(v, int | float) for v in value):
                text = f"{len(value)} amounts, {sum(value):,.0f} in all"
            else:
                text = "; ".join(str(v) for v in value[:LISTED]) + f" and {len(value) - LISTED} more"
        elif name.endswith("_pct") or name == "points":
            text = pct(value) if name != "change_pct" else signed_pct(value)
        elif name == "value_usd":
            text = usd(value)
        elif isinstance(value, list):
            text = "; ".join(f"{v['party']}: {person(v)}" if isinstance(v, dict) else str(v) for v in value)
        else:
            text = str(value)
        parts.append((label, text))
    return parts


def filters() -> dict[str, Any]:
    """The words above as the filters templates use, the report's and the web pages' alike."""
    return {
        "pct": pct,
        "usd": usd,
        "signed_pct": signed_pct,
        "products": products,
        "scope": scope,
        "destinations": destinations,
        "person": person,
        "status": status,
        "describe": describe,
        "licences": licences,
    }
