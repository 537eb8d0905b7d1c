"""Steps of the seed story: the London talks of 9 June 2025 and what stood around them."""

from __future__ import annotations

from typing import Any

from pytest_bdd import parsers, scenarios, then

from tests.bdd.conftest import DAY, control_row, country, split_list

scenarios("london_talks.feature")


def _round(answer: dict[str, Any], name: str) -> dict[str, Any]:
    rounds = [held for talks in answer["negotiations"] for held in talks["rounds"] if held["round"] == name]
    assert rounds, f"no round {name}"
    return rounds[0]


@then(
    parsers.re(
        rf'the round (?P<name>\S+) of (?P<key>\S+) convened on (?P<day>{DAY}) in "(?P<place>.+)"',
    )
)
def round_convened(answer: dict[str, Any], name: str, key: str, day: str, place: str) -> None:
    talks = next(t for t in answer["negotiations"] if t["key"] == key)
    held = next(r for r in talks["rounds"] if r["round"] == name)
    assert (held["convened"], held["location"]) == (day, place)


@then(parsers.re(r"the (?P<party>.+?) delegation to the round (?P<name>\S+) includes (?P<people>.+)"))
def delegation_includes(answer: dict[str, Any], party: str, name: str, people: str) -> None:
    code = country(party)
    names = [d["name"] for d in _round(answer, name)["delegations"] if d["party"] == code]
    assert set(split_list(people)) <= set(names), names


@then(parsers.re(r"the Chinese delegation to the round (?P<name>\S+) is led by (?P<person>[^,]+), (?P<role>.+)"))
def delegation_led_by(answer: dict[str, Any], name: str, person: str, role: str) -> None:
    chinese = [d for d in _round(answer, name)["delegations"] if d["party"] == "CN"]
    assert (chinese[0]["name"], chinese[0]["role"]) == (person, role), chinese


@then(parsers.re(rf"the round (?P<later>\S+) followed the round (?P<earlier>\S+) of (?P<day>{DAY})"))
def rounds_in_order(answer: dict[str, Any], later: str, earlier: str, day: str) -> None:
    rounds = [held["round"] for talks in answer["negotiations"] for held in talks["rounds"]]
    assert rounds.index(earlier) < rounds.index(later), rounds
    assert _round(answer, earlier)["convened"] == day


@then(
    parsers.re(rf"(?P<speaker>.+?) of (?P<party>.+?) stated an? (?P<stance>\w+) on (?P<day>{DAY}): " r'"(?P<words>.+)"')
)
def statement(answer: dict[str, Any], speaker: str, party: str, stance: str, day: str, words: str) -> None:
    statements = [s for talks in answer["negotiations"] for s in talks["statements"] if s["speaker"] == speaker]
    assert statements, f"no statement by {speaker}"
    said = statements[-1]
    assert (said["party"], said["stance"], said["date"]) == (country(party), stance, day), said
    assert words in said["statement"]


@then(parsers.re(rf"the leaders of (?P<one>.+?) and (?P<other>.+?) spoke by (?P<mode>\w+) on (?P<day>{DAY})"))
def leaders_spoke(answer: dict[str, Any], one: str, other: str, mode: str, day: str) -> None:
    contacts = [c for talks in answer["negotiations"] for c in talks["contacts"] if c["date"] == day]
    assert contacts, "no contact that day"
    assert contacts[0]["mode"] == mode
    assert {p["party"] for p in contacts[0]["participants"]} == {country(one), country(other)}


@then(
    parsers.re(r"the export control (?P<key>\S+) of (?P<imposer>.+?) requires a (?P<regime>licence) for (?P<items>.+)")
)
def control_requires(answer: dict[str, Any], key: str, imposer: str, regime: str, items: str) -> None:
    control = control_row(answer, key)
    assert (control["imposer"], control["regime"], control["destinations"]) == (country(imposer), regime, [])
    assert set(split_list(items)) <= set(control["items"]), control["items"]


@then(parsers.re(r"the export control (?P<key>\S+) has (?P<count>\d+) approvals? of licences, their number unknown"))
def licences_unknown(answer: dict[str, Any], key: str, count: str) -> None:
    control = control_row(answer, key)
    assert (control["licence_approvals"], control["licences_approved"]) == (int(count), 0), control


@then(
    parsers.re(
        r"(?P<reporter>.+?)'s (?P<flow>exports|imports) (?:to|from) (?P<partner>.+?) in (?P<period>\d{4}-\d{2})"
        r" fell (?P<fall>[\d.]+)% on a year earlier, to (?P<billions>[\d.]+) billion dollars"
    )
)
def trade_fell(
    answer: dict[str, Any], reporter: str, flow: str, partner: str, period: str, fall: str, billions: str
) -> None:
    flows = [
        f
        for f in answer["trade_flows"]
        if (f["reporter"], f["partner"], f["flow"]) == (country(reporter), country(partner), flow)
    ]
    assert len(flows) == 1, answer["trade_flows"]
    report = next(r for r in flows[0]["reports"] if r["period"] == period)
    assert (report["change_pct"], report["trend"]) == (-float(fall), "down"), report
    assert report["value_usd"] == float(billions) * 1e9
