"""Every command through typer's CliRunner: what goes to stdout, to stderr, and the exit code."""

from __future__ import annotations

import csv
import io
import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from ledger.cli.main import app
from tests.conftest import EXAMPLE

runner = CliRunner()


def run(*args: str, input: str | None = None) -> Any:
    return runner.invoke(app, [str(a) for a in args], input=input)


def as_json(*args: str) -> Any:
    result = run(*args, "--format", "json")
    assert result.exit_code == 0, result.stderr
    return json.loads(result.stdout)


@pytest.fixture
def db(sqlite_db: str) -> str:
    assert run("import", EXAMPLE, "--db", sqlite_db).exit_code == 0
    return sqlite_db


def test_import_reports_on_stderr_and_keeps_stdout_empty(sqlite_db: str) -> None:
    result = run("import", EXAMPLE, "--db", sqlite_db)
    assert result.exit_code == 0
    assert result.stdout == ""
    assert "recorded 36 events (positions 1–36)" in result.stderr


def test_reimport_says_nothing_new(db: str) -> None:
    result = run("import", EXAMPLE, "--db", db)
    assert result.exit_code == 0
    assert "nothing new to record" in result.stderr and "skipped 36" in result.stderr


def test_import_from_standard_input(sqlite_db: str) -> None:
    line = '{"type": "TariffImposed", "key": "t", "date": "2025-01-01", "imposer": "us", "target": "cn", "rate_pct": 5}'
    result = run("import", "-", "--db", sqlite_db, input=line + "\n\n")
    assert result.exit_code == 0
    assert as_json("log", "--db", sqlite_db)["events"][0]["imposer"] == "US"


def test_bad_lines_are_all_named_and_nothing_is_written(sqlite_db: str, tmp_path: Path) -> None:
    bad = tmp_path / "bad.jsonl"
    bad.write_text(
        '{"type": "TariffImposed", "key": "t", "date": "2025-01-01", "imposer": "US", "target": "CN", "rate_pct": 5}\n'
        "not json\n"
        '{"type": "TariffImposed", "key": "u", "date": "2025-13-01", "imposer": "US", "target": "CN", "rate_pct": -1}\n'
        '{"type": "Nonsense", "key": "v", "date": "2025-01-01"}\n'
    )
    result = run("import", bad, "--db", sqlite_db)
    assert result.exit_code == 2
    errors = result.stderr.splitlines()
    assert errors[0].startswith(f"{bad}:2: line: is not valid JSON")
    assert f"{bad}:3: date: '2025-13-01' is not a day of the calendar" in errors
    assert f"{bad}:3: rate_pct: must not be negative" in errors
    assert any(e.startswith(f"{bad}:4: type: unknown event type 'Nonsense'") for e in errors)
    assert "Traceback" not in result.output
    assert as_json("log", "--db", sqlite_db)["events"] == []


def test_a_missing_file_is_bad_input(sqlite_db: str) -> None:
    result = run("import", "nowhere.jsonl", "--db", sqlite_db)
    assert result.exit_code == 2
    assert "nowhere.jsonl: file: No such file or directory" in result.stderr


def test_append_with_fields(sqlite_db: str) -> None:
    result = run(
        "append", "TruceAgreed", "g", "--date", "2025-05-12", "--field", 'parties=["US","CN"]', "--field", "days=90",
        "--db", sqlite_db, "--as", "analyst",
    )  # fmt: skip
    assert result.exit_code == 0, result.stderr
    assert "recorded TruceAgreed g at position 1" in result.stderr
    (entry,) = as_json("log", "--db", sqlite_db)["events"]
    assert (entry["recorded_by"], entry["days"]) == ("analyst", 90)


def test_append_json_refuses_an_unknown_field(sqlite_db: str) -> None:
    line = '{"type": "TruceAgreed", "key": "g", "date": "2025-05-12", "parties": ["US","CN"], "days": 9, "x": 1}'
    result = run("append", "--json", line, "--db", sqlite_db)
    assert result.exit_code == 2
    assert "x: is not a field of this event type" in result.stderr


