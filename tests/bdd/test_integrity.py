"""Steps of the tamper-evident ledger: publishing a digest, editing the database behind its back."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager

from pytest_bdd import given, parsers, scenarios, then, when

from tests.bdd.conftest import Desk, Outcome

scenarios("integrity.feature")

PROBLEMS = {
    "changed": "the event recorded here was changed",
    "deleted": "the event recorded here was deleted",
    "reordered": "rows were reordered",
    "not matching the digest": "the digest does not match",
}


@contextmanager
def behind_the_ledgers_back(desk: Desk) -> Iterator[sqlite3.Connection]:
    """The raw database file, as anyone with access to it could change it."""
    connection = sqlite3.connect(desk.db)
    try:
        with connection:
            for (name,) in connection.execute("SELECT name FROM sqlite_master WHERE type = 'trigger'").fetchall():
                connection.execute(f'DROP TRIGGER "{name}"')  # the database's guards, which its owner can drop
            yield connection
    finally:
        connection.close()


@given("I publish the digest")
def publish_digest(desk: Desk) -> None:
    result = desk.run("digest")
    assert result.exit_code == 0, result.stderr
    desk.notes["published digest"] = result.stdout.strip()


@given(parsers.parse("someone edits the note of the stored event at position {position:d}"))
def edit_note(desk: Desk, position: int) -> None:
    with behind_the_ledgers_back(desk) as database:
        (state,) = database.execute("SELECT state FROM stored_events WHERE rowid = ?", (position,)).fetchone()
        stored = json.loads(state)
        stored["event"]["note"] = "Quietly rewritten."
        database.execute("UPDATE stored_events SET state = ? WHERE rowid = ?", (json.dumps(stored).encode(), position))


@given(parsers.parse("someone deletes the stored event at position {position:d}"))
def delete_event(desk: Desk, position: int) -> None:
    with behind_the_ledgers_back(desk) as database:
        database.execute("DELETE FROM stored_events WHERE rowid = ?", (position,))


@given(parsers.parse("someone swaps the stored events at positions {first:d} and {second:d}"))
def swap_events(desk: Desk, first: int, second: int) -> None:
    with behind_the_ledgers_back(desk) as database:
        database.execute("UPDATE stored_events SET rowid = -1 WHERE rowid = ?", (first,))
        database.execute("UPDATE stored_events SET rowid = ? WHERE rowid = ?", (first, second))
        database.execute("UPDATE stored_events SET rowid = ? WHERE rowid = -1", (second,))


@when("I verify the ledger", target_fixture="outcome")
def verify_ledger(desk: Desk) -> Outcome:
    return Outcome(desk.run("verify"), desk.head())


@when("I verify the ledger against the published digest", target_fixture="outcome")
def verify_published(desk: Desk) -> Outcome:
    return Outcome(desk.run("verify", "--digest", desk.notes["published digest"]), desk.head())


@when(parsers.parse('I verify the ledger against the digest "{digest}"'), target_fixture="outcome")
def verify_digest(desk: Desk, digest: str) -> Outcome:
    return Outcome(desk.run("verify", "--digest", digest), desk.head())


@then("the ledger is verified")
def verified(outcome: Outcome) -> None:
    assert outcome.result.exit_code == 0, outcome.result.stderr
    assert "verified" in outcome.result.stderr


@then(parsers.parse("verification fails, naming position {position:d} as {what}"))
def verification_fails(outcome: Outcome, position: int, what: str) -> None:
    stderr = outcome.result.stderr
    assert outcome.result.exit_code == 1, stderr
    first = stderr.splitlines()[0]
    assert first.startswith(f"position {position}: ") and PROBLEMS[what] in first, stderr
    assert f"first bad position {position}" in stderr


@then("the published digest no longer matches")
def digest_no_longer_matches(outcome: Outcome) -> None:
    assert "the digest does not match" in outcome.result.stderr
