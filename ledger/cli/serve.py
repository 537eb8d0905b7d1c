"""`dipledger serve`: the ledger's pages and JSON in a browser, read-only unless told otherwise."""

from __future__ import annotations

import os
from typing import Annotated

import typer

from ledger.cli.common import Db, fail, say

LOOPBACK = ("127.0.0.1", "::1", "localhost")


def serve(
    db: Db = None,
    host: Annotated[
        str, typer.Option("--host", help="Address to listen on; the default answers this machine only.")
    ] = "127.0.0.1",
    port: Annotated[int, typer.Option("--port", help="Port to listen on.", min=0, max=65535)] = 8000,
    allow_writes: Annotated[
        bool,
        typer.Option(
            "--allow-writes",
            help="Offer forms that record events; each needs the token in DIPLEDGER_TOKEN and comes from this site.",
        ),
    ] = False,
) -> None:
    """Open the ledger in a browser: overview, tariffs, controls, truces, negotiations, history, log,
    changes, the report, and /api/… in the JSON the queries print (read-only by default)."""
    from domain import LedgerError
    from ledger.address import database
    from ledger.storage import NoLedger, backend_for

    address = database(db)
    try:
        if not allow_writes:
            backend_for(address).check_exists()
    except NoLedger:
        raise fail(
            f"--db {address}: no ledger there; record events first (dipledger import FILE --db {address})"
        ) from None
    except LedgerError as error:
        raise fail(str(error)) from None
    token = os.environ.get("DIPLEDGER_TOKEN", "").strip() or None
    if allow_writes and (token is None or len(token) < 16):
        raise fail("--allow-writes: set DIPLEDGER_TOKEN to a secret of at least 16 characters first")
    import uvicorn

    from ledger.web.app import create_app

    app = create_app(address, allow_writes, token, host)
    if host not in LOOPBACK:
        say(f"listening on {host}: other machines can read this ledger")
    say(f"dipledger serving {address} on http://{host}:{port}/ ({'writes allowed' if allow_writes else 'read-only'})")
    uvicorn.run(app, host=host, port=port, log_level="warning", server_header=False)


def add_serve_command(app: typer.Typer) -> None:
    app.command("serve")(serve)