def test_typed_commands_record_and_refuse_by_the_rules(db: str) -> None:
    extended = run("truce", "extend", "geneva-2025", "--date", "2025-11-09", "--days", "365", "--db", db)
    assert extended.exit_code == 0, extended.stderr
    late = run("truce", "extend", "geneva-2025", "--date", "2027-01-01", "--days", "30", "--db", db)
    assert late.exit_code == 2
    assert "TruceExtended: the truce expired on 2026-11-10; agree a new one" in late.stderr
    delegates = run(
        "negotiation", "convene", "us-cn-trade-2025", "--date", "2025-07-28", "--round", "stockholm-2025-07",
        "--location", "Stockholm", "--delegations", "US:Scott Bessent:Treasury Secretary",
        "--delegations", "CN:He Lifeng", "--source", "https://example.org/stockholm", "--db", db,
    )  # fmt: skip
    assert delegates.exit_code == 0, delegates.stderr
    talks = as_json("negotiations", "--as-of", "2025-07-29", "--db", db)["negotiations"][0]
    stockholm = talks["rounds"][-1]
    assert stockholm["delegations"] == [
        {"party": "US", "name": "Scott Bessent", "role": "Treasury Secretary"},
        {"party": "CN", "name": "He Lifeng"},
    ]


def test_typed_command_help_names_its_fields() -> None:
    result = run("tariff", "suspend", "--help")
    assert result.exit_code == 0
    for option in ("--date", "--points", "--until", "--truce", "--source", "--announced"):
        assert option in result.stdout


def test_tariffs_answer_in_json_csv_and_table(db: str) -> None:
    answer = as_json("tariffs", "--as-of", "2025-06-10", "--db", db)
    assert answer["as_of"] == "2025-06-10" and answer["known_at"] == 36
    assert {(t["imposer"], t["target"], t["rate_pct"]) for t in answer["totals"]} == {
        ("US", "CN", 30),
        ("CN", "US", 10),
    }
    only_us = as_json("tariffs", "--as-of", "2025-04-10", "--imposer", "us", "--db", db)
    assert only_us["totals"] == [{"imposer": "US", "target": "CN", "product": None, "rate_pct": 145}]
    table = run("tariffs", "--as-of", "2025-06-10", "--db", db, "--format", "csv")
    rows = list(csv.reader(io.StringIO(table.stdout)))
    assert ["US", "CN", "", "30"] in rows
    assert "totals" in run("tariffs", "--as-of", "2025-06-10", "--db", db).stdout


def test_a_piped_table_is_aligned_text_a_line_a_row(db: str) -> None:
    lines = run("tariffs", "--as-of", "2025-06-10", "--db", db).stdout.splitlines()
    totals = lines.index("totals (as of 2025-06-10, known at 36)")
    assert lines[totals + 1].split() == ["imposer", "target", "product", "rate", "pct"]
    assert set(lines[totals + 2]) == {"-", " "}
    assert [line.split() for line in lines[totals + 3 :]] == [["CN", "US", "10"], ["US", "CN", "30"]]
    layer = next(line for line in lines if line.startswith("cn-counter-us-agri-10 "))
    assert "sorghum; soybeans; pork; beef; aquatic products; fruits; vegetables; dairy products" in layer
    header = lines[1]
    assert layer.index("in_force") == header.index("status")  # columns line up, nothing folded


