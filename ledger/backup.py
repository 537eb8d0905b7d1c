"""Backups that lose nothing: the whole log as stored, and a restore that gives the same ledger.

A backup is JSON Lines. Its first line is a header, `{"dipledger_backup": 1, "events": N, "digest":
"HASH@POSITION"}`; each line after it is one stored event exactly as the events table holds it:
`{"position", "aggregate_id", "version", "topic", "state"}`, with `state` the stored bytes as UTF-8
text (or `state_base64` when they are not UTF-8). The state carries the time the event was recorded,
who recorded it and its id; retractions are events like any other. So everything the chain covers
is carried byte for byte, and a restored ledger has the same digest at the same position and
answers every `--as-of` and `--known-at` alike.

A restore writes each event at its own position (an explicit rowid on SQLite, notification id on
PostgreSQL, whose sequence is then moved past the head), so positions a PostgreSQL ledger skipped
stay skipped; it checks first that the backup leads to the digest in its header, writes the links
in the same transaction, and refuses a ledger that holds any event.
"""

from __future__ import annotations

import base64
import re
import uuid
from collections.abc import Iterator
from typing import IO, TYPE_CHECKING, Any

import orjson

from domain import InputError, LedgerError
from ledger.chain import GENESIS, PAGE, Row, chain_hash, link
from ledger.store import StorageError, decode

if TYPE_CHECKING:
    from ledger.application import Ledger
    from ledger.store import EventStore

FORMAT = 1
TOPIC = re.compile(r"[A-Za-z_][\w.]*:[A-Za-z_]\w*")


def write_backup(ledger: Ledger, out: IO[bytes]) -> tuple[int, str]:
    """Write the whole log to `out`; return how many events and the digest it leads to. The rows are
    read twice, once to chain them for the header and once to write them, so memory stays small."""
    store = ledger.store
    previous, head, count = GENESIS, 0, 0
    for row in _all_rows(store, 2**62):
        previous, head, count = chain_hash(previous, row), row.id, count + 1
    digest = f"{previous}@{head}"
    out.write(orjson.dumps({"dipledger_backup": FORMAT, "events": count, "digest": digest}) + b"\n")
    for row in _all_rows(store, head):
        out.write(_line(row))
    return count, digest


def _all_rows(store: EventStore, stop: int) -> Iterator[Row]:
    from ledger.chain import select_rows

    start = -(2**62)
    while True:
        page = select_rows(store, None, start, stop, PAGE)
        yield from page
        if len(page) < PAGE:
            return
        start = page[-1].id


def _line(row: Row) -> bytes:
    state = bytes(row.state) if isinstance(row.state, bytes | bytearray | memoryview) else str(row.state).encode()
    fields: dict[str, Any] = {
        "position": row.id,
        "aggregate_id": str(row.originator_id),
        "version": row.originator_version,
        "topic": row.topic,
    }
    try:
        fields["state"] = state.decode("utf-8")
    except UnicodeDecodeError:
        fields["state_base64"] = base64.b64encode(state).decode()
    return orjson.dumps(fields) + b"\n"


def read_backup(stream: IO[bytes], name: str) -> tuple[str, list[Row]]:
    """The backup's digest and its rows, each checked; `InputError`-like refusals name `FILE:LINE`."""
    header_line = stream.readline()
    try:
        header = orjson.loads(header_line)
    except orjson.JSONDecodeError:
        raise LedgerError(f"{name}:1: line: is not a dipledger backup (its first line is not JSON)") from None
    if not isinstance(header, dict) or header.get("dipledger_backup") != FORMAT:
        raise LedgerError(f"{name}:1: dipledger_backup: is not a backup this version reads (format {FORMAT})")
    digest = header.get("digest")
    if not isinstance(digest, str) or not re.fullmatch(r"[0-9a-f]{64}@\d{1,18}", digest):
        raise LedgerError(f"{name}:1: digest: is not HASH@POSITION")
    rows = list(_rows(stream, name))
    if header.get("events") != len(rows):
        raise LedgerError(f"{name}:1: events: says {header.get('events')!r}, the backup holds {len(rows)}")
    return digest, rows


def _rows(stream: IO[bytes], name: str) -> Iterator[Row]:
    last = None
    seen: set[tuple[str, int]] = set()
    for number, raw in enumerate(stream, start=2):
        if not raw.strip():
            continue
        where = f"{name}:{number}"
        try:
            fields = orjson.loads(raw)
        except orjson.JSONDecodeError:
            raise LedgerError(f"{where}: line: is not valid JSON") from None
        if not isinstance(fields, dict):
            raise LedgerError(f"{where}: line: is not a JSON object")
        position, version, topic = fields.get("position"), fields.get("version"), fields.get("topic")
        if type(position) is not int or not 0 < position < 2**62:
            raise LedgerError(f"{where}: position: must be a whole number from 1")
        if last is not None and position <= last:
            raise LedgerError(f"{where}: position: {position} does not come after {last}")
        if type(version) is not int or not 0 < version < 2**62:
            raise LedgerError(f"{where}: version: must be a whole number from 1")
        if not isinstance(topic, str) or not TOPIC.fullmatch(topic):
            raise LedgerError(f"{where}: topic: is not an event type's topic")
        try:
            originator = str(uuid.UUID(str(fields.get("aggregate_id"))))
        except ValueError:
            raise LedgerError(f"{where}: aggregate_id: is not a UUID") from None
        if (originator, version) in seen:
            raise LedgerError(f"{where}: version: aggregate {originator} has version {version} twice")
        seen.add((originator, version))
        if isinstance(fields.get("state"), str):
            state = fields["state"].encode("utf-8", "surrogatepass")
        elif isinstance(fields.get("state_base64"), str):
            try:
                state = base64.b64decode(fields["state_base64"], validate=True)
            except ValueError:
                raise LedgerError(f"{where}: state_base64: is not base64") from None
        else:
            raise LedgerError(f"{where}: state: missing")
        try:
            decode(position, version, topic, state)
        except Exception as error:  # any stored form this version cannot read
            raise LedgerError(f"{where}: state: is not an event this version reads ({_short(error)})") from None
        last = position
        yield Row(position, originator, version, topic, state)


def _short(error: Exception) -> str:
    text = str(error).splitlines()[0] if str(error) else type(error).__name__
    return text[:200]


def restore(ledger: Ledger, digest: str, rows: list[Row]) -> None:
    """Write `rows` into the empty ledger at their positions, with their links, in one transaction,
    once they are shown to lead to `digest`."""
    previous = GENESIS
    for row in rows:
        previous = chain_hash(previous, row)
    head = rows[-1].id if rows else 0
    if f"{previous}@{head}" != digest:
        raise InputError(
            [("digest", f"the backup's events lead to {previous}@{head}, not to its header's {digest}: it was changed")]
        )
    store = ledger.store
    if store.head():
        raise LedgerError(f"restore writes only into an empty ledger; {store.db} holds events up to {store.head()}")

    def write(cursor: Any) -> None:
        if next(store.notifications(cursor=cursor), None) is not None:
            raise LedgerError("restore writes only into an empty ledger")
        for start in range(0, len(rows), PAGE):
            page = rows[start : start + PAGE]
            _insert(store, cursor, page)
            link(store, cursor, page)

    ledger.locked_write(write)


def _insert(store: EventStore, cursor: Any, rows: list[Row]) -> None:
    stored = [(r.id, (uuid.UUID(r.originator_id), r.originator_version, r.topic, r.state)) for r in rows]
    try:
        store.backend.restore_events(cursor, stored)
    except Exception as error:
        raise StorageError(f"cannot restore: {error}") from None
