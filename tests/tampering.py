"""Changing a ledger's database behind its back, as whoever can write the database could."""

from __future__ import annotations

import sqlite3
from collections.abc import Callable


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


def snapshots_table(db: str) -> str:
    return "dipledger_snapshots" if "://" in db else "stored_snapshots"


def rewrite_snapshots(db: str, change: Callable[[bytes], object]) -> int:
    """Replace the state of every stored snapshot by `change(state)` (bytes, or text to store as TEXT)."""
    table = snapshots_table(db)
    if "://" in db:
        import psycopg

        url, _, schema = db.partition("?schema=")
        with psycopg.connect(url, autocommit=True) as connection:
            connection.execute(f'SET search_path TO "{schema}"')
            rows = connection.execute(f"SELECT originator_id, state FROM {table}").fetchall()
            for originator, state in rows:
                changed = change(bytes(state))
                if isinstance(changed, str):  # the column itself made text, as SQLite lets a value be
                    connection.execute(
                        f"ALTER TABLE {table} ALTER COLUMN state TYPE text USING convert_from(state, 'UTF8')"
                    )
                connection.execute(f"UPDATE {table} SET state = %s WHERE originator_id = %s", (changed, originator))
            return len(rows)
    connection = sqlite3.connect(db)
    with connection:
        rows = connection.execute(f"SELECT originator_id, state FROM {table}").fetchall()
        for originator, state in rows:
            changed = change(bytes(state))
            connection.execute(f"UPDATE {table} SET state = ? WHERE originator_id = ?", (changed, originator))
    connection.close()
    return len(rows)
