"""The hash chain on SQLite and PostgreSQL: digests, and every kind of edit `verify` must catch."""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from typing import Any

import pytest
from typer.testing import CliRunner

from ledger.application import Ledger
from ledger.cli.main import app
from ledger.integrity import GENESIS, check_chain, head_digest, verify
from tests.conftest import EXAMPLE
from tests.tampering import tamper, tracking_table

runner = CliRunner()


def run(*args: str) -> Any:
    return runner.invoke(app, [str(a) for a in args])


@pytest.fixture
def ledger(db: str) -> Iterator[Ledger]:
    """The example ledger (36 events), not yet chained."""
    assert run("import", EXAMPLE, "--db", db).exit_code == 0
    opened = Ledger(db)
    yield opened
    opened.close()


def edit_state(db: str, position: int, old: str, new: str) -> None:
    if "://" in db:
        state = f"convert_to(replace(convert_from(state, 'UTF8'), '{old}', '{new}'), 'UTF8')"
    else:
        state = f"CAST(replace(CAST(state AS TEXT), '{old}', '{new}') AS BLOB)"
    tamper(db, f"UPDATE EVENTS SET state = {state} WHERE ID = {position}")


def first_position_holding(ledger: Ledger, text: str) -> int:
    rows = ledger.store.recorder.select_notifications(1, 100)
    return next(row.id for row in rows if text.encode() in row.state)


# Digests ----------------------------------------------------------------------------------------


def test_an_empty_ledger_has_the_genesis_digest(db: str) -> None:
    opened = Ledger(db)
    try:
        assert head_digest(opened) == f"{'0' * 64}@0"
        assert verify(opened) == []
    finally:
        opened.close()


def test_the_digest_follows_the_documented_formula(ledger: Ledger) -> None:
    expected = GENESIS
    for row in ledger.store.recorder.select_notifications(1, 100):
        canonical = f"{row.id}\n{row.originator_id}\n{row.originator_version}\n{row.topic}\n".encode() + row.state
        expected = hashlib.sha256(expected.encode() + canonical).hexdigest()
    assert head_digest(ledger) == f"{expected}@36"


def test_a_published_digest_still_verifies_after_more_events_are_recorded(ledger: Ledger, db: str) -> None:
    published = head_digest(ledger)
    result = run(
        "append", "--db", db, "--json", '{"type":"TariffLifted","key":"us-ieepa-reciprocal-cn","date":"2025-12-01"}'
    )
    assert result.exit_code == 0, result.stderr
    assert head_digest(ledger).endswith("@37")
    assert head_digest(ledger) != published
    assert verify(ledger, published) == []


def test_a_digest_the_ledger_never_had_is_named_as_not_matching(ledger: Ledger) -> None:
    problems = verify(ledger, f"{'ab' * 32}@20")
    assert [p.position for p in problems] == [20]
    assert "the digest does not match" in problems[0].problem


def test_a_digest_past_the_head_is_refused(ledger: Ledger) -> None:
    digest, _, _ = head_digest(ledger).partition("@")
    problems = verify(ledger, f"{digest}@99")
    assert [(p.position, p.problem) for p in problems] == [
        (99, "the digest names a position past this ledger's head (36)")
    ]


def test_each_link_is_written_with_its_event(ledger: Ledger, db: str) -> None:
    """No event is stored without its link: the chain is complete before any digest is asked for."""
    tamper(db, "CREATE TABLE saved AS SELECT * FROM dipledger_chain", guarded=True)
    tamper(db, "CREATE TABLE counted AS SELECT count(*) AS n, max(position) AS top FROM saved WHERE position > 0")
    assert head_digest(ledger).endswith("@36")
    retracted = run("retract", "3", "--reason", "test", "--db", db)
    assert retracted.exit_code == 0, retracted.stderr
    rows = ledger.store.recorder.select_notifications(1, 100)
    assert len(rows) == 37
    verdict = check_chain(ledger.store)
    assert verdict.problems == [] and verdict.notes == []


# Tampering --------------------------------------------------------------------------------------


