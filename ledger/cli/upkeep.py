"""`dipledger rebuild` and `dipledger follow`: look after the persistent read model."""

from __future__ import annotations

import sys
import time
from typing import Annotated

import typer

from ledger.cli.common import Db, fail, ledger, say


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
    from ledger.address import database, is_postgres
    from ledger.roles import script
    from ledger.store import BadAddress, settings

    address = database(db)
    if not is_postgres(address):
        raise fail(
            "--db: grant is for a PostgreSQL ledger (a SQLite file's readers and writers are its file permissions)"
        )
    if not (writer or reader):
        raise fail("give --writer ROLE, --reader ROLE or both")
    try:
        schema = settings(address)["POSTGRES_SCHEMA"] or "public"
    except BadAddress as error:
        raise fail(str(error)) from None
    sys.stdout.write(script(schema, writer, reader))


def add_upkeep_commands(app: typer.Typer) -> None:
    app.command()(rebuild)
    app.command()(follow)
    app.command()(grant)
