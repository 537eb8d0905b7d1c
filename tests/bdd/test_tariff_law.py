"""Steps of features/tariff_law.feature: product lists and import weights written as the small CSV files
an analyst would import, and the rate of one good or the trade-weighted levels read as JSON.

Every scenario runs on SQLite and on PostgreSQL: the worked cases of tariff law are the acceptance of
both stores."""

from __future__ import annotations

import csv
import re
from pathlib import Path
from typing import Any

import pytest
from pytest_bdd import given, parsers, scenarios, then, when

from tests.bdd.conftest import DAY, NUMBER, Desk, Outcome, country, rows

scenarios("tariff_law.feature")
pytestmark = pytest.mark.usefixtures("desk")  # in every test's closure, so that `db` parametrises each

WEIGHTS = {"partner": "CTY_CODE", "HS code": "HS10", "imports USD": "imports", "duty USD": "duty"}
"""The weights table's columns as the Census files name them (the import's default columns)."""
LAYER = {"layer": "key", "rate": "rate_pct", "applies": "applies", "adds": "contribution_pct"}
LAYER |= {"USMCA share": "exempt_share_pct", "why": "why"}
LEVEL = {"partner": "target", "imports USD": "value_usd", "added": "added_pct", "base": "base_pct"}
LEVEL |= {"total": "total_pct"}


@pytest.fixture
def desk(db: str, tmp_path: Path) -> Desk:
    """A fresh ledger for each scenario, on SQLite and on PostgreSQL."""
    return Desk(db, tmp_path)


def percent(text: str) -> float:
    return float(text.strip().removesuffix("%"))


def _close(found: float, expected: float) -> bool:
    return found == pytest.approx(expected, abs=1e-6)


def _csv(desk: Desk, name: str, table: list[list[str]]) -> str:
    with (desk.folder / name).open("w", newline="", encoding="utf-8") as file:
        csv.writer(file).writerows(table)
    return name


# Given ------------------------------------------------------------------------------------------


@given(parsers.re(r"the US imports of (?P<year>\d{4}), by partner and good:"))
def us_imports(desk: Desk, year: str, datatable: list[list[str]]) -> None:
    header, *body = datatable
    name = _csv(desk, f"imports-{next(desk.files)}.csv", [[WEIGHTS[column] for column in header], *body])
    result = desk.run("weights", "import", f"us-imports-{year}", name, "--imposer", "US", "--year", year)
    assert result.exit_code == 0, result.stderr


@given(
    parsers.re(
        rf'(?:later )?the product list (?P<key>\S+), "(?P<title>.+)", takes effect on (?P<day>{DAY}) '
        r"with the HS codes:"
    )
)
def product_list(desk: Desk, key: str, title: str, day: str, datatable: list[list[str]]) -> None:
    name = _csv(desk, f"{key}-{day}.csv", datatable)
    result = desk.run("products", "import", key, name, "--date", day, "--title", title)
    assert result.exit_code == 0, result.stderr


# When -------------------------------------------------------------------------------------------


@when(
    parsers.re(
        rf"I ask the (?P<imposer>\S+) rate on HS (?P<hs>[\d. ]+?) from (?P<partner>.+?) as of (?P<day>{DAY})"
        r"(?: as known at (?P<known>.+))?"
    ),
    target_fixture="answer",
)
def ask_rate(desk: Desk, imposer: str, hs: str, partner: str, day: str, known: str | None) -> dict[str, Any]:
    return desk.read("rate", country(imposer), country(partner), hs, "--as-of", day, *desk.known_at(known))


@when(
    parsers.re(
        r"I read the (?P<imposer>\S+) tariff levels(?: on (?P<partners>.+?))?"
        rf"(?: as of (?P<day>{DAY})| from (?P<start>{DAY}) to (?P<end>{DAY}))(?: as known at (?P<known>.+))?"
    ),
    target_fixture="answer",
)
def read_levels(
    desk: Desk,
    imposer: str,
    partners: str | None,
    day: str | None,
    start: str | None,
    end: str | None,
    known: str | None,
) -> dict[str, Any]:
    targets = [arg for name in re.split(r", | and ", partners or "") if name for arg in ("--target", country(name))]
    period = ["--as-of", day] if day else ["--from", start, "--to", end]
    return desk.read(
        "levels", "--imposer", country(imposer), *targets, *[p for p in period if p], *desk.known_at(known)
    )


# Then: the rate of one good ---------------------------------------------------------------------


@then(
    parsers.re(
        rf"the good pays (?P<total>{NUMBER})% in all(?:: (?P<added>{NUMBER})% added to a base of (?P<base>{NUMBER})%)?"
    )
)
def good_pays(answer: dict[str, Any], total: str, added: str | None, base: str | None) -> None:
    assert _close(answer["total_pct"], float(total)), answer
    if added is not None:
        assert _close(answer["added_pct"], float(added)), answer
    if base is not None:
        assert _close(answer["base_pct"], float(base)), answer


