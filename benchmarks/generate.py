"""Synthetic ledgers for the benchmarks: realistic JSON Lines that the ledger accepts.

`python -m benchmarks.generate --events N --seed S -o FILE` writes exactly N events (stdout if no
`-o`), one "episode" at a time so memory stays constant. An episode is a dispute between two real
countries: a negotiation with rounds and statements, a truce with extensions and allegations,
tariff layers both ways with rate changes and suspensions (some tied to the truce), export
controls with licences, and monthly trade statistics. Every recording rule holds, and any
prefix of the file holds too: each aggregate's events are written in date order, and a truce is
written before the measures suspended under it.
"""

from __future__ import annotations

import argparse
import json
import random
import sys
from collections.abc import Iterator
from datetime import date, timedelta
from typing import IO, Any

ISO_CODES = "US CN JP KR DE FR GB IN BR MX CA AU RU TR ZA SA AE SG VN ID MY TH CH NO AR CL NG EG PK IT ES NL PL SE EU"
COUNTRIES = ISO_CODES.split()
PRODUCTS = ("steel", "aluminium", "soybeans", "semiconductors", "electric vehicles", "solar panels", "wine", "beef")
ITEMS = ("gallium", "germanium", "graphite", "antimony", "tungsten", "lithium", "lithography machines", "AI chips")
CITIES = ("Geneva", "London", "Stockholm", "Madrid", "Washington", "Beijing", "Tokyo", "Brussels", "Singapore")
STANCES = ("expectation", "demand", "offer", "assessment", "accusation", "denial")
RATES = (5, 7.5, 10, 15, 20, 25, 34, 50, 84, 100, 125)
FIRST_DAY, SPAN_DAYS = date(2012, 1, 1), 12 * 365
Event = dict[str, Any]


def day(d: date) -> str:
    return d.isoformat()


