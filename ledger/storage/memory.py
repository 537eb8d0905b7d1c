"""In memory: a SQLite database that lives as long as the ledger object that opened it.

For tests of the use cases: each `memory:` address opens a database of its own (`memory:NAME` the
same one again within the process), with every table, rule and guard of a file — nothing is
faked, only nothing is written to disk.
"""

from __future__ import annotations

import uuid
from typing import TYPE_CHECKING

from ledger.storage.backend import NoLedger
from ledger.storage.sqlite import SQLiteBackend

if TYPE_CHECKING:
    from ledger.known_at import KnownAt
    from ledger.spans import DirectReadModel


class MemoryBackend(SQLiteBackend):
    name = "memory"

    def __init__(self, address: str):
        super().__init__(address)
        self.label = address.partition(":")[2] or uuid.uuid4().hex

    def settings(self, read_only: bool) -> dict[str, str]:
        return {
            "PERSISTENCE_MODULE": "eventsourcing.sqlite",
            "SQLITE_DBNAME": f"file:dipledger-{self.label}?mode=memory&cache=shared",
            "SQLITE_LOCK_TIMEOUT": "30",
        }

    def check_exists(self) -> None:
        raise NoLedger("an in-memory ledger exists only while the ledger that made it is open")

    def may_write(self) -> bool:
        return True

    def direct_views(self, known_at: KnownAt) -> DirectReadModel | None:
        return None  # no file to read beside the ledger's own connection
