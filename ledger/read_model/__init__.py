"""Persistent bitemporal read models: every view an aggregate had, as a rectangle of valid × record time.

For tariffs, export controls, truces and negotiations, the ledger's own database keeps *spans*:
an aggregate's view (the row a query prints, without its day-counting fields), the days it holds
(`[valid_from, valid_to)`, valid time) and the positions at which the ledger held it
(`[known_from, known_to)`, record time). A query for `(as_of, known_at)` is a point lookup among
rectangles — through one B-tree index on both databases (`tables`) — that reads one row per
aggregate piece (`ledger.spans.Pieces`) and folds nothing.

The spans come from the one fold (`domain.timeline.Course`). The event at position p ends
(`known_to = p`) the spans of its aggregate from the day it counts and starts their successors
(`known_from = p`); a truce's event does the same for every measure suspended under the truce
(`projector`). An eventsourcing tracking recorder keeps them: each page of events changes the spans
and moves the tracking position in one transaction, so they are exactly-once and resume where they
stopped (`catching_up`). Every read catches up first; `dipledger rebuild` empties them and catches up
from the start.
"""

from ledger.read_model.catching_up import catch_up, follow, rebuild, scratch
from ledger.read_model.projector import KINDS
from ledger.read_model.queries import ReadModel, spans_of
from ledger.read_model.tables import SpanRecorder, span_recorder
from ledger.spans import NAME

__all__ = [
    "KINDS",
    "NAME",
    "ReadModel",
    "SpanRecorder",
    "catch_up",
    "follow",
    "rebuild",
    "scratch",
    "span_recorder",
    "spans_of",
]
