"""Where the ledger is: a SQLite file path or a PostgreSQL URL."""

from __future__ import annotations

import os

DEFAULT_DB = "dipledger.db"


def database(db: str | None) -> str:
    """The ledger's address: `--db`, else `DIPLEDGER_DB`, else `./dipledger.db`."""
    return db or os.environ.get("DIPLEDGER_DB") or DEFAULT_DB


def is_postgres(db: str) -> bool:
    return db.startswith(("postgresql://", "postgres://"))
