"""The worked example of the US tariffs of 2025, recorded by its own `load` script: its headline levels."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import ROOT

LOAD = ROOT / "examples" / "us-tariffs-2025" / "load"

# partner, day, the public tracker's trade-weighted added rate, and the rate the law gives where
# the example's README shows the law and the tracker apart (None: they agree)
HEADLINE = [
    ("CA", "2025-04-04", 9.80, 8.78),  # energy and potash at 10%; auto parts dutiable from 3 May
    ("CN", "2025-06-02", 27.05, 29.44),  # the fentanyl tariff stacks on Section 232 goods
    ("GB", "2025-08-06", 12.78, 8.34),  # UK autos at 10% all-inclusive from 30 June; Annex II as HS8
    ("JP", "2025-10-13", 15.42, 13.62),  # 15% inclusive of the MFN rate; Annex II as HS8
    ("IN", "2025-10-13", 43.03, 34.24),  # Annex II as HS8: medicines exempt
    ("BR", "2025-10-13", 27.19, 29.99),  # goods freed from the 40% still pay the 10% reciprocal
    ("MX", "2025-10-13", 8.53, None),
    ("CH", "2025-12-03", 6.58, None),
]


def _run(*command: str) -> subprocess.CompletedProcess[str]:
    scripts = str(Path(sys.executable).parent)  # where this interpreter installed `dipledger`
    env = {**os.environ, "PATH": scripts + os.pathsep + os.environ.get("PATH", ""), "DIPLEDGER_USER": "tester"}
    env.pop("DIPLEDGER_DB", None)
    return subprocess.run(command, capture_output=True, text=True, env=env, timeout=900)


@pytest.fixture(scope="module")
def loaded(tmp_path_factory: pytest.TempPathFactory) -> dict[str, object]:
    """The example loaded twice into one SQLite ledger, and the levels of each headline day."""
    db = str(tmp_path_factory.mktemp("us-tariffs-2025") / "ledger.db")
    first = _run(str(LOAD), "--db", db)
    assert first.returncode == 0, first.stderr
    again = _run(str(LOAD), "--db", db)
    levels: dict[tuple[str, str], float] = {}
    for day in sorted({day for _, day, _, _ in HEADLINE}):
        shown = _run(sys.executable, "-m", "ledger", "levels", "--imposer", "US", "--as-of", day, "--format", "json",
                     "--db", db)  # fmt: skip
        assert shown.returncode == 0, shown.stderr
        for row in json.loads(shown.stdout)["levels"]:
            levels[(row["target"], day)] = row["added_pct"]
    return {"again": again, "levels": levels}


def test_loading_the_example_again_records_nothing_and_succeeds(loaded: dict[str, object]) -> None:
    again = loaded["again"]
    assert isinstance(again, subprocess.CompletedProcess)
    assert again.returncode == 0, again.stderr
    assert "Traceback" not in again.stderr


@pytest.mark.parametrize(("partner", "day", "tracker", "law"), HEADLINE, ids=[f"{p}-{d}" for p, d, _, _ in HEADLINE])
def test_a_headline_level_is_within_one_point_of_the_tracker_or_of_the_law_where_they_differ(
    loaded: dict[str, object], partner: str, day: str, tracker: float, law: float | None
) -> None:
    levels = loaded["levels"]
    assert isinstance(levels, dict)
    expected = tracker if law is None else law
    assert levels[(partner, day)] == pytest.approx(expected, abs=1.0)