class Episode:
    """One dispute between `a` and `b`; its aggregates, each as a list of events in date order."""

    def __init__(self, rng: random.Random, number: int):
        self.rng = rng
        self.n = number
        self.a, self.b = rng.sample(COUNTRIES, 2)
        self.start = FIRST_DAY + timedelta(days=rng.randrange(SPAN_DAYS))
        self.tag = f"{self.a.lower()}-{self.b.lower()}-{number}"
        self.truce_key = f"truce-{self.tag}"
        self.truce_day = self.start
        self.truce_holds_until = self.start
        """The last day before the truce could stop applying (first expiry, or termination)."""

    def source(self, d: date) -> list[Event]:
        if self.rng.random() < 0.5:
            return []
        return [{"url": f"https://news.example.org/{d.year}/{self.tag}/{self.rng.randrange(10**6)}", "title": "Report"}]

    def event(self, kind: str, key: str, d: date, **fields: Any) -> Event:
        return {"type": kind, "key": key, "date": day(d), **fields, "sources": self.source(d)}

    def aggregates(self) -> Iterator[list[Event]]:
        yield self.negotiation()
        yield self.truce()
        for imposer, target in ((self.a, self.b), (self.b, self.a)):
            for layer in range(self.rng.randint(1, 3)):
                yield self.tariff(imposer, target, layer)
        for number in range(self.rng.randint(0, 2)):
            yield self.control(number)
        for reporter, partner in ((self.a, self.b), (self.b, self.a)):
            yield self.trade_flow(reporter, partner, self.rng.choice(("exports", "imports")))

    def later(self, d: date, low: int = 1, high: int = 40) -> date:
        return d + timedelta(days=self.rng.randint(low, high))

    def negotiation(self) -> list[Event]:
        key, rng = f"talks-{self.tag}", self.rng
        d = self.start
        events = [self.event("NegotiationOpened", key, d, parties=[self.a, self.b], title=f"{self.a}–{self.b} talks")]
        for r in range(rng.randint(1, 5)):
            d = self.later(d, 5, 60)
            delegates = [
                {"party": p, "name": f"Delegate {p}-{i}", "role": "Minister"} for p in (self.a, self.b) for i in (1, 2)
            ]
            events.append(
                self.event(
                    "RoundConvened", key, d, round=f"round-{r + 1}", location=rng.choice(CITIES), delegations=delegates
                )
            )
            for _ in range(rng.randint(0, 3)):
                party = rng.choice((self.a, self.b))
                events.append(
                    self.event(
                        "PositionStated",
                        key,
                        d,
                        party=party,
                        speaker=f"Spokesperson {party}",
                        stance=rng.choice(STANCES),
                        statement=f"Statement {rng.randrange(10**6)} on round {r + 1}.",
                    )
                )
            d = self.later(d, 1, 3)
            events.append(
                self.event("RoundConcluded", key, d, round=f"round-{r + 1}", outcome="Talks were constructive.")
            )
            if rng.random() < 0.3:
                d = self.later(d)
                people = [{"party": self.a, "name": f"Leader {self.a}"}, {"party": self.b, "name": f"Leader {self.b}"}]
                events.append(
                    self.event(
                        "LeadersSpoke", key, d, mode=rng.choice(("call", "meeting", "letter")), participants=people
                    )
                )
        d = self.later(d, 1, 10)
        events.append(self.event("AgreementReached", key, d, title=f"Joint statement {self.tag}"))
        self.truce_day = d
        if rng.random() < 0.2:
            events.append(self.event("NegotiationClosed", key, self.later(d, 30, 400), outcome="Talks ended."))
        return events

    def truce(self) -> list[Event]:
        key, rng, d = self.truce_key, self.rng, self.truce_day
        effective = self.later(d, 0, 3)
        expires = effective + timedelta(days=90)
        agreed = self.event(
            "TruceAgreed",
            key,
            d,
            parties=[self.a, self.b],
            effective=day(effective),
            days=90,
            commitments=["Both sides cut tariffs."],
            negotiation=f"talks-{self.tag}",
        )
        events, self.truce_holds_until = [agreed], expires - timedelta(days=1)
        for _ in range(rng.randint(0, 4)):
            for _ in range(rng.randint(0, 2)):
                d = self.later(max(d, effective), 1, 20)
                if d >= expires - timedelta(days=15):
                    break
                by, against = rng.sample((self.a, self.b), 2)
                events.append(
                    self.event("ViolationAlleged", key, d, by=by, against=against, claim="Commitments were not kept.")
                )
            d = max(d + timedelta(days=1), expires - timedelta(days=rng.randint(1, 10)))
            if d >= expires:
                break
            if rng.random() < 0.5:
                added = rng.choice((30, 90, 180))
                extension: Event = {"days": added}
            else:
                added = 90
                extension = {"expires": day(expires + timedelta(days=added))}
            events.append(self.event("TruceExtended", key, d, **extension))
            expires = expires + timedelta(days=added)
        if rng.random() < 0.2:
            d = self.later(d, 1, 60)
            events.append(self.event("TruceTerminated", key, d, by=self.a, reason="Talks broke down."))
            self.truce_holds_until = min(self.truce_holds_until, d - timedelta(days=1))
        return events

    def suspension(self, d: date) -> tuple[Event, date | None]:
        """Suspension terms dated `d`, and the last day a reinstatement could follow (None: never)."""
        if self.truce_day <= d <= self.truce_holds_until - timedelta(days=2) and self.rng.random() < 0.5:
            return {"truce": self.truce_key}, self.truce_holds_until
        until = self.later(d, 10, 200)
        return {"until": day(until)}, until - timedelta(days=1)

    def tariff(self, imposer: str, target: str, layer: int) -> list[Event]:
        key, rng = f"tariff-{imposer.lower()}-{target.lower()}-{self.n}-{layer}", self.rng
        d = self.later(self.start, 0, 200)
        rate = rng.choice(RATES)
        first = self.event(
            "TariffImposed", key, d, imposer=imposer, target=target, rate_pct=rate, basis=f"Decree {self.n}"
        )
        if rng.random() < 0.5:
            first["announced"] = day(d - timedelta(days=rng.randint(0, 20)))
        if rng.random() < 0.3:
            first["products"] = rng.sample(PRODUCTS, rng.randint(1, 3))
        events, reinstate_by = [first], None
        for _ in range(rng.randint(0, 10)):
            d = self.later(d, 1, 90)
            choice = rng.random()
            if reinstate_by is not None and choice < 0.25:
                if d <= reinstate_by:
                    events.append(self.event("TariffReinstated", key, d))
                reinstate_by = None
            elif choice < 0.6:
                rate = rng.choice(RATES)
                events.append(self.event("TariffRateChanged", key, d, rate_pct=rate))
            else:
                terms, reinstate_by = self.suspension(d)
                points = rng.choice([p for p in RATES if p <= rate] or [rate])
                events.append(self.event("TariffSuspended", key, d, points=points, **terms))
        if rng.random() < 0.15:
            events.append(self.event("TariffLifted", key, self.later(d)))
        return events

    def control(self, number: int) -> list[Event]:
        imposer, other = self.rng.sample((self.a, self.b), 2)
        key, rng = f"control-{imposer.lower()}-{self.n}-{number}", self.rng
        d = self.later(self.start, 0, 300)
        items = rng.sample(ITEMS, rng.randint(1, 3))
        first = self.event(
            "ExportControlImposed",
            key,
            d,
            imposer=imposer,
            items=list(items),
            regime=rng.choice(("licence", "ban")),
            destinations=rng.choice(([], [other])),
        )
        events, reinstate_by = [first], None
        for _ in range(rng.randint(0, 8)):
            d = self.later(d, 1, 60)
            choice = rng.random()
            if reinstate_by is not None and choice < 0.2:
                if d <= reinstate_by:
                    events.append(self.event("ExportControlReinstated", key, d))
                reinstate_by = None
            elif choice < 0.6:
                count = {"count": rng.randint(0, 500)} if rng.random() < 0.7 else {}
                events.append(self.event("LicencesApproved", key, d, destination=other, sectors=["industry"], **count))
            elif choice < 0.7:
                added = rng.choice([i for i in ITEMS if i not in items] or ITEMS)
                if added not in items:
                    items.append(added)
                events.append(self.event("ExportControlItemsAdded", key, d, items=[added]))
            elif choice < 0.75 and len(items) > 1:
                events.append(self.event("ExportControlItemsRemoved", key, d, items=[items.pop()]))
            elif choice < 0.85:
                events.append(self.event("ExportControlEased", key, d, description="Some licences are fast-tracked."))
            else:
                terms, reinstate_by = self.suspension(d)
                events.append(self.event("ExportControlSuspended", key, d, **terms))
        if rng.random() < 0.1:
            events.append(self.event("ExportControlLifted", key, self.later(d)))
        return events

    def trade_flow(self, reporter: str, partner: str, flow: str) -> list[Event]:
        key, rng = f"flow-{reporter.lower()}-{partner.lower()}-{flow}-{self.n}", self.rng
        month = date(self.start.year, self.start.month, 1)
        events = []
        for _ in range(rng.randint(6, 36)):
            reported = (month + timedelta(days=40)).replace(day=20)
            change = round(rng.uniform(-40, 40), 1)
            trend = "up" if change > 1 else "down" if change < -1 else "flat"
            events.append(
                self.event(
                    "TradeFlowReported",
                    key,
                    reported,
                    reporter=reporter,
                    partner=partner,
                    flow=flow,
                    period=month.strftime("%Y-%m"),
                    value_usd=rng.randrange(10**8, 10**11),
                    change_pct=change,
                    trend=trend,
                )
            )
            month = (month + timedelta(days=32)).replace(day=1)
        return events


