"""Where the ledger is: a SQLite file path or a PostgreSQL URL."""

from __future__ import annotations

import os
import re
from urllib.parse import urlparse

DEFAULT_DB = "dipledger.db"
MEMORY = "memory:"
"""The address of a ledger held in memory (`memory:NAME`: the same one again within the process)."""


def database(db: str | None) -> str:
    """The ledger's address: `--db`, else `DIPLEDGER_DB`, else `./dipledger.db`."""
    return db or os.environ.get("DIPLEDGER_DB") or DEFAULT_DB


def is_postgres(db: str) -> bool:
    return db.startswith(("postgresql://", "postgres://"))


def redact(text: str) -> str:
    """`text` (an address, or a driver's message quoting one) without its password."""
    try:
        password = urlparse(text).password
    except ValueError:
        return re.sub(r":[^:@/]*@", ":***@", text)
    if password:
        return text.replace(f":{password}@", ":***@")
    return text
