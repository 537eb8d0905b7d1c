"""`dipledger`: record, replay and read the ledger of trade diplomacy."""

from __future__ import annotations

import inspect
import json
import sys
from dataclasses import dataclass
from enum import StrEnum
from typing import Annotated, Any

import typer

from ledger.cli.common import (
    EXIT_FAILURE,
    AsOf,
    Db,
    Fmt,
    KnownAt,
    User,
    countries,
    fail,
    is_terminal,
    ledger,
    parse_day,
    say,
    views,
)
from ledger.cli.integrity import add_integrity_commands
from ledger.cli.reports import ChangesFormat, add_report_commands
from ledger.cli.serve import add_serve_command
from ledger.cli.tariff_law import add_tariff_law_commands
from ledger.cli.typed import add_typed_commands
from ledger.cli.upkeep import add_upkeep_commands
from ledger.render import Format, emit


class Guarded(typer.core.TyperGroup):
    """Every command, with what the operating system or the calendar refuses answered as a message and
    an exit code, never a traceback."""

    def invoke(self, ctx: Any) -> Any:
        import errno

        try:
            return super().invoke(ctx)
        except OverflowError:
            raise fail("a date it would reach falls outside the years 1 to 9999 (nothing was written)") from None
        except OSError as error:
            if error.errno == errno.EPIPE:  # the reader went away (`| head`): nothing more to say
                raise typer.Exit(EXIT_FAILURE) from None
            if error.errno in (errno.ENOSPC, errno.EDQUOT):
                raise fail(f"cannot write: no space left on the device ({error.strerror})", EXIT_FAILURE) from None
            raise fail(f"cannot read or write: {error.strerror or error}", EXIT_FAILURE) from None
        except Exception as error:
            persistence = sys.modules.get("eventsourcing.persistence")  # loaded already if the database was used
            if persistence is None or not isinstance(error, persistence.PersistenceError):
                raise
            from ledger.store import redact

            text = str(error)
            if "full" in text or "No space" in text:
                raise fail("the database's disk is full: nothing was recorded", EXIT_FAILURE) from None
            raise fail(f"the database refused: {redact(text)}", EXIT_FAILURE) from None


