"""The Markdown report of the seed scenario: every section with its values, and recorded text kept inert."""

from __future__ import annotations

import re

from typer.testing import CliRunner

from ledger.cli.main import app
from tests.reports.conftest import Render, digest, position_of, record

DAY = "2025-06-10"


def row(document: str, first_cell: str) -> list[str]:
    """The cells of the table row that starts with `first_cell` (escaped pipes stay inside cells)."""
    line = next(line for line in document.splitlines() if line.startswith(f"| {first_cell} |"))
    return [cell.strip() for cell in re.split(r"(?<!\\)\|", line)[1:-1]]


def test_the_headline_names_the_day_the_position_known_and_the_head(seed: str, as_markdown: Render) -> None:
    document = as_markdown(seed, DAY)
    assert document.startswith("# Trade-diplomacy ledger as of 2025-06-10\n")
    assert "- **As of:** 2025-06-10 (end of day)" in document
    assert "- **As known at:** position 36 (the head)" in document
    assert "- **Head of the ledger:** position 36" in document
    assert f"- **Head digest:** `{digest(seed)}`" in document
    assert re.fullmatch(r"[0-9a-f]{64}@36", digest(seed))


def test_the_headline_gives_both_tariff_totals_and_the_truce_countdown(seed: str, as_markdown: Render) -> None:
    document = as_markdown(seed, DAY)
    assert "- **Tariff total US → CN:** 30% on all goods" in document
    assert "- **Tariff total CN → US:** 10% on all goods" in document
    assert "- **Truce geneva-2025:** in force, expires 2025-08-12, 63 days remaining" in document


def test_each_tariff_layer_shows_its_suspension_and_when_it_ends(seed: str, as_markdown: Render) -> None:
    document = as_markdown(seed, DAY)
    assert "### US → CN: 30% on all goods" in document
    assert "### CN → US: 10% on all goods" in document
    assert row(document, "`us-ieepa-reciprocal-cn`")[1:8] == [
        "all goods",
        "suspended",
        "34%",
        "24%",
        "10%",
        "2025-05-14",
        "2025-08-12",
    ]
    assert row(document, "`us-ieepa-fentanyl-cn`")[1:8] == [
        "all goods",
        "in force",
        "20%",
        "—",
        "20%",
        "2025-03-04",
        "—",
    ]
    assert row(document, "`cn-counter-us-energy`")[1:3] == ["coal, liquefied natural gas", "in force"]


def test_the_rare_earth_control_is_in_force_with_one_approval_of_unknown_count(seed: str, as_markdown: Render) -> None:
    cells = row(as_markdown(seed, DAY), "`cn-rare-earths-2025-04`")
    assert cells[1:5] == ["CN", "in force", "2025-04-04", "licence"]
    assert "dysprosium" in cells[5]
    assert cells[6:8] == ["all destinations", "1 approval (count not given)"]


def test_the_geneva_truce_is_in_force_with_63_days_left_and_both_allegations(seed: str, as_markdown: Render) -> None:
    document = as_markdown(seed, DAY)
    assert "### `geneva-2025` (US, CN): in force" in document
    assert "Effective 2025-05-14, expires 2025-08-12; **63 days remaining**." in document
    assert row(document, "2025-05-30 | US | CN")[:3] == ["2025-05-30", "US", "CN"]
    assert row(document, "2025-06-02 | CN | US")[3].startswith("The US undermined the Geneva consensus")


def test_the_london_round_lists_both_delegations_and_its_outcome(seed: str, as_markdown: Render) -> None:
    cells = row(as_markdown(seed, DAY), "`london-2025-06`")
    assert cells[1:4] == ["London (Lancaster House)", "2025-06-09", "2025-06-10"]
    us, cn = cells[4].split("<br>")
    assert us == (
        "US: Scott Bessent (Treasury Secretary), Howard Lutnick (Commerce Secretary), "
        "Jamieson Greer (US Trade Representative)"
    )
    assert cn.startswith("CN: He Lifeng (Vice Premier), Wang Wentao (Commerce Minister)")
    assert cells[5] == "agreed a framework to implement the Geneva consensus"


