"""Snapshots of long aggregates, so that recording into one reads only its events since the last.

A snapshot of an aggregate at version v holds what its rules need to go on from there: the state
folded from its events up to v (`domain.snapshot`), the latest valid-time day among them, the ids of
those events (for idempotency) and the answers the truces gave that fold. It is kept in the
application's snapshot store (`stored_snapshots` on SQLite, `dipledger_snapshots` on PostgreSQL),
one per aggregate, written in the transaction of the recording that took it.

It is a cache derived from the events, never a source: recording folds on from it only when that
judges every event as the fold of the whole timeline would, and otherwise reads them all.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field, replace
from datetime import date
from typing import TYPE_CHECKING, Any

import orjson

if TYPE_CHECKING:
    from domain.timeline import TruceEnds

INTERVAL = 200
"""Events an aggregate grows by between snapshots. Recording then reads and decodes at most this
many of its events besides the snapshot (about 4 ms); a snapshot holds every id of its aggregate,
so writing one costs a few milliseconds on a 10,000-event aggregate: spread over 200 events, that is
a few per cent of each."""
FORMAT = 1
"""The layout of a stored snapshot, with that of its state (`domain.snapshot.FORMAT`): a snapshot
written in another is not used."""

Asked = dict[tuple[str, date], "date | None"]
"""Truce answers, `(truce key, day) -> end`, as `TruceEnds` gave them."""


@dataclass(frozen=True)
class Snapshot:
    """An aggregate as folded from its events up to `version`."""

    version: int
    last: str
    """The content digest (`Fact.derived_id`) of the event at `version`: the snapshot is trusted only
    while that event is the one stored there."""
    day: date
    """The latest valid-time day among the events folded."""
    state: dict[str, Any]
    """The folded state as `domain.snapshot.to_state` gives it."""
    ids: frozenset[str]
    """The ids of every event up to `version`, retractions and retracted events included."""
    asked: Asked = field(default_factory=dict)
    """The truce answers the fold relied on: if any has changed since, the fold would judge otherwise."""
    stored_hash: str = ""
    """sha256 of the snapshot as read from the database, to compare with its seal."""

    def encode(self) -> bytes:
        from domain.snapshot import FORMAT as STATE_FORMAT

        return orjson.dumps(
            {
                "format": [FORMAT, STATE_FORMAT],
                "last": self.last,
                "day": self.day,
                "state": self.state,
                "ids": sorted(self.ids),
                "asked": [[key, day, end] for (key, day), end in self.asked.items()],
            }
        )

    @classmethod
    def decode(cls, version: int, stored: bytes) -> Snapshot | None:
        """The snapshot stored at `version`; None if it was written in another format."""
        from domain.snapshot import FORMAT as STATE_FORMAT

        data = orjson.loads(stored)
        if data.get("format") != [FORMAT, STATE_FORMAT]:
            return None
        return cls(
            version,
            data["last"],
            date.fromisoformat(data["day"]),
            data["state"],
            frozenset(data["ids"]),
            {(key, date.fromisoformat(day)): _day(end) for key, day, end in data["asked"]},
        )


def well_formed(version: Any, stored: Any) -> Snapshot | str | None:
    """The snapshot stored at `version`, if it is one in the current format with every field of the
    right type; None if it is of another format (never used); else what is wrong with it. A
    snapshot is a cache anyone who can write the database could have changed: it is checked before
    it is used, never trusted to decode."""
    if not isinstance(stored, bytes | bytearray | memoryview):
        return "is not stored as bytes"
    try:
        data = orjson.loads(bytes(stored))
    except orjson.JSONDecodeError:
        return "is not JSON"
    if not isinstance(data, dict):
        return "is not a JSON object"
    from domain.snapshot import FORMAT as STATE_FORMAT

    written_in = data.get("format")
    if written_in != [FORMAT, STATE_FORMAT]:
        if isinstance(written_in, list) and len(written_in) == 2:
            pairs = zip(written_in, [FORMAT, STATE_FORMAT], strict=True)
            if all(type(n) is int and 0 < n <= now for n, now in pairs):
                return None  # an earlier format's: never used
        return "is of a format this version does not know"
    try:
        snapshot = Snapshot.decode(version, bytes(stored))
        assert snapshot is not None
        assert type(version) is int and version > 0
        assert isinstance(snapshot.last, str) and isinstance(snapshot.state, dict)
        assert isinstance(snapshot.state.get("kind"), str) and isinstance(snapshot.state.get("key"), str)
        assert all(isinstance(i, str) for i in snapshot.ids)
        assert all(isinstance(k, str) for k, _ in snapshot.asked)
        from domain.snapshot import from_state

        from_state(snapshot.state)  # every field of its kind there, each of its type
    except Exception:  # whatever a forged field breaks, the snapshot is not used
        return "has a field that is missing or of the wrong type"
    return replace(snapshot, stored_hash=hashlib.sha256(bytes(stored)).hexdigest())


class Asking:
    """Truce answers (`TruceEnds`) that note each answer given, after those `asked` before."""

    def __init__(self, truces: TruceEnds, asked: Asked | None = None):
        self.truces = truces
        self.asked: Asked = dict(asked or {})

    def __call__(self, key: str, day: date) -> date | None:
        end = self.asked[key, day] = self.truces(key, day)
        return end


def _day(text: str | None) -> date | None:
    return date.fromisoformat(text) if text is not None else None
