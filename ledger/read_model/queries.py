"""The read model as the queries of tariffs, controls, truces and negotiations read it."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from typing import TYPE_CHECKING, Any

from ledger.spans import Turn, parsed, turns

if TYPE_CHECKING:
    from ledger.read_model.tables import Row, SpanRecorder


class ReadModel:
    """The spans as known at one position: what the tariffs, controls, truces and negotiations queries read."""

    def __init__(self, recorder: SpanRecorder, known_at: int):
        self.recorder = recorder
        self.known_at = known_at

    def views(self, kind: str, as_of: date) -> list[dict[str, Any]]:
        """The view of every aggregate of `kind` on `as_of`, by key."""
        return parsed(self.recorder.views(kind, as_of.toordinal(), self.known_at), kind, as_of)

    def turned(self, kind: str, start: date, end: date) -> list[Turn]:
        """Where the views of `kind` change from `start` to `end` (`ledger.spans.turns`)."""
        first, last = start.toordinal(), end.toordinal()
        return turns(self.recorder.turned(kind, first, last, self.known_at), first, last)


def spans_of(rows: Iterable[Row]) -> list[tuple[str, str, int, int, int, int, str]]:
    """The rows without their ids, sorted: two read models are equal when these are."""
    return sorted((r.kind, r.key, r.valid_from, r.valid_to, r.known_from, r.known_to, r.view) for r in rows)
