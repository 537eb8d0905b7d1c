"""JSON Lines in and out: each line one event; every bad line reported as `FILE:LINE: field: problem`.

An import reads its files twice, so that memory does not grow with them. The first read decodes each
line only far enough to name its aggregate, and keeps where the line is. The second validates every
line in order and hands the aggregates over for recording in the order first read, each once its
last line is read; when too many events wait, those of the aggregates read last are let go and read
again by their lines' offsets in their turn.
"""

from __future__ import annotations

import io
import json
import os
import re
import stat
import sys
import tempfile
from array import array
from bisect import bisect_right
from collections.abc import Callable, Iterable, Iterator
from contextlib import AbstractContextManager, ExitStack, closing, contextmanager, nullcontext
from functools import cache
from typing import IO

from domain import EVENT_TYPES, KINDS, Fact, InputError, Recorded, parse_fact
from domain.events import parse_stamped
from ledger.json_line import MAX_LINE, decode_line
from ledger.offers import MAX_PROBLEMS, Candidate, Group, Offer, RecordingRefused
from ledger.store import event_json

HELD = 20_000
"""Events read and not yet handed over (their aggregate has lines to come, or waits its turn) held
in memory at most."""
EVERY = 1_000
"""Lines between two reports of progress."""
UNNAMED = 2**32 - 1
"""The aggregate of a line that names none (it is refused on the second read)."""

Problem = tuple[str, str, str]
Reading = Callable[[int, int, int | None], None]
"""Progress of the first read: `(lines, bytes, total bytes or None when unknown)`."""
HEAD = re.compile(rb'\{"type":"(\w+)","key":"([a-z0-9-]+)"')
"""How lines written by `export` (and most tools) begin: their aggregate is read without decoding them."""


def _event(line: bytes) -> Fact:
    return parse_fact(decode_line(line.rstrip(b"\r\n")))


def _stamped(line: bytes, origin: str, recorded_by: str) -> Candidate:
    """The line's event stamped, with its stored form made from the same dump as its id."""
    fact, normalised = parse_stamped(decode_line(line.rstrip(b"\r\n")), recorded_by)
    return Candidate(fact, origin, event_json(fact, normalised))


@cache
def _kinds() -> dict[bytes, str]:
    """The kind of each event type that a line may name, by the type's name as a line spells it."""
    return {name.encode(): cls.kind for name, cls in EVENT_TYPES.items() if cls.kind in KINDS}


def _aggregate(line: bytes) -> tuple[str, str] | None:
    """The `(kind, key)` a line names, decoded no further; None if it names none."""
    head = HEAD.match(line)
    if head is not None and line.count(b'"type"') == line.count(b'"key"') == 1:  # no other member so named
        kind = _kinds().get(head[1])
        return (kind, head[2].decode()) if kind is not None else None
    try:
        value = json.loads(line)
    except (ValueError, RecursionError):
        return None
    if not isinstance(value, dict) or not isinstance(key := value.get("key"), str):
        return None
    name = value.get("type")
    cls = EVENT_TYPES.get(name) if isinstance(name, str) else None
    return (cls.kind, key) if cls is not None and cls.kind in KINDS else None


