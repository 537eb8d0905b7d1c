"""What queries and recording read besides the events, proven against the chained events.

The read model (its spans, the measures suspended under each truce, and its tracking position) and
the snapshots are caches derived from the events; the events are proven by the hash chain. So each
cache is recomputed from the events and compared row by row: the first row that differs is named.
"""

from __future__ import annotations

import uuid
from collections import Counter
from datetime import date
from typing import TYPE_CHECKING, Any

import orjson

from ledger.chain import seal_at, statement
from ledger.integrity import Problem
from ledger.spans import NAME, REFS, TABLE
from ledger.store import SNAPSHOT_TOPIC

if TYPE_CHECKING:
    from ledger.store import EventStore

SPAN_COLUMNS = "id, kind, key, valid_from, valid_to, known_from, known_to, view"


def _exists(store: EventStore, table: str) -> bool:
    from ledger.store import table_exists

    return table_exists(store, table)


def _select(store: EventStore, text: str, params: tuple[Any, ...] = (), **tables: str) -> list[Any]:
    recorder: Any = store.recorder
    with recorder.datastore.transaction(commit=False) as cursor:
        cursor.execute(statement(store, text, **tables), params)
        return list(cursor.fetchall())


def tracking_table(store: EventStore) -> str:
    return store.backend.tracking_table


def check_read_model(store: EventStore) -> list[Problem]:
    """The stored read model against the one the chained events give up to its tracking position."""
    from ledger.read_model import scratch

    if not (_exists(store, TABLE) and _exists(store, REFS) and _exists(store, tracking_table(store))):
        return []  # no query has built it yet
    head = store.head()
    found = _select(
        store,
        "SELECT notification_id FROM {tracking} WHERE application_name = ?",
        (NAME,),
        tracking=tracking_table(store),
    )
    if not found:
        return []  # none of this layout yet (an older one's rows are never read: a query projects afresh)
    reached = int(found[0]["notification_id"])
    problems = []
    if reached > head:
        problems.append(
            Problem(
                head,
                f"says it has read up to position {reached}, past the ledger's head ({head}): queries would miss "
                "every event recorded before it gets there",
                "the read model's tracking position",
            )
        )
        reached = head
    stored = [
        tuple(row[c] for c in SPAN_COLUMNS.split(", "))
        for row in _select(store, f"SELECT {SPAN_COLUMNS} FROM {{t}}", t=TABLE)
    ]
    refs = [(r["truce"], r["kind"], r["key"]) for r in _select(store, "SELECT truce, kind, key FROM {t}", t=REFS)]
    with scratch(store, reached) as fresh:
        expected = [tuple(row) for row in fresh.rows()]
        expected_refs = [(r["truce"], r["kind"], r["key"]) for r in _select_scratch_refs(fresh)]
    problems += _spans_differ(stored, expected, reached)
    extra_refs = Counter(refs) - Counter(expected_refs)
    missing_refs = Counter(expected_refs) - Counter(refs)
    for truce, kind, key in sorted(extra_refs.elements()):
        problems.append(
            Problem(
                reached,
                f"names {kind} {key} as suspended under truce {truce}, which no event says",
                "a read-model reference",
            )
        )
    for truce, kind, key in sorted(missing_refs.elements()):
        problems.append(
            Problem(reached, f"lacks {kind} {key} suspended under truce {truce}", "the read model's references")
        )
    return problems


def _select_scratch_refs(recorder: Any) -> list[Any]:
    with recorder.datastore.transaction(commit=False) as cursor:
        cursor.execute(f"SELECT truce, kind, key FROM {REFS}")
        return list(cursor.fetchall())


def _spans_differ(stored: list[tuple[Any, ...]], expected: list[tuple[Any, ...]], reached: int) -> list[Problem]:
    """Rows compared without their ids (a rebuild numbers them afresh): a stored row the events do not
    give is named by its id, lowest first; a row they give that is not stored, by what it holds."""
    counted = Counter(_content(row) for row in expected)
    extra = []
    for row in sorted(stored, key=lambda r: r[0] if isinstance(r[0], int) else 0):
        content = _content(row)
        if counted[content] > 0:
            counted[content] -= 1
        else:
            extra.append(row)
    problems = [
        Problem(
            reached,
            "is not what the chained events give: edited or inserted (`dipledger rebuild` projects it again)",
            f"read model row {row[0]} ({row[1]} {row[2]})",
        )
        for row in extra
    ]
    for kind, key, valid_from, valid_to, known_from, known_to, _ in sorted(counted.elements()):
        problems.append(
            Problem(
                reached,
                f"lacks the row the chained events give for days {_day(valid_from)}–{_day(valid_to)} known from "
                f"position {known_from} to {known_to if known_to < 2**62 else 'now'}: deleted or edited",
                f"the read model of {kind} {key}",
            )
        )
    return problems


