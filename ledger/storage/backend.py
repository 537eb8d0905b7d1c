"""The narrow interface every storage adapter gives the ledger.

eventsourcing supplies each database's event store (`PERSISTENCE_MODULE`); an adapter adds what the
ledger needs beyond eventsourcing's public API — the write lock, inserting a batch and learning its
positions, the SQL dialect of its own tables and guards — and keeps any use of eventsourcing's
private methods to itself, covered by the contract tests (`tests/integration/test_backends.py`).
"""

from __future__ import annotations

import contextlib
import uuid
from abc import ABC, abstractmethod
from collections.abc import Iterator, Mapping, Sequence
from typing import TYPE_CHECKING, Any, ClassVar

from domain.errors import LedgerError

if TYPE_CHECKING:
    from ledger.known_at import KnownAt
    from ledger.spans import DirectReadModel

StoredRow = tuple[uuid.UUID, int, str, bytes]
"""A row to insert into the events table: aggregate id, version, topic, state."""


class StorageError(LedgerError):
    """The database cannot be opened or read."""


class BadAddress(LedgerError):
    """`--db` is not an address the ledger can be at."""


class NoLedger(LedgerError):
    """Nothing to query: no ledger at the address, or something else that is not one."""


class Backend(ABC):
    """One database's ways, for the ledger at `address`. `bind` gives it the recorders once the
    event store is open; the statements need their table names."""

    name: ClassVar[str]
    position: ClassVar[str]
    """The events table's column that holds an event's position."""
    tracking_table: ClassVar[str]
    """eventsourcing's table of how far each read model got."""
    mark: ClassVar[str]
    """The driver's parameter placeholder."""

    def __init__(self, address: str):
        self.address = address
        self.recorder: Any = None
        self.snapshots: Any = None
        self.events = self.snapshot_table = ""
        """The names of the events table and the snapshots table."""

    def bind(self, recorder: Any, snapshots: Any) -> None:
        self.recorder, self.snapshots = recorder, snapshots
        self.events = recorder.events_table_name
        self.snapshot_table = snapshots.recorder.events_table_name if snapshots is not None else ""

    # Opening -------------------------------------------------------------------------------------

    @abstractmethod
    def settings(self, read_only: bool) -> dict[str, str]:
        """eventsourcing's settings for this database."""

    @abstractmethod
    def check_exists(self) -> None:
        """Raise `NoLedger` unless a ledger is at the address; open nothing for writing to find out."""

    def exists(self) -> bool:
        try:
            self.check_exists()
        except NoLedger:
            return False
        return True

    def may_write(self) -> bool:
        """Whether this user may record into the ledger (asked before opening it to record)."""
        return True

    def grants(self, writer: str | None, reader: str | None) -> str:
        """The SQL that gives a writer role and a reader role what they need of the ledger, and no more."""
        raise LedgerError(
            "--db: grant is for a PostgreSQL ledger (a SQLite file's readers and writers are its file permissions)"
        )

    def opening(self) -> contextlib.AbstractContextManager[None]:
        """What holds while the store opens (and may create its tables)."""
        return contextlib.nullcontext()

    def shown(self) -> str:
        """The address as it may be shown in a message."""
        return self.address

    # Statements ------------------------------------------------------------------------------------

    @abstractmethod
    def table(self, name: str) -> str:
        """A table of the ledger as SQL names it."""

    def statement(self, text: str, **tables: str) -> Any:
        """`text` with each `{name}` one of the ledger's tables and `?` its parameters."""
        return text.format(**{key: self.table(name) for key, name in tables.items()})

    def reading(self, cursor: Any = None) -> contextlib.AbstractContextManager[Any]:
        """`cursor` when given, else a read-only transaction of its own."""
        if cursor is not None:
            return contextlib.nullcontext(cursor)
        return self.recorder.datastore.transaction(commit=False)

    @abstractmethod
    def table_exists(self, name: str, cursor: Any = None) -> bool: ...

    # Writing ---------------------------------------------------------------------------------------

    @contextlib.contextmanager
    def writing(self) -> Iterator[Any]:
        """A transaction holding the ledger's write lock from its start; rolled back if the block raises."""
        with self.recorder.datastore.transaction(commit=True) as cursor:
            self.lock(cursor)
            yield cursor

    @abstractmethod
    def lock(self, cursor: Any) -> None:
        """Take the write lock: other writers wait until this transaction ends, readers do not."""

    @abstractmethod
    def insert_events(self, cursor: Any, rows: Sequence[StoredRow]) -> Sequence[int]:
        """Insert `rows` in the transaction of `cursor` (from `writing`) and give their positions."""

    @abstractmethod
    def insert_snapshot(self, cursor: Any, row: StoredRow) -> None: ...

    @abstractmethod
    def restore_events(self, cursor: Any, rows: Sequence[tuple[int, StoredRow]]) -> None:
        """Insert rows at the positions given (into an empty ledger), so that later ones follow them."""

    # Reading ---------------------------------------------------------------------------------------

    @abstractmethod
    def aggregates_query(self, wanted: Mapping[uuid.UUID, int]) -> tuple[str, tuple[Any, ...]]:
        """A query for the events of each aggregate id from its version on: position, originator_id,
        originator_version, topic, state."""

    @abstractmethod
    def among(self, ids: Sequence[uuid.UUID]) -> tuple[str, tuple[Any, ...]]:
        """A condition that a row's `originator_id` is one of `ids`, and its parameters."""

    @abstractmethod
    def state_text(self, *path: str) -> str:
        """An SQL expression for the text of the stored state's JSON at `path` (NULL where absent), so
        that a query can choose events by a field without decoding the others."""

    # Guards ----------------------------------------------------------------------------------------

    @abstractmethod
    def guards_present(self, chain: str, seals: str) -> tuple[str, tuple[Any, ...]]:
        """A query (`n`) counting the guards (and on some databases the tables) `guards` makes that are present."""

    @abstractmethod
    def guards(self, tables: Sequence[str], chain: str, seals: str, sealed_late: str) -> list[Any]:
        """The statements that create the chain's and the seals' tables, keep `tables` append-only and
        refuse a seal for an event already linked (`sealed_late`, the message)."""

    def wanted_guards(self, tables: Sequence[str]) -> int:
        """How many rows `guards_present` counts when every guard is there."""
        return 2 * len(tables) + 1

    # The read model ------------------------------------------------------------------------------

    def direct_views(self, known_at: KnownAt) -> DirectReadModel | None:
        """The read model as known at `known_at`, read without opening the event store (a query that
        finds it up to date loads neither eventsourcing nor the catalogue); None: open the ledger."""
        return None

    @abstractmethod
    def span_recorder_class(self) -> type: ...