class Lines(Offer):
    """The events of JSON Lines sources as an `Offer`, read twice (see the module's docstring).

    Per line it keeps its offset, number and aggregate; a source that cannot seek (standard input,
    a pipe) is spooled to a temporary file on the first read so that it can be read again.
    """

    def __init__(self) -> None:
        self.sources: list[tuple[str, IO[bytes]]] = []
        self.firsts = array("Q")
        """The index of each source's first line."""
        self.offsets = array("Q")
        self.numbers = array("I")
        self.aggregate_of = array("I")
        self.names: list[tuple[str, str]] = []
        self.numbered: dict[tuple[str, str], int] = {}
        self.lines_of: list[array[int]] = []
        self.unnamed = 0
        self.read_lines = self.read_bytes = 0
        self.reached = 0
        """The next line the second read validates: a line before it has been validated."""
        self.spools = ExitStack()

    def __len__(self) -> int:
        return len(self.offsets)

    def read(self, name: str, stream: IO[bytes], progress: Callable[[int, int], None] | None = None) -> None:
        """The first read of `stream`: note each line's place and aggregate. `progress` hears of the
        lines and bytes read from every source so far."""
        spool = None if stream.seekable() else self.spools.enter_context(tempfile.TemporaryFile())  # noqa: SIM115
        self.sources.append((name, spool or stream))
        self.firsts.append(len(self.offsets))
        start = offset = 0 if spool is not None else stream.tell()
        number = 0
        for number, raw in enumerate(stream, start=1):
            if spool is not None:
                spool.write(raw)
            at, offset = offset, offset + len(raw)
            if progress is not None and number % EVERY == 0:
                progress(self.read_lines + number, self.read_bytes + offset - start)
            if raw.isspace():  # a blank line (iterating never gives an empty one)
                continue
            self.offsets.append(at)
            self.numbers.append(number)
            self.aggregate_of.append(self._number(_aggregate(raw) if len(raw) <= MAX_LINE else None))
        self.read_lines += number
        self.read_bytes += offset - start

    def _number(self, name: tuple[str, str] | None) -> int:
        if name is None:
            self.unnamed += 1
            return UNNAMED
        number = self.numbered.setdefault(name, len(self.names))
        if number == len(self.names):
            self.names.append(name)
            self.lines_of.append(array("I"))
        self.lines_of[number].append(len(self.offsets) - 1)
        return number

    def problems(self) -> list[Problem]:
        """Every line validated in order, up to `MAX_PROBLEMS` problems (none: the lines are valid)."""
        problems: list[Problem] = []
        for _, origin, parsed in self._validated():
            if isinstance(parsed, InputError):
                problems += [(origin, field, problem) for field, problem in parsed.problems]
                if len(problems) >= MAX_PROBLEMS:
                    break
        return problems[:MAX_PROBLEMS]

    def groups(self, recorded_by: str | None = None) -> Iterator[Group]:
        """The second read: every line validated in order (and stamped, given `recorded_by`), each
        aggregate handed over in the order first read, once its last line is read (those let go are
        read again unstamped). Raises `RecordingRefused` if a line is invalid."""
        held: dict[int, list[Candidate]] = {}
        """The candidates read of aggregates not handed over yet, in the order first read."""
        let_go: set[int] = set()
        read = array("I", bytes(4 * len(self.names)))
        count = turn = 0
        for index, origin, parsed in self._validated(recorded_by=recorded_by):
            if isinstance(parsed, InputError):
                raise RecordingRefused(self._refusal(origin, parsed))
            number = self.aggregate_of[index]
            if (parsed.fact.kind, parsed.fact.key) != self.names[number]:
                raise RecordingRefused([(origin, "line", "changed while it was being imported")])
            read[number] += 1
            if number not in let_go:
                held.setdefault(number, []).append(parsed)
                count += 1
            while count > HELD:  # the aggregate first read last waits longest: it is read again in its turn
                latest, dropped = held.popitem()
                count -= len(dropped)
                let_go.add(latest)
            while turn < len(self.names) and read[turn] == len(self.lines_of[turn]):
                group = held.pop(turn, None)
                count -= len(group or ())
                yield self.names[turn], self.candidates(*self.names[turn]) if group is None else group
                turn += 1

    def _refusal(self, origin: str, first: InputError) -> list[Problem]:
        """An invalid line's problems, then those of the lines after it, up to `MAX_PROBLEMS`."""
        problems = [(origin, field, problem) for field, problem in first.problems]
        if len(problems) < MAX_PROBLEMS:
            for _, later, parsed in self._validated(self.reached):
                if isinstance(parsed, InputError):
                    problems += [(later, field, problem) for field, problem in parsed.problems]
                    if len(problems) >= MAX_PROBLEMS:
                        break
        return problems[:MAX_PROBLEMS]

    def _validated(
        self, start: int = 0, recorded_by: str | None = None
    ) -> Iterator[tuple[int, str, Candidate | InputError]]:
        """From line `start` on, each line's index, origin, and event (stamped, given `recorded_by`) or
        why it is refused."""
        for index in range(start, len(self.offsets)):
            self.reached = index + 1
            origin, line = self._line(index)
            parsed: Candidate | InputError
            try:
                parsed = Candidate(_event(line), origin) if recorded_by is None else _stamped(line, origin, recorded_by)
            except InputError as error:
                parsed = error
            yield index, origin, parsed

    def _line(self, index: int) -> tuple[str, bytes]:
        source = bisect_right(self.firsts, index) - 1
        name, stream = self.sources[source]
        stream.seek(self.offsets[index])
        return f"{name}:{self.numbers[index]}", stream.readline()

    def candidates(self, kind: str, key: str) -> list[Candidate]:
        """One aggregate's lines read again by their offsets. A line the second read has not reached
        yet is left out if invalid (that read refuses it); one it has reached must not have changed."""
        number = self.numbered.get((kind, key))
        found = []
        for index in self.lines_of[number] if number is not None else ():
            origin, line = self._line(index)
            try:
                fact: Fact | None = _event(line)
            except InputError:
                fact = None
            if fact is not None and (fact.kind, fact.key) == (kind, key):
                found.append(Candidate(fact, origin))
            elif index < self.reached:
                raise RecordingRefused([(origin, "line", "changed while it was being imported")])
        return found

    def close(self) -> None:
        self.spools.close()


