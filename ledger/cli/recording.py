"""`import`, `append` and `retract` record events; `export` and `schema` give the lines they take."""

from __future__ import annotations

import json
import sys
from typing import Annotated, Any

import typer

from ledger.cli.common import Db, User, fail, is_terminal, ledger, say


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
    from ledger.json_line import decode_line

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


def retract(
    position: Annotated[str, typer.Argument(help="The position of the event to retract.")],
    reason: Annotated[str, typer.Option("--reason", help="Why it is withdrawn.")],
    db: Db = None,
    as_user: User = None,
) -> None:
    """Withdraw a recorded event from every view known from now on (it stays in the log)."""
    from ledger.known_at import is_position

    if not is_position(position) or int(position) < 1:
        raise fail(f"POSITION: {position[:40]!r} is not a position (ASCII digits from 1)")
    if not reason.strip():
        raise fail("--reason: must not be empty")
    with ledger(db, records=True) as opened:
        done = opened.retract(int(position), reason, as_user)
        say(f"recorded Retracted of position {position} at position {done.position}")


def export(db: Db = None) -> None:
    """Write every event not retracted, in position order, as JSON Lines that re-import."""
    from ledger.jsonl import export_line

    with ledger(db) as opened:
        for recorded in opened.live_events():
            sys.stdout.write(export_line(recorded) + "\n")


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


def add_recording_commands(app: typer.Typer) -> None:
    app.command("import")(import_)
    app.command()(append)
    app.command()(retract)
    app.command()(export)
    app.command()(schema)
