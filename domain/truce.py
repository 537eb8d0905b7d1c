"""Truce: a ceasefire in a trade war, agreed for a time, perhaps extended, perhaps broken."""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Iterable
from datetime import date, timedelta
from typing import Annotated, Any, ClassVar

from pydantic import Field, model_validator

from domain.events import Fact, Recorded
from domain.timeline import Aggregate, Folding, TruceEnds, counts_from, in_order
from domain.values import Country, Day, Slug, Text, iso, iso_day

Days = Annotated[int, Field(gt=0, le=36500, strict=True)]


class TruceEvent(Fact):
    kind: ClassVar[str] = "Truce"


class Expiry(Fact):
    """Mixin: `expires` (exclusive) or `days`, exactly one."""

    expires: Day | None = None
    days: Days | None = None

    @model_validator(mode="after")
    def _expires_or_days(self) -> Expiry:
        if (self.expires is None) == (self.days is None):
            raise ValueError("give exactly one of expires or days")
        return self


class TruceAgreed(TruceEvent, Expiry):
    creates: ClassVar[bool] = True
    parties: Annotated[list[Country], Field(min_length=2, max_length=50)]
    effective: Day | None = None
    commitments: Annotated[list[Text], Field(max_length=200)] = []
    negotiation: Slug | None = None

    @model_validator(mode="after")
    def _expires_after_effective(self) -> TruceAgreed:
        if len(set(self.parties)) != len(self.parties):
            raise ValueError("parties must be different countries")
        if self.expires is not None and self.expires <= self.starts:
            raise ValueError(f"expires ({self.expires}) must be after effective ({self.starts})")
        return self

    @property
    def starts(self) -> date:
        return self.effective or self.date


class TruceExtended(TruceEvent, Expiry):
    pass


class ViolationAlleged(TruceEvent):
    by: Country
    against: Country
    claim: Text


class TruceTerminated(TruceEvent):
    closes: ClassVar[bool] = True
    by: Country | None = None
    reason: Text | None = None


class Truce(Aggregate):
    kind = "Truce"
    creation = TruceAgreed
    closing_word = "terminated"

    def __init__(self, first: Fact):
        assert isinstance(first, TruceAgreed)
        super().__init__(first)
        self.parties = first.parties
        self.effective = first.starts
        self.expires = first.expires or first.starts + timedelta(days=first.days or 0)
        self.allegations: list[dict[str, str]] = []
        """Kept as the rows the view shows, so the state is plain data (a snapshot holds it)."""

    def apply(self, fact: Fact, truces: TruceEnds) -> None:
        match fact:
            case TruceExtended():
                if fact.date >= self.expires:
                    raise ValueError(f"the truce expired on {self.expires}; agree a new one")
                expires = fact.expires or self.expires + timedelta(days=fact.days or 0)
                if expires <= self.expires:
                    raise ValueError(f"the new expiry {expires} is not after the current {self.expires}")
                self.expires = expires
            case ViolationAlleged():
                self._check_parties(fact.by, fact.against)
                if fact.by == fact.against:
                    raise ValueError("a party cannot allege a violation against itself")
                self.allegations.append(
                    {"date": fact.date.isoformat(), "by": fact.by, "against": fact.against, "claim": fact.claim}
                )
            case TruceTerminated():
                if fact.by is not None:
                    self._check_parties(fact.by)

    def _check_parties(self, *parties: str) -> None:
        for party in parties:
            if party not in self.parties:
                raise ValueError(f"{party} is not a party to the truce ({', '.join(self.parties)})")

    def end(self) -> date:
        """The first day the truce no longer applies: its expiry, or its termination if earlier."""
        return min(self.expires, self.closed_on) if self.closed_on else self.expires

    def status(self, as_of: date) -> str:
        if self.closed_on is not None and as_of >= self.closed_on:
            return "terminated"
        if as_of >= self.expires:
            return "expired"
        return "agreed" if as_of < self.effective else "in_force"

    def turns(self, day: date, truces: TruceEnds) -> list[date | None]:
        return [self.effective, self.expires, self.closed_on]

    @classmethod
    def on_day(cls, row: dict[str, Any], as_of: date) -> dict[str, Any]:
        if row["status"] in ("agreed", "in_force"):
            return {**row, "days_remaining": (date.fromisoformat(row["expires"]) - as_of).days}
        return row

    def settled(self, as_of: date, truces: TruceEnds) -> dict[str, Any]:
        status = self.status(as_of)
        return {
            "key": self.key,
            "parties": self.parties,
            "status": status,
            "effective": iso_day(self.effective),
            "expires": iso_day(self.expires),
            "terminated": iso(self.closed_on),
            "days_remaining": 0,
            "allegations": self.allegations,
            "sources": self.sources(),
        }


class Ends:
    """A truce's end as known on each day, folded once as its events pass through in date order."""

    def __init__(self, events: Iterable[Recorded]):
        self.timeline = in_order(events)
        self.days = [counts_from(r.fact) for r in self.timeline]
        """The day each event counts from, in order: a measure's view may change on each."""
        self.folding = Folding(strict=False)
        self.ends: list[date | None] = [None]
        """The end once the first `n` events count, for each `n` folded so far."""

    def extend(self, recorded: Recorded, day: date) -> bool:
        """Add an event after all the others in valid time; False (nothing added) if it is not."""
        if recorded.fact.creates or (self.days and day < self.days[-1]):
            return False
        self.timeline.append(recorded)
        self.days.append(day)
        return True

    def on(self, day: date) -> date | None:
        """The end as known on `day`: that of the events that count by then (a fold of the truce to `day`)."""
        counting = bisect_right(self.days, day)
        while len(self.ends) <= counting:
            self.folding.take(self.timeline[len(self.ends) - 1])
            state = self.folding.state
            self.ends.append(state.end() if isinstance(state, Truce) else None)
        return self.ends[counting]
