"""The read model's tables on PostgreSQL: in the ledger's schema, tracked in its tracking table.

A module of its own, loaded by the PostgreSQL adapter alone: importing eventsourcing.postgres is slow,
and a SQLite ledger needs none of it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import orjson
from eventsourcing.postgres import PostgresTrackingRecorder
from psycopg.sql import SQL, Identifier

from ledger.read_model.tables import TABLES, Spans
from ledger.spans import REFS, TABLE

if TYPE_CHECKING:
    from ledger.read_model.projector import Batch

ROW_CASTS = ("::bigint", "", "", "::bigint", "::bigint", "::bigint", "::bigint", "")
"""How each column of a `Row` is read from JSON on PostgreSQL."""


class PostgresSpanRecorder(Spans, PostgresTrackingRecorder):
    """Spans in the ledger's schema, tracked in its tracking table."""

    mark = "%s"

    def __init__(self, datastore: Any, **kwargs: Any):
        super().__init__(datastore, **kwargs)
        schema = datastore.schema
        self.table, self.refs, self.tracking = (
            Identifier(schema, name).as_string(None) for name in (TABLE, REFS, self.tracking_table_name)
        )
        indexes = (Identifier(f"{TABLE}_{end}").as_string(None) for end in ("open", "day"))
        names = (self.table, "bigint", *indexes, self.refs)
        self.tables = [sql.format(*names) for sql in TABLES]
        self.sql_create_statements += [SQL(statement).format() for statement in self.tables]

    def _lock(self, cursor: Any) -> None:
        cursor.execute(f"LOCK TABLE {self.table} IN EXCLUSIVE MODE")

    def _apply(self, cursor: Any, batch: Batch) -> None:
        """Each list in one statement, as a JSON array (see SQLiteSpanRecorder._apply): the server
        works through it while this process projects the next page."""
        columns = ", ".join(f"(e ->> {n}){cast}" for n, cast in enumerate(ROW_CASTS))
        cursor.execute(
            f"INSERT INTO {self.table} SELECT {columns} FROM jsonb_array_elements(%s::jsonb) AS e",
            (orjson.dumps(batch.rows).decode(),),
        )
        cursor.execute(
            f"UPDATE {self.table} SET known_to = (e ->> 0)::bigint FROM jsonb_array_elements(%s::jsonb) AS e "
            f"WHERE {self.table}.id = (e ->> 1)::bigint",
            (orjson.dumps(batch.ends).decode(),),
        )
        cursor.execute(
            f"INSERT INTO {self.refs} SELECT e ->> 0, e ->> 1, e ->> 2 FROM jsonb_array_elements(%s::jsonb) AS e "
            "ON CONFLICT DO NOTHING",
            (orjson.dumps(batch.refs).decode(),),
        )
