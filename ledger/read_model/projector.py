"""Turning events, in position order, into changes of the spans, each at a cost that does not grow
with its aggregate.

An aggregate's event at position p is folded on from where its course stood (`domain.timeline.Course`,
which walks only the days its view may change), and its view kept as pieces (`ledger.spans.Pieces`,
which gives only the pieces that changed). Only the spans of those pieces, and of pieces that change
later in valid time, are ended (`known_to = p`) and followed by their successors (`known_from = p`):
a statement added to a long negotiation touches the span of that statement alone.
"""

from __future__ import annotations

from bisect import bisect_left
from dataclasses import dataclass, field
from datetime import date
from functools import cache
from typing import TYPE_CHECKING, Any, NamedTuple

from eventsourcing.persistence import Tracking

from domain import EVENT_TYPES, Retracted
from domain.timeline import Course, counts_from
from domain.truce import Ends
from ledger.spans import FOREVER, NAME, Piece, Pieces, Stored, piece

if TYPE_CHECKING:
    from domain import Recorded
    from ledger.read_model.tables import SpanRecorder
    from ledger.store import EventStore

KINDS = ("Negotiation", "Truce", "ExportControl", "TariffMeasure")
"""The aggregates kept as spans (trade flows are series read whole, not views of a day)."""
CODES = {kind: number for number, kind in enumerate(KINDS, start=1)}
CACHED = 20_000
"""Aggregates kept in memory while catching up; more are dropped and read again when needed."""


@dataclass(slots=True)
class Span:
    """One rectangle; `id` is None until it is written, `known_to` is FOREVER while it holds."""

    valid_from: int
    valid_to: int
    view: str
    known_from: int
    known_to: int = FOREVER
    id: int | None = None
    ended: bool = False
    """Whether `known_to` changed since it was read or written."""


@dataclass
class Held:
    """An aggregate's spans that still hold, by piece, each piece's in valid-time order."""

    pieces: dict[Piece, list[Span]] = field(default_factory=dict)
    later: set[Piece] = field(default_factory=set)
    """The pieces whose spans change after the day last redrawn from: redrawn again whatever changes."""


@dataclass
class Changes:
    """What one page of events does to the tables, as the projector builds it."""

    written: list[tuple[str, str, Span]] = field(default_factory=list)
    """New spans `(kind, key, span)`, ended or not."""
    ended: list[Span] = field(default_factory=list)
    """Spans already in the tables whose `known_to` is now set."""
    refs: set[tuple[str, str, str]] = field(default_factory=set)
    """`(truce, kind, key)`: a measure suspended under a truce."""


class Batch(NamedTuple):
    """One page's changes as plain rows, so that they can be written while the next page is projected."""

    rows: list[tuple[int, str, str, int, int, int, int, str]]
    """`Row`s, as plain tuples."""
    ends: list[tuple[int, int]]
    """`(known_to, id)` of spans already written."""
    refs: list[tuple[str, str, str]]
    tracking: Tracking


