"""PostgreSQL: a server many processes write to at once; eventsourcing's `eventsourcing.postgres`.

The ledger's tables live in the schema of `?schema=` (default `public`). The events table is
`dipledger_events`, its position `notification_id`, given by a sequence: an EXCLUSIVE lock on the
table keeps the order positions are given in the order transactions commit in.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Mapping, Sequence
from typing import Any
from urllib.parse import parse_qs, unquote, urlparse

from eventsourcing.persistence import StoredEvent

from domain.errors import LedgerError
from ledger.address import redact
from ledger.storage.backend import Backend, BadAddress, NoLedger, StorageError, StoredRow

SCHEMA = re.compile(r"[A-Za-z_][A-Za-z0-9_]{0,62}")
"""A schema named in `?schema=`: a plain identifier, never anything SQL would read otherwise."""


class PostgresBackend(Backend):
    name = "postgresql"
    position = "notification_id"
    tracking_table = "dipledger_tracking"
    mark = "%s"

    def __init__(self, address: str):
        super().__init__(address)
        self.env = self._parse()
        self.schema = self.env["POSTGRES_SCHEMA"] or "public"

    def _parse(self) -> dict[str, str]:
        try:
            url = urlparse(self.address)
            query = parse_qs(url.query)
            url.port  # noqa: B018 - parsed on first use: a bad one raises here, not later
        except ValueError as error:
            raise BadAddress(f"--db: {self.shown()!r} is not a PostgreSQL URL ({error})") from None
        schema = query.get("schema", [""])[0]
        if schema and not SCHEMA.fullmatch(schema):
            raise BadAddress(
                f"--db: schema {schema!r} is not a plain identifier (letters, digits and _, not starting with a digit)"
            )
        return {
            "PERSISTENCE_MODULE": "eventsourcing.postgres",
            "POSTGRES_DBNAME": unquote(url.path.lstrip("/")) or "postgres",
            "POSTGRES_HOST": url.hostname or "127.0.0.1",
            "POSTGRES_PORT": str(url.port or 5432),
            "POSTGRES_USER": unquote(url.username or "postgres"),
            "POSTGRES_PASSWORD": unquote(url.password or ""),
            "POSTGRES_SCHEMA": schema,
            "POSTGRES_CONNECT_TIMEOUT": "5",
            "POSTGRES_LOCK_TIMEOUT": "30",
        }

    def settings(self, read_only: bool) -> dict[str, str]:
        return dict(self.env)

    def shown(self) -> str:
        return redact(self.address)

    def connect(self) -> Any:
        """A plain psycopg connection to the server, for a look outside eventsourcing."""
        import psycopg

        return psycopg.connect(
            dbname=self.env["POSTGRES_DBNAME"],
            host=self.env["POSTGRES_HOST"],
            port=self.env["POSTGRES_PORT"],
            user=self.env["POSTGRES_USER"],
            password=self.env["POSTGRES_PASSWORD"] or None,
            connect_timeout=5,
        )

    def _ask(self, sql: str, params: tuple[Any, ...]) -> Any:
        import psycopg

        try:
            with self.connect() as server:
                row = server.execute(sql, params).fetchone()
        except psycopg.Error as error:
            raise StorageError(f"cannot open the ledger at {self.shown()}: {redact(str(error))}") from None
        return row[0] if row else None

    def check_exists(self) -> None:
        if self._ask("SELECT to_regclass(format('%%I.%%I', %s::text, 'dipledger_events'))", (self.schema,)) is None:
            raise NoLedger(f"no ledger at {self.shown()} (commands that record create one; queries do not)")

    def may_write(self) -> bool:
        try:
            return bool(
                self._ask(
                    "SELECT has_table_privilege(format('%%I.%%I', %s::text, 'dipledger_events'), 'INSERT')",
                    (self.schema,),
                )
            )
        except StorageError:
            return True  # opening the ledger will say what is wrong

    def grants(self, writer: str | None, reader: str | None) -> str:
        from ledger.roles import script

        if not (writer or reader):
            raise LedgerError("give --writer ROLE, --reader ROLE or both")
        return script(self.schema, writer, reader)

    def table(self, name: str) -> str:
        from psycopg.sql import Identifier

        return Identifier(self.schema, name).as_string(None)

    def statement(self, text: str, **tables: str) -> Any:
        from psycopg.sql import SQL, Identifier

        return SQL(text.replace("%", "%%").replace("?", "%s")).format(
            **{key: Identifier(self.schema, name) for key, name in tables.items()}
        )

    def table_exists(self, name: str, cursor: Any = None) -> bool:
        with self.reading(cursor) as opened:
            opened.execute(
                "SELECT to_regclass(format('%%I.%%I', %s::text, %s::text)) IS NOT NULL AS found", (self.schema, name)
            )
            return bool(opened.fetchone()["found"])

    # eventsourcing's own statements, beneath its public API: the pin in pyproject.toml holds them to
    # one minor version, and tests/integration/test_backends.py checks them.

    def lock(self, cursor: Any) -> None:
        self.recorder._lock_table(cursor)  # EXCLUSIVE: other writers wait (up to the lock timeout), readers do not

    def insert_events(self, cursor: Any, rows: Sequence[StoredRow]) -> Sequence[int]:
        stored = [StoredEvent(*row) for row in rows]
        self.recorder._insert_stored_events(cursor, stored)
        positions: Sequence[int] = self.recorder._fetch_ids_after_insert_events(cursor, stored)
        return positions

    def insert_snapshot(self, cursor: Any, row: StoredRow) -> None:
        self.snapshots.recorder._insert_stored_events(cursor, [StoredEvent(*row)])

    def restore_events(self, cursor: Any, rows: Sequence[tuple[int, StoredRow]]) -> None:
        events = self.events
        sql = (
            "INSERT INTO {events} (notification_id, originator_id, originator_version, topic, state) "
            "VALUES (?, ?, ?, ?, ?)"
        )
        cursor.executemany(self.statement(sql, events=events), [(p, *row) for p, row in rows])
        if rows:  # the sequence goes on after the last restored position
            cursor.execute(
                "SELECT setval(pg_get_serial_sequence(%s, 'notification_id'), %s)", (self.table(events), rows[-1][0])
            )

    def aggregates_query(self, wanted: Mapping[uuid.UUID, int]) -> tuple[str, tuple[Any, ...]]:
        events = self.table(self.events)
        sql = (
            "SELECT e.notification_id AS position, e.originator_id, e.originator_version, e.topic, e.state "
            f"FROM unnest(%s::uuid[], %s::bigint[]) AS wanted(id, since) JOIN {events} e "
            "ON e.originator_id = wanted.id AND e.originator_version >= wanted.since"
        )
        return sql, (list(wanted), list(wanted.values()))

    def state_text(self, *path: str) -> str:
        # braces doubled: the statement is formatted once more with the ledger's table names
        return f"(convert_from(state, 'UTF8')::jsonb #>> '{{{{{','.join(path)}}}}}')"

    def among(self, ids: Sequence[uuid.UUID]) -> tuple[str, tuple[Any, ...]]:
        return "originator_id = ANY(%s)", (list(ids),)

    def guards_present(self, chain: str, seals: str) -> tuple[str, tuple[Any, ...]]:
        return (
            "SELECT (SELECT count(*) FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid "
            "JOIN pg_namespace s ON s.oid = c.relnamespace WHERE s.nspname = %s AND t.tgname LIKE 'dipledger_%%') "
            "+ (SELECT count(*) FROM pg_class c JOIN pg_namespace s ON s.oid = c.relnamespace "
            "WHERE s.nspname = %s AND c.relname IN (%s, %s)) AS n",
            (self.schema, self.schema, chain, seals),
        )

    def wanted_guards(self, tables: Sequence[str]) -> int:
        return 2 * len(tables) + 3  # the triggers, and the chain's and seals' tables

    def guards(self, tables: Sequence[str], chain: str, seals: str, sealed_late: str) -> list[Any]:
        from psycopg.sql import SQL, Identifier

        function = Identifier(self.schema, "dipledger_append_only")
        sealing = Identifier(self.schema, "dipledger_seal_with_event")
        events = Identifier(self.schema, self.events)
        found = [
            self.statement(
                "CREATE TABLE IF NOT EXISTS {chain} "
                "(position bigint PRIMARY KEY, event_hash text NOT NULL, chain_hash text NOT NULL)",
                chain=chain,
            ),
            self.statement(
                "CREATE TABLE IF NOT EXISTS {seals} (seal text NOT NULL, position bigint PRIMARY KEY)", seals=seals
            ),
            SQL(
                "CREATE OR REPLACE FUNCTION {} () RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN "
                "RAISE EXCEPTION 'dipledger: % is append-only: recorded events and their links are never "
                "changed or deleted', TG_TABLE_NAME; END $$"
            ).format(function),
            SQL(
                "CREATE OR REPLACE FUNCTION {} () RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN "
                "IF EXISTS (SELECT 1 FROM {} WHERE position = NEW.position) "
                "OR NOT EXISTS (SELECT 1 FROM {} WHERE notification_id = NEW.position) THEN "
                "RAISE EXCEPTION '{}'; END IF; RETURN NEW; END $$"
            ).format(sealing, Identifier(self.schema, chain), events, SQL(sealed_late)),
            SQL("CREATE OR REPLACE TRIGGER {} BEFORE INSERT ON {} FOR EACH ROW EXECUTE FUNCTION {} ()").format(
                Identifier(f"dipledger_{seals}_insert"), Identifier(self.schema, seals), sealing
            ),
        ]
        for table in tables:
            target = Identifier(self.schema, table)
            found += [
                SQL(
                    "CREATE OR REPLACE TRIGGER {} BEFORE UPDATE OR DELETE ON {} FOR EACH ROW EXECUTE FUNCTION {} ()"
                ).format(Identifier(f"dipledger_{table}_rows"), target, function),
                SQL(
                    "CREATE OR REPLACE TRIGGER {} BEFORE TRUNCATE ON {} FOR EACH STATEMENT EXECUTE FUNCTION {} ()"
                ).format(Identifier(f"dipledger_{table}_truncate"), target, function),
            ]
        return found

    def span_recorder_class(self) -> type:
        from ledger.read_model.postgres_tables import PostgresSpanRecorder

        return PostgresSpanRecorder
