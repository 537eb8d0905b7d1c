"""`dipledger rebuild` and `dipledger follow`: look after the persistent read model."""

from __future__ import annotations

import os
import sys
import time
from typing import Annotated

import typer

from ledger.cli.common import EXIT_FAILURE, Db, fail, ledger, say


def rebuild(db: Db = None) -> None:
    """Empty the read model of tariffs, controls, truces and negotiations, and project the whole ledger again;
    drop the snapshots of long aggregates (recording takes them again)."""
    from ledger.read_model import rebuild as rebuild_spans

    with ledger(db) as opened:
        began = time.perf_counter()
        reached = rebuild_spans(opened.store)
        opened.store.drop_snapshots()
        say(
            f"rebuilt the read model up to position {reached} in {time.perf_counter() - began:.1f} s"
            " and dropped the snapshots"
        )


def follow(
    interval: Annotated[
        float, typer.Option("--interval", min=0.05, help="Seconds between looks at a SQLite ledger (default 1).")
    ] = 1.0,
    db: Db = None,
) -> None:
    """Keep the read model up to date while others record, so queries never wait to catch up; Ctrl-C stops."""
    from ledger.read_model import follow as follow_ledger

    with ledger(db) as opened:
        try:
            follow_ledger(opened.store, lambda position: say(f"read model up to position {position}"), interval)
        except KeyboardInterrupt:
            say("stopped following")


def grant(
    writer: Annotated[
        str | None, typer.Option("--writer", help="The role that records (and keeps the caches).")
    ] = None,
    reader: Annotated[str | None, typer.Option("--reader", help="The role that only queries (SELECT).")] = None,
    db: Db = None,
) -> None:
    """Print the SQL that gives a PostgreSQL writer role and reader role what they need of this ledger's
    schema and nothing more; its owner runs it (`dipledger grant … | psql …`)."""
    from domain import LedgerError
    from ledger.address import database
    from ledger.storage import backend_for

    try:
        sys.stdout.write(backend_for(database(db)).grants(writer, reader))
    except LedgerError as error:
        raise fail(str(error)) from None


def backup(
    file: Annotated[str, typer.Argument(help="Where to write the backup (- for standard output).")],
    db: Db = None,
) -> None:
    """Write the whole log as stored (positions, record times, who recorded, retractions) to FILE;
    `restore` gives the same ledger, digest and answers."""
    from ledger.backup import write_backup

    with ledger(db) as opened:
        try:
            if file == "-":
                sys.stdout.flush()
                count, digest = write_backup(opened, sys.stdout.buffer)
                sys.stdout.buffer.flush()
            else:
                descriptor = os.open(
                    file, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600
                )  # the whole ledger: its owner's
                with os.fdopen(descriptor, "wb") as out:
                    count, digest = write_backup(opened, out)
        except OSError as error:
            raise fail(f"{file}: cannot write the backup: {error.strerror or error}", EXIT_FAILURE) from None
    say(f"backed up {count} events, up to {digest}")


def restore(
    file: Annotated[str, typer.Argument(help="A backup written by `dipledger backup` (- for standard input).")],
    db: Db = None,
) -> None:
    """Restore a backup into an empty ledger: the same events at the same positions, the same digest."""
    from ledger.backup import read_backup
    from ledger.backup import restore as restore_rows

    try:
        source = sys.stdin.buffer if file == "-" else open(file, "rb")  # noqa: SIM115 - closed below
    except OSError as error:
        raise fail(f"{file}: {error.strerror or 'cannot be read'}") from None
    try:
        with ledger(db, records=True) as opened:
            digest, rows = read_backup(source, file)
            restore_rows(opened, digest, rows)
    finally:
        if source is not sys.stdin.buffer:
            source.close()
    say(f"restored {len(rows)} events, up to {digest}")


def add_upkeep_commands(app: typer.Typer) -> None:
    app.command()(backup)
    app.command()(restore)
    app.command()(rebuild)
    app.command()(follow)
    app.command()(grant)
