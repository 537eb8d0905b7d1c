"""What changed names each suspension on the day it ends, as looking at every measure on every day
finds it: by its own `until`, or with the truce it is suspended under (as extended or ended); and
reading only the events of the window gives what reading the whole log does."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from hypothesis import strategies as st

from domain import World
from ledger import projections
from tests.integration.test_read_model import fresh_ledger
from tests.reports.generated import EXAMPLES, LEDGERS, generated, positions


@EXAMPLES
@LEDGERS
def test_what_changed_names_each_suspension_on_the_day_it_ends(
    seed: int, size: int, data: st.DataObject, tmp_path_factory: pytest.TempPathFactory
) -> None:
    with fresh_ledger("sqlite", tmp_path_factory) as ledger:
        days = generated(ledger, seed, size)
        for known_at in positions(ledger, data):
            world = ledger.world(known_at)
            end = data.draw(st.sampled_from(days), label="to")
            start = end - timedelta(days=data.draw(st.integers(0, 90), label="days"))
            truces_end = {state.end() for state in world.states("Truce", date.max)}  # type: ignore[attr-defined]
            windows = [(start, end), *((day - timedelta(days=9), day + timedelta(days=9)) for day in truces_end)]
            for first, last in windows:
                answer = ledger.changes(known_at, first, last)
                assert answer == projections.changes(world, ledger.read_model(known_at), first, last)
                found = {
                    (group["key"], entry["on"], entry["status"])
                    for group in answer["changes"]
                    for entry in group["events"]
                    if entry["type"] == "SuspensionEnded"
                }
                assert found == suspensions_ended(world, first, last), (first, last, known_at)


def suspensions_ended(world: World, start: date, end: date) -> set[tuple[str, str, str]]:
    """`(key, day, status)` of each day of the window on which a measure that was suspended until that
    day is no longer suspended: every measure looked at on every day."""
    ended = set()
    for kind, key in world.timelines:
        if kind not in ("TariffMeasure", "ExportControl"):
            continue
        day = start
        while day <= end:
            before, after = world.state(kind, key, day - timedelta(days=1)), world.state(kind, key, day)
            if before is not None and after is not None:
                was = before.view(day - timedelta(days=1), world.truce_end)
                now = after.view(day, world.truce_end)
                lapsed = was["status"] == "suspended" and was["suspended_until"] == day.isoformat()
                if lapsed and now["status"] != "suspended":
                    ended.add((key, day.isoformat(), now["status"]))
            day += timedelta(days=1)
    return ended
