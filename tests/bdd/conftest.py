"""Steps every feature shares: a fresh ledger, events written in analysts' words, reading answers.

Every step drives the real command line in process (`typer.testing.CliRunner` on
`ledger.cli.main.app`) against a SQLite ledger of its own. Events are written in the features as
tables of `date | event | key | details`: `event` is the catalogue's event in plain words
("tariff rate changed", "truce extended"), and `details` lists its other fields as
`name value; name value` ("imposer US; target CN; rate 125%"). Lists are separated by commas or
"and"; a delegate or participant reads `US Scott Bessent (Treasury Secretary)`.
"""

from __future__ import annotations

import itertools
import json
import re
import shlex
import typing
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pycountry
import pytest
from pytest_bdd import given, parsers, then, when
from typer.testing import CliRunner, Result

from domain import EVENT_TYPES
from ledger.cli.main import app
from tests.conftest import EXAMPLE

DAY = r"\d{4}-\d{2}-\d{2}"
NUMBER = r"-?\d+(?:\.\d+)?"
ALIASES = {"rate": "rate_pct", "change": "change_pct", "value": "value_usd", "source": "sources"}
PEOPLE = {"delegations", "participants"}
COMMANDS = {"export controls": "controls", "trade flows": "trade-flows"}


# The ledger of one scenario ---------------------------------------------------------------------


@dataclass
class Desk:
    """An analyst's desk: one fresh ledger, and the moments noted while working on it."""

    db: str
    folder: Path
    notes: dict[str, str] = field(default_factory=dict)
    files: itertools.count = field(default_factory=lambda: itertools.count(1))

    def run(self, *args: str) -> Result:
        return CliRunner().invoke(app, [*args, "--db", self.db])

    def read(self, *args: str) -> dict[str, Any]:
        result = self.run(*args, "--format", "json")
        assert result.exit_code == 0, result.stderr
        answer: dict[str, Any] = json.loads(result.stdout)
        return answer

    def head(self) -> int:
        result = self.run("log", "--format", "json")
        if result.exit_code == 2 and "no ledger at" in result.stderr:
            return 0  # nothing recorded yet, and a query creates no ledger
        assert result.exit_code == 0, result.stderr
        return int(json.loads(result.stdout)["known_at"])

    def write(self, rows: list[dict[str, str]], name: str | None = None) -> str:
        """Write events as an import file in the scenario's folder; return its name."""
        name = name or f"events-{next(self.files)}.jsonl"
        lines = (json.dumps(event_line(row), ensure_ascii=False) for row in rows)
        (self.folder / name).write_text("".join(line + "\n" for line in lines), encoding="utf-8")
        return name

    def record(self, rows: list[dict[str, str]]) -> None:
        result = self.run("import", self.write(rows))
        assert result.exit_code == 0, result.stderr

    def known_at(self, phrase: str | None) -> list[str]:
        """`--known-at` for "now", "position 4", a noted moment in quotes, or an ISO timestamp or date."""
        if not phrase or phrase == "now":
            return []
        if found := re.fullmatch(r"position (\d+)", phrase):
            return ["--known-at", found[1]]
        if found := re.fullmatch(r'"(.+)"', phrase):
            return ["--known-at", self.notes[found[1]]]
        return ["--known-at", phrase]


@dataclass
class Outcome:
    """What one recording command did, and the ledger's head before it."""

    result: Result
    head_before: int


@pytest.fixture
def desk(sqlite_db: str, tmp_path: Path) -> Desk:
    return Desk(sqlite_db, tmp_path)


# Events in analysts' words ----------------------------------------------------------------------


def event_type(words: str) -> str:
    """ "tariff rate changed" → the catalogue's TariffRateChanged."""
    return "".join(word.capitalize() for word in words.split())


def split_list(value: str) -> list[str]:
    return [part for part in re.split(r"\s*,\s*|\s+and\s+", value.strip()) if part]


def _person(text: str) -> dict[str, str]:
    found = re.fullmatch(r"(\S+)\s+([^()]+?)(?:\s*\(([^)]*)\))?", text.strip())
    assert found, f"a person reads 'CC Name (Role)', not {text!r}"
    party, name, role = found.groups()
    return {"party": party, "name": name, **({"role": role} if role else {})}