def test_a_table_on_a_terminal_is_drawn_by_rich(db: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("ledger.render.on_terminal", lambda: True)
    out = run("tariffs", "--as-of", "2025-06-10", "--db", db).stdout
    assert "┃ imposer ┃ target ┃ product ┃ rate pct ┃" in out
    assert "│ US      │ CN     │         │ 30       │" in out


def test_known_at_travels_back_in_record_time(db: str) -> None:
    extension = next(e["position"] for e in as_json("log", "--db", db)["events"] if e["type"] == "TruceExtended")
    before = as_json(
        "tariffs", "--as-of", "2025-08-12", "--known-at", str(extension - 1), "--imposer", "US", "--db", db
    )
    after = as_json("tariffs", "--as-of", "2025-08-12", "--imposer", "US", "--db", db)
    assert before["known_at"] == extension - 1
    assert before["totals"][0]["rate_pct"] == 54 and after["totals"][0]["rate_pct"] == 30


def test_controls_truces_negotiations_and_trade_flows(db: str) -> None:
    (control,) = as_json("controls", "--as-of", "2025-06-10", "--item", "Terbium", "--db", db)["controls"]
    assert control["key"] == "cn-rare-earths-2025-04" and control["licence_approvals"] == 1
    assert as_json("controls", "--as-of", "2025-06-10", "--item", "gold", "--db", db)["controls"] == []
    (truce,) = as_json("truces", "--as-of", "2025-06-10", "--db", db)["truces"]
    assert {(a["by"], a["against"]) for a in truce["allegations"]} == {("US", "CN"), ("CN", "US")}
    (talks,) = as_json("negotiations", "--as-of", "2025-06-10", "--db", db)["negotiations"]
    assert talks["status"] == "open" and any(s["speaker"] == "Kevin Hassett" for s in talks["statements"])
    flows = as_json("trade-flows", "--as-of", "2025-06-10", "--db", db)["trade_flows"]
    assert {f["reports"][0]["change_pct"] for f in flows} == {-34.5, -18.1}


def test_replay_lists_what_counts_in_valid_time_order(db: str) -> None:
    answer = as_json("replay", "--as-of", "2025-02-02", "--db", db)
    assert [e["type"] for e in answer["events"]] == ["TariffImposed"]
    assert answer["state"]["TariffMeasure"]["us-ieepa-fentanyl-cn"]["status"] == "announced"
    one = as_json("replay", "--as-of", "2025-06-10", "--key", "geneva-2025", "--db", db)
    dates = [e["date"] for e in one["events"]]
    assert dates == sorted(dates) and set(one["state"]) == {"Truce"}


def test_retract_history_log_and_export(db: str) -> None:
    position = next(e["position"] for e in as_json("log", "--db", db)["events"] if e["type"] == "LicencesApproved")
    result = run("retract", position, "--reason", "Not confirmed", "--db", db)
    assert result.exit_code == 0, result.stderr
    assert run("retract", position, "--reason", "Again", "--db", db).exit_code == 2
    history = as_json("history", "cn-rare-earths-2025-04", "--db", db)["events"]
    assert [e["type"] for e in history] == ["ExportControlImposed", "LicencesApproved", "Retracted"]
    assert history[1]["retracted_by"] == 37 and history[2]["retracts"] == position
    exported = run("export", "--db", db).stdout.splitlines()
    assert len(exported) == 35
    assert all(json.loads(line)["type"] not in ("Retracted", "LicencesApproved") for line in exported)
    assert all("id" in json.loads(line) and "recorded_by" in json.loads(line) for line in exported)


def test_changes_between_two_days(db: str) -> None:
    answer = as_json("changes", "--from", "2025-06-01", "--to", "2025-06-10", "--db", db)
    keys = {group["key"] for group in answer["changes"]}
    assert {"us-cn-trade-2025", "cn-rare-earths-2025-04", "cn-customs-exports-us"} <= keys
    assert run("changes", "--from", "2025-06-10", "--to", "2025-06-01", "--db", db).exit_code == 2


def test_schema_is_a_json_schema_of_every_event_type() -> None:
    schema = json.loads(run("schema").stdout)
    assert len(schema["oneOf"]) == 29
    assert schema["$defs"]["TariffImposed"]["properties"]["type"] == {"const": "TariffImposed"}


def test_usage_errors_exit_2_without_a_traceback(db: str) -> None:
    for args in (("tariffs", "--as-of", "10 June"), ("tariffs", "--known-at", "yesterday"), ("history", "nothing")):
        result = run(*args, "--db", db)
        assert result.exit_code == 2, args
        assert "Traceback" not in result.output


def test_the_console_script_runs_as_a_real_process(sqlite_db: str) -> None:
    script = Path(sys.executable).parent / "dipledger"
    command = [str(script)] if script.exists() else [sys.executable, "-m", "ledger"]
    imported = subprocess.run([*command, "import", str(EXAMPLE), "--db", sqlite_db], capture_output=True, text=True)
    assert imported.returncode == 0, imported.stderr
    shown = subprocess.run(
        [sys.executable, "-m", "ledger", "truces", "--as-of", "2025-06-10", "--format", "json", "--db", sqlite_db],
        capture_output=True,
        text=True,
    )
    assert json.loads(shown.stdout)["truces"][0]["days_remaining"] == 63