app = typer.Typer(
    cls=Guarded,
    name="dipledger",
    help="A ledger of trade diplomacy: talks, truces, tariffs and export controls, as of any day.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)


def _version(value: bool) -> None:
    if value:
        from importlib.metadata import version

        typer.echo(f"dipledger {version('dipledger')}")
        raise typer.Exit()


@app.callback()
def main(
    version: Annotated[
        bool, typer.Option("--version", callback=_version, is_eager=True, help="Print the version and exit.")
    ] = False,
) -> None:
    """A ledger of trade diplomacy: talks, truces, tariffs and export controls, as of any day."""


# Recording ---------------------------------------------------------------------------------------


@app.command("import")
def import_(
    files: Annotated[list[str], typer.Argument(help="JSON Lines files; - reads standard input.")],
    db: Db = None,
    as_user: User = None,
) -> None:
    """Record every event of JSON Lines files, all or nothing."""
    from ledger.jsonl import open_lines

    with (
        ledger(db, records=True) as opened,
        _import_progress() as progress,
        open_lines(files, progress and progress.checking) as lines,
    ):
        done = opened.record(lines, as_user, progress and progress.recording(len(lines)))
    if done.count:
        say(f"recorded {done.count} events (positions {done.first}–{done.last})")
    else:
        say("nothing new to record")
    if done.skipped:
        say(f"skipped {done.skipped} events already in the ledger")


def _import_progress() -> Any:
    """Progress bars on stderr when it is a terminal; else a context giving None (and no rich to load)."""
    from contextlib import nullcontext

    if not is_terminal():
        return nullcontext()
    from ledger.cli.progress import ImportProgress

    return ImportProgress()


@app.command()
def append(
    event_type: Annotated[
        str | None, typer.Argument(metavar="[TYPE]", help="An event type, e.g. TruceExtended.")
    ] = None,
    key: Annotated[str | None, typer.Argument(help="The aggregate's key.")] = None,
    date: Annotated[str | None, typer.Option("--date", help="Valid time, YYYY-MM-DD.")] = None,
    field: Annotated[
        list[str] | None, typer.Option("--field", help="Another field as NAME=VALUE (VALUE may be JSON); repeatable.")
    ] = None,
    as_json: Annotated[str | None, typer.Option("--json", help="The whole event as one JSON object.")] = None,
    db: Db = None,
    as_user: User = None,
) -> None:
    """Record one event: TYPE KEY --date DATE --field NAME=VALUE …, or --json '{…}'."""
    from ledger.cli.typed import record_one
    from ledger.jsonl import decode_line

    if as_json is not None:
        if event_type or key:
            raise fail("give either --json or TYPE KEY, not both")
        from domain import InputError

        try:
            event = decode_line(as_json.encode())
        except InputError as error:
            raise fail(str(error)) from None
    else:
        if not (event_type and key and date):
            raise fail("give TYPE KEY --date DATE (and --field NAME=VALUE …), or --json '{…}'")
        event = {"type": event_type, "key": key, "date": date}
        for item in field or []:
            name, sep, value = item.partition("=")
            if not sep:
                raise fail(f"--field {item!r}: expected NAME=VALUE")
            try:
                event[name.strip()] = json.loads(value)
            except ValueError:
                event[name.strip()] = value
    record_one(event, db, as_user)


@app.command()
def retract(
    position: Annotated[str, typer.Argument(help="The position of the event to retract.")],
    reason: Annotated[str, typer.Option("--reason", help="Why it is withdrawn.")],
    db: Db = None,
    as_user: User = None,
) -> None:
    """Withdraw a recorded event from every view known from now on (it stays in the log)."""
    from ledger.application import is_position

    if not is_position(position) or int(position) < 1:
        raise fail(f"POSITION: {position[:40]!r} is not a position (ASCII digits from 1)")
    if not reason.strip():
        raise fail("--reason: must not be empty")
    with ledger(db, records=True) as opened:
        done = opened.retract(int(position), reason, as_user)
        say(f"recorded Retracted of position {position} at position {done.position}")


@app.command()
def export(db: Db = None) -> None:
    """Write every event not retracted, in position order, as JSON Lines that re-import."""
    from ledger.jsonl import export_line

    with ledger(db) as opened:
        for recorded in opened.live_events():
            sys.stdout.write(export_line(recorded) + "\n")


@app.command()
def schema(
    event_type: Annotated[
        str | None, typer.Argument(metavar="[TYPE]", help="One event type, e.g. TruceExtended (default: all).")
    ] = None,
) -> None:
    """Print the JSON Schema of an event line (of one event type, if given)."""
    from ledger.schema import event_schema

    try:
        answer = event_schema(event_type)
    except KeyError:
        from domain import EVENT_TYPES

        known = ", ".join(sorted(set(EVENT_TYPES) - {"Retracted"}))
        raise fail(f"TYPE: unknown event type {event_type!r} (one of: {known})") from None
    sys.stdout.write(json.dumps(answer, indent=2) + "\n")


# Reading -----------------------------------------------------------------------------------------

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
) -> None:
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
            with ledger(db) as opened:
                world = opened.world(opened.resolve_known_at(known_at))
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
    common = [option("key", OneKey), option("as_of", AsOf), option("known_at", KnownAt)]
    command.__signature__ = inspect.Signature(  # type: ignore[attr-defined]
        [*narrowing, *common, option("fmt", Fmt, Format.table), option("db", Db)]
    )
    command.__doc__ = doc
    app.command(name.replace("_", "-"))(command)


def _readable(answer: dict[str, Any], fmt: Format, name: str, row: Any) -> dict[str, Any]:
    """For a table or CSV, the rows of `name` made readable by `row` (`ledger.cli.cells`); JSON as is."""
    if fmt is Format.json:
        return answer
    return {**answer, name: [row(r) for r in answer[name]]}


