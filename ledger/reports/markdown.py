"""The report as Markdown: recorded text escaped, so a pipe or a tag in it cannot break the page.

Longer than the others: a function for each section of the report, in the order the document reads.
"""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import quote

from ledger.collector import paused
from ledger.reports.model import Citations, Report, changed
from ledger.reports.words import cited, delegations, destinations, licences, pct, person, scope, signed_pct, status, usd

SPECIAL = re.compile(r"([\\`*_\[\]<>|#])")
URL_SAFE = "/:?#[]@!$&'*+,;=%~"
"""Characters left as they are in a link's address; others (spaces, `<`, `>`) are percent-encoded."""


def text(value: Any) -> str:
    """Recorded text made inert in Markdown: specials backslash-escaped, on one line."""
    if value is None or value == "":
        return "—"
    return SPECIAL.sub(r"\\\1", " ".join(str(value).split()))


def refs(numbers: list[int]) -> str:
    return f"[{cited(numbers)}]" if numbers else "—"


def link(source: dict[str, Any]) -> str:
    """A source as a link when its address is http(s), else as plain text."""
    title = text(source.get("title") or source["url"])
    url: str = source["url"]
    if re.match(r"https?://", url, re.I):
        return f"[{title}](<{quote(url, safe=URL_SAFE)}>)"
    return f"{title} ({text(url)})"


def table(headers: list[str], rows: list[list[str]]) -> list[str]:
    if not rows:
        return ["_None._", ""]
    lines = ["| " + " | ".join(headers) + " |", "|" + "|".join("---" for _ in headers) + "|"]
    lines += ["| " + " | ".join(row) + " |" for row in rows]
    return [*lines, ""]


@paused
def render(report: Report) -> str:
    lines: list[str] = [f"# Trade-diplomacy ledger as of {report.as_of.isoformat()}", ""]
    lines += _headline(report)
    lines += _tariffs(report)
    lines += _levels(report)
    lines += _controls(report)
    lines += _truces(report)
    lines += _negotiations(report)
    lines += _trade_flows(report)
    lines += _recent(report)
    lines += _changes(report)
    lines += _sources(report.sources)
    return "\n".join([*lines, ""])


def _headline(report: Report) -> list[str]:
    known = f"position {report.known_at}" + (" (the head)" if report.known_at == report.head else "")
    lines = [
        f"- **As of:** {report.as_of.isoformat()} (end of day)",
        f"- **As known at:** {known}",
        f"- **Head of the ledger:** position {report.head}",
        f"- **{report.digest_label}:** `{report.digest}`",
    ]
    for pair in report.pairs:
        if pair.total_pct is not None:
            lines.append(f"- **Tariff total {pair.imposer} → {pair.target}:** {pct(pair.total_pct)} on all goods")
    for truce in report.headline_truces:
        lines.append(
            f"- **Truce {truce['key']}:** {status(truce['status'])}, expires {truce['expires']}, "
            f"{truce['days_remaining']} days remaining"
        )
    return [*lines, ""]


def _tariffs(report: Report) -> list[str]:
    lines = ["## Tariffs", ""]
    if not report.pairs:
        return [*lines, "_None in force._", ""]
    for pair in report.pairs:
        lines += [f"### {pair.imposer} → {pair.target}: {pct(pair.total_pct)} on all goods", ""]
        lines += table(
            [
                "layer",
                "products",
                "status",
                "base",
                "suspended",
                "rate",
                "since",
                "suspended until",
                "basis",
                "sources",
            ],
            [
                [
                    f"`{row['key']}`",
                    text(scope(row)),
                    status(row["status"]),
                    pct(row["base_rate_pct"]),
                    pct(row["suspended_pct"]) if row["suspended_pct"] else "—",
                    pct(row["rate_pct"]),
                    row["since"],
                    row["suspended_until"] or "—",
                    text(row["basis"]),
                    refs(row["refs"]),
                ]
                for row in pair.layers
            ],
        )
    return lines


def _levels(report: Report) -> list[str]:
    """Each imposer's trade-weighted levels: partners by the value of their trade, all of them last."""
    lines: list[str] = []
    for answer in report.levels:
        lines += [f"## Trade-weighted tariff levels of {answer['imposer']} (weights {answer['weights']})", ""]
        rows = sorted(answer["levels"], key=lambda row: -row["value_usd"])
        lines += table(
            ["partner", "imports", "added", "base", "total"],
            [
                [
                    row["target"],
                    usd(row["value_usd"]),
                    *(pct(round(row[f"{k}_pct"], 2)) for k in ("added", "base", "total")),
                ]
                for row in [*rows, {"target": "all", **answer["all"]}]
            ],
        )
    return lines


def _controls(report: Report) -> list[str]:
    return [
        "## Export controls",
        "",
        *table(
            ["control", "imposer", "status", "since", "regime", "items", "destinations", "licences", "sources"],
            [
                [
                    f"`{row['key']}`"
                    + (f" (suspended until {row['suspended_until']})" if row["suspended_until"] else ""),
                    row["imposer"],
                    status(row["status"]),
                    row["since"],
                    row["regime"],
                    text(", ".join(row["items"])),
                    text(destinations(row["destinations"])),
                    licences(row),
                    refs(row["refs"]),
                ]
                for row in report.controls
            ],
        ),
    ]