def events(count: int, seed: int, episode: type[Episode] | None = None) -> Iterator[Event]:
    """Exactly `count` events of episodes (`Episode`, or the kind given), deterministic for a given `seed`."""
    rng = random.Random(seed)
    made, number = 0, 0
    while made < count:
        number += 1
        for aggregate in (episode or Episode)(rng, number).aggregates():
            for event in aggregate:
                if not event["sources"]:
                    del event["sources"]
                yield event
                made += 1
                if made == count:
                    return


LONG = ("Negotiation", "TariffMeasure", "Truce", "ExportControl")
"""The kinds `long` makes one aggregate of."""


class Long(Episode):
    """One aggregate of many events, in date order: what a ledger that follows one dispute for
    decades holds (a negotiation's statements, a layer's changes, a truce's allegations, a control's
    licences)."""

    def negotiation(self, count: int) -> Iterator[Event]:  # type: ignore[override]
        key, d = f"talks-{self.tag}", self.start
        yield self.event("NegotiationOpened", key, d, parties=[self.a, self.b], title=f"{self.a}–{self.b} talks")
        for n in range(1, count):
            d += timedelta(days=n % 3 == 0)
            party = (self.a, self.b)[n % 2]
            statement = f"Statement {n}: {self.rng.randrange(10**6)}."
            yield self.event(
                "PositionStated",
                key,
                d,
                party=party,
                speaker=f"Spokesperson {party}",
                stance=STANCES[n % 6],
                statement=statement,
            )

    def truce(self, count: int) -> Iterator[Event]:  # type: ignore[override]
        key, d = self.truce_key, self.start
        expires = d + timedelta(days=90)
        yield self.event(
            "TruceAgreed", key, d, parties=[self.a, self.b], days=90, commitments=["Both sides cut tariffs."]
        )
        for n in range(1, count):
            d += timedelta(days=n % 2)
            if d >= expires - timedelta(days=5):
                expires += timedelta(days=30)
                yield self.event("TruceExtended", key, d, days=30)
                continue
            by, against = (self.a, self.b) if n % 2 else (self.b, self.a)
            yield self.event("ViolationAlleged", key, d, by=by, against=against, claim=f"Commitment {n} was not kept.")

    def measure(self, count: int, key: str, d: date) -> Iterator[Event]:
        rng = self.rng
        rate = 25
        yield self.event("TariffImposed", key, d, imposer=self.a, target=self.b, rate_pct=rate, basis="Decree")
        suspended_until: date | None = None
        for _ in range(1, count):
            d += timedelta(days=rng.randint(1, 2))
            if suspended_until is not None and d < suspended_until and rng.random() < 0.3:
                yield self.event("TariffReinstated", key, d)
                suspended_until = None
            elif rng.random() < 0.2:
                suspended_until = d + timedelta(days=rng.randint(5, 60))
                yield self.event("TariffSuspended", key, d, points=min(rate, 5), until=day(suspended_until))
            else:
                rate = rng.choice(RATES)
                yield self.event("TariffRateChanged", key, d, rate_pct=rate)

    def export_control(self, count: int, key: str, d: date) -> Iterator[Event]:
        rng = self.rng
        items = [ITEMS[0]]
        yield self.event("ExportControlImposed", key, d, imposer=self.a, items=items[:], regime="licence")
        suspended_until: date | None = None
        for n in range(1, count):
            d += timedelta(days=rng.randint(1, 2))
            choice = rng.random()
            if suspended_until is not None and d < suspended_until and choice < 0.1:
                yield self.event("ExportControlReinstated", key, d)
                suspended_until = None
            elif choice < 0.15:
                items.append(f"item {n}")
                yield self.event("ExportControlItemsAdded", key, d, items=[items[-1]])
            elif choice < 0.16 and len(items) > 1:
                yield self.event("ExportControlItemsRemoved", key, d, items=[items.pop(rng.randrange(1, len(items)))])
            elif choice < 0.21:
                suspended_until = d + timedelta(days=rng.randint(5, 60))
                yield self.event("ExportControlSuspended", key, d, until=day(suspended_until))
            else:
                count_ = {"count": rng.randint(0, 500)} if rng.random() < 0.7 else {}
                yield self.event("LicencesApproved", key, d, destination=self.b, sectors=["industry"], **count_)


