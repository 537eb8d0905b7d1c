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
    """Check the hash chain, the read model and the snapshots; exit 1 naming the first position or row
    that was changed, deleted, inserted or moved."""
    from domain import InputError
    from ledger.audit import check_caches
    from ledger.integrity import check_chain, parse_digest

    if published is not None:
        try:
            parse_digest(published)
        except InputError as error:
            raise fail(str(error)) from None
    with ledger(db) as opened:
        verdict = check_chain(opened.store, published)
        problems = verdict.problems + check_caches(opened.store)
        for note in verdict.notes:
            say(f"note: {note}")
        if problems:
            for problem in problems[:MAX_SHOWN]:
                say(f"{problem}")
            if len(problems) > MAX_SHOWN:
                say(f"… and {len(problems) - MAX_SHOWN} more")
            first = problems[0]
            raise fail(f"verification failed: first bad {first.where or f'position {first.position}'}", EXIT_FAILURE)
        if published:
            say(
                f"verified: the stored events up to {published.strip().lower().partition('@')[2]} lead to the "
                f"published digest, every event up to {verdict.digest} agrees with its link, and the read model and "
                "snapshots agree with the events"
            )
        else:
            say(
                f"verified: every stored event up to {verdict.digest} agrees with its link in the chain, and the "
                "read model and snapshots agree with the events. "
                "Without a digest published earlier this cannot prove the events were not rewritten together "
                "with their links by someone able to write the database: check against a published digest "
                "(--digest HASH@POSITION) for that"
            )


def add_integrity_commands(app: typer.Typer) -> None:
    app.command()(digest)
    app.command()(verify)