def _truces(report: Report) -> list[str]:
    lines = ["## Truces", ""]
    if not report.truces:
        return [*lines, "_None._", ""]
    for truce in report.truces:
        lines += [
            f"### `{truce['key']}` ({', '.join(truce['parties'])}): {status(truce['status'])}",
            "",
            f"Effective {truce['effective']}, expires {truce['expires']}"
            + (f", terminated {truce['terminated']}" if truce.get("terminated") else "")
            + f"; **{truce['days_remaining']} days remaining**. Sources: {refs(truce['refs'])}",
            "",
        ]
        lines += table(
            ["date", "by", "against", "allegation"],
            [[a["date"], a["by"], a["against"], text(a["claim"])] for a in truce["allegations"]],
        )
    return lines


def _negotiations(report: Report) -> list[str]:
    lines = ["## Negotiations", ""]
    if not report.negotiations:
        return [*lines, "_None._", ""]
    for talks in report.negotiations:
        lines += [
            f"### {text(talks['title'])} (`{talks['key']}`, {', '.join(talks['parties'])}): {talks['status']}",
            "",
            f"Opened {talks['opened']}"
            + (f", closed {talks['closed']}" if talks.get("closed") else "")
            + f". Sources: {refs(talks['refs'])}",
            "",
            "#### Rounds",
            "",
        ]
        lines += table(
            ["round", "location", "convened", "concluded", "delegations", "outcome"],
            [
                [
                    f"`{held['round']}`",
                    text(held["location"]),
                    held["convened"],
                    held["concluded"] or "not yet",
                    "<br>".join(
                        f"{party}: {text(', '.join(people))}" for party, people in delegations(held["delegations"])
                    )
                    or "—",
                    text(held.get("outcome")),
                ]
                for held in talks["rounds"]
            ],
        )
        lines += ["#### Leaders' contacts", ""]
        lines += table(
            ["date", "mode", "participants", "summary", "sources"],
            [
                [
                    c["date"],
                    c["mode"],
                    text("; ".join(f"{p['party']}: {person(p)}" for p in c["participants"])),
                    text(c.get("summary")),
                    refs(c["refs"]),
                ]
                for c in talks["contacts"]
            ],
        )
        lines += ["#### Statements", ""]
        lines += _statement_table(talks["statements"])
        lines += ["#### Agreements", ""]
        lines += table(
            ["date", "agreement", "summary", "truce", "sources"],
            [
                [
                    a["date"],
                    text(a["title"]),
                    text(a.get("summary")),
                    f"`{a['truce']}`" if a.get("truce") else "—",
                    refs(a["refs"]),
                ]
                for a in talks["agreements"]
            ],
        )
    return lines


def _statement_table(statements: list[dict[str, Any]]) -> list[str]:
    return table(
        ["date", "party", "speaker", "stance", "statement", "sources"],
        [
            [
                s["date"],
                s["party"],
                text(person({"name": s["speaker"], "role": s.get("role")})),
                s["stance"],
                text(s["statement"]),
                refs(s["refs"]),
            ]
            for s in statements
        ],
    )


def _trade_flows(report: Report) -> list[str]:
    return [
        "## Trade flows",
        "",
        *table(
            ["reporter", "partner", "flow", "period", "value", "change on a year earlier", "trend", "sources"],
            [
                [
                    row["reporter"],
                    row["partner"],
                    row["flow"],
                    report_["period"],
                    usd(report_["value_usd"]),
                    signed_pct(report_["change_pct"]),
                    report_["trend"],
                    refs(row["refs"]),
                ]
                for row in report.trade_flows
                for report_ in row["reports"]
            ],
        ),
    ]


def _recent(report: Report) -> list[str]:
    window = f"{report.window_start.isoformat()} to {report.as_of.isoformat()}"
    return [
        f"## Allegations and statements, {window}",
        "",
        "### Allegations",
        "",
        *table(
            ["date", "truce", "by", "against", "allegation", "sources"],
            [
                [a["date"], f"`{a['key']}`", a["by"], a["against"], text(a["claim"]), refs(a["refs"])]
                for a in report.allegations
            ],
        ),
        "### Statements",
        "",
        *_statement_table(report.statements),
    ]


def _changes(report: Report) -> list[str]:
    window = f"{report.window_start.isoformat()} to {report.as_of.isoformat()}"
    return [f"## What changed, {window}", "", *_change_table(report.changes)]


def _change_table(events: list[dict[str, Any]]) -> list[str]:
    return table(
        ["date", "event", "key", "what", "note", "position", "sources"],
        [
            [
                e.get("on", e["date"]),
                e["type"],
                f"`{e['key']}`",
                "; ".join(f"{label}: {text(words)}" for label, words in e["fields"]) or "—",
                text(e.get("note")),
                str(e["position"]) if e["position"] is not None else "—",
                refs(e["refs"]),
            ]
            for e in events
        ],
    )


def changes(answer: dict[str, Any]) -> str:
    """`dipledger changes --format md`: what took effect between two days, with its sources."""
    citations = Citations()
    lines = [
        f"# What changed, {answer['from']} to {answer['to']}",
        "",
        f"As known at position {answer['known_at']}.",
        "",
        *_change_table(changed(answer, citations)),
        *_sources(citations.listing),
    ]
    return "\n".join([*lines, ""])


def _sources(listing: list[dict[str, Any]]) -> list[str]:
    lines = ["## Sources", ""]
    for source in listing:
        extra = ", ".join(text(source[k]) for k in ("publisher", "published") if source.get(k))
        lines.append(f"{source['number']}. {link(source)}" + (f" — {extra}" if extra else ""))
    return lines if listing else [*lines, "_None cited._"]
