"""Random ledgers for tests over many days: the benchmark generator's events (negotiations, truces and
the measures suspended under them, tariffs and controls over years), recorded out of order with
random retractions, and read as known at the head and at an earlier position."""

from __future__ import annotations

import random
from datetime import date

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from benchmarks import generate
from ledger.application import Ledger
from tests.integration.test_read_model import record_randomly, turning_days

EXAMPLES = settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
LEDGERS = given(seed=st.integers(0, 10**6), size=st.integers(20, 140), data=st.data())


def generated(ledger: Ledger, seed: int, size: int) -> list[date]:
    """Record `size` generated events out of order, with retractions; the days named in them, and
    the days either side."""
    events = list(generate.events(size, seed))
    record_randomly(ledger, random.Random(seed), events)
    return turning_days(events)


def positions(ledger: Ledger, data: st.DataObject) -> set[int]:
    """The head, and a position drawn at random."""
    return {ledger.head(), data.draw(st.integers(0, ledger.head()), label="known_at")}