def _shape(annotation: Any) -> set[Any]:
    """The plain types a field accepts: `list`, `int`, `float`, `str`, …"""
    kinds = {typing.get_origin(annotation) or annotation}
    for arg in typing.get_args(annotation):
        kinds |= _shape(arg)
    return kinds


def _value(event_type_name: str, name: str, text: str) -> Any:
    model = EVENT_TYPES.get(event_type_name)
    annotation = model.model_fields[name].annotation if model and name in model.model_fields else str
    shape = _shape(annotation)
    if name in PEOPLE:
        return [_person(person) for person in re.split(r"\s*,\s*", text)]
    if name == "sources":
        return [{"url": url} for url in split_list(text)]
    if list in shape:
        return split_list(text)
    if shape & {int, float} and (number := re.search(NUMBER, text)):
        return float(number[0]) if "." in number[0] else int(number[0])
    return text


def event_line(row: dict[str, str]) -> dict[str, Any]:
    """One table row (`date`, `event`, `key`, `details`) as an import line."""
    kind = event_type(row["event"])
    event: dict[str, Any] = {"type": kind, "key": row["key"], "date": row["date"]}
    for part in (p.strip() for p in row.get("details", "").split(";")):
        if part:
            name, _, text = part.partition(" ")
            name = ALIASES.get(name, name)
            event[name] = _value(kind, name, text.strip())
    return event


def rows(datatable: list[list[str]]) -> list[dict[str, str]]:
    header, *body = datatable
    return [dict(zip(header, row, strict=True)) for row in body]


def country(name: str) -> str:
    """A country as an analyst names it ("China", "the US", "China's") → its ISO code."""
    name = name.strip().removeprefix("the ").removesuffix("'s")
    if len(name) == 2:
        return name.upper()
    return str(pycountry.countries.lookup(name).alpha_2)


def status(words: str) -> str:
    return words.replace(" ", "_")


# Given ------------------------------------------------------------------------------------------


@given("an empty ledger")
def empty_ledger(desk: Desk) -> None:
    nothing = desk.folder / "nothing.jsonl"
    nothing.write_text("")
    assert desk.run("import", str(nothing)).exit_code == 0  # a command that records creates the ledger
    assert desk.head() == 0


@given("the London talks ledger")
def london_talks_ledger(desk: Desk) -> None:
    result = desk.run("import", str(EXAMPLE))
    assert result.exit_code == 0, result.stderr


@given("the ledger records:")
@given("later the ledger records:")
def ledger_records(desk: Desk, datatable: list[list[str]]) -> None:
    desk.record(rows(datatable))


@given(parsers.parse('I note the position as "{label}"'))
def note_position(desk: Desk, label: str) -> None:
    desk.notes[label] = str(desk.head())


@given(parsers.parse('I note the time as "{label}"'))
def note_time(desk: Desk, label: str) -> None:
    desk.notes[label] = datetime.now(UTC).isoformat()


# When -------------------------------------------------------------------------------------------


def _outcome(desk: Desk, *args: str) -> Outcome:
    before = desk.head()
    return Outcome(desk.run(*args), before)


@when("I import the example ledger", target_fixture="outcome")
def import_example(desk: Desk) -> Outcome:
    return _outcome(desk, "import", str(EXAMPLE))


@when(parsers.parse('I import the file "{name}" holding:'), target_fixture="outcome")
def import_file(desk: Desk, name: str, datatable: list[list[str]]) -> Outcome:
    return _outcome(desk, "import", desk.write(rows(datatable), name))


@when("I record:", target_fixture="outcome")
def record_table(desk: Desk, datatable: list[list[str]]) -> Outcome:
    return _outcome(desk, "import", desk.write(rows(datatable)))


@when(
    parsers.re(rf"I record an? (?P<event>[a-z ]+?) of (?P<key>\S+) on (?P<day>{DAY})(?: with (?P<details>.+))?"),
    target_fixture="outcome",
)
def record_one(desk: Desk, event: str, key: str, day: str, details: str | None) -> Outcome:
    row = {"date": day, "event": event, "key": key, "details": details or ""}
    return _outcome(desk, "import", desk.write([row]))


