"""A command line that explains itself: what a new analyst tripped over, each with its test."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from ledger.cli.main import app
from tests.conftest import EXAMPLE

runner = CliRunner()


def run(*args: Any, input: str | None = None) -> Any:
    return runner.invoke(app, [str(a) for a in args], input=input)


@pytest.fixture
def london(sqlite_db: str) -> str:
    assert run("import", EXAMPLE, "--db", sqlite_db).exit_code == 0
    return sqlite_db


def test_an_event_for_a_key_never_opened_names_the_key_and_how_to_open_it(london: str) -> None:
    result = run(
        "append",
        "TariffRateChanged",
        "us-ieepa-fentanyl-cm",
        "--date",
        "2025-11-10",
        "--field",
        "rate_pct=10",
        "--db",
        london,
    )
    assert result.exit_code == 2
    assert "no TariffMeasure 'us-ieepa-fentanyl-cm' exists before it" in result.stderr
    assert "record its TariffImposed with key 'us-ieepa-fentanyl-cm' first" in result.stderr


def test_a_byte_order_mark_at_the_start_of_a_file_is_accepted(london: str, tmp_path: Path) -> None:
    path = tmp_path / "bom.jsonl"
    line = {"type": "TariffLifted", "key": "cn-counter-us-energy", "date": "2025-11-10"}
    path.write_bytes(b"\xef\xbb\xbf" + json.dumps(line).encode() + b"\n")
    result = run("import", path, "--db", london)
    assert result.exit_code == 0, result.stderr
    assert "recorded 1 events" in result.stderr
