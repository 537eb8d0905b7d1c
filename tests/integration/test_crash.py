"""An import killed at a random moment leaves none of it or all of it, and the ledger stays whole."""

from __future__ import annotations

import json
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

from ledger.application import Ledger
from ledger.integrity import head_digest, verify

EVENTS = 3000


def generated_file(path: Path) -> str:
    """A few thousand valid events: tariff layers with some text to write."""
    with path.open("w") as file:
        for i in range(EVENTS):
            event = {
                "type": "TariffImposed",
                "key": f"layer-{i}",
                "date": "2025-01-02",
                "imposer": "US",
                "target": "CN",
                "rate_pct": i % 50,
                "note": f"Generated layer {i}. " * 10,
            }
            file.write(json.dumps(event) + "\n")
    return str(path)


def importing(db: str, path: str) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        [sys.executable, "-m", "ledger", "import", path, "--db", db],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )


def whole(db: str) -> tuple[int, list[str]]:
    """How many events are recorded (not the head: on PostgreSQL a rolled-back import leaves its
    positions unused), and what `verify` finds wrong (the chain caught up first)."""
    opened = Ledger(db)
    try:
        head_digest(opened)
        return sum(1 for _ in opened.store.notifications()), [str(problem) for problem in verify(opened)]
    finally:
        opened.close()


def test_a_killed_import_leaves_none_or_all_of_it_and_a_second_run_completes_it(db: str, tmp_path: Path) -> None:
    path = generated_file(tmp_path / "generated.jsonl")
    longest = 4.0 if "://" in db else 1.5
    for _ in range(3):
        delay = random.uniform(0.2, longest)
        process = importing(db, path)
        time.sleep(delay)
        process.send_signal(signal.SIGKILL)
        process.wait(timeout=60)
        assert process.stderr is not None
        process.stderr.close()
        recorded, problems = whole(db)
        assert recorded in (0, EVENTS), f"killed after {delay:.2f} s: {recorded} events recorded"
        assert problems == [], f"killed after {delay:.2f} s"
        if recorded == EVENTS:
            break
    finished = importing(db, path)
    _, stderr = finished.communicate(timeout=120)
    assert finished.returncode == 0, stderr
    assert whole(db) == (EVENTS, [])