@when(parsers.re(r"I run dipledger (?P<command>.+)"), target_fixture="outcome")
def run_command(desk: Desk, command: str) -> Outcome:
    return _outcome(desk, *shlex.split(command))


@when(
    parsers.re(
        rf"I read the (?P<query>tariffs|export controls|truces|negotiations|trade flows) as of (?P<day>{DAY})"
        r"(?: as known at (?P<known>.+))?"
    ),
    target_fixture="answer",
)
def read_query(desk: Desk, query: str, day: str, known: str | None) -> dict[str, Any]:
    return desk.read(COMMANDS.get(query, query), "--as-of", day, *desk.known_at(known))


@when(parsers.re(r"I read the log(?: as known at (?P<known>.+))?"), target_fixture="answer")
def read_log(desk: Desk, known: str | None) -> dict[str, Any]:
    return desk.read("log", *desk.known_at(known))


# Then: recording --------------------------------------------------------------------------------


@then("it is recorded")
def it_is_recorded(desk: Desk, outcome: Outcome) -> None:
    assert outcome.result.exit_code == 0, outcome.result.stderr
    assert "recorded" in outcome.result.stderr
    assert desk.head() > outcome.head_before


@then(parsers.parse('the recording is refused, saying "{words}"'))
def recording_refused(desk: Desk, outcome: Outcome, words: str) -> None:
    assert outcome.result.exit_code == 2, outcome.result.stderr
    assert words in outcome.result.stderr
    assert outcome.result.stdout == ""
    assert desk.head() == outcome.head_before


@then(parsers.parse("the log holds {count:d} events"))
def log_holds(desk: Desk, count: int) -> None:
    assert len(desk.read("log")["events"]) == count


@then(parsers.parse("the answer is as known at position {position:d}"))
def answer_known_at(answer: dict[str, Any], position: int) -> None:
    assert answer["known_at"] == position


# Then: tariffs ----------------------------------------------------------------------------------


def _measure(answer: dict[str, Any], key: str) -> dict[str, Any]:
    found = [m for m in answer["measures"] if m["key"] == key]
    assert found, f"{key} is not listed: {[m['key'] for m in answer['measures']]}"
    return found[0]


@then(parsers.re(r"(?P<imposer>.+?) tariffs on (?P<target>.+?) total (?P<rate>[\d.]+)%"))
def tariffs_total(answer: dict[str, Any], imposer: str, target: str, rate: str) -> None:
    pair = (country(imposer), country(target))
    totals = {(t["imposer"], t["target"]): t["rate_pct"] for t in answer["totals"] if t["product"] is None}
    assert totals.get(pair) == float(rate), totals


@then(parsers.re(r"there is no total of (?P<imposer>.+?) tariffs on (?P<target>.+)"))
def no_tariffs_total(answer: dict[str, Any], imposer: str, target: str) -> None:
    pairs = {(t["imposer"], t["target"]) for t in answer["totals"]}
    assert (country(imposer), country(target)) not in pairs, answer["totals"]


@then(
    parsers.re(
        r"the tariff (?P<key>\S+) is (?P<words>announced|in force|suspended|lifted)"
        r"(?: at (?P<rate>[\d.]+)%)?(?: since (?P<since>\S+))?"
    )
)
def tariff_is(answer: dict[str, Any], key: str, words: str, rate: str | None, since: str | None) -> None:
    measure = _measure(answer, key)
    assert measure["status"] == status(words), measure
    if rate is not None:
        assert measure["rate_pct"] == float(rate), measure
    if since is not None:
        assert measure["since"] == since, measure


@then(
    parsers.re(
        r"the tariff (?P<key>\S+) has a base rate of (?P<base>[\d.]+)%"
        rf" with (?P<points>[\d.]+) points suspended until (?P<until>{DAY})"
    )
)
def tariff_suspension(answer: dict[str, Any], key: str, base: str, points: str, until: str) -> None:
    measure = _measure(answer, key)
    assert (measure["base_rate_pct"], measure["suspended_pct"]) == (float(base), float(points)), measure
    assert measure["suspended_until"] == until, measure