def test_an_edited_event_is_named_by_its_position(ledger: Ledger, db: str) -> None:
    published = head_digest(ledger)
    position = first_position_holding(ledger, '"rate_pct":125.0')
    edit_state(db, position, '"rate_pct":125.0', '"rate_pct":12.5')
    problems = verify(ledger, published)
    assert [str(p) for p in problems[:1]] == [f"position {position}: the event recorded here was changed"]
    assert problems[-1].position == 36 and "the digest does not match" in problems[-1].problem


def test_a_deleted_event_is_named_by_its_position(ledger: Ledger, db: str) -> None:
    head_digest(ledger)
    tamper(db, "DELETE FROM EVENTS WHERE ID = 9")
    assert [str(p) for p in verify(ledger)] == ["position 9: the event recorded here was deleted"]


def test_deleting_the_last_event_is_caught_too(ledger: Ledger, db: str) -> None:
    head_digest(ledger)
    tamper(db, "DELETE FROM EVENTS WHERE ID = 36")
    assert [str(p) for p in verify(ledger)] == ["position 36: the event recorded here was deleted"]


def test_an_event_inserted_into_a_gap_is_named_by_its_position(ledger: Ledger, db: str) -> None:
    tamper(
        db,
        "INSERT INTO EVENTS (ID, originator_id, originator_version, topic, state) "
        "SELECT 100, originator_id, originator_version + 1000, topic, state FROM EVENTS WHERE ID = 10",
        "INSERT INTO EVENTS (ID, originator_id, originator_version, topic, state) "
        "SELECT -5, originator_id, originator_version + 2000, topic, state FROM EVENTS WHERE ID = 10",
    )
    assert [str(p) for p in verify(ledger)] == [
        "position -5: a row was inserted here: the chain has no link for it",
        "position 100: a row was inserted here: the chain has no link for it",
    ]


def test_swapped_events_are_named_as_reordered(ledger: Ledger, db: str) -> None:
    head_digest(ledger)
    tamper(
        db,
        "UPDATE EVENTS SET ID = -1 WHERE ID = 5",
        "UPDATE EVENTS SET ID = 5 WHERE ID = 6",
        "UPDATE EVENTS SET ID = 6 WHERE ID = -1",
    )
    assert [str(p) for p in verify(ledger)] == [
        "position 5: holds the event recorded at position 6: rows were reordered",
        "position 6: holds the event recorded at position 5: rows were reordered",
    ]


def test_an_altered_link_of_the_chain_is_named_by_its_position(ledger: Ledger, db: str) -> None:
    head_digest(ledger)
    tamper(db, f"UPDATE dipledger_chain SET chain_hash = '{'0' * 64}' WHERE position = 3")
    assert [str(p) for p in verify(ledger)] == ["position 3: the chain's link here was altered"]


def test_a_rewritten_chain_is_still_caught_by_the_published_digest(ledger: Ledger, db: str) -> None:
    published = head_digest(ledger)
    edit_state(db, 2, '"date"', '"date" ')
    tamper(db, "DELETE FROM dipledger_chain")
    assert run("append", "--db", db, "--json", NEW_EVENT).exit_code == 0  # the next write links them all again
    verdict = check_chain(ledger.store)
    assert verdict.problems == []  # the chain was rebuilt over the edited row, and says so…
    assert "the links up to position 36 were built after their events were recorded" in verdict.notes[0]
    problems = verify(ledger, published)  # …but no longer leads to the published digest
    assert [p.position for p in problems] == [36]
    assert "an event at or before it was changed and the chain rewritten" in problems[0].problem


def test_a_chain_whose_tracking_row_is_edited_still_answers_at_once(ledger: Ledger, db: str) -> None:
    published = head_digest(ledger)
    assert run("tariffs", "--db", db).exit_code == 0  # the read model's tracking row beside it
    tamper(db, f"DELETE FROM {tracking_table(db)}", f"INSERT INTO {tracking_table(db)} VALUES ('chain', 999999)")
    assert verify(ledger, published) == []


def test_an_edit_before_the_first_digest_is_named(ledger: Ledger, db: str) -> None:
    """The links are written as events are recorded: an edit made before any digest is still caught."""
    edit_state(db, 2, '"date"', '"date" ')
    assert [str(p) for p in verify(ledger)] == ["position 2: the event recorded here was changed"]


