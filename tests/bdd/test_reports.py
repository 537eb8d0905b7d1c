"""Steps of features/reports.feature: the Markdown report read the way an analyst reads it."""

from __future__ import annotations

import re

from pytest_bdd import parsers, scenarios, then, when

from tests.bdd.conftest import Desk, country

scenarios("reports.feature")

DAY = r"\d{4}-\d{2}-\d{2}"


def _table_row(report: str, first_cell: str) -> list[str]:
    line = next(line for line in report.splitlines() if line.startswith(f"| {first_cell} |"))
    return [cell.strip() for cell in re.split(r"(?<!\\)\|", line)[1:-1]]


def _section(report: str, heading: str) -> str:
    start = report.index(heading)
    end = report.find("\n## ", start + 1)
    return report[start : end if end > 0 else None]


@when(
    parsers.re(rf"I write the report as of (?P<day>{DAY})(?: as known (?P<when>.+))?"),
    target_fixture="report",
)
def write_report(desk: Desk, day: str, when: str | None) -> str:
    known: list[str] = []
    if when == "just before the extension was recorded":
        extension = next(e for e in desk.read("log")["events"] if e["type"] == "TruceExtended")
        known = ["--known-at", str(extension["position"] - 1)]
    result = desk.run("report", "--as-of", day, *known, "--format", "md", "-o", "report.md")
    assert result.exit_code == 0, result.stderr
    return (desk.folder / "report.md").read_text(encoding="utf-8")


@then(parsers.re(rf"the report is as of (?P<day>{DAY}), as known at the head of the ledger"))
def report_as_of(desk: Desk, report: str, day: str) -> None:
    assert f"- **As of:** {day} (end of day)" in report
    assert f"- **As known at:** position {desk.head()} (the head)" in report


@then(
    parsers.re(r"the report puts the tariff of (?P<imposer>.+?) on (?P<target>.+?) at (?P<rate>[\d.]+)% on all goods")
)
def report_total(report: str, imposer: str, target: str, rate: str) -> None:
    pair = f"{country(imposer)} → {country(target)}"
    assert f"- **Tariff total {pair}:** {rate}% on all goods" in report
    assert f"### {pair}: {rate}% on all goods" in report


@then(parsers.re(rf"the report shows (?P<points>\d+) points of (?P<key>\S+) suspended until (?P<day>{DAY})"))
def report_suspension(report: str, points: str, key: str, day: str) -> None:
    cells = _table_row(report, f"`{key}`")
    assert (cells[2], cells[4], cells[7]) == ("suspended", f"{points}%", day)


@then(
    parsers.re(rf"the report counts (?P<days>\d+) days remaining in the truce (?P<key>\S+), expiring (?P<expiry>{DAY})")
)
def report_countdown(report: str, days: str, key: str, expiry: str) -> None:
    assert re.search(rf"- \*\*Truce {key}:\*\* [a-z ]+, expires {expiry}, {days} days remaining", report)
    assert f"expires {expiry}; **{days} days remaining**" in report


@then(parsers.re(r"the report shows the London round with (?P<people>.+) for (?P<party>the US|China)"))
def report_delegation(report: str, people: str, party: str) -> None:
    delegations = _table_row(report, "`london-2025-06`")[4].split("<br>")
    code = country(party)
    listed = next(d for d in delegations if d.startswith(f"{code}: "))
    for name in re.split(r", | and ", people):
        assert name in listed, (name, listed)


@then("the report quotes Kevin Hassett's expectation among the statements of the last 30 days")
def report_hassett(report: str) -> None:
    recent = _section(report, "## Allegations and statements")
    cells = _table_row(recent, "2025-06-09 | US | Kevin Hassett (Director, National Economic Council)")
    assert cells[3] == "expectation"
    assert "ease its export controls on rare earths" in cells[4]


@then(parsers.re(r"the report shows China's exports to the US down (?P<fall>[\d.]+)% in (?P<period>\d{4}-\d\d)"))
def report_trade(report: str, fall: str, period: str) -> None:
    cells = _table_row(report, "CN | US | exports")
    assert (cells[3], cells[5], cells[6]) == (period, f"-{fall}%", "down")


@then("the report names the sources of every tariff layer")
def report_sources(report: str) -> None:
    listed = {int(n) for n in re.findall(r"^(\d+)\. \[", _section(report, "## Sources"), re.M)}
    layers = [line for line in _section(report, "## Tariffs").splitlines() if line.startswith("| `")]
    assert layers
    for line in layers:
        cited = re.fullmatch(r"\[([\d, –]+)\]", _table_row(line, line.split(" | ")[0][2:])[-1])
        assert cited, line
        for part in cited[1].split(", "):
            first, _, last = part.partition("–")
            assert set(range(int(first), int(last or first) + 1)) <= listed