def test_before_the_round_concluded_it_reads_not_yet(seed: str, as_markdown: Render) -> None:
    assert row(as_markdown(seed, "2025-06-09"), "`london-2025-06`")[3] == "not yet"


def test_hassetts_expectation_is_among_the_statements_of_the_last_30_days(seed: str, as_markdown: Render) -> None:
    document = as_markdown(seed, DAY)
    recent = document[document.index("## Allegations and statements, 2025-05-12 to 2025-06-10") :]
    cells = row(recent, "2025-06-09 | US | Kevin Hassett (Director, National Economic Council)")
    assert cells[3] == "expectation"
    assert cells[4].startswith("The US expects Beijing to promptly ease its export controls on rare earths")
    assert re.fullmatch(r"\[\d+, \d+\]", cells[5])


def test_allegations_and_statements_older_than_30_days_are_left_out_of_the_window(
    seed: str, as_markdown: Render
) -> None:
    document = as_markdown(seed, "2025-07-10")
    recent = document[document.index("## Allegations and statements, 2025-06-11 to 2025-07-10") :]
    recent = recent[: recent.index("## What changed")]
    assert "Hassett" not in recent
    assert recent.count("_None._") == 2


def test_mays_fall_in_trade_is_shown_with_its_value_and_change(seed: str, as_markdown: Render) -> None:
    document = as_markdown(seed, DAY)
    assert row(document, "CN | US | exports")[3:7] == ["2025-05", "USD 28.8 bn", "-34.5%", "down"]
    assert row(document, "CN | US | imports")[3:7] == ["2025-05", "USD 10.8 bn", "-18.1%", "down"]


def test_what_changed_lists_the_events_of_the_last_30_days_in_date_order(seed: str, as_markdown: Render) -> None:
    document = as_markdown(seed, DAY)
    changed = document[document.index("## What changed, 2025-05-12 to 2025-06-10") : document.index("## Sources")]
    days = re.findall(r"^\| (\d{4}-\d\d-\d\d) \|", changed, re.M)
    assert days == sorted(days)
    assert days[0] == "2025-05-12" and days[-1] == "2025-06-10"
    convened = row(changed, "2025-06-09 | RoundConvened")
    assert convened[3].startswith("round: london-2025-06; location: London (Lancaster House); delegations: US: Scott")
    assert "2025-05-11" not in days


def test_every_source_is_listed_once_as_a_link_and_cited_by_number(seed: str, as_markdown: Render) -> None:
    document = as_markdown(seed, DAY)
    listing = document[document.index("## Sources") :]
    numbered = re.findall(r"^(\d+)\. \[(.+?)\]\(<(https?://[^>]+)>\)", listing, re.M)
    assert [int(n) for n, _, _ in numbered] == list(range(1, len(numbered) + 1))
    assert len({url for _, _, url in numbered}) == len(numbered) == 44
    titles = {int(n): title for n, title, _ in numbered}
    hassett = row(document, "2025-06-09 | US | Kevin Hassett (Director, National Economic Council)")[-1]
    first, second = (int(n) for n in re.findall(r"\d+", hassett))
    assert titles[first] == "US seeking 'handshake' on rare earths from China, White House aide says"
    assert titles[second] == "U.S. Officials Seek Rare Earths Agreement with China in London Talks"
    talks = re.search(r"Opened 2025-05-10\. Sources: \[(\d+)–(\d+)\]", document)
    assert talks is not None
    readouts = next(n for n, title in titles.items() if title == "Official readouts from the China-U.S. London talks")
    assert int(talks[1]) <= readouts <= int(talks[2])


def test_known_before_the_extension_the_truce_expires_on_12_august_and_the_rates_go_back_up(
    seed: str, as_markdown: Render
) -> None:
    before = as_markdown(seed, "2025-08-12", position_of(seed, "TruceExtended") - 1)
    assert "- **As known at:** position 33" in before
    assert f"- **Digest at position 33:** `{digest(seed, 33)}`" in before
    assert digest(seed, 33).endswith("@33") and digest(seed, 33) != digest(seed)
    assert "- **Truce geneva-2025:** expired, expires 2025-08-12, 0 days remaining" in before
    assert "- **Tariff total US → CN:** 54% on all goods" in before
    assert row(before, "`us-ieepa-reciprocal-cn`")[2:8] == ["in force", "34%", "—", "34%", "2025-08-12", "—"]