def long(kind: str, count: int, seed: int) -> Iterator[Event]:
    """Exactly `count` events of one aggregate of `kind` (one of LONG), deterministic for a given `seed`."""
    episode = Long(random.Random(seed), 1)
    episode.start = FIRST_DAY
    made = {
        "Negotiation": lambda: episode.negotiation(count),
        "TariffMeasure": lambda: episode.measure(count, f"tariff-{episode.tag}", FIRST_DAY),
        "Truce": lambda: episode.truce(count),
        "ExportControl": lambda: episode.export_control(count, f"control-{episode.tag}", FIRST_DAY),
    }[kind]()
    for event in made:
        if not event["sources"]:
            del event["sources"]
        yield event


class Shaped(Long):
    """An episode of 90 events in aggregates of fixed lengths: a negotiation of 20 events, two truces
    of 3, four tariff layers of 12 and two export controls of 8."""

    def aggregates(self) -> Iterator[list[Event]]:
        yield self.talks()
        for number in range(2):
            yield self.short_truce(number)
        for layer in range(4):
            yield self.layer(layer)
        for number in range(2):
            yield self.short_control(number)

    def talks(self) -> list[Event]:
        key, d = f"talks-{self.tag}", self.start
        events = [self.event("NegotiationOpened", key, d, parties=[self.a, self.b], title=f"{self.a}–{self.b} talks")]
        for r in range(1, 4):
            d = self.later(d, 5, 60)
            events.append(self.event("RoundConvened", key, d, round=f"round-{r}", location=self.rng.choice(CITIES)))
            for n, party in enumerate((self.a, self.b, self.a, self.b)):
                events.append(
                    self.event(
                        "PositionStated", key, d, party=party, speaker=f"Spokesperson {party}",
                        stance=STANCES[n], statement=f"Statement {self.rng.randrange(10**6)} on round {r}.",
                    )
                )  # fmt: skip
            d = self.later(d, 1, 3)
            events.append(self.event("RoundConcluded", key, d, round=f"round-{r}", outcome="Talks went on."))
        events.append(self.event("AgreementReached", key, self.later(d, 1, 10), title=f"Joint statement {self.tag}"))
        return events

    def short_truce(self, number: int) -> list[Event]:
        key, d = f"{self.truce_key}-{number}", self.later(self.start, 0, 200)
        by, against = self.a, self.b
        return [
            self.event("TruceAgreed", key, d, parties=[self.a, self.b], days=90),
            self.event("ViolationAlleged", key, self.later(d, 1, 40), by=by, against=against, claim="Not kept."),
            self.event("TruceExtended", key, self.later(d, 45, 85), days=90),
        ]

    def layer(self, number: int) -> list[Event]:
        return list(self.measure(12, f"tariff-{self.tag}-{number}", self.later(self.start, 0, 200)))

    def short_control(self, number: int) -> list[Event]:
        return list(self.export_control(8, f"control-{self.tag}-{number}", self.later(self.start, 0, 300)))


