"""Negotiation: a track of talks between parties — rounds, leaders' contacts, positions, agreements."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any, ClassVar, Literal

from pydantic import Field

from domain.events import Fact
from domain.timeline import Aggregate, TruceEnds
from domain.values import Country, Person, Slug, Text, iso, iso_day

People = Annotated[list[Person], Field(max_length=200)]


class NegotiationEvent(Fact):
    kind: ClassVar[str] = "Negotiation"


class NegotiationOpened(NegotiationEvent):
    creates: ClassVar[bool] = True
    parties: Annotated[list[Country], Field(min_length=2, max_length=50)]
    title: Text


class RoundConvened(NegotiationEvent):
    round: Slug
    location: Text
    delegations: People = []


class RoundConcluded(NegotiationEvent):
    round: Slug
    outcome: Text | None = None


class LeadersSpoke(NegotiationEvent):
    mode: Literal["call", "meeting", "letter"]
    participants: Annotated[list[Person], Field(min_length=1, max_length=200)]
    summary: Text | None = None


class PositionStated(NegotiationEvent):
    party: Country
    speaker: Text
    role: Text | None = None
    stance: Literal["expectation", "demand", "offer", "assessment", "accusation", "denial"]
    statement: Text


class AgreementReached(NegotiationEvent):
    title: Text
    summary: Text | None = None
    truce: Slug | None = None


class NegotiationClosed(NegotiationEvent):
    closes: ClassVar[bool] = True
    outcome: Text | None = None


class Negotiation(Aggregate):
    kind = "Negotiation"
    creation = NegotiationOpened

    def __init__(self, first: Fact):
        assert isinstance(first, NegotiationOpened)
        super().__init__(first)
        self.parties, self.title = first.parties, first.title
        # Kept as the rows the view shows: a view is read after every event.
        self.rounds: list[dict[str, Any]] = []
        """In the order convened (the fold's order, so the view's)."""
        self.convened: dict[str, int] = {}
        """Each round's place in `rounds`."""
        self.contacts: list[dict[str, Any]] = []
        self.statements: list[dict[str, Any]] = []
        self.agreements: list[dict[str, Any]] = []
        self.outcome: str | None = None

    def apply(self, fact: Fact, truces: TruceEnds) -> None:
        match fact:
            case RoundConvened():
                if fact.round in self.convened:
                    held = self.rounds[self.convened[fact.round]]
                    raise ValueError(f"round {fact.round} already convened on {held['convened']}")
                self._check_parties(person.party for person in fact.delegations)
                self.convened[fact.round] = len(self.rounds)
                self.rounds.append(
                    {
                        "round": fact.round,
                        "location": fact.location,
                        "convened": str(fact.date),
                        "concluded": None,
                        "outcome": None,
                        "delegations": [person.row() for person in fact.delegations],
                    }
                )
            case RoundConcluded():
                place = self.convened.get(fact.round)
                if place is None:
                    raise ValueError(f"round {fact.round} has not convened by {fact.date}")
                held = self.rounds[place]
                if held["concluded"] is not None:
                    raise ValueError(f"round {fact.round} already concluded on {held['concluded']}")
                # a new row in a new list, neither changed in place (see `Aggregate.settled`)
                self.rounds = [*self.rounds]
                self.rounds[place] = {**held, "concluded": str(fact.date), "outcome": fact.outcome}
            case LeadersSpoke():
                self.contacts.append(_row(fact))
            case PositionStated():
                self._check_parties([fact.party])
                self.statements.append(_row(fact))
            case AgreementReached():
                self.agreements.append(_row(fact))
            case NegotiationClosed():
                self.outcome = fact.outcome

    def derive(self) -> None:
        super().derive()
        self.convened = {held["round"]: place for place, held in enumerate(self.rounds)}

    def _check_parties(self, parties: Any) -> None:
        for party in parties:
            if party not in self.parties:
                raise ValueError(f"{party} is not a party to the negotiation ({', '.join(self.parties)})")

    def settled(self, as_of: date, truces: TruceEnds) -> dict[str, Any]:
        return {
            "key": self.key,
            "parties": self.parties,
            "title": self.title,
            "status": "closed" if self.closed_on else "open",
            "opened": iso_day(self.start),
            "closed": iso(self.closed_on),
            "outcome": self.outcome,
            "rounds": self.rounds,
            "contacts": self.contacts,
            "statements": self.statements,
            "agreements": self.agreements,
            "sources": self.sources(),
        }


def _row(fact: Fact) -> dict[str, Any]:
    """A contact, statement or agreement as a row: its date and its own fields."""
    row = fact.row()
    for name in ("key", "id", "recorded_by"):
        row.pop(name, None)
    return row
