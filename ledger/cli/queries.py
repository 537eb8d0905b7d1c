"""The queries: the views of each kind on a day (`tariffs`, `controls`, `truces`, `negotiations`,
`trade-flows`), the aggregates (`keys`), and the events (`replay`, `log`, `history`, `changes`)."""

from __future__ import annotations

import inspect
import sys
from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum
from typing import Annotated, Any

import typer

from ledger.cli.common import AsOf, Db, Fmt, KnownAtOption, countries, fail, known_world, ledger, parse_day, say, views
from ledger.cli.reports import ChangesFormat
from ledger.known_at import NOW
from ledger.render import Format, emit

OneKey = Annotated[
    str | None,
    typer.Option("--key", help="Only this aggregate (its key; `dipledger keys` lists them).", show_default=False),
]

MEASURE_COLUMNS = (
    "key",
    "imposer",
    "target",
    "products",
    "status",
    "base_rate_pct",
    "suspended_pct",
    "rate_pct",
    "since",
    "suspended_until",
    "basis",
)
TOTAL_COLUMNS = ("imposer", "target", "product", "rate_pct")
CONTROL_COLUMNS = (
    "key",
    "imposer",
    "items",
    "regime",
    "destinations",
    "status",
    "since",
    "suspended_until",
    "licence_approvals",
    "licences_approved",
)
TRUCE_COLUMNS = ("key", "parties", "status", "effective", "expires", "days_remaining", "allegations")
NEGOTIATION_COLUMNS = ("key", "parties", "title", "status", "rounds", "contacts", "statements", "agreements")
FLOW_COLUMNS = ("key", "reporter", "partner", "flow", "reports")
EVENT_COLUMNS = ("position", "recorded_at", "type", "key", "date", "what")
LOG_COLUMNS = ("position", "recorded_at", "recorded_by", "type", "key", "date", "what", "retracted_by")
STATE_COLUMNS = ("kind", "key", "status", "state")


@dataclass(frozen=True)
class Filter:
    """An option that narrows a view query, passed to its projection in the order the options are given."""

    name: str
    help: str
    country: bool = False
    """Whether it is checked as a country code."""


def _view_query(
    name: str,
    doc: str,
    tables: list[tuple[str, tuple[str, ...]]],
    *filters: Filter,
    lifted: str | None = None,
    kept: bool = True,
    readable: str | None = None,
) -> Callable[..., None]:
    """The command of `projections.<name>`, the views of a kind on a day, with `filters` and, given
    what `lifted` calls them, `--all` to include the lifted ones. `kept`: answered from the persistent
    read model (else folded in memory). `readable`: the function of `ledger.cli.cells` that words a
    row of a table or CSV."""

    def command(**options: Any) -> None:
        from ledger import projections

        day = parse_day(options["as_of"])
        chosen = [countries(options[f.name], f"--{f.name}") if f.country else options[f.name] for f in filters]
        if lifted:
            chosen.append(options["all_"])
        db, key, known_at = options["db"], options["key"], options["known_at"]
        if kept:
            with views(db, known_at) as source:
                answer = getattr(projections, name)(projections.keyed(source, key), day, *chosen)
        else:
            world = known_world(db, known_at)
            answer = getattr(projections, name)(projections.keyed(world, key), day, *chosen)
        if "note" in answer:
            say(f"note: {answer['note']}")
        fmt = options["fmt"]
        if readable:
            from ledger.cli import cells

            answer = _readable(answer, fmt, name, getattr(cells, readable))
        emit(answer, fmt, tables)

    def option(name: str, annotation: Any, default: Any = None) -> inspect.Parameter:
        return inspect.Parameter(name, inspect.Parameter.KEYWORD_ONLY, default=default, annotation=annotation)

    narrowing = [option(f.name, Annotated[str | None, typer.Option(help=f.help)]) for f in filters]
    if lifted:
        everything = typer.Option("--all", help=f"Include lifted {lifted}.")
        narrowing.append(option("all_", Annotated[bool, everything], False))
    common = [option("key", OneKey), option("as_of", AsOf), option("known_at", KnownAtOption, NOW)]
    common += [option("fmt", Fmt, Format.table), option("db", Db)]
    command.__signature__ = inspect.Signature([*narrowing, *common])  # type: ignore[attr-defined]
    command.__name__, command.__doc__ = name, doc
    return command


def _readable(answer: dict[str, Any], fmt: Format, name: str, row: Any) -> dict[str, Any]:
    """For a table or CSV, the rows of `name` made readable by `row` (`ledger.cli.cells`); JSON as is."""
    if fmt is Format.json:
        return answer
    return {**answer, name: [row(r) for r in answer[name]]}


