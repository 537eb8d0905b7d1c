"""`dipledger rebuild` and `dipledger follow`, the read model's upkeep, on both stores."""

from __future__ import annotations

import json
import signal
import subprocess
import sys
import time
from typing import Any

from typer.testing import CliRunner

from domain import parse_fact
from ledger.application import Candidate, Ledger
from ledger.cli.main import app
from ledger.read_model import NAME, span_recorder
from tests.conftest import EXAMPLE, ROOT

runner = CliRunner()


def answers(db: str) -> list[Any]:
    found = []
    for query in ("tariffs", "controls", "truces", "negotiations"):
        result = runner.invoke(app, [query, "--db", db, "--as-of", "2025-06-10", "--format", "json"])
        assert result.exit_code == 0, result.stderr
        found.append(json.loads(result.stdout))
    return found


def test_rebuild_gives_the_same_answers(db: str) -> None:
    assert runner.invoke(app, ["import", str(EXAMPLE), "--db", db]).exit_code == 0
    before = answers(db)
    result = runner.invoke(app, ["rebuild", "--db", db])
    assert result.exit_code == 0, result.stderr
    assert "rebuilt the read model up to position" in result.stderr
    assert result.stdout == ""
    assert answers(db) == before
    assert before[0]["totals"] == [
        {"imposer": "CN", "target": "US", "product": None, "rate_pct": 10.0},
        {"imposer": "US", "target": "CN", "product": None, "rate_pct": 30.0},
    ]


def test_follow_keeps_up_with_another_writer_and_stops_on_ctrl_c(db: str) -> None:
    follower = subprocess.Popen(
        [sys.executable, "-m", "ledger", "follow", "--db", db, "--interval", "0.1"],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    ledger = Ledger(db)
    try:
        time.sleep(1)  # let it start listening before anything is recorded
        lines = [json.loads(line) for line in EXAMPLE.read_text().splitlines() if line.strip()]
        ledger.record([Candidate(parse_fact(e)) for e in lines])
        recorder = span_recorder(ledger.store)
        deadline = time.monotonic() + 30
        while (recorder.max_tracking_id(NAME) or 0) < ledger.head() and time.monotonic() < deadline:
            time.sleep(0.1)
        assert recorder.max_tracking_id(NAME) == ledger.head(), "the follower caught up without any query"
    finally:
        ledger.close()
        follower.send_signal(signal.SIGINT)
        out, err = follower.communicate(timeout=30)
    assert follower.returncode == 0, err
    assert "Traceback" not in err
    assert "read model up to position 36" in err
    assert err.rstrip().endswith("stopped following")
    assert out == ""