_view_query(
    "tariffs",
    "Tariff layers in effect on a day, and the total rate per imposer→target.",
    [("measures", MEASURE_COLUMNS), ("totals", TOTAL_COLUMNS)],
    Filter("imposer", "Only measures of this imposer (country code).", country=True),
    Filter("target", "Only measures on this target (country code).", country=True),
    Filter("product", "Totals for this product instead of all goods."),
    lifted="measures",
)
_view_query(
    "controls",
    "Export controls in effect on a day, with licence approvals.",
    [("controls", CONTROL_COLUMNS)],
    Filter("imposer", "Only controls of this imposer (country code).", country=True),
    Filter("item", "Only controls that name this text in an item or their basis, in any case (e.g. nexperia)."),
    Filter("destination", "Only controls applying to this destination.", country=True),
    lifted="controls",
)
_view_query(
    "truces",
    "Truces on a day: status, expiry, days remaining and allegations.",
    [("truces", TRUCE_COLUMNS)],
    readable="truce_row",
)
_view_query(
    "negotiations",
    "Negotiations on a day: rounds, contacts, statements, agreements.",
    [("negotiations", NEGOTIATION_COLUMNS)],
    readable="negotiation_row",
)
_view_query(
    "trade_flows",
    "Reported trade statistics known on a day.",
    [("trade_flows", FLOW_COLUMNS)],
    kept=False,
    readable="flow_row",
)


class Kind(StrEnum):
    Negotiation = "Negotiation"
    Truce = "Truce"
    ExportControl = "ExportControl"
    TariffMeasure = "TariffMeasure"
    TradeFlow = "TradeFlow"


@app.command()
def keys(
    kind: Annotated[
        Kind | None, typer.Option("--kind", help="Only aggregates of this kind.", case_sensitive=False)
    ] = None,
    match: Annotated[
        str | None, typer.Option("--match", help="Only those whose key or description contains this text, in any case.")
    ] = None,
    known_at: KnownAt = None,
    fmt: Fmt = Format.table,
    db: Db = None,
) -> None:
    """The aggregates in the ledger: kind, key, what each is, its first and last day, its events."""
    from ledger import projections

    with ledger(db) as opened:
        world = opened.world(opened.resolve_known_at(known_at))
    answer = projections.keys(world, kind.value if kind else None, match)
    emit(answer, fmt, [("keys", ("kind", "key", "about", "first", "last", "events"))])


@app.command()
def replay(
    key: Annotated[str | None, typer.Option("--key", help="Only this aggregate.")] = None,
    as_of: AsOf = None,
    known_at: KnownAt = None,
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


@app.command()
def log(known_at: KnownAt = None, fmt: Fmt = Format.table, db: Db = None) -> None:
    """The whole ledger in record order, retractions included."""
    with ledger(db) as opened:
        position = opened.resolve_known_at(known_at)
        answer = {"known_at": position, "events": opened.log(position)}
    emit(_readable(answer, fmt, "events", _with_words), fmt, [("events", LOG_COLUMNS)])


@app.command()
def history(
    key: Annotated[str, typer.Argument(help="The aggregate's key.")],
    known_at: KnownAt = None,
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


@app.command()
def changes(
    start: Annotated[str, typer.Option("--from", help="First day, YYYY-MM-DD.")],
    end: Annotated[str, typer.Option("--to", help="Last day, YYYY-MM-DD (inclusive).")],
    known_at: KnownAt = None,
    fmt: Annotated[ChangesFormat, typer.Option("--format", "-f", help="Output format.")] = ChangesFormat.table,
    db: Db = None,
) -> None:
    """What took effect or was agreed between two days, grouped by aggregate."""
    from ledger import projections

    first, last = parse_day(start, "--from"), parse_day(end, "--to")
    if last < first:
        raise fail("--to is before --from")
    with ledger(db) as opened:
        answer = projections.changes(opened.world(opened.resolve_known_at(known_at)), first, last)
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


add_typed_commands(app)
add_integrity_commands(app)
add_report_commands(app)
add_upkeep_commands(app)
add_tariff_law_commands(app)
add_serve_command(app)
