"""Views over a stretch of days as known at one position, from one read of the read model.

A chart asks what the tariffs or controls were on each day a view changed. Instead of a query a
day, it reads every span of the kind that holds at the position once (`held`: the views as a step
function of valid time), then walks the days on which a span starts or ends (`walk`), handing on
only the views that change, so that an answer kept up (`measures.TariffLayers`) changes with them.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Iterator
from datetime import date
from typing import TYPE_CHECKING, Any, NamedTuple, cast

import orjson

from ledger.collector import paused
from ledger.spans import TABLE, DirectReadModel, Piece, piece

if TYPE_CHECKING:
    from ledger.projections.views import Views
    from ledger.read_model import ReadModel

HELD = (
    "SELECT key, valid_from, valid_to, view FROM {table} "
    "WHERE kind = {mark} AND known_from <= {mark} AND known_to > {mark}"
)
"""The spans of one kind held at one position, whatever their days: parameters `(kind, position, position)`."""


class Held(NamedTuple):
    """A span as known at one position: the view of `key` on the days `[valid_from, valid_to)` (ordinals)."""

    key: str
    valid_from: int
    valid_to: int
    view: str


@paused
def held(source: Views, kind: str) -> list[Held]:
    """Every span of `kind` that holds at the read model's position (`known_at`), in one read: `source`
    is the read model, read straight from a SQLite file (`ledger.spans`) or through the ledger."""
    params = (kind, source.known_at, source.known_at)
    if isinstance(source, DirectReadModel):
        found = source.connection.execute(HELD.format(table=TABLE, mark="?"), params)
        return [Held(*row) for row in found.fetchall()]
    recorder: Any = cast("ReadModel", source).recorder  # either database's: its table, placeholder and store
    with recorder.datastore.transaction(commit=False) as cursor:
        cursor.execute(HELD.format(table=recorder.table, mark=recorder.mark), params)
        return [Held(r["key"], r["valid_from"], r["valid_to"], r["view"]) for r in cursor.fetchall()]


def first_day(spans: Iterable[Held], end: date) -> date:
    """The first day a view of `spans` holds (a measure's announcement), or `end` if none does by then."""
    last = end.toordinal()
    return date.fromordinal(min((span.valid_from for span in spans if span.valid_from <= last), default=last))


def walk(spans: Iterable[Held], start: date, end: date) -> Iterator[tuple[date, dict[str, dict[str, Any] | None]]]:
    """The views on `start` by key, then on each later day up to `end` on which any changes, the views
    that change (None: the aggregate has none from that day on).

    For the kinds whose views are the same on every day of a span (tariffs and controls): a view is
    stored as its head and the items of its long lists, each a span of its own (`ledger.spans.Pieces`),
    put back together on each day one of them starts or ends."""
    first, last = start.toordinal(), end.toordinal()
    opening: list[Held] = []
    starting: dict[int, list[Held]] = defaultdict(list)
    ending: dict[int, list[Held]] = defaultdict(list)
    for span in spans:
        if span.valid_to <= first or span.valid_from > last:
            continue
        (opening if span.valid_from <= first else starting[span.valid_from]).append(span)
        if span.valid_to <= last:
            ending[span.valid_to].append(span)
    pieces: dict[str, dict[Piece, str]] = defaultdict(dict)
    """The stored views held on the day walked to, by key and piece."""

    def changed(ended: Iterable[Held], started: Iterable[Held]) -> dict[str, dict[str, Any] | None]:
        touched: dict[str, None] = {}
        for span in ended:
            del pieces[span.key][piece(span.view)]
            touched[span.key] = None
        for span in started:
            pieces[span.key][piece(span.view)] = span.view
            touched[span.key] = None
        return {key: _row(pieces[key]) for key in touched}

    yield start, {key: row for key, row in changed((), sorted(opening)).items() if row is not None}
    for day in sorted(starting.keys() | ending.keys()):
        yield date.fromordinal(day), changed(ending.get(day, ()), starting.get(day, ()))


def _row(pieces: dict[Piece, str]) -> dict[str, Any] | None:
    """The view whose stored pieces are `pieces`: its head with its items put back in order."""
    if "" not in pieces:
        return None
    row: dict[str, Any] = orjson.loads(pieces[""])
    if len(pieces) == 1:  # most views are their head alone
        return row
    items = sorted((where, view) for where, view in pieces.items() if where != "")
    for _, view in items:
        name, _, item = orjson.loads(view)
        row[name].append(item)
    return row