@then(parsers.parse("the tariff {key} is not listed"))
def tariff_not_listed(answer: dict[str, Any], key: str) -> None:
    assert key not in [m["key"] for m in answer["measures"]]


# Then: truces -----------------------------------------------------------------------------------


def _truce(answer: dict[str, Any], key: str) -> dict[str, Any]:
    found = [t for t in answer["truces"] if t["key"] == key]
    assert found, f"{key} is not listed: {answer['truces']}"
    return found[0]


@then(
    parsers.re(
        r"the truce (?P<key>\S+) is (?P<words>agreed|in force|expired|terminated)"
        rf"(?:, expiring (?P<expires>{DAY}))?(?: with (?P<days>\d+) days? remaining)?"
    )
)
def truce_is(answer: dict[str, Any], key: str, words: str, expires: str | None, days: str | None) -> None:
    truce = _truce(answer, key)
    assert truce["status"] == status(words), truce
    if expires is not None:
        assert truce["expires"] == expires, truce
    if days is not None:
        assert truce["days_remaining"] == int(days), truce


@then(parsers.re(rf"the truce (?P<key>\S+) took effect on (?P<day>{DAY})"))
def truce_effective(answer: dict[str, Any], key: str, day: str) -> None:
    assert _truce(answer, key)["effective"] == day


@then(
    parsers.re(rf"the truce (?P<key>\S+) has an allegation by (?P<by>.+?) against (?P<against>.+?) on (?P<day>{DAY})")
)
def truce_allegation(answer: dict[str, Any], key: str, by: str, against: str, day: str) -> None:
    allegations = [(a["date"], a["by"], a["against"]) for a in _truce(answer, key)["allegations"]]
    assert (day, country(by), country(against)) in allegations, allegations


# Then: export controls --------------------------------------------------------------------------


def control_row(answer: dict[str, Any], key: str) -> dict[str, Any]:
    found = [c for c in answer["controls"] if c["key"] == key]
    assert found, f"{key} is not listed: {[c['key'] for c in answer['controls']]}"
    return found[0]


@then(
    parsers.re(
        r"the export control (?P<key>\S+) is (?P<words>announced|in force|suspended|lifted)"
        rf"(?: since (?P<since>{DAY}))?(?: until (?P<until>{DAY}))?"
    )
)
def control_is(answer: dict[str, Any], key: str, words: str, since: str | None, until: str | None) -> None:
    control = control_row(answer, key)
    assert control["status"] == status(words), control
    if since is not None:
        assert control["since"] == since, control
    if until is not None:
        assert control["suspended_until"] == until, control


@then(parsers.re(r"the export control (?P<key>\S+) controls exactly (?P<items>.+)"))
def control_items(answer: dict[str, Any], key: str, items: str) -> None:
    assert sorted(control_row(answer, key)["items"]) == sorted(split_list(items))


@then(parsers.re(r"the export control (?P<key>\S+) has (?P<count>\d+) approvals? of licences"))
def licence_approvals(answer: dict[str, Any], key: str, count: str) -> None:
    assert control_row(answer, key)["licence_approvals"] == int(count)


@then(parsers.parse("the export control {key} is not listed"))
def control_not_listed(answer: dict[str, Any], key: str) -> None:
    assert key not in [c["key"] for c in answer["controls"]]


@then(
    parsers.re(
        r"the import is refused, naming line (?P<line>\d+) of (?P<name>\S+?)(?: and the field (?P<name_of_field>\S+))?"
    )
)
def import_refused(desk: Desk, outcome: Outcome, line: str, name: str, name_of_field: str | None) -> None:
    result = outcome.result
    assert result.exit_code == 2, result.stderr
    where = f"{name}:{line}: " + (f"{name_of_field}: " if name_of_field else "")
    assert where in result.stderr, result.stderr
    assert "nothing was recorded" in result.stderr
    assert desk.head() == outcome.head_before


@then(parsers.parse('the refusal also says "{words}"'))
def refusal_also_says(outcome: Outcome, words: str) -> None:
    assert words in outcome.result.stderr, outcome.result.stderr


@then(parsers.parse("the truce {key} is not listed"))
def truce_not_listed(answer: dict[str, Any], key: str) -> None:
    assert key not in [t["key"] for t in answer["truces"]]
