"""The web face's load benchmark runs end to end on a small ledger and prints its figures."""

from __future__ import annotations

import subprocess
import sys

from tests.conftest import ROOT


def test_the_load_benchmark_serves_its_readers_and_prints_p50_and_p95() -> None:
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "benchmarks.serve",
            "--events",
            "2000",
            "--readers",
            "5",
            "--requests",
            "10",
            "--days",
            "2",
            "--seconds",
            "60",
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert "5 readers at once: 50 pages" in done.stdout
    assert "p50" in done.stdout and "p95" in done.stdout
    assert "target p95 ≤ 100 ms a page:" in done.stdout
