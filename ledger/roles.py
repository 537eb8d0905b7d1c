"""Least privilege on PostgreSQL: the statements that give a writer role and a reader role what they
need of one ledger's schema, and nothing more.

The ledger's tables belong to the role that created them (its *owner*, who first recorded into the
schema, and who alone may `rebuild`, which drops the read model's tables, or drop the triggers that
keep events append-only). A *writer* records: it may insert events, links and seals (and the UPDATE
that `LOCK TABLE … IN EXCLUSIVE MODE` asks of it, which the append-only triggers refuse to carry
out), and keep the caches (read model, tracking positions, snapshots). A *reader* may only SELECT:
queries then open the ledger read-only, creating and writing nothing.
"""

from __future__ import annotations

from psycopg.sql import SQL, Composed, Identifier

EVENTS, CHAIN, SEALS = "dipledger_events", "dipledger_chain", "dipledger_snapshot_seals"
CACHES = ("dipledger_spans", "dipledger_span_refs", "dipledger_tracking", "dipledger_snapshots")
SEQUENCE = "dipledger_events_notification_id_seq"


def grants(schema: str, writer: str | None, reader: str | None) -> list[Composed]:
    """The GRANT statements for `writer` and `reader` (either may be None) on the ledger in `schema`."""
    found = []
    every = [Identifier(schema, table) for table in (EVENTS, CHAIN, SEALS, *CACHES)]
    if reader:
        role = Identifier(reader)
        found += [
            SQL("GRANT USAGE ON SCHEMA {} TO {}").format(Identifier(schema), role),
            SQL("GRANT SELECT ON {} TO {}").format(SQL(", ").join(every), role),
        ]
    if writer:
        role = Identifier(writer)
        append_only = SQL(", ").join(Identifier(schema, table) for table in (EVENTS, CHAIN, SEALS))
        caches = SQL(", ").join(Identifier(schema, table) for table in CACHES)
        found += [
            SQL("GRANT USAGE ON SCHEMA {} TO {}").format(Identifier(schema), role),
            SQL("GRANT SELECT, INSERT, UPDATE ON {} TO {}").format(append_only, role),
            SQL("GRANT SELECT, INSERT, UPDATE, DELETE ON {} TO {}").format(caches, role),
            SQL("GRANT USAGE ON SEQUENCE {} TO {}").format(Identifier(schema, SEQUENCE), role),
        ]
    return found


def script(schema: str, writer: str | None, reader: str | None) -> str:
    """The statements as one SQL script, for `psql`."""
    return "".join(f"{statement.as_string(None)};\n" for statement in grants(schema, writer, reader))
