"""`products` and `weights`: the product lists that tariff layers name and the imports that levels are
weighted by, recorded from files and shown as known at a position."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from ledger.cli.common import AsOf, Db, Fmt, KnownAtOption, User, country, fail, ledger, parse_day, say
from ledger.cli.tariff_law import reading_law
from ledger.known_at import NOW
from ledger.render import Format, emit

if TYPE_CHECKING:
    from ledger.tariff_law import TariffLaw

PRODUCT_COLUMNS = ("key", "title", "since", "count", "basis")
WEIGHT_COLUMNS = ("key", "year", "partner", "goods", "value_usd", "duty_usd", "file", "sha256")

products_app = typer.Typer(help="Lists of goods by HS code that tariff layers cover or exempt.", no_args_is_help=True)
weights_app = typer.Typer(help="Imports by partner and good in a base year, that levels are weighted by.")


@products_app.command("import")
def products_import(
    key: Annotated[str, typer.Argument(help="The list's key, e.g. us-eo14257-annex-ii.")],
    file: Annotated[Path, typer.Argument(help="A CSV file (see --column) or a file of codes, one a line.")],
    date_: Annotated[str, typer.Option("--date", help="The day the list takes effect, YYYY-MM-DD.")],
    title: Annotated[str, typer.Option("--title", help="The list's title, e.g. 'EO 14257 Annex II'.")],
    column: Annotated[
        str | None, typer.Option("--column", help="The CSV column of codes (default: the first).")
    ] = None,
    source: Annotated[list[str] | None, typer.Option("--source", help="Where the list is published (URL).")] = None,
    basis: Annotated[str | None, typer.Option("--basis", help="The legal basis, e.g. 'EO 14257'.")] = None,
    db: Db = None,
    as_user: User = None,
) -> None:
    """Record a product list from a file: published if the key is new, else amended to the file's codes."""
    from ledger.tabular import read_codes

    day = parse_day(date_, "--date")
    with _file_problems():
        codes = read_codes(file, column)
    line: dict[str, Any] = {"key": key, "date": day.isoformat(), "sources": [{"url": url} for url in source or []]}
    with ledger(db, records=True) as opened:
        law_now = _law(opened)
        current = law_now.codes(key, day) if ("ProductList", key) in law_now.world.timelines else None
        if current is None and ("ProductList", key) in law_now.world.timelines:
            raise fail(f"--date {day}: {key} is published only later; amend it on or after its first day")
        if current is None:
            line |= {"type": "ProductListPublished", "title": title, "codes": codes}
            if basis:
                line["basis"] = basis
        else:
            wanted = set(codes)
            added, removed = sorted(wanted - current), sorted(current - wanted)
            if not added and not removed:
                say(f"{key} already holds these {len(codes)} codes on {day}: nothing new to record")
                return
            line |= {"type": "ProductListAmended", "add": added or None, "remove": removed or None}
            line = {k: v for k, v in line.items() if v is not None}
        done = _record(opened, line, str(file), as_user)
    say(f"recorded {line['type']} {key} ({len(codes)} codes) at position {done}")


@products_app.command("show")
def products_show(
    key: Annotated[str, typer.Argument(help="The list's key.")],
    as_of: AsOf = None,
    known_at: KnownAtOption = NOW,
    fmt: Fmt = Format.table,
    db: Db = None,
) -> None:
    """A product list as it stood on a day: its title, basis and codes."""
    from ledger import tariff_law as use_cases

    with reading_law(db, known_at) as law:
        answer = use_cases.product_list(law, key, parse_day(as_of))
    if fmt is Format.json:
        emit(answer, fmt, [])
        return
    shown = {**answer, "list": [answer], "codes": [{"hs": code} for code in answer["codes"]]}
    emit(shown, fmt, [("list", PRODUCT_COLUMNS), ("codes", ("hs",))])


