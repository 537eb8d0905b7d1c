"""Steps of the negotiation rules: rounds convene and conclude once, among the parties."""

from __future__ import annotations

from typing import Any

from pytest_bdd import parsers, scenarios, then

from tests.bdd.conftest import DAY

scenarios("rules_negotiation.feature")


def _rounds(answer: dict[str, Any], name: str) -> list[dict[str, Any]]:
    return [held for talks in answer["negotiations"] for held in talks["rounds"] if held["round"] == name]


@then(parsers.parse("the round {name} is not listed"))
def round_not_listed(answer: dict[str, Any], name: str) -> None:
    assert _rounds(answer, name) == []


@then(parsers.re(rf"the round (?P<name>\S+) convened on (?P<day>{DAY}) and has not concluded"))
def round_open(answer: dict[str, Any], name: str, day: str) -> None:
    [held] = _rounds(answer, name)
    assert (held["convened"], held["concluded"], held["outcome"]) == (day, None, None), held


@then(parsers.re(rf'the round (?P<name>\S+) concluded on (?P<day>{DAY}): "(?P<outcome>.+)"'))
def round_concluded(answer: dict[str, Any], name: str, day: str, outcome: str) -> None:
    [held] = _rounds(answer, name)
    assert (held["concluded"], held["outcome"]) == (day, outcome), held