class Projector:
    """Turns events, in position order from `start`, into span changes; remembers what it has read.

    Everything recorded after `start` passes through it, so an aggregate it has not met yet needs
    only its events up to `start` from the store (none, when projecting from the beginning).
    """

    def __init__(self, store: EventStore, recorder: SpanRecorder, start: int):
        self.store = store
        self.recorder = recorder
        self.seen_after = start
        """Every event after this position has passed through (those of forgotten aggregates too)."""
        self.blank = start == 0
        """Whether the tables held nothing when it began and it has forgotten nothing since."""
        self.timelines: dict[tuple[str, str], dict[int, Recorded]] = {}
        """Each aggregate's live events by position."""
        self.courses: dict[tuple[str, str], Course[Stored]] = {}
        self.ends: dict[str, Ends] = {}
        """By truce, as known now."""
        self.open: dict[tuple[str, str], Held] = {}
        self.refs: dict[str, set[tuple[str, str]]] = {}
        self.named: dict[tuple[str, str], set[str]] = {}
        """The truces each measure's events name, kept up as they pass through."""
        self.changes = Changes()
        self.top = recorder.top()
        """The highest span id given so far."""

    def take(self, recorded: Recorded) -> None:
        """Apply the event at `recorded.position` (one of KINDS, or a retraction) to the spans."""
        fact, position = recorded.fact, recorded.position
        kind = fact.aggregate if isinstance(fact, Retracted) else fact.kind
        if kind not in CODES:
            return
        timeline = self._timeline(kind, fact.key)
        course = self.courses.pop((kind, fact.key), None)
        ends = self.ends.pop(fact.key, None) if kind == "Truce" else None
        if isinstance(fact, Retracted):
            withdrawn = timeline.pop(fact.retracts, None)
            if withdrawn is None:
                return
            self.named.pop((kind, fact.key), None)
            since = counts_from(withdrawn.fact)
        else:
            timeline[position] = recorded
            since = counts_from(fact)
            truce = _truce_named(fact) if kind in _suspendable() else None
            if truce is not None:
                self.named.get((kind, fact.key), set()).add(truce)
                if (kind, fact.key) not in self._referrers(truce):
                    self.refs[truce].add((kind, fact.key))
                    self.changes.refs.add((truce, kind, fact.key))
            if course is not None and course.extend(recorded, since):  # the usual case: history in date order
                self.courses[kind, fact.key] = course
            if ends is not None and ends.extend(recorded, since):
                self.ends[fact.key] = ends
        self._redraw(kind, fact.key, since, position)
        if kind == "Truce":  # the measures suspended under it last as long as it does
            for other_kind, other_key in sorted(self._referrers(fact.key)):
                self.courses.pop((other_kind, other_key), None)
                self._redraw(other_kind, other_key, since, position)

    def _timeline(self, kind: str, key: str) -> dict[int, Recorded]:
        """The aggregate's live events so far: read once, then kept up as its events pass through."""
        found = self.timelines.get((kind, key))
        if found is None:
            found = {}
            if self.seen_after:
                from domain.world import without_retracted

                stored = self.store.aggregate(kind, key)
                found = {r.position: r for r in without_retracted(r for r in stored if r.position <= self.seen_after)}
            self.timelines[kind, key] = found
        return found

    def _held(self, kind: str, key: str) -> Held:
        found = self.open.get((kind, key))
        if found is None:
            found = self.open[kind, key] = Held()
            for r in [] if self.blank else self.recorder.open_spans(kind, key):
                span = Span(r.valid_from, r.valid_to, r.view, r.known_from, id=r.id)
                found.pieces.setdefault(piece(r.view), []).append(span)
        return found

    def _ends(self, truce: str) -> Ends:
        found = self.ends.get(truce)
        if found is None:
            found = self.ends[truce] = Ends(self._timeline("Truce", truce).values())
        return found

    def _truce_end(self, truce: str, day: date) -> date | None:
        """The first day `truce` no longer applies, as known on `day` and at the current position."""
        return self._ends(truce).on(day)

    def _referrers(self, truce: str) -> set[tuple[str, str]]:
        found = self.refs.get(truce)
        if found is None:
            found = self.refs[truce] = set() if self.blank else set(self.recorder.referrers(truce))
        return found

    def _redraw(self, kind: str, key: str, since: date, position: int) -> None:
        """Replace the aggregate's spans from `since` on with those its events now give.

        A course kept from before gives only the pieces that changed since its last view, which its
        spans reaching FOREVER hold; a new one gives every piece, and every piece is redrawn.
        """
        held = self._held(kind, key)
        course = self.courses.get((kind, key))
        fresh = course is None
        if course is None:
            course = Course(self._timeline(kind, key).values(), self._truce_end, seen=Pieces(kind))
            self.courses[kind, key] = course
        also: list[list[date]] = []
        if kind in _suspendable():
            named = self.named.get((kind, key))
            if named is None:
                named = self.named[kind, key] = {
                    t for r in self._timeline(kind, key).values() if (t := _truce_named(r.fact)) is not None
                }
            also = [self._ends(truce).days for truce in named]
        start = since.toordinal()
        changed: dict[Piece, list[tuple[int, str | None]]] = {}
        """What each piece that changed holds from each day it changed on (None: nothing)."""
        for day, stored in course.steps(since, also):
            first = day.toordinal()
            for name, view in stored.changes.items() if stored is not None else ():
                changed.setdefault(name, []).append((first, view))
        redrawn = {*changed, *held.later, *(held.pieces if fresh else ())}
        held.later = set()
        for name in redrawn:
            values = changed.get(name, [])
            if not values or values[0][0] != start:  # as before `since`: nothing for a new course
                values.insert(0, (start, None if fresh else _lasting(held.pieces.get(name))))
            self._redraw_piece(kind, key, held, name, values, position)

    def _redraw_piece(
        self, kind: str, key: str, held: Held, name: Piece, values: list[tuple[int, str | None]], position: int
    ) -> None:
        """Replace the spans of one piece from `values[0]`'s day on with those `values` give."""
        start = values[0][0]
        spans = held.pieces.get(name, [])
        cut = bisect_left(spans, start, key=lambda span: span.valid_to)  # the spans before `start` stay
        touched = {(s.valid_from, s.valid_to, s.view): s for s in spans[cut:]}
        wanted: list[list[Any]] = []
        """`[valid_from, valid_to, view]`: what the piece should hold from `start` on."""
        latest: list[Any] | None = None
        if cut < len(spans) and spans[cut].valid_from < start:  # the days before `start` keep their view
            wanted.append(latest := [spans[cut].valid_from, start, spans[cut].view])
        for (first, view), after in zip(values, [*values[1:], None], strict=True):
            end = after[0] if after is not None else FOREVER
            if view is None:
                continue
            if latest is not None and latest[1] == first and latest[2] == view:
                latest[1] = end
            else:
                wanted.append(latest := [first, end, view])
        del spans[cut:]
        for valid_from, valid_to, view in wanted:
            same = touched.pop((valid_from, valid_to, view), None)
            if same is None:  # new: unchanged spans stay as they are, ids and all
                same = Span(valid_from, valid_to, view, position)
                self.changes.written.append((kind, key, same))
            spans.append(same)
        for span in touched.values():  # no longer held from this position on
            span.known_to = position
            if span.id is not None and not span.ended:
                span.ended = True
                self.changes.ended.append(span)
        if not spans:
            held.pieces.pop(name, None)
            return
        held.pieces[name] = spans
        last = spans[-1]
        if (last.valid_to if last.valid_to < FOREVER else last.valid_from) > start:
            held.later.add(name)

    def batch(self, reached: int) -> Batch:
        """The page's changes as rows to write, each new span given its id, up to position `reached`."""
        rows = []
        for number, (kind, key, s) in enumerate(self.changes.written, start=self.top + 1):
            s.id = number
            rows.append((number, kind, key, s.valid_from, s.valid_to, s.known_from, s.known_to, s.view))
        self.top += len(rows)
        ends = []
        for span in self.changes.ended:
            ends.append((span.known_to, span.id or 0))
            span.ended = False
        batch = Batch(rows, ends, sorted(self.changes.refs), Tracking(NAME, reached))
        self.changes = Changes()
        return batch

    def full(self) -> bool:
        """Whether it holds too many aggregates, and should forget them once its pages are written."""
        return len(self.timelines) > CACHED

    def forget(self) -> None:
        """Drop what it holds (each course refers back to it, so it is not freed without this)."""
        for held in (self.timelines, self.courses, self.ends, self.open, self.refs, self.named):
            held.clear()


def _lasting(spans: list[Span] | None) -> str | None:
    """What a piece holds for ever after, as last redrawn (None: nothing)."""
    return spans[-1].view if spans and spans[-1].valid_to == FOREVER else None


@cache
def _suspendable() -> frozenset[str]:
    """The kinds whose events may name a truce to be suspended under."""
    return frozenset(cls.kind for cls in EVENT_TYPES.values() if "truce" in cls.model_fields)


def _truce_named(fact: Any) -> str | None:
    """The truce a suspension lasts for, if any (read from the model's fields: asking a model for a
    field it lacks is slow to fail)."""
    truce: str | None = vars(fact).get("truce")
    return truce
