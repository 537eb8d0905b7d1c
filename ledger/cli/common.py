"""What every command shares: its options, opening the ledger, and the one error boundary."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date
from typing import TYPE_CHECKING, Annotated

import typer

from ledger.known_at import KnownAt
from ledger.render import Format

if TYPE_CHECKING:
    from domain import World
    from ledger.application import Ledger
    from ledger.projections import Views

Db = Annotated[
    str | None,
    typer.Option("--db", envvar="DIPLEDGER_DB", help="SQLite file or postgresql:// URL (default: ./dipledger.db)."),
]
AsOf = Annotated[
    str | None, typer.Option("--as-of", help="The day to answer for, YYYY-MM-DD (default: today).", show_default=False)
]


def _known_at(text: str | KnownAt | None) -> KnownAt:
    """`--known-at` parsed where it is typed; a bad one ends the command with exit 2 and its message."""
    from domain import LedgerError

    if isinstance(text, KnownAt):  # the default
        return text
    try:
        return KnownAt.parse(text)
    except LedgerError as error:
        raise fail(str(error)) from None


KnownAtOption = Annotated[
    KnownAt,
    typer.Option(
        "--known-at",
        parser=_known_at,
        metavar="POSITION|TIME",
        help="Only what was recorded by then: a position (digits) or an ISO-8601 timestamp or date, UTC "
        "(default: now).",
        show_default=False,
    ),
]
Fmt = Annotated[Format, typer.Option("--format", "-f", help="Output format.")]
User = Annotated[
    str | None,
    typer.Option(
        "--as", envvar="DIPLEDGER_USER", help="Who records the event (default: the OS user).", show_default=False
    ),
]

EXIT_INPUT, EXIT_FAILURE, EXIT_CONFLICT = 2, 1, 3


def fail(message: str, code: int = EXIT_INPUT) -> typer.Exit:
    typer.echo(f"dipledger: {message}", err=True)
    return typer.Exit(code)


def say(message: str) -> None:
    """A message for the user: always on stderr, so stdout stays clean for data."""
    typer.echo(message, err=True)


def parse_day(text: str | None, option: str = "--as-of") -> date:
    from domain.dates import parse_date

    if text is None:
        return date.today()
    try:
        return parse_date(text.strip())
    except ValueError as error:
        raise fail(f"{option}: {error}") from None


def country(value: str, option: str, *, group: bool = True) -> str:
    """A country code given to a query, checked as recorded ones are (UK is GB; EU when `group`)."""
    from domain.partners import country_code

    try:
        return country_code(value, group=group)
    except ValueError as error:
        raise fail(f"{option}: {error}") from None


def countries(value: str | None, option: str) -> str | None:
    """An optional country filter, checked (None when not given)."""
    return country(value, option) if value is not None else None


@contextmanager
def ledger(db: str | None, records: bool = False) -> Iterator[Ledger]:
    """Open the ledger for one command; turn every refusal into a message and its exit code. A command
    that `records` creates the ledger if need be; any other needs one there, and writes nothing where
    the database lets it write nothing (`Ledger`)."""
    from domain import LedgerError
    from ledger.application import Ledger, WriteConflict
    from ledger.offers import RecordingRefused
    from ledger.store import StorageError

    opened: Ledger | None = None
    try:
        opened = Ledger(db, create=records, read_only=False if records else None)
        yield opened
    except RecordingRefused as refused:
        for origin, field, problem in refused.problems:
            typer.echo(f"{origin}: {field}: {problem}" if origin else f"{field}: {problem}", err=True)
        typer.echo("nothing was recorded", err=True)
        raise typer.Exit(EXIT_INPUT) from None
    except WriteConflict as conflict:
        raise fail(str(conflict), EXIT_CONFLICT) from None
    except StorageError as error:
        raise fail(str(error), EXIT_FAILURE) from None
    except LedgerError as error:
        raise fail(str(error)) from None
    finally:
        if opened is not None:
            opened.close()


def known_world(db: str | None, known_at: KnownAt) -> World:
    """The whole ledger as known at `--known-at`, held in memory (the ledger is closed again)."""
    with ledger(db) as opened:
        return opened.world(opened.resolve_known_at(known_at))


@contextmanager
def views(db: str | None, known_at: KnownAt) -> Iterator[Views]:
    """The persistent read model as known at `--known-at`: read straight from the file when it is a
    ledger whose read model is up to date (`Backend.direct_views`), else through the ledger, which
    brings it up to date first."""
    from domain import LedgerError
    from ledger.address import database
    from ledger.storage import backend_for

    try:
        direct = backend_for(database(db)).direct_views(known_at)
    except LedgerError:  # a bad address: opening the ledger below says what is wrong, with its exit code
        direct = None
    if direct is None:
        with ledger(db) as opened:
            yield opened.read_model(opened.resolve_known_at(known_at))
        return
    try:
        yield direct
    finally:
        direct.close()


def is_terminal() -> bool:
    return sys.stderr.isatty()
