"""What `--help` says of each field of a typed command: its meaning, its format, its choices, and
which fields go together. Choices come from the catalogue's models, so they cannot drift."""

from __future__ import annotations

import typing
from typing import Any

FIELDS = {
    "announced": "Day announced or signed, YYYY-MM-DD (on or before --date).",
    "sources": "A source: URL, or JSON {url, title, publisher, published}; repeatable.",
    "note": "Free text: anything worth keeping that no field holds.",
    "id": "An idempotency key (default: derived from the event's content).",
    "parties": "A party (country code, e.g. US); repeatable, at least two.",
    "delegations": "A delegate as CC:NAME[:ROLE] or JSON {party, name, role}; repeatable.",
    "participants": "A participant as CC:NAME[:ROLE] or JSON {party, name, role}; repeatable.",
    "items": "A controlled item (e.g. gallium); repeatable.",
    "products": "A product the tariff applies to; repeatable (none: all goods).",
    "destinations": "A destination country; repeatable (none: all).",
    "commitments": "A commitment of the truce, in words; repeatable.",
    "sectors": "A sector the licences are for; repeatable.",
    "expires": "First day no longer in force (exclusive), YYYY-MM-DD. Give exactly one of --expires and --days.",
    "days": "Days from the effective day (extending: added to the current expiry). Give exactly one of "
    "--expires and --days.",
    "until": "First day the suspension no longer applies (exclusive), YYYY-MM-DD. Give exactly one of --until "
    "and --truce.",
    "truce": "The key of a truce.",
    "negotiation": "The key of the negotiation that led to it.",
    "imposer": "The country that imposes it (ISO code, e.g. US; EU for the customs union).",
    "target": "The country whose goods it applies to (ISO code, e.g. CN).",
    "rate_pct": "The rate in percent (e.g. 25 for 25%).",
    "points": "Percentage points suspended (more than 0, at most the rate that day).",
    "basis": "The legal basis, e.g. 'IEEPA, Executive Order 14195'.",
    "title": "A title, in words.",
    "round": "The round's key (a slug, e.g. london-2025-06).",
    "location": "Where the round met, e.g. 'London (Lancaster House)'.",
    "outcome": "What came of it, in words.",
    "summary": "What was said or agreed, in words.",
    "party": "The speaker's party (country code), one of the negotiation's parties.",
    "speaker": "Who spoke, by name.",
    "role": "The speaker's role, e.g. 'Treasury Secretary'.",
    "statement": "What was said, in words (quote when you can).",
    "effective": "First day in force, YYYY-MM-DD (default: --date).",
    "by": "The country that did it (country code).",
    "against": "The country it is made against (country code).",
    "claim": "What is alleged, in words.",
    "reason": "Why, in words.",
    "count": "How many licences were approved (an integer; leave out when not reported).",
    "destination": "The country the licences are for (country code).",
    "description": "How the control was eased, in words.",
    "reporter": "The country whose statistics these are (country code).",
    "partner": "The trading partner (country code).",
    "period": "The month reported, YYYY-MM (e.g. 2025-05).",
    "value_usd": "The value in US dollars (e.g. 28800000000).",
    "change_pct": "Change on a year earlier in percent; negative for a fall (e.g. -34.5).",
    "trend": "The direction; it must agree with --change-pct's sign when both are given.",
    "flow": "The direction of the goods, as the reporter sees them.",
    "mode": "How the leaders spoke.",
    "stance": "What kind of statement it is.",
    "regime": "licence: exports need a licence; ban: none are allowed.",
}

RULES = {
    "TruceAgreed": "Give exactly one of --expires and --days.",
    "TruceExtended": "Give exactly one of --expires and --days; date it before the current expiry.",
    "TariffSuspended": "Give exactly one of --until and --truce.",
    "ExportControlSuspended": "Give exactly one of --until and --truce.",
    "TradeFlowReported": "Each key holds one reporter, partner and flow; a later report of a period revises it.",
}


def choices(annotation: Any) -> tuple[str, ...]:
    """The values a field allows, when it allows a fixed few (a Literal, perhaps optional)."""
    if typing.get_origin(annotation) is typing.Literal:
        return tuple(str(a) for a in typing.get_args(annotation))
    for arg in typing.get_args(annotation):
        found = choices(arg)
        if found:
            return found
    return ()


def field_help(name: str, annotation: Any, more: dict[str, str] | None = None) -> str:
    """The help line of a field: what it means (from `FIELDS`, else `more`), and its choices."""
    allowed = choices(annotation)
    text = FIELDS.get(name) or (more or {}).get(name) or f"The event's {name.replace('_', ' ')}."
    if allowed:
        text = f"One of: {', '.join(allowed)}. {text}"
    return text


def command_help(event_type: str) -> str:
    """The help of a typed command: what it records, and the rules between its options."""
    rule = RULES.get(event_type)
    return f"Record {event_type}." + (f" {rule}" if rule else "")
