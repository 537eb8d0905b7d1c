"""Steps of the two time axes: as of a day, as known at a position or a time; back-filling; retraction."""

from __future__ import annotations

from typing import Any

from pytest_bdd import given, parsers, scenarios, then, when

from tests.bdd.conftest import DAY, Desk, Outcome, event_type

scenarios("time_travel.feature")

RETRACT = parsers.re(
    rf'I retract the (?P<event>[a-z ]+) of (?P<key>\S+) dated (?P<day>{DAY}), because "(?P<reason>.+)"'
)


def _position(desk: Desk, event: str, key: str, day: str) -> int:
    """The position of the one event of `key` of that type and date."""
    found = [
        e["position"]
        for e in desk.read("log")["events"]
        if (e["type"], e["key"], e["date"]) == (event_type(event), key, day)
    ]
    assert len(found) == 1, found
    return int(found[0])


@given(RETRACT)
def retracted(desk: Desk, event: str, key: str, day: str, reason: str) -> None:
    result = desk.run("retract", str(_position(desk, event, key, day)), "--reason", reason)
    assert result.exit_code == 0, result.stderr


@when(RETRACT, target_fixture="outcome")
def retract(desk: Desk, event: str, key: str, day: str, reason: str) -> Outcome:
    position, before = _position(desk, event, key, day), desk.head()
    return Outcome(desk.run("retract", str(position), "--reason", reason), before)


@then(
    parsers.re(
        rf"the log lists the (?P<event>[a-z ]+) of (?P<key>\S+) dated (?P<day>{DAY}) at position (?P<position>\d+), "
        r"retracted by position (?P<by>\d+)"
    )
)
def log_lists_retracted(answer: dict[str, Any], event: str, key: str, day: str, position: str, by: str) -> None:
    entry = next(e for e in answer["events"] if e["position"] == int(position))
    assert (entry["type"], entry["key"], entry["date"]) == (event_type(event), key, day), entry
    assert entry["retracted_by"] == int(by)


@then(
    parsers.re(
        r"the log lists at position (?P<position>\d+) the retraction of position (?P<target>\d+), "
        r'because "(?P<reason>.+)"'
    )
)
def log_lists_retraction(answer: dict[str, Any], position: str, target: str, reason: str) -> None:
    entry = next(e for e in answer["events"] if e["position"] == int(position))
    assert (entry["type"], entry["retracts"], entry["reason"]) == ("Retracted", int(target), reason), entry