def _content(row: tuple[Any, ...]) -> tuple[Any, ...]:
    return tuple(str(value) if not isinstance(value, int) else value for value in row[1:])


def _day(ordinal: Any) -> str:
    try:
        return date.fromordinal(int(ordinal)).isoformat()
    except (ValueError, OverflowError):
        return "forever"


# Snapshots ----------------------------------------------------------------------------------------


def check_snapshots(store: EventStore) -> list[Problem]:
    """Each stored snapshot against the fold of its aggregate's chained events up to its version."""
    if store.snapshots is None:
        return []
    recorder: Any = store.snapshots.recorder
    table = str(recorder.events_table_name)
    if not _exists(store, table):
        return []
    rows = _select(store, "SELECT originator_id, originator_version, topic, state FROM {t}", t=table)
    problems = []
    for row in rows:
        where = f"the snapshot of aggregate {row['originator_id']} at version {row['originator_version']}"
        problem = (
            snapshot_problem(store, row["originator_id"], row["originator_version"], row["state"])
            if row["topic"] == SNAPSHOT_TOPIC
            else f"is stored under the topic {row['topic']!r}, not a snapshot's"
        )
        if problem is not None:
            problems.append(Problem(0, problem, where))
    return problems


def snapshot_problem(store: EventStore, originator: Any, version: Any, state: Any) -> str | None:
    """Why a stored snapshot is not the fold of its aggregate's events (None: it is, or it is of a
    format no longer read, and so never used)."""
    from domain import fold
    from domain.snapshot import to_state
    from domain.world import without_retracted
    from ledger.snapshots import well_formed
    from ledger.store import aggregate_id
    from ledger.timelines import Timelines

    snapshot = well_formed(version, state)
    if isinstance(snapshot, str):
        return snapshot
    if snapshot is None:
        return None
    kind, key = snapshot.state["kind"], snapshot.state["key"]
    if str(aggregate_id(kind, key)) != str(_uuid(originator)):
        return f"holds the state of {kind} {key}, another aggregate"
    events = [r for r in store.aggregate(kind, key) if r.version <= snapshot.version]
    if not events or events[-1].version != snapshot.version:
        return "is of a version its aggregate does not have"
    if events[-1].fact.derived_id() != snapshot.last:
        return "names another event as its last"
    seal = seal_at(store, events[-1].position)
    if seal is not None and seal != snapshot.stored_hash:  # (one without a seal is never used)
        return "is not the snapshot sealed when it was taken"
    if snapshot.ids != {r.fact.id for r in events if r.fact.id}:
        return "lists other event ids than its events have"
    timelines = Timelines(store)

    def truces(truce: str, day: date) -> date | None:
        return snapshot.asked[truce, day] if (truce, day) in snapshot.asked else timelines.truce_end(truce, day)

    live = without_retracted(events)
    try:
        folded = fold(live, truces=truces, strict=False)
    except Exception:  # a fold the events cannot make is a snapshot they do not give
        return "is not what its events give"
    if folded is None or _normal(to_state(folded)) != _normal(snapshot.state):
        return "is not what its events give: a field was changed"
    days = {r.fact.date for r in events}
    if snapshot.day not in days or snapshot.day < max(r.fact.date for r in live or events):
        return "gives another latest day than its events have"
    return None


def _normal(value: Any) -> Any:
    return orjson.loads(orjson.dumps(value))


def _uuid(value: Any) -> Any:
    try:
        return uuid.UUID(str(value)) if not isinstance(value, uuid.UUID) else value
    except ValueError:
        return value


def check_caches(store: EventStore) -> list[Problem]:
    """The read model and the snapshots against the events; where the events themselves no longer
    read (an edited row, which the chain names), that they cannot be checked."""
    problems = []
    for check, what in ((check_read_model, "the read model"), (check_snapshots, "the snapshots")):
        try:
            problems += check(store)
        except Exception as error:  # the stored events were edited into something that does not decode
            reason = (str(error).splitlines() or [type(error).__name__])[0][:160]
            problems.append(Problem(0, f"cannot be recomputed: a stored event does not read ({reason})", what))
    return problems