def _layer(answer: dict[str, Any], key: str) -> dict[str, Any] | None:
    return next((layer for layer in answer["layers"] if layer["key"] == key), None)


@then("the layers are:")
def layers_are(answer: dict[str, Any], datatable: list[list[str]]) -> None:
    expected = rows(datatable)
    assert sorted(layer["key"] for layer in answer["layers"]) == sorted(row["layer"] for row in expected), answer
    for row in expected:
        found = _layer(answer, row["layer"])
        assert found is not None
        for column, text in row.items():
            value = found[LAYER[column]]
            if column == "applies":
                assert value == (text == "yes"), found
            elif column in ("layer", "why"):
                assert value == text, found
            else:
                assert _close(value, percent(text)), (column, found)


@then(
    parsers.re(
        r"the layer (?P<key>\S+) (?P<verdict>applies|does not apply|is not named)"
        rf"(?: at (?P<rate>{NUMBER})%)?(?:, adding (?P<adds>{NUMBER})%)?"
        r'(?:,? because "(?P<why>.+)")?'
    )
)
def layer_verdict(
    answer: dict[str, Any], key: str, verdict: str, rate: str | None, adds: str | None, why: str | None
) -> None:
    layer = _layer(answer, key)
    if verdict == "is not named":
        assert layer is None, layer
        return
    assert layer is not None, f"{key} is not named: {[found['key'] for found in answer['layers']]}"
    assert layer["applies"] is (verdict == "applies"), layer
    if rate is not None:
        assert _close(layer["rate_pct"], float(rate)), layer
    if adds is not None:
        assert _close(layer["contribution_pct"], float(adds)), layer
    if why is not None:
        assert layer["why"] == why, layer


# Then: trade-weighted levels --------------------------------------------------------------------


def _level(answer: dict[str, Any], partner: str) -> dict[str, Any]:
    if partner == "all":
        return dict(answer["all"])
    found = [level for level in answer["levels"] if level["target"] == country(partner)]
    assert found, f"no level on {partner}: {[level['target'] for level in answer['levels']]}"
    return dict(found[0])


@then(
    parsers.re(
        rf"the level on (?P<partner>.+?) is (?P<added>{NUMBER})% added to a base of (?P<base>{NUMBER})%"
        rf" on (?P<value>{NUMBER}) USD of imports"
    )
)
def level_is(answer: dict[str, Any], partner: str, added: str, base: str, value: str) -> None:
    level = _level(answer, partner)
    found = (level["added_pct"], level["base_pct"], level["value_usd"])
    assert all(_close(f, float(e)) for f, e in zip(found, (added, base, value), strict=True)), level
    assert _close(level["total_pct"], float(added) + float(base)), level


@then("the levels are:")
def levels_are(answer: dict[str, Any], datatable: list[list[str]]) -> None:
    expected = rows(datatable)
    assert sorted(level["target"] for level in answer["levels"]) == sorted(
        country(row["partner"]) for row in expected if row["partner"] != "all"
    ), answer["levels"]
    for row in expected:
        level = _level(answer, row["partner"])
        for column, text in row.items():
            if column != "partner":
                assert _close(level[LEVEL[column]], percent(text)), (column, level)


@then(parsers.re(r"the series on (?P<partner>.+?) is:"))
def series_is(answer: dict[str, Any], partner: str, datatable: list[list[str]]) -> None:
    code = country(partner)
    found = [(row["date"], row["added_pct"]) for row in answer["series"] if row["target"] == code]
    expected = [(row["date"], percent(row["added"])) for row in rows(datatable)]
    assert [day for day, _ in found] == [day for day, _ in expected], found
    assert all(_close(f, e) for (_, f), (_, e) in zip(found, expected, strict=True)), found


# Then: export controls and refusals -------------------------------------------------------------


@then(parsers.re(rf"the export control (?P<key>\S+) is suspended since (?P<since>{DAY}), with no end set"))
def control_suspended_open_ended(answer: dict[str, Any], key: str, since: str) -> None:
    control = next(c for c in answer["controls"] if c["key"] == key)
    assert (control["status"], control["since"], control["suspended_until"]) == ("suspended", since, None), control


@then(parsers.parse('the question is refused, saying "{words}"'))
def question_refused(desk: Desk, outcome: Outcome, words: str) -> None:
    result = outcome.result
    assert result.exit_code == 2, (result.stdout, result.stderr)
    assert words in result.stderr, result.stderr
    assert "Traceback" not in result.output and result.stdout == ""
    assert desk.head() == outcome.head_before
