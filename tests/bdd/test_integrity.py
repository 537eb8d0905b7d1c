"""Steps of the tamper-evident ledger: publishing a digest, editing the database behind its back."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager

from pytest_bdd import given, parsers, scenarios, then, when
from typer.testing import CliRunner

from ledger.cli.main import app
from ledger.spans import NAME
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


@when(
    parsers.parse("a colleague with write access tries to change the stored event at position {position:d}"),
    target_fixture="attempt",
)
def colleague_tries(desk: Desk, position: int) -> str:
    connection = sqlite3.connect(desk.db)
    try:
        with connection:
            connection.execute(
                "UPDATE stored_events SET topic = 'domain.truce:TruceAgreed' WHERE rowid = ?", (position,)
            )
    except sqlite3.DatabaseError as refused:
        return str(refused)
    finally:
        connection.close()
    return ""


@then("the database refuses it")
def database_refuses(attempt: str) -> None:
    assert "append-only" in attempt


@then("the ledger is verified when I verify it")
def verified_now(desk: Desk) -> None:
    result = desk.run("verify")
    assert result.exit_code == 0, result.stderr


@given("someone changes the rate US charges China on fentanyl in the tables that queries read")
def change_read_model(desk: Desk) -> None:
    assert desk.run("tariffs").exit_code == 0  # the read model is there to change
    with behind_the_ledgers_back(desk) as database:
        database.execute(
            "UPDATE dipledger_spans SET view = replace(view, '\"rate_pct\":20.0', '\"rate_pct\":2.0') "
            "WHERE key = 'us-ieepa-fentanyl-cn'"
        )


@given("someone moves the read model's position far past the ledger's head")
def move_read_model(desk: Desk) -> None:
    assert desk.run("tariffs").exit_code == 0
    with behind_the_ledgers_back(desk) as database:
        database.execute(f"UPDATE tracking SET notification_id = 100000 WHERE application_name = '{NAME}'")


@then("verification fails, naming a row of the read model")
def names_read_model_row(outcome: Outcome) -> None:
    assert outcome.result.exit_code == 1, outcome.result.stderr
    assert "first bad read model row" in outcome.result.stderr


@then("verification fails, naming the read model's position")
def names_read_model_position(outcome: Outcome) -> None:
    assert outcome.result.exit_code == 1, outcome.result.stderr
    assert "the read model's tracking position" in outcome.result.stderr


@when("I rebuild the read model")
def rebuild(desk: Desk) -> None:
    assert desk.run("rebuild").exit_code == 0


@then(parsers.parse("it says position {position:d} comes after the digest"))
def after_the_digest(outcome: Outcome, position: int) -> None:
    assert f"positions {position}–{position} come after the digest" in outcome.result.stderr


@when("I back up the ledger and restore the backup into an empty ledger")
def back_up_and_restore(desk: Desk) -> None:
    backup = str(desk.folder / "ledger.backup")
    assert desk.run("backup", backup).exit_code == 0
    restored = str(desk.folder / "restored.db")
    result = CliRunner().invoke(app, ["restore", backup, "--db", restored])
    assert result.exit_code == 0, result.stderr
    desk.notes["restored"] = restored


@then("the restored ledger verifies against the published digest")
def restored_verifies(desk: Desk) -> None:
    result = CliRunner().invoke(
        app, ["verify", "--digest", desk.notes["published digest"], "--db", desk.notes["restored"]]
    )
    assert result.exit_code == 0, result.stderr


@then(parsers.parse("the restored ledger answers as the original does, as of {day} as known at position {position:d}"))
def restored_answers(desk: Desk, day: str, position: int) -> None:
    for query in ("tariffs", "controls", "truces", "negotiations", "log"):
        args = [query, "--as-of", day, "--known-at", str(position), "--format", "json"]
        if query == "log":
            args = [query, "--known-at", str(position), "--format", "json"]
        original = desk.run(*args)
        restored = CliRunner().invoke(app, [*args, "--db", desk.notes["restored"]])
        assert restored.stdout == original.stdout, query