@contextmanager
def open_lines(paths: list[str], progress: Reading | None = None) -> Iterator[Lines]:
    """The events of the files named on the command line (`-` is standard input), as an `Offer`.

    A line that does not even name an aggregate is refused here, with up to `MAX_PROBLEMS`
    problems; the others are validated as they are recorded.
    """
    with ExitStack() as opened:
        sources = [(path, opened.enter_context(_open(path))) for path in paths]
        lines = opened.enter_context(closing(Lines()))
        total = _size(stream for _, stream in sources)
        report = None if progress is None else lambda count, size: progress(count, size, total)
        if report is not None:
            report(0, 0)  # the bar has its length from the start, rather than pulsing until a first count
        for name, stream in sources:
            lines.read(name, stream, report)
        if lines.unnamed:
            raise RecordingRefused(lines.problems())
        yield lines


def _open(path: str) -> AbstractContextManager[IO[bytes]]:
    """A file named on the command line, opened as bytes (standard input is left open)."""
    if path == "-":
        return nullcontext(sys.stdin.buffer)
    try:
        return open(path, "rb")
    except OSError as error:
        raise RecordingRefused([(path, "file", error.strerror or "cannot be read")]) from None


def _size(streams: Iterable[IO[bytes]]) -> int | None:
    """The bytes of every source, when all are regular files (a pipe's length is unknown)."""
    total = 0
    for stream in streams:
        try:
            status = os.fstat(stream.fileno())
        except (OSError, ValueError, io.UnsupportedOperation):
            return None
        if not stat.S_ISREG(status.st_mode):
            return None
        total += status.st_size - stream.tell()
    return total


def read_events(sources: Iterable[tuple[str, IO[bytes]]]) -> Iterator[Candidate]:
    """Every event of every `(name, stream)`, each tagged `name:line`, by aggregate: for small inputs
    held in memory (tests, fixtures); an import streams its files with `open_lines`.

    Raises `RecordingRefused` with up to `MAX_PROBLEMS` problems if any line is invalid.
    """
    lines = Lines()
    for name, stream in sources:
        lines.read(name, io.BytesIO(stream.read()))
    if lines.unnamed:
        raise RecordingRefused(lines.problems())
    for _, group in list(lines.groups()):
        yield from group


def open_sources(paths: list[str]) -> Iterator[tuple[str, IO[bytes]]]:
    """The files named on the command line (`-` is standard input), opened as bytes."""
    for path in paths:
        with _open(path) as stream:
            yield path, stream


def export_line(recorded: Recorded) -> str:
    """An event as an import line: its catalogue fields plus `id` and `recorded_by`."""
    return json.dumps(recorded.fact.fields(), ensure_ascii=False, separators=(",", ":"))