VIEW_QUERIES = (
    _view_query(
        "tariffs",
        "Tariff layers in effect on a day, and the total rate per imposer→target.",
        [("measures", MEASURE_COLUMNS), ("totals", TOTAL_COLUMNS)],
        Filter("imposer", "Only measures of this imposer (country code).", country=True),
        Filter("target", "Only measures on this target (country code).", country=True),
        Filter("product", "Totals for this product instead of all goods."),
        lifted="measures",
    ),
    _view_query(
        "controls",
        "Export controls in effect on a day, with licence approvals.",
        [("controls", CONTROL_COLUMNS)],
        Filter("imposer", "Only controls of this imposer (country code).", country=True),
        Filter("item", "Only controls that name this text in an item or their basis, in any case (e.g. nexperia)."),
        Filter("destination", "Only controls applying to this destination.", country=True),
        lifted="controls",
    ),
    _view_query(
        "truces",
        "Truces on a day: status, expiry, days remaining and allegations.",
        [("truces", TRUCE_COLUMNS)],
        readable="truce_row",
    ),
    _view_query(
        "negotiations",
        "Negotiations on a day: rounds, contacts, statements, agreements.",
        [("negotiations", NEGOTIATION_COLUMNS)],
        readable="negotiation_row",
    ),
    _view_query(
        "trade_flows",
        "Reported trade statistics known on a day.",
        [("trade_flows", FLOW_COLUMNS)],
        kept=False,
        readable="flow_row",
    ),
)
"""One command a kind of view, in the order `--help` lists them."""


class Kind(StrEnum):
    Negotiation = "Negotiation"
    Truce = "Truce"
    ExportControl = "ExportControl"
    TariffMeasure = "TariffMeasure"
    TradeFlow = "TradeFlow"


def keys(
    kind: Annotated[
        Kind | None, typer.Option("--kind", help="Only aggregates of this kind.", case_sensitive=False)
    ] = None,
    match: Annotated[
        str | None, typer.Option("--match", help="Only those whose key or description contains this text, in any case.")
    ] = None,
    known_at: KnownAtOption = NOW,
    fmt: Fmt = Format.table,
    db: Db = None,
) -> None:
    """The aggregates in the ledger: kind, key, what each is, its first and last day, its events."""
    from ledger import projections

    answer = projections.keys(known_world(db, known_at), kind.value if kind else None, match)
    emit(answer, fmt, [("keys", ("kind", "key", "about", "first", "last", "events"))])


def replay(
    key: Annotated[str | None, typer.Option("--key", help="Only this aggregate.")] = None,
    as_of: AsOf = None,
    known_at: KnownAtOption = NOW,
    fmt: Fmt = Format.json,
    db: Db = None,
) -> None:
    """The events that count on a day, in valid-time order, and the state they build."""
    from ledger import projections

    day = parse_day(as_of)
    with ledger(db) as opened:
        position = opened.resolve_known_at(known_at)
        if key is not None and not opened.log(position, key):
            raise fail(f"no events with key {key!r}")
        answer = projections.replay(opened.world(position), day, key)
    if fmt is not Format.json:
        from ledger.cli.cells import state_rows, with_words

        answer = {**answer, "events": with_words(answer["events"]), "state": state_rows(answer["state"])}
    emit(answer, fmt, [("events", EVENT_COLUMNS), ("state", STATE_COLUMNS)])


def log(known_at: KnownAtOption = NOW, fmt: Fmt = Format.table, db: Db = None) -> None:
    """The whole ledger in record order, retractions included."""
    with ledger(db) as opened:
        position = opened.resolve_known_at(known_at)
        answer = {"known_at": position, "events": opened.log(position)}
    emit(_readable(answer, fmt, "events", _with_words), fmt, [("events", LOG_COLUMNS)])


def history(
    key: Annotated[str, typer.Argument(help="The aggregate's key.")],
    known_at: KnownAtOption = NOW,
    fmt: Fmt = Format.table,
    db: Db = None,
) -> None:
    """One aggregate's events in record order, retractions included."""
    with ledger(db) as opened:
        position = opened.resolve_known_at(known_at)
        answer = {"known_at": position, "key": key, "events": opened.history(position, key)}
        if not answer["events"]:
            raise fail(f"no events with key {key!r}")
    emit(_readable(answer, fmt, "events", _with_words), fmt, [("events", LOG_COLUMNS)])


def _with_words(entry: dict[str, Any]) -> dict[str, Any]:
    from ledger.cli.cells import event_words

    return {**entry, "what": event_words(entry)}


def changes(
    start: Annotated[str, typer.Option("--from", help="First day, YYYY-MM-DD.")],
    end: Annotated[str, typer.Option("--to", help="Last day, YYYY-MM-DD (inclusive).")],
    known_at: KnownAtOption = NOW,
    fmt: Annotated[ChangesFormat, typer.Option("--format", "-f", help="Output format.")] = ChangesFormat.table,
    db: Db = None,
) -> None:
    """What took effect or was agreed between two days, grouped by aggregate."""

    first, last = parse_day(start, "--from"), parse_day(end, "--to")
    if last < first:
        raise fail("--to is before --from")
    with ledger(db) as opened:
        answer = opened.changes(opened.resolve_known_at(known_at), first, last)
    if fmt is ChangesFormat.md:
        from ledger.reports.markdown import changes as markdown_changes

        sys.stdout.write(markdown_changes(answer))
        return
    if fmt is ChangesFormat.json:
        emit(answer, Format.json, [])
        return
    from ledger.cli.cells import event_words

    events = [{"kind": g["kind"], **e, "what": event_words(e)} for g in answer["changes"] for e in g["events"]]
    events.sort(key=lambda e: (e["on"], e["position"] or 0))
    emit(
        {**answer, "events": events}, Format(fmt.value), [("events", ("on", "kind", "key", "type", "what", "position"))]
    )


def add_query_commands(app: typer.Typer) -> None:
    for command in VIEW_QUERIES:
        app.command(command.__name__.replace("_", "-"))(command)
    app.command()(keys)
    app.command()(replay)
    app.command()(log)
    app.command()(history)
    app.command()(changes)
