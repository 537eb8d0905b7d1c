"""Turning events, in position order, into changes of the spans: each event redraws its aggregate's
spans from the day it counts, and a truce's event those of the measures suspended under it."""

from __future__ import annotations

from bisect import bisect_right
from dataclasses import dataclass, field
from datetime import date
from functools import cache
from typing import TYPE_CHECKING, Any, NamedTuple

from eventsourcing.persistence import Tracking

from domain import EVENT_TYPES, Retracted
from domain.timeline import Course, counts_from, fold
from ledger.spans import FOREVER, NAME, Piece, piece, pieces

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
    piece: Piece = ""
    """Which piece of the aggregate's view it holds (`ledger.spans.pieces`)."""


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
        self.timelines: dict[tuple[str, str], list[Recorded]] = {}
        self.courses: dict[tuple[str, str], Course[dict[Piece, str]]] = {}
        self.ends: dict[str, tuple[list[date], dict[int, date | None]]] = {}
        """By truce, as known now: the days its events count from, in order, and its end as known
        once that many of them count (forgotten whenever it changes)."""
        self.open: dict[tuple[str, str], list[Span]] = {}
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
        if isinstance(fact, Retracted):
            withdrawn = next((r for r in timeline if r.position == fact.retracts), None)
            if withdrawn is None:
                return
            timeline.remove(withdrawn)
            self.named.pop((kind, fact.key), None)
            since = counts_from(withdrawn.fact)
        else:
            timeline.append(recorded)
            since = counts_from(fact)
            truce = _truce_named(fact) if kind in _suspendable() else None
            if truce is not None:
                self.named.get((kind, fact.key), set()).add(truce)
                if (kind, fact.key) not in self._referrers(truce):
                    self.refs[truce].add((kind, fact.key))
                    self.changes.refs.add((truce, kind, fact.key))
            if course is not None and course.extend(recorded, since):  # the usual case: history in date order
                self.courses[kind, fact.key] = course
        if kind == "Truce":
            self.ends.pop(fact.key, None)
        self._redraw(kind, fact.key, since, position)
        if kind == "Truce":  # the measures suspended under it last as long as it does
            for other_kind, other_key in sorted(self._referrers(fact.key)):
                self.courses.pop((other_kind, other_key), None)
                self._redraw(other_kind, other_key, since, position)

    def _timeline(self, kind: str, key: str) -> list[Recorded]:
        """The aggregate's live events so far: read once, then kept up as its events pass through."""
        found = self.timelines.get((kind, key))
        if found is None:
            found = []
            if self.seen_after:
                from domain.world import without_retracted

                stored = self.store.aggregate(kind, key)
                found = without_retracted(r for r in stored if r.position <= self.seen_after)
            self.timelines[kind, key] = found
        return found

    def _open(self, kind: str, key: str) -> list[Span]:
        found = self.open.get((kind, key))
        if found is None:
            found = self.open[kind, key] = [
                Span(r.valid_from, r.valid_to, r.view, r.known_from, id=r.id, piece=piece(r.view))
                for r in ([] if self.blank else self.recorder.open_spans(kind, key))
            ]
        return found

    def _truce(self, truce: str) -> tuple[list[date], dict[int, date | None]]:
        """`self.ends[truce]`, made if need be."""
        found = self.ends.get(truce)
        if found is None:
            found = self.ends[truce] = sorted(counts_from(r.fact) for r in self._timeline("Truce", truce)), {}
        return found

    def _truce_end(self, truce: str, day: date) -> date | None:
        """The first day `truce` no longer applies, as known on `day` and at the current position."""
        days, ends = self._truce(truce)
        counting = bisect_right(days, day)  # the events that count by `day`: all the fold takes
        if counting not in ends:
            state = fold(self._timeline("Truce", truce), day, strict=False)
            ends[counting] = state.end() if state is not None else None  # type: ignore[attr-defined]
        return ends[counting]

    def _referrers(self, truce: str) -> set[tuple[str, str]]:
        found = self.refs.get(truce)
        if found is None:
            found = self.refs[truce] = set() if self.blank else set(self.recorder.referrers(truce))
        return found

    def _redraw(self, kind: str, key: str, since: date, position: int) -> None:
        """Replace the aggregate's spans from `since` on with those its events now give."""
        course = self.courses.get((kind, key))
        if course is None:
            course = self.courses[kind, key] = Course(self._timeline(kind, key), self._truce_end, seen=pieces(kind))
        also: list[list[date]] = []
        if kind in _suspendable():
            named = self.named.get((kind, key))
            if named is None:
                named = self.named[kind, key] = {
                    t for r in self._timeline(kind, key) if (t := _truce_named(r.fact)) is not None
                }
            also = [self._truce(truce)[0] for truce in named]
        start = since.toordinal()
        spans: list[Span] = []
        touched: dict[tuple[int, int, str], Span] = {}
        # What each piece should hold from `since` on, as `[valid_from, valid_to, view, piece]`:
        # days before `since` keep their views, and the span of each piece reaching `since` may
        # merge with what follows.
        wanted: list[list[Any]] = []
        latest: dict[Piece, list[Any]] = {}
        held: list[Any] | None
        for span in self._open(kind, key):
            if span.valid_to < start:
                spans.append(span)
                continue
            touched[span.valid_from, span.valid_to, span.view] = span
            if span.valid_from < start:
                wanted.append(held := [span.valid_from, start, span.view, span.piece])
                latest[span.piece] = held
        steps = course.steps(since, also)
        for (day, views), after in zip(steps, [*steps[1:], None], strict=True):
            first, end = day.toordinal(), after[0].toordinal() if after else FOREVER
            for name, view in (views or {}).items():
                held = latest.get(name)
                if held is not None and held[1] == first and held[2] == view:
                    held[1] = end
                else:
                    wanted.append(held := [first, end, view, name])
                    latest[name] = held
        for valid_from, valid_to, view, name in wanted:
            same = touched.pop((valid_from, valid_to, view), None)
            if same is None:  # new: unchanged spans stay as they are, ids and all
                same = Span(valid_from, valid_to, view, position, piece=name)
                self.changes.written.append((kind, key, same))
            spans.append(same)
        for span in touched.values():  # no longer held from this position on
            span.known_to = position
            if span.id is not None and not span.ended:
                span.ended = True
                self.changes.ended.append(span)
        self.open[kind, key] = spans

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


@cache
def _suspendable() -> frozenset[str]:
    """The kinds whose events may name a truce to be suspended under."""
    return frozenset(cls.kind for cls in EVENT_TYPES.values() if "truce" in cls.model_fields)


def _truce_named(fact: Any) -> str | None:
    """The truce a suspension lasts for, if any (read from the model's fields: asking a model for a
    field it lacks is slow to fail)."""
    truce: str | None = vars(fact).get("truce")
    return truce