def test_a_row_inserted_after_the_digest_is_named_and_later_positions_unverified(ledger: Ledger, db: str) -> None:
    published = head_digest(ledger)
    tamper(
        db,
        "INSERT INTO EVENTS (originator_id, originator_version, topic, state) "
        "SELECT originator_id, originator_version + 1000, topic, state FROM EVENTS WHERE ID = 36",
    )
    problems = verify(ledger, published)
    assert [str(p) for p in problems] == ["position 37: a row was inserted here: the chain has no link for it"]
    appended = run("append", "--db", db, "--json", NEW_EVENT)
    assert appended.exit_code == 0, appended.stderr
    verdict = check_chain(ledger.store, published)
    assert [p.position for p in verdict.problems] == [37]
    tamper(db, "INSERT INTO dipledger_chain SELECT 37, event_hash, chain_hash FROM dipledger_chain WHERE position = 36")
    verdict = check_chain(ledger.store, published)
    assert verdict.problems and verdict.problems[0].position == 37


def test_with_a_digest_an_edit_is_named_at_its_own_position(ledger: Ledger, db: str) -> None:
    published = head_digest(ledger)
    edit_state(db, 2, '"date"', '"date" ')
    problems = verify(ledger, published)
    assert [p.position for p in problems] == [2, 36]
    assert "first changed at position 2" in problems[1].problem


def test_positions_after_a_digest_are_named_as_unverified_by_it(ledger: Ledger, db: str) -> None:
    published = head_digest(ledger)
    assert run("append", "--db", db, "--json", NEW_EVENT).exit_code == 0
    result = run("verify", "--db", db, "--digest", published)
    assert result.exit_code == 0, result.stderr
    assert "positions 37–37 come after the digest" in result.stderr


def test_the_database_refuses_to_change_or_delete_events_and_links(ledger: Ledger, db: str) -> None:
    for statement in (
        "UPDATE EVENTS SET topic = 'x' WHERE ID = 3",
        "DELETE FROM EVENTS WHERE ID = 3",
        "UPDATE dipledger_chain SET chain_hash = 'x' WHERE position = 3",
        "DELETE FROM dipledger_chain",
    ):
        with pytest.raises(Exception, match="append-only"):
            tamper(db, statement, guarded=True)
    if "://" in db:
        for table in ("EVENTS", "dipledger_chain"):
            with pytest.raises(Exception, match="append-only"):
                tamper(db, f"TRUNCATE {table}", guarded=True)
    assert verify(ledger) == []


NEW_EVENT = '{"type":"TariffLifted","key":"us-ieepa-reciprocal-cn","date":"2025-12-01"}'


# The commands -----------------------------------------------------------------------------------


def test_digest_prints_the_head_and_verify_passes_on_an_untouched_ledger(ledger: Ledger, db: str) -> None:
    digest = run("digest", "--db", db)
    assert digest.exit_code == 0, digest.stderr
    assert digest.stdout == head_digest(ledger) + "\n"
    checked = run("verify", "--db", db, "--digest", digest.stdout.strip())
    assert checked.exit_code == 0, checked.stderr
    assert checked.stdout == ""
    assert "verified" in checked.stderr


def test_verify_exits_1_naming_the_first_bad_position(ledger: Ledger, db: str) -> None:
    head_digest(ledger)
    edit_state(db, 4, '"date"', '"date" ')
    tamper(db, "DELETE FROM EVENTS WHERE ID = 20")
    result = run("verify", "--db", db)
    assert result.exit_code == 1
    assert "position 4: the event recorded here was changed" in result.stderr
    assert "position 20: the event recorded here was deleted" in result.stderr
    assert "first bad position 4" in result.stderr


def test_verify_exits_1_when_the_digest_does_not_match(ledger: Ledger, db: str) -> None:
    result = run("verify", "--db", db, "--digest", f"{'ab' * 32}@36")
    assert result.exit_code == 1
    assert "position 36: the digest does not match" in result.stderr


def test_verify_refuses_a_digest_that_is_not_hash_at_position(db: str) -> None:
    result = run("verify", "--db", db, "--digest", "nonsense")
    assert result.exit_code == 2
    assert "--digest: 'nonsense' is not HASH@POSITION" in result.stderr
    assert "Traceback" not in result.stderr
