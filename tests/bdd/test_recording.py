"""Steps of recording: imports whole or not at all, idempotent re-imports, typed commands."""

from __future__ import annotations

from pytest_bdd import parsers, scenarios, then

from tests.bdd.conftest import DAY, Desk, Outcome, country, event_type, rows

scenarios("recording.feature")


@then(parsers.parse("{count:d} events are recorded, at positions {first:d} to {last:d}"))
def events_recorded(outcome: Outcome, count: int, first: int, last: int) -> None:
    assert outcome.result.exit_code == 0, outcome.result.stderr
    assert f"recorded {count} events (positions {first}–{last})" in outcome.result.stderr


@then(parsers.parse("nothing new is recorded, and {count:d} events already in the ledger are skipped"))
def nothing_new(desk: Desk, outcome: Outcome, count: int) -> None:
    assert outcome.result.exit_code == 0, outcome.result.stderr
    assert "nothing new to record" in outcome.result.stderr
    assert f"skipped {count} events already in the ledger" in outcome.result.stderr
    assert desk.head() == outcome.head_before


@then(
    parsers.re(
        rf"as of (?P<day>{DAY}) the truce (?P<key>\S+) has (?P<count>\d+) allegations, "
        r"the last by (?P<by>.+?) against (?P<against>.+)"
    )
)
def allegations(desk: Desk, day: str, key: str, count: str, by: str, against: str) -> None:
    truce = next(t for t in desk.read("truces", "--as-of", day)["truces"] if t["key"] == key)
    assert len(truce["allegations"]) == int(count), truce["allegations"]
    last = truce["allegations"][-1]
    assert (last["date"], last["by"], last["against"]) == (day, country(by), country(against))


@then(parsers.re(rf"as of (?P<day>{DAY}) the truce (?P<key>\S+) is in force until (?P<expires>{DAY})"))
def truce_until(desk: Desk, day: str, key: str, expires: str) -> None:
    truce = next(t for t in desk.read("truces", "--as-of", day)["truces"] if t["key"] == key)
    assert (truce["status"], truce["expires"]) == ("in_force", expires), truce


@then(parsers.parse("the history of {key} lists, in record order:"))
def history_in_order(desk: Desk, key: str, datatable: list[list[str]]) -> None:
    events = desk.read("history", key)["events"]
    assert [(e["date"], e["type"]) for e in events] == [(r["date"], event_type(r["event"])) for r in rows(datatable)]
    assert [e["position"] for e in events] == sorted(e["position"] for e in events)
