"""JSON Lines in and out: each line one event; every bad line reported as `FILE:LINE: field: problem`."""

from __future__ import annotations

import json
import sys
from collections.abc import Iterable, Iterator
from typing import IO, Any

from domain import InputError, Recorded, parse_fact
from ledger.application import Candidate, RecordingRefused

MAX_LINE = 1_000_000
"""Longest line accepted, in bytes: an event is never this long; a runaway file is refused early."""
MAX_PROBLEMS = 20


def _refuse_constant(name: str) -> Any:
    raise ValueError(f"{name} is not a number JSON allows")


def decode_line(raw: bytes) -> Any:
    """One line as a JSON value, or `InputError` saying why it is not one."""
    if len(raw) > MAX_LINE:
        raise InputError([("line", f"is longer than {MAX_LINE} bytes")])
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as error:
        raise InputError([("line", f"is not valid UTF-8 (byte {error.start + 1})")]) from None
    try:
        return json.loads(text, parse_constant=_refuse_constant)
    except RecursionError:
        raise InputError([("line", "is nested too deeply")]) from None
    except ValueError as error:
        raise InputError([("line", f"is not valid JSON ({error})")]) from None


def read_events(sources: Iterable[tuple[str, IO[bytes]]]) -> Iterator[Candidate]:
    """Every event of every `(name, stream)`, each tagged `name:line`.

    Raises `RecordingRefused` with up to `MAX_PROBLEMS` problems once all lines are read.
    """
    problems: list[tuple[str, str, str]] = []
    candidates: list[Candidate] = []
    for name, stream in sources:
        for number, raw in enumerate(stream, start=1):
            line = raw.rstrip(b"\r\n")
            if not line.strip():
                continue
            origin = f"{name}:{number}"
            try:
                candidates.append(Candidate(parse_fact(decode_line(line)), origin))
            except InputError as error:
                problems += [(origin, field, problem) for field, problem in error.problems]
            if len(problems) >= MAX_PROBLEMS:
                break
    if problems:
        raise RecordingRefused(problems[:MAX_PROBLEMS])
    yield from candidates


def open_sources(paths: list[str]) -> Iterator[tuple[str, IO[bytes]]]:
    """The files named on the command line (`-` is standard input), opened as bytes."""
    for path in paths:
        if path == "-":
            yield "-", sys.stdin.buffer
            continue
        try:
            stream = open(path, "rb")  # noqa: SIM115 - closed below, after its lines are read
        except OSError as error:
            raise RecordingRefused([(path, "file", error.strerror or "cannot be read")]) from None
        with stream:
            yield path, stream


def export_line(recorded: Recorded) -> str:
    """An event as an import line: its catalogue fields plus `id` and `recorded_by`."""
    return json.dumps(recorded.fact.fields(), ensure_ascii=False, separators=(",", ":"))
