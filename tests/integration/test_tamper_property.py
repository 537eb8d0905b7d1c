"""Any change to a table the ledger owns is refused by the database or named by `verify` (with a digest
published before): edits, deletions, insertions and reorderings of random rows and byte ranges."""

from __future__ import annotations

import shutil
import sqlite3
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from ledger.application import Ledger
from ledger.audit import check_caches
from ledger.cli.main import app
from ledger.integrity import check_chain
from tests.conftest import EXAMPLE

runner = CliRunner()
KEYS = {
    "stored_events": "rowid",
    "dipledger_chain": "position",
    "dipledger_snapshot_seals": "position",
    "stored_snapshots": "originator_id",
    "dipledger_spans": "id",
    "dipledger_span_refs": None,
}
GUARDED = ("stored_events", "dipledger_chain", "dipledger_snapshot_seals")
OWNED = ("stored_events", "dipledger_chain")
"""Tables an owner who drops the guards may change too (the seals only guard snapshots, checked whole)."""
SKIPPED_COLUMNS = {"dipledger_spans": {"id"}}
"""A span's id is the read model's own numbering: verify compares what rows hold."""


@pytest.fixture(scope="module")
def template(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str]:
    """The London ledger with snapshots every 3 events, its read model built, and its digest."""
    from ledger.store import EventStore

    folder = tmp_path_factory.mktemp("template")
    db = folder / "ledger.db"
    interval = EventStore.snapshot_interval
    EventStore.snapshot_interval = 3
    try:
        assert runner.invoke(app, ["import", str(EXAMPLE), "--db", str(db)]).exit_code == 0
        assert runner.invoke(app, ["retract", "12", "--reason", "x", "--db", str(db)]).exit_code == 0
        assert runner.invoke(app, ["tariffs", "--db", str(db)]).exit_code == 0
    finally:
        EventStore.snapshot_interval = interval
    digest = runner.invoke(app, ["digest", "--db", str(db)]).stdout.strip()
    with sqlite3.connect(db) as connection:
        connection.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        assert connection.execute("SELECT count(*) FROM stored_snapshots").fetchone()[0] > 0
    return db, digest


def _changed(value: Any, start: int, size: int, noise: bytes) -> Any:
    """`value` with the bytes `[start, start + size)` replaced by `noise` (a number moved by it)."""
    if isinstance(value, int):
        return value + (int.from_bytes(noise[:2] or b"\x01", "big") or 1) * (1 if noise[-1:] < b"\x80" else -1)
    raw = value if isinstance(value, bytes) else str(value).encode()
    start = start % (len(raw) + 1)
    edited = raw[:start] + noise + raw[start + size :]
    return edited if isinstance(value, bytes) else edited.decode("utf-8", "replace")


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    table=st.sampled_from(sorted(KEYS)),
    action=st.sampled_from(["edit", "delete", "insert", "reorder"]),
    owner=st.booleans(),
    row=st.integers(min_value=0, max_value=10_000),
    other=st.integers(min_value=0, max_value=10_000),
    column=st.integers(min_value=0, max_value=10),
    start=st.integers(min_value=0, max_value=4000),
    size=st.integers(min_value=0, max_value=40),
    noise=st.binary(min_size=1, max_size=40),
)
def test_every_change_is_refused_or_named(
    template: tuple[Path, str],
    tmp_path_factory: pytest.TempPathFactory,
    table: str,
    action: str,
    owner: bool,
    row: int,
    other: int,
    column: int,
    start: int,
    size: int,
    noise: bytes,
) -> None:
    source, digest = template
    db = tmp_path_factory.mktemp("tampered") / "ledger.db"
    shutil.copyfile(source, db)
    owner = owner and table in OWNED
    connection = sqlite3.connect(db)
    key = KEYS[table]
    row_id = "originator_id" if table == "stored_snapshots" else "rowid"  # a table without rowids
    rows = connection.execute(f"SELECT {row_id} AS row_, * FROM {table} ORDER BY {row_id}").fetchall()
    names = [d[0] for d in connection.execute(f"SELECT * FROM {table} LIMIT 0").description]
    target = rows[row % len(rows)]
    where, at = f"{row_id} = ?", target[0]
    try:
        with connection:
            if owner:
                for (name,) in connection.execute("SELECT name FROM sqlite_master WHERE type = 'trigger'").fetchall():
                    connection.execute(f'DROP TRIGGER "{name}"')
            if action == "edit":
                choices = [n for n in names if n not in SKIPPED_COLUMNS.get(table, set())]
                name = choices[column % len(choices)]
                old = target[1 + names.index(name)]
                new = _changed(old, start, size, noise)
                if new == old:
                    return
                connection.execute(f"UPDATE {table} SET {name} = ? WHERE {where}", (new, at))
            elif action == "delete":
                if table == "stored_snapshots":
                    return  # a cache whose absence changes nothing: recording reads the events (rebuild drops all)
                if table == "dipledger_chain" and at == 0:
                    return  # without its origin row a chain reads as an earlier release's: verify notes, not names it
                connection.execute(f"DELETE FROM {table} WHERE {where}", (at,))
            elif action == "insert":
                values = list(target[1:])
                if key == "originator_id":
                    values[names.index(key)] = f"{other:032x}"
                elif key is not None and key != "rowid":
                    values[names.index(key)] = int(values[names.index(key)]) + 1000 + other
                elif key is None:
                    values[0] = f"{values[0]}-{other}"  # a truce no event names
                columns = ", ".join(names) + (", rowid" if key == "rowid" else "")
                marks = ", ".join("?" * (len(values) + (key == "rowid")))
                extra = [int(rows[-1][0]) + 1 + other % 5] if key == "rowid" else []
                connection.execute(f"INSERT INTO {table} ({columns}) VALUES ({marks})", (*values, *extra))
            else:
                if key in (None, "id") or len(rows) < 2:
                    return  # no order of its own to change (a span's id is its numbering only)
                second = rows[other % len(rows)]
                if second[0] == target[0]:
                    return
                column_name = "rowid" if key == "rowid" else key
                first_key, second_key = (r[0] if key == "rowid" else r[1 + names.index(key)] for r in (target, second))
                if first_key == second_key:
                    return
                swap = f"UPDATE {table} SET {column_name} = ? WHERE {row_id} = ?"
                connection.execute(swap, (-999999, target[0]))
                connection.execute(swap, (first_key, second[0]))
                connection.execute(swap, (second_key, -999999 if column_name == row_id else target[0]))
    except sqlite3.DatabaseError as refused:
        assert table in GUARDED or "UNIQUE" in str(refused) or "constraint" in str(refused), refused
        return
    finally:
        connection.close()
    opened = Ledger(str(db), create=False, read_only=True)
    try:
        problems = check_chain(opened.store, digest).problems + check_caches(opened.store)
    finally:
        opened.close()
    assert problems, (table, action, owner)