@weights_app.command("import")
def weights_import(
    key: Annotated[str, typer.Argument(help="The weights' key, e.g. us-imports-2024.")],
    files: Annotated[
        list[Path], typer.Argument(help="Parquet (.parquet) or CSV files of imports by partner and good.")
    ],
    imposer: Annotated[str, typer.Option("--imposer", help="The importing country, e.g. US.")],
    year: Annotated[int, typer.Option("--year", help="The base year of the imports.", min=1900, max=2100)],
    hs_column: Annotated[str, typer.Option("--hs-column", help="The column of HS codes.")] = "HS10",
    partner_column: Annotated[
        str, typer.Option("--partner-column", help="The column naming the partner.")
    ] = "CTY_CODE",
    value_column: Annotated[str, typer.Option("--value-column", help="The column of import values, USD.")] = "imports",
    duty_column: Annotated[str, typer.Option("--duty-column", help="The column of duty collected, USD.")] = "duty",
    partner_codes: Annotated[
        Path | None,
        typer.Option(
            "--partner-codes", help="CSV `code,iso`: the file's partner codes as ISO alpha-2 or alpha-3, or EU."
        ),
    ] = None,
    source: Annotated[list[str] | None, typer.Option("--source", help="Where the data is published (URL).")] = None,
    date_: Annotated[
        str | None,
        typer.Option("--date", help="The day the weights are recorded as of (default: 31 December of --year)."),
    ] = None,
    db: Db = None,
    as_user: User = None,
) -> None:
    """Record imports by partner and good for a base year (one event per partner, with each file's SHA-256)."""
    from ledger.tabular import read_partner_codes, read_weights

    by = country(imposer, "--imposer", group=False)
    day = parse_day(date_, "--date") if date_ else date(year, 12, 31)
    with _file_problems():
        mapping = read_partner_codes(partner_codes) if partner_codes is not None else None
        partners = read_weights(files, hs_column, partner_column, value_column, duty_column, mapping)
    from ledger.offers import Candidate

    candidates = []
    for partner, report in partners.items():
        if partner == by:
            continue
        names = sorted(report["files"])
        line = {
            "type": "WeightsReported",
            "key": key,
            "date": day.isoformat(),
            "imposer": by,
            "partner": partner,
            "year": year,
            "hs": report["hs"],
            "value_usd": report["value_usd"],
            "duty_usd": report["duty_usd"],
            "file": ", ".join(names),
            "sources": [{"url": url} for url in source or []],
        }
        if len(names) == 1:
            line["sha256"] = report["files"][names[0]]
        candidates.append(Candidate(_parsed(line, names[0]), names[0]))
    with ledger(db, records=True) as opened:
        done = opened.record(candidates, as_user)
    rows = sum(len(report["hs"]) for report in partners.values())
    if done.count:
        say(f"recorded {done.count} partners' weights ({rows} rows) as {key} (positions {done.first}–{done.last})")
    else:
        say(f"{key} already holds these weights: nothing new to record")
    if done.skipped:
        say(f"skipped {done.skipped} partners already recorded")


@weights_app.command("show")
def weights_show(
    key: Annotated[str | None, typer.Argument(help="Only these weights (default: every set recorded).")] = None,
    known_at: KnownAtOption = NOW,
    fmt: Fmt = Format.table,
    db: Db = None,
) -> None:
    """The weights recorded: for each partner its goods, their value and the duty collected, and the file."""
    from ledger import tariff_law as use_cases

    with reading_law(db, known_at) as law:
        answer = use_cases.weights_held(law, key)
    rows = [
        {"key": held["key"], "year": held["year"], **partner}
        for held in answer["weights"]
        for partner in held["partners"]
    ]
    emit({**answer, "partners": rows} if fmt is not Format.json else answer, fmt, [("partners", WEIGHT_COLUMNS)])


def _parsed(line: dict[str, Any], origin: str) -> Any:
    from domain import InputError, parse_fact

    try:
        return parse_fact(line)
    except InputError as error:
        raise fail("\n".join(f"{origin}: {field}: {problem}" for field, problem in error.problems)) from None


def _record(opened: Any, line: dict[str, Any], origin: str, as_user: str | None) -> int:
    from ledger.offers import Candidate

    done = opened.record([Candidate(_parsed(line, origin), origin)], as_user)
    return int(done.last)


def _law(opened: Any) -> TariffLaw:
    from ledger.tariff_law import KINDS, TariffLaw

    return TariffLaw(opened.world(opened.head(), KINDS))


@contextmanager
def _file_problems() -> Iterator[None]:
    """A file's problems, one a line (`FILE:LINE: column: problem`), and exit 2."""
    from ledger.tabular import FileProblems

    try:
        yield
    except FileProblems as problems:
        for where, problem in problems.problems:
            typer.echo(f"{where}: {problem}", err=True)
        typer.echo("nothing was recorded", err=True)
        raise typer.Exit(2) from None


def add_law_data_commands(app: typer.Typer) -> None:
    app.add_typer(products_app, name="products")
    app.add_typer(weights_app, name="weights")
