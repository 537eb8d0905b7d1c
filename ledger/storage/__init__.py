"""Where the ledger keeps its rows: one adapter per database, chosen once from the address.

`backend_for(address)` is the one place that tells the databases apart. Everything else — the event
store, the hash chain, backups, audits — asks the adapter it returns, so that a new database is a
new module here and nothing else changes.
"""

from __future__ import annotations

from ledger.address import MEMORY, is_postgres
from ledger.storage.backend import Backend, BadAddress, NoLedger, StorageError

__all__ = ["Backend", "BadAddress", "NoLedger", "StorageError", "backend_for"]


def backend_for(address: str) -> Backend:
    """The adapter for the ledger at `address`: a `postgresql://` URL, `memory:`, or a SQLite file path."""
    if is_postgres(address):
        from ledger.storage.postgres import PostgresBackend

        return PostgresBackend(address)
    if address.startswith(MEMORY):
        from ledger.storage.memory import MemoryBackend

        return MemoryBackend(address)
    from ledger.storage.sqlite import SQLiteBackend

    return SQLiteBackend(address)
