"""Changing a ledger's database behind its back, as whoever can write the database could."""

from __future__ import annotations

import sqlite3


def tamper(db: str, *statements: str, guarded: bool = False) -> None:
    """Run SQL on the raw database; `EVENTS` and `ID` name the events table and its position column.

    Unless `guarded`, the append-only triggers are got out of the way first, as an attacker who owns
    the database can (on SQLite they are dropped: the next opening puts them back)."""
    if "://" in db:
        import psycopg

        url, _, schema = db.partition("?schema=")
        with psycopg.connect(url, autocommit=True) as connection:
            connection.execute(f'SET search_path TO "{schema}"')
            if not guarded:
                connection.execute("SET session_replication_role = replica")
            for statement in statements:
                connection.execute(statement.replace("EVENTS", "dipledger_events").replace("ID", "notification_id"))
    else:
        connection = sqlite3.connect(db)
        with connection:
            if not guarded:
                triggers = connection.execute(
                    "SELECT name FROM sqlite_master WHERE type = 'trigger' AND name LIKE 'dipledger%'"
                ).fetchall()
                for (name,) in triggers:
                    connection.execute(f'DROP TRIGGER "{name}"')
            for statement in statements:
                connection.execute(statement.replace("EVENTS", "stored_events").replace("ID", "rowid"))
        connection.close()


def tracking_table(db: str) -> str:
    return "dipledger_tracking" if "://" in db else "tracking"
