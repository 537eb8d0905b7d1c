"""`dipledger`: record, replay and read the ledger of trade diplomacy."""

from __future__ import annotations

import sys
from typing import Annotated, Any

import typer

from ledger.cli.common import EXIT_FAILURE, fail
from ledger.cli.integrity import add_integrity_commands
from ledger.cli.law_data import add_law_data_commands
from ledger.cli.queries import add_query_commands
from ledger.cli.recording import add_recording_commands
from ledger.cli.reports import add_report_commands
from ledger.cli.serve import add_serve_command
from ledger.cli.tariff_law import add_tariff_law_commands
from ledger.cli.typed import add_typed_commands
from ledger.cli.upkeep import add_upkeep_commands


class Guarded(typer.core.TyperGroup):
    """Every command, with what the operating system or the calendar refuses answered as a message and
    an exit code, never a traceback."""

    def invoke(self, ctx: Any) -> Any:
        import errno

        try:
            return super().invoke(ctx)
        except OverflowError:
            raise fail("a date it would reach falls outside the years 1 to 9999 (nothing was written)") from None
        except OSError as error:
            if error.errno == errno.EPIPE:  # the reader went away (`| head`): nothing more to say
                raise typer.Exit(EXIT_FAILURE) from None
            if error.errno in (errno.ENOSPC, errno.EDQUOT):
                raise fail(f"cannot write: no space left on the device ({error.strerror})", EXIT_FAILURE) from None
            raise fail(f"cannot read or write: {error.strerror or error}", EXIT_FAILURE) from None
        except Exception as error:
            persistence = sys.modules.get("eventsourcing.persistence")  # loaded already if the database was used
            if persistence is None or not isinstance(error, persistence.PersistenceError):
                raise
            from ledger.store import redact

            text = str(error)
            if "full" in text or "No space" in text:
                raise fail("the database's disk is full: nothing was recorded", EXIT_FAILURE) from None
            raise fail(f"the database refused: {redact(text)}", EXIT_FAILURE) from None


app = typer.Typer(
    cls=Guarded,
    name="dipledger",
    help="A ledger of trade diplomacy: talks, truces, tariffs and export controls, as of any day.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)


def _version(value: bool) -> None:
    if value:
        from importlib.metadata import version

        typer.echo(f"dipledger {version('dipledger')}")
        raise typer.Exit()


@app.callback()
def main(
    version: Annotated[
        bool, typer.Option("--version", callback=_version, is_eager=True, help="Print the version and exit.")
    ] = False,
) -> None:
    """A ledger of trade diplomacy: talks, truces, tariffs and export controls, as of any day."""


add_recording_commands(app)
add_query_commands(app)
add_typed_commands(app)
add_integrity_commands(app)
add_report_commands(app)
add_upkeep_commands(app)
add_tariff_law_commands(app)
add_law_data_commands(app)
add_serve_command(app)
