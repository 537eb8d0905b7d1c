"""What is offered for recording, and what a recording did: the use cases' inputs and results."""

from __future__ import annotations

import getpass
import os
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING

from domain import LedgerError

if TYPE_CHECKING:
    from domain import Fact, Recorded
    from ledger.store import Write

MAX_PROBLEMS = 20
"""A refusal names this many problems at most; checking stops there."""


@dataclass
class Candidate:
    """An event offered for recording, with where it came from (for messages)."""

    fact: Fact
    origin: str = ""
    """`FILE:LINE`, or empty for a single command."""
    event: bytes | None = None
    """The stamped event as stored (`ledger.store.event_json`), when the offer made it with the id."""


Group = tuple[tuple[str, str], list[Candidate]]
"""An aggregate's `(kind, key)` and the candidates offered for it."""


class Offer:
    """Events offered for recording, an aggregate at a time, so that an offer need not hold them all
    in memory (`ledger.jsonl.Lines` streams its files)."""

    def __len__(self) -> int:
        raise NotImplementedError

    def groups(self, recorded_by: str) -> Iterator[Group]:
        """Each `(kind, key)` offered, once, with its candidates in the order offered: stamped for
        `recorded_by` (`Fact.stamps`) where the offer can do it cheaper than a copy, placing stamps
        the rest. May raise `RecordingRefused` on the way (an invalid line): nothing is recorded then."""
        raise NotImplementedError

    def candidates(self, kind: str, key: str) -> list[Candidate]:
        """One aggregate's candidates out of turn, when another names it (none if it is not offered)."""
        raise NotImplementedError


class Offered(Offer):
    """Candidates held in memory: a command's event, a test's."""

    def __init__(self, candidates: Iterable[Candidate]):
        self.held: dict[tuple[str, str], list[Candidate]] = {}
        for candidate in candidates:
            self.held.setdefault((candidate.fact.kind, candidate.fact.key), []).append(candidate)

    def __len__(self) -> int:
        return sum(len(group) for group in self.held.values())

    def groups(self, recorded_by: str) -> Iterator[Group]:
        return iter(self.held.items())  # the caller's events: placing stamps copies

    def candidates(self, kind: str, key: str) -> list[Candidate]:
        return self.held.get((kind, key), [])


@dataclass
class Recording:
    """What one call to `record` did: the events written (how many, first and last position) and skipped."""

    count: int = 0
    first: int = 0
    last: int = 0
    skipped: int = 0
    recorded: list[Recorded] = field(default_factory=list)
    """Every event written, when the candidates were given in memory; an `Offer` gets the counts only."""

    def add(self, batch: Sequence[Write], positions: Sequence[int], recorded_at: datetime, keep: bool) -> None:
        """Count the events of `batch` written at `positions`; keep them too if `keep`."""
        if positions:
            self.count += len(positions)
            self.first = self.first or positions[0]
            self.last = positions[-1]
        if keep:
            from domain import Recorded

            self.recorded += [
                Recorded(fact, position, version, recorded_at)
                for (fact, version, _), position in zip(batch, positions, strict=True)
            ]


class RecordingRefused(LedgerError):
    """Some candidates break a rule or clash with recorded ids: `(origin, field, problem)`."""

    def __init__(self, problems: list[tuple[str, str, str]]):
        self.problems = problems
        super().__init__(
            "\n".join(f"{origin}{': ' if origin else ''}{fld}: {problem}" for origin, fld, problem in problems)
        )


def current_user(given: str | None = None) -> str:
    """Who records: `--as`, else `DIPLEDGER_USER`, else the OS user."""
    return given or os.environ.get("DIPLEDGER_USER") or getpass.getuser()
