"""Bringing the read model up to date: a page of events at a time, each page's spans written in a
thread of their own while the next page is projected, exactly once whatever other processes do.

Every read catches up first; `rebuild` empties the read model and catches up from the start;
`follow` keeps it up to date as other processes record; `scratch` projects it afresh, apart.
"""

from __future__ import annotations

import contextlib
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from eventsourcing.persistence import IntegrityError, OperationalError, PersistenceError

from domain import EVENT_TYPES, Retracted
from ledger.collector import collector_paused
from ledger.read_model.projector import CODES, Projector
from ledger.read_model.tables import SpanRecorder, SQLiteSpanRecorder, span_recorder
from ledger.spans import NAME
from ledger.store import StorageError, decode

if TYPE_CHECKING:
    from ledger.store import EventStore

PAGE, SMALLEST_PAGE = 20_000, 1_000
"""The positions a page of a catch-up spans: PAGE, or a quarter of a smaller catch-up (at least
SMALLEST_PAGE), so that even a small one writes a page while it projects the next."""
RETRIES = 20


def catch_up(store: EventStore, recorder: SpanRecorder, clear: bool = False, head: int | None = None) -> int:
    """Project every event recorded since the read model's position (with `clear`, every event
    recorded, the read model emptied first) up to `head` (default: the ledger's); return the position reached."""
    # Only the events of the kinds kept are read: trade flows are never even decoded.
    topics = [
        f"{cls.__module__}:{cls.__qualname__}" for cls in EVENT_TYPES.values() if cls is Retracted or cls.kind in CODES
    ]
    with collector_paused():
        return _pages(store, recorder, topics, store.head() if head is None else head, clear)


@contextlib.contextmanager
def scratch(store: EventStore, head: int) -> Iterator[SpanRecorder]:
    """The read model projected afresh from the ledger's events up to `head`, in a temporary SQLite
    file of its own: what the stored one must equal, and what a query reads when it may not write."""
    import tempfile

    from eventsourcing.sqlite import SQLiteDatastore

    with tempfile.TemporaryDirectory(prefix="dipledger-") as folder:
        datastore = SQLiteDatastore(str(Path(folder) / "spans.db"))
        try:
            recorder: Any = SQLiteSpanRecorder(datastore)
            recorder.create_table()
            catch_up(store, recorder, head=head)
            yield recorder
        finally:
            datastore.close()


def _pages(store: EventStore, recorder: SpanRecorder, topics: list[str], head: int, clear: bool = False) -> int:
    """Project the events of `topics` up to `head`, a page at a time; return the position reached.
    With `clear`, first empty the read model (while the first page is projected), and make its query
    index at the end."""
    conflicts = 0
    with Writer() as writer:
        while True:
            projector: Projector | None = None
            try:
                start = 0 if clear else recorder.max_tracking_id(NAME) or 0
                if start >= head:
                    if clear:
                        _emptied(recorder)
                    return start
                projector = Projector(store, recorder, start)
                size = min(PAGE, max(SMALLEST_PAGE, (head - start) // 4))
                page = _page(store, topics, start, head, size)
                if clear:
                    writer.submit(_emptied, recorder)
                while True:
                    for row in page:
                        projector.take(decode(row.id, row.originator_version, row.topic, row.state))
                    stop = _stop(start, head, size)
                    batch = projector.batch(stop)
                    # Read before the write starts (an in-memory database lets no reader in meanwhile).
                    page = _page(store, topics, stop, head, size)
                    if stop == head:
                        projector.forget()  # let go while the page before is still being written
                    writer.submit(recorder.write, start, batch)
                    if stop == head:
                        if clear:
                            writer.submit(recorder.index)
                        writer.wait()
                        return stop
                    if projector.full():
                        writer.wait()  # what it forgets must be written before it is read back
                        projector.forget()
                        projector.seen_after, projector.blank = stop, False
                    start = stop
            except (IntegrityError, OperationalError) as error:
                # Another process projected these events first (or held the lock): start again from
                # where it stopped, with nothing remembered from spans it may have changed.
                writer.cancel()
                clear = False
                conflicts += 1
                if conflicts == RETRIES:
                    raise StorageError(f"cannot bring the read model up to date: {error}") from None
            finally:
                if projector is not None:
                    projector.forget()


def _emptied(recorder: SpanRecorder) -> None:
    """Empty the read model; a failure ends the rebuild (it is not a conflict to retry past)."""
    try:
        recorder.clear()
    except PersistenceError as error:
        raise StorageError(f"cannot empty the read model: {error}") from None


def _page(store: EventStore, topics: list[str], start: int, head: int, size: int) -> Sequence[Any]:
    """The notifications of `topics` after `start`: at most `size` positions, so the limit never cuts it short."""
    if start >= head:
        return []
    return store.recorder.select_notifications(
        start, size, stop=_stop(start, head, size), topics=topics, inclusive_of_start=False
    )


def _stop(start: int, head: int, size: int) -> int:
    """The last position of the page after `start`: `size` positions on, except that the last few
    before `head` make a page of their own, so that little is left to write once projecting ends."""
    tail = head - size // 8
    return tail if start < tail < start + size else min(start + size, head)


class Writer:
    """Writes the read model in a thread of its own while the next page is projected (SQLite and
    PostgreSQL do their part without holding the interpreter), one write at a time, in order."""

    def __init__(self) -> None:
        self.pending: threading.Thread | None = None
        self.failed: BaseException | None = None

    def __enter__(self) -> Writer:
        return self

    def submit(self, write: Callable[..., None], *args: Any) -> None:
        """Start `write` once the write before it is done (raising what that raised)."""
        self.wait()
        self.pending = threading.Thread(target=self._run, args=(write, *args), name="read-model writer")
        self.pending.start()

    def _run(self, write: Callable[..., None], *args: Any) -> None:
        try:
            write(*args)
        except BaseException as error:  # raised again in the projecting thread, by `wait`
            self.failed = error

    def wait(self) -> None:
        pending, self.pending = self.pending, None
        if pending is not None:
            pending.join()
        failed, self.failed = self.failed, None
        if failed is not None:
            raise failed

    def cancel(self) -> None:
        """Let the pending write end, whatever it raises: its page is projected again."""
        with contextlib.suppress(Exception):
            self.wait()

    def __exit__(self, *exc: object) -> None:
        self.cancel()


def rebuild(store: EventStore) -> int:
    """Empty the read model and project the whole ledger again; return the position reached."""
    recorder = span_recorder(store)
    reached = catch_up(store, recorder, clear=True)
    recorder.index()  # made already, unless another process took the rebuild over (or there was nothing)
    return reached


def follow(store: EventStore, moved: Callable[[int], None], interval: float = 1.0) -> None:
    """Keep the read model up to date as other processes record, until interrupted (Ctrl-C).

    On PostgreSQL the ledger's subscription (LISTEN/NOTIFY) wakes it when events are recorded;
    SQLite has no subscription, so it polls every `interval` seconds. `moved` hears each new position.
    """
    recorder = span_recorder(store)
    reached = catch_up(store, recorder)
    moved(reached)
    try:
        subscription = store.recorder.subscribe(gt=reached)
    except NotImplementedError:
        while True:
            time.sleep(interval)
            if store.head() > reached:
                reached = catch_up(store, recorder)
                moved(reached)
    with subscription:
        for notification in subscription:
            if notification.id > reached:
                reached = catch_up(store, recorder)
                moved(reached)