def shaped(count: int, seed: int) -> Iterator[Event]:
    """Exactly `count` events of `Shaped` episodes, deterministic for a given `seed`."""
    return events(count, seed, Shaped)


MIXES = ("episodes", "shaped")
"""`events`' episodes, or `Shaped` ones."""


def write(count: int, seed: int, out: IO[str], kind: str | None = None, mix: str = "episodes") -> None:
    """`count` events: a mix of episodes (`events`, or `shaped`), or one aggregate of `kind` (`long`)."""
    made = (
        long(kind, count, seed) if kind is not None else shaped(count, seed) if mix == "shaped" else events(count, seed)
    )
    for event in made:
        out.write(json.dumps(event, ensure_ascii=False, separators=(",", ":")) + "\n")


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.generate", description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=100_000, help="how many events (default 100000)")
    parser.add_argument("--seed", type=int, default=1, help="random seed (default 1)")
    parser.add_argument("--long", choices=LONG, help="one aggregate of this kind holding every event")
    parser.add_argument("--mix", choices=MIXES, default="episodes", help="episodes as they come, or shaped (90 events)")
    parser.add_argument("-o", "--output", help="file to write (default: standard output)")
    args = parser.parse_args(argv)
    if args.output:
        with open(args.output, "w", encoding="utf-8") as out:
            write(args.events, args.seed, out, args.long, args.mix)
    else:
        write(args.events, args.seed, sys.stdout, args.long, args.mix)


if __name__ == "__main__":
    main()