def test_known_after_the_extension_the_truce_runs_to_10_november(seed: str, as_markdown: Render) -> None:
    after = as_markdown(seed, "2025-08-12")
    assert "- **As known at:** position 36 (the head)" in after
    assert "- **Truce geneva-2025:** in force, expires 2025-11-10, 90 days remaining" in after
    assert "- **Tariff total US → CN:** 30% on all goods" in after
    assert row(after, "`us-ieepa-reciprocal-cn`")[7] == "2025-11-10"


def test_pipes_and_markup_in_recorded_text_cannot_break_the_document(tmp_path, seed: str, as_markdown: Render) -> None:
    import shutil

    db = str(tmp_path / "copy.db")
    shutil.copy(seed, db)
    record(
        db,
        {
            "type": "PositionStated",
            "key": "us-cn-trade-2025",
            "date": "2025-06-10",
            "party": "CN",
            "speaker": "A | B <script>alert(1)</script>",
            "stance": "denial",
            "statement": "No | never *ever* [link](javascript:x) <img src=x onerror=alert(1)>",
            "note": "<script>alert('note')</script>",
        },
    )
    document = as_markdown(db, DAY)
    cells = row(document, "2025-06-10 | CN | A \\| B \\<script\\>alert(1)\\</script\\>")
    assert len(cells) == 6
    assert cells[3:5] == ["denial", "No \\| never \\*ever\\* \\[link\\](javascript:x) \\<img src=x onerror=alert(1)\\>"]
    assert not re.search(r"(?<!\\)<(script|img|/script)", document)
    assert "\\<script\\>alert('note')\\</script\\>" in document


def test_changes_can_be_read_as_markdown_and_json_is_unchanged(seed: str) -> None:
    runner = CliRunner()
    as_md = runner.invoke(app, ["changes", "--from", "2025-06-01", "--to", DAY, "--format", "md", "--db", seed])
    assert as_md.exit_code == 0, as_md.output
    assert as_md.stdout.startswith("# What changed, 2025-06-01 to 2025-06-10\n\nAs known at position 36.\n")
    assert row(as_md.stdout, "2025-06-09 | RoundConvened")[2] == "`us-cn-trade-2025`"
    assert "\n## Sources\n\n1. [" in as_md.stdout
    as_json = runner.invoke(app, ["changes", "--from", "2025-06-01", "--to", DAY, "--format", "json", "--db", seed])
    import json

    answer = json.loads(as_json.stdout)
    assert list(answer) == ["from", "to", "known_at", "changes"]
    assert {group["key"] for group in answer["changes"]} >= {"us-cn-trade-2025", "geneva-2025"}


def test_the_report_command_writes_markdown_to_stdout_or_a_file(seed: str, tmp_path) -> None:
    runner = CliRunner()
    printed = runner.invoke(app, ["report", "--as-of", DAY, "--db", seed])
    assert printed.exit_code == 0, printed.output
    assert "### US → CN: 30% on all goods" in printed.stdout
    written = runner.invoke(
        app, ["report", "--as-of", DAY, "--known-at", "20", "-o", str(tmp_path / "r.md"), "--db", seed]
    )
    assert written.exit_code == 0, written.output
    assert written.stdout == ""
    assert "- **As known at:** position 20\n" in (tmp_path / "r.md").read_text(encoding="utf-8")
    assert "wrote the report as of 2025-06-10 (known at position 20)" in written.stderr


def test_a_bad_day_is_refused_with_exit_2(seed: str) -> None:
    result = CliRunner().invoke(app, ["report", "--as-of", "2025-13-01", "--db", seed])
    assert result.exit_code == 2
    assert "--as-of" in result.stderr
