"""What an attacker with write access to the database tried, on SQLite and PostgreSQL: each attempt is
refused by the database, or named by `verify`, and never makes recording trust what it cannot check."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest
from typer.testing import CliRunner

from ledger.application import Ledger
from ledger.cli.main import app
from ledger.spans import NAME
from tests.conftest import EXAMPLE
from tests.tampering import rewrite_snapshots, snapshots_table, tamper, tracking_table

runner = CliRunner()


def run(*args: object) -> Any:
    return runner.invoke(app, [str(a) for a in args])


@pytest.fixture
def london(db: str) -> str:
    result = run("import", EXAMPLE, "--db", db)
    assert result.exit_code == 0, result.stderr
    assert run("tariffs", "--db", db, "--as-of", "2025-06-10").exit_code == 0  # the read model built
    return db


def tariffs(db: str, *args: object) -> dict[str, Any]:
    result = run("tariffs", "--db", db, "--format", "json", *args)
    assert result.exit_code == 0, result.stderr
    answer: dict[str, Any] = json.loads(result.stdout)
    return answer


# 1. The read model queries read ---------------------------------------------------------------------


def test_an_edited_rate_in_the_read_model_is_named_by_verify(london: str) -> None:
    tamper(london, "UPDATE dipledger_spans SET view = replace(view, '\"rate_pct\":10.0', '\"rate_pct\":10.5')")
    result = run("verify", "--db", london)
    assert result.exit_code == 1, result.stderr
    assert "first bad read model row" in result.stderr
    assert "is not what the chained events give" in result.stderr
    assert run("rebuild", "--db", london).exit_code == 0
    assert run("verify", "--db", london).exit_code == 0


def test_a_tracking_position_moved_ahead_is_named_by_verify(london: str) -> None:
    tamper(london, f"UPDATE {tracking_table(london)} SET notification_id = 1000 WHERE application_name = '{NAME}'")
    result = run("verify", "--db", london)
    assert result.exit_code == 1
    assert "the read model's tracking position: says it has read up to position 1000" in result.stderr


def test_a_deleted_read_model_row_is_named_by_verify(london: str) -> None:
    tamper(london, "DELETE FROM dipledger_spans WHERE id = 3")
    result = run("verify", "--db", london)
    assert result.exit_code == 1
    assert "lacks the row the chained events give" in result.stderr


# 3. Snapshots -----------------------------------------------------------------------------------------

IMPOSED = {"type": "TariffImposed", "key": "layer", "date": "2025-01-01", "imposer": "US", "target": "CN"}
IMPOSED["rate_pct"] = 50


def rate(day: str, pct: float = 20) -> str:
    return json.dumps({"type": "TariffRateChanged", "key": "layer", "date": day, "rate_pct": pct})


@pytest.fixture
def snapshotted(db: str, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    """A tariff lifted after a few rate changes, with a snapshot taken after the lift."""
    from ledger.store import EventStore

    monkeypatch.setattr(EventStore, "snapshot_interval", 3)
    lines = [json.dumps(IMPOSED), rate("2025-02-01"), rate("2025-03-01", 30), rate("2025-03-10"), rate("2025-03-20")]
    lines.append(json.dumps({"type": "TariffLifted", "key": "layer", "date": "2025-04-01"}))
    for line in lines:
        assert run("append", "--db", db, "--json", line).exit_code == 0
    opened = Ledger(db)
    try:
        snapshot = opened.store.snapshots_of([("TariffMeasure", "layer")])[("TariffMeasure", "layer")]
        assert snapshot.version == 6 and snapshot.state["closed_on"] == "2025-04-01"
    finally:
        opened.close()
    yield db


def test_a_forged_snapshot_lets_no_rule_be_broken_and_is_named_by_verify(snapshotted: str) -> None:
    def reopened(state: bytes) -> bytes:
        data = json.loads(state)
        data["state"]["closed_on"] = None
        return json.dumps(data).encode()

    assert rewrite_snapshots(snapshotted, reopened) == 1
    named = run("verify", "--db", snapshotted)
    assert named.exit_code == 1
    assert "snapshot of aggregate" in named.stderr and "is not the snapshot sealed when it was taken" in named.stderr
    refused = run("append", "--db", snapshotted, "--json", rate("2025-05-01", 99))
    assert refused.exit_code == 2, refused.stderr
    assert "lifted" in refused.stderr
    later = run("append", "--db", snapshotted, "--json", json.dumps({**IMPOSED, "key": "other"}))
    assert later.exit_code == 0, later.stderr
    assert run("rebuild", "--db", snapshotted).exit_code == 0  # drops every snapshot, as a cache
    assert run("verify", "--db", snapshotted).exit_code == 0


def test_a_snapshot_stored_as_text_is_dropped_and_recording_goes_on(snapshotted: str) -> None:
    assert rewrite_snapshots(snapshotted, lambda state: state.decode()) == 1
    named = run("verify", "--db", snapshotted)
    assert named.exit_code == 1 and "snapshot of aggregate" in named.stderr
    recorded = run("append", "--db", snapshotted, "--json", rate("2025-03-25", 5))
    assert recorded.exit_code == 0, recorded.stderr
    assert "Traceback" not in recorded.stderr
    if "://" not in snapshotted:  # (on PostgreSQL the column itself stays text, and the next snapshot with it)
        assert run("verify", "--db", snapshotted).exit_code == 0


def test_a_snapshot_under_another_topic_is_named_by_verify_and_never_used(snapshotted: str) -> None:
    tamper(snapshotted, f"UPDATE {snapshots_table(snapshotted)} SET topic = 'x' || topic")
    named = run("verify", "--db", snapshotted)
    assert named.exit_code == 1 and "not a snapshot's" in named.stderr
    recorded = run("append", "--db", snapshotted, "--json", rate("2025-03-25", 5))
    assert recorded.exit_code == 0, recorded.stderr
    assert run("verify", "--db", snapshotted).exit_code == 0  # dropped by the recording, as a cache


def test_a_seal_cannot_be_added_for_an_event_already_recorded(snapshotted: str) -> None:
    """A forged snapshot would need a seal: the database takes one only with its event."""
    for position in (1, 5, 999):
        with pytest.raises(Exception, match="sealed only in the transaction"):
            tamper(snapshotted, f"INSERT INTO dipledger_snapshot_seals VALUES ('{'0' * 64}', {position})", guarded=True)
