"""`dipledger rebuild` and `dipledger follow`, the read model's upkeep, on both stores."""

from __future__ import annotations

import json
import queue
import signal
import subprocess
import sys
import threading
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


class Heard:
    """Every line a process writes to stderr, read as it comes by a thread of its own."""

    def __init__(self, process: subprocess.Popen[str]):
        self.lines: queue.Queue[str] = queue.Queue()
        self.all: list[str] = []
        self.reader = threading.Thread(target=self._read, args=(process,), daemon=True)
        self.reader.start()

    def _read(self, process: subprocess.Popen[str]) -> None:
        assert process.stderr is not None
        for line in process.stderr:
            self.all.append(line)
            self.lines.put(line)

    def until(self, words: str, seconds: float = 60) -> None:
        """Wait for a line holding `words` (at most `seconds`)."""
        deadline = time.monotonic() + seconds
        while (left := deadline - time.monotonic()) > 0:
            try:
                if words in self.lines.get(timeout=left):
                    return
            except queue.Empty:
                break
        raise AssertionError(f"{words!r} not said within {seconds} s; heard {self.all!r}")


def test_follow_keeps_up_with_another_writer_and_stops_on_ctrl_c(db: str) -> None:
    follower = subprocess.Popen(
        [sys.executable, "-m", "ledger", "follow", "--db", db, "--interval", "0.1"],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    heard = Heard(follower)
    ledger = Ledger(db)
    try:
        # The follower says where it stands once it has caught up and is listening: only then is anything
        # recorded, and it is stopped only once it has said it reached the head (a machine too busy to
        # start it within a second must not turn the test into a race).
        heard.until("read model up to position 0")
        lines = [json.loads(line) for line in EXAMPLE.read_text().splitlines() if line.strip()]
        ledger.record([Candidate(parse_fact(e)) for e in lines])
        heard.until(f"read model up to position {ledger.head()}")
        recorder = span_recorder(ledger.store)
        assert recorder.max_tracking_id(NAME) == ledger.head(), "the follower caught up without any query"
    finally:
        ledger.close()
        follower.send_signal(signal.SIGINT)
        out = follower.stdout.read() if follower.stdout is not None else ""
        follower.wait(timeout=30)
        heard.reader.join(timeout=30)
    err = "".join(heard.all)
    assert follower.returncode == 0, err
    assert "Traceback" not in err
    assert err.rstrip().endswith("stopped following")
    assert out == ""
