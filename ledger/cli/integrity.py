"""`dipledger digest` and `dipledger verify`: publish the head of the hash chain, and check it."""

from __future__ import annotations

from typing import Annotated

import typer

from ledger.cli.common import EXIT_FAILURE, Db, fail, ledger, say

MAX_SHOWN = 20


def digest(db: Db = None) -> None:
    """Print HASH@POSITION for the head of the ledger's hash chain (publish it)."""
    from ledger.integrity import head_digest

    with ledger(db) as opened:
        typer.echo(head_digest(opened))


def verify(
    published: Annotated[
        str | None,
        typer.Option("--digest", help="A digest published earlier, HASH@POSITION: the ledger must still hold it."),
    ] = None,
    db: Db = None,
) -> None:
    """Recompute the hash chain; exit 1 naming the first position that was changed, deleted, inserted or moved."""
    from ledger.integrity import head_digest
    from ledger.integrity import verify as check

    with ledger(db) as opened:
        problems = check(opened, published)
        if problems:
            for problem in problems[:MAX_SHOWN]:
                say(f"{problem}")
            if len(problems) > MAX_SHOWN:
                say(f"… and {len(problems) - MAX_SHOWN} more")
            raise fail(f"verification failed: first bad position {problems[0].position}", EXIT_FAILURE)
        say(f"verified: the chain and the stored events agree up to {head_digest(opened)}")


def add_integrity_commands(app: typer.Typer) -> None:
    app.command()(digest)
    app.command()(verify)
