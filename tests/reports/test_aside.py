"""Parts of a report worked out in other processes answer as they would in this one; a part that
fails is raised where it is asked for; a ledger no other process can reach works them out here."""

from __future__ import annotations

import functools
from datetime import date

import pytest

from ledger import aside
from ledger.application import Ledger
from ledger.reports import model
from tests.conftest import EXAMPLE

DAY = date(2025, 8, 12)


def test_a_part_worked_out_aside_answers_as_it_would_here(seed: str) -> None:
    ledger = Ledger(seed, create=False)
    try:
        head = ledger.head()
        flows, charts = (
            aside.start(ledger, model.trade_flows, head, DAY),
            aside.start(ledger, model.inline_charts, head, DAY),
        )
        assert isinstance(flows, functools.partial) and flows.func is aside._answer  # in a process of its own
        assert flows() == model.trade_flows(ledger, head, DAY) != []
        assert charts().keys() == {"tariffs", "controls"}
    finally:
        ledger.close()


def test_a_part_that_fails_aside_is_raised_where_it_is_asked_for(seed: str) -> None:
    ledger = Ledger(seed, create=False)
    try:
        part = aside.start(ledger, model.trade_flows, "not a position", DAY)
        with pytest.raises(TypeError):
            part()
    finally:
        ledger.close()


def test_a_ledger_in_memory_works_its_parts_out_here() -> None:
    ledger = Ledger("memory:")
    try:
        record_file_into(ledger)
        part = aside.start(ledger, model.trade_flows, ledger.head(), DAY)
        assert isinstance(part, functools.partial) and part.func is model.trade_flows
        assert [row["key"] for row in part()] == ["cn-customs-exports-us", "cn-customs-imports-us"]
    finally:
        ledger.close()


def record_file_into(ledger: Ledger) -> None:
    from ledger.jsonl import open_sources, read_events

    ledger.record(list(read_events(open_sources([str(EXAMPLE)]))), "tester")


def test_the_trade_flows_folded_in_two_shares_are_those_folded_at_once(seed: str) -> None:
    ledger = Ledger(seed, create=False)
    try:
        head = ledger.head()
        shares = [model.trade_flows(ledger, head, DAY, (i, 2)) for i in range(2)]
        assert sorted([*shares[0], *shares[1]], key=lambda row: row["key"]) == model.trade_flows(ledger, head, DAY)
    finally:
        ledger.close()
