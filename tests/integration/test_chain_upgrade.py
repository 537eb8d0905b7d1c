"""A ledger written by the previous release, whose chain was built lazily, under links written with events."""

from __future__ import annotations

import shutil
from pathlib import Path

from typer.testing import CliRunner

from ledger.application import Ledger
from ledger.cli.main import app
from ledger.integrity import check_chain, head_digest
from tests.conftest import ROOT

FIXTURE = ROOT / "tests" / "fixtures" / "v1"
runner = CliRunner()


def test_a_previous_release_ledger_verifies_with_its_digest_before_and_after_a_write(tmp_path: Path) -> None:
    db = str(tmp_path / "london.db")
    shutil.copyfile(FIXTURE / "london.db", db)
    published = (FIXTURE / "digest.txt").read_text().strip()
    result = runner.invoke(app, ["verify", "--db", db, "--digest", published])
    assert result.exit_code == 0, result.stderr
    assert "written by an earlier release" in result.stderr
    appended = runner.invoke(
        app,
        ["append", "--db", db, "--json", '{"type":"TariffLifted","key":"us-ieepa-reciprocal-cn","date":"2025-12-01"}'],
    )
    assert appended.exit_code == 0, appended.stderr
    opened = Ledger(db)
    try:
        verdict = check_chain(opened.store, published)
        assert verdict.problems == []
        assert any("links up to position 37 were built after their events were recorded" in n for n in verdict.notes)
        assert head_digest(opened).endswith("@38")
    finally:
        opened.close()
