"""`rate` and `levels`: tariff law by good and by trade-weighted average (`products` and `weights`, the
lists and imports they read, are in `ledger.cli.law_data`)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Annotated

import typer

from ledger.cli.common import AsOf, Db, Fmt, KnownAtOption, country, fail, ledger, parse_day, say
from ledger.known_at import NOW, KnownAt
from ledger.render import Format, emit

if TYPE_CHECKING:
    from ledger.tariff_law import TariffLaw

LAYER_COLUMNS = ("key", "program", "rate_pct", "applies", "contribution_pct", "exempt_share_pct", "why")
LEVEL_COLUMNS = ("target", "value_usd", "added_pct", "base_pct", "total_pct")

Weights = Annotated[
    str | None, typer.Option("--weights", help="The weights to use, by key (default: the imposer's latest year).")
]


@contextmanager
def reading_law(db: str | None, known_at: KnownAt) -> Iterator[TariffLaw]:
    """Tariff layers, lists, truces and weights as known at `--known-at` (nothing else is read)."""
    from ledger.tariff_law import KINDS, TariffLaw

    with ledger(db) as opened:
        yield TariffLaw(opened.world(opened.resolve_known_at(known_at), KINDS))


def rate(
    imposer: Annotated[str, typer.Argument(help="The importing country that charges the duty, e.g. US.")],
    target: Annotated[str, typer.Argument(help="Where the good comes from: a country code (UK is GB), or EU.")],
    hs: Annotated[str, typer.Argument(help="The good's HS code, 2 to 10 digits (8517.13.00 is 85171300).")],
    as_of: AsOf = None,
    known_at: KnownAtOption = NOW,
    weights: Weights = None,
    fmt: Fmt = Format.table,
    db: Db = None,
) -> None:
    """The rate one good from one country pays on a day, with every layer and why it applies or not."""
    from domain.values import hs_code
    from ledger import tariff_law

    day = parse_day(as_of)
    by, on = country(imposer, "IMPOSER", group=False), country(target, "TARGET")
    if by == on:
        raise fail("TARGET: a country charges no tariff on its own goods; give another target")
    try:
        code = hs_code(hs)
    except ValueError as error:
        raise fail(f"HS: {error}") from None
    with reading_law(db, known_at) as law:
        answer = tariff_law.rate(law, by, on, code, day, weights)
    if fmt is not Format.json:
        say(
            f"{by} on HS {code} from {on}: base {answer['base_pct']:g}%"
            + ("" if answer["base_known"] else " (not in the weights)")
            + f" + added {answer['added_pct']:g}% = {answer['total_pct']:g}%"
        )
    emit(answer, fmt, [("layers", LAYER_COLUMNS)])


def levels(
    imposer: Annotated[str, typer.Option("--imposer", help="The importing country, e.g. US.")],
    target: Annotated[
        list[str] | None, typer.Option("--target", help="Only this partner (repeatable; default: every partner).")
    ] = None,
    weights: Weights = None,
    as_of: AsOf = None,
    start: Annotated[
        str | None, typer.Option("--from", help="With --to: the series from this day, YYYY-MM-DD.")
    ] = None,
    end: Annotated[str | None, typer.Option("--to", help="With --from: the series to this day, YYYY-MM-DD.")] = None,
    known_at: KnownAtOption = NOW,
    fmt: Fmt = Format.table,
    db: Db = None,
) -> None:
    """Trade-weighted tariff levels by partner on a day, or as a series with --from and --to (a row for
    each day a level changes). Added rate: Σ value × added ÷ Σ value over the partner's goods."""
    from ledger import tariff_law

    by = country(imposer, "--imposer", group=False)
    partners = [country(t, "--target") for t in target or []] or None
    series = start is not None or end is not None
    if series and (start is None or end is None):
        raise fail("give both --from and --to for a series, or neither (and --as-of for one day)")
    if series and as_of is not None:
        raise fail("give --as-of for one day, or --from and --to for a series, not both")
    with reading_law(db, known_at) as law:
        if series:
            first, last = parse_day(start, "--from"), parse_day(end, "--to")
            if first > last:
                raise fail("--from is after --to")
            answer = tariff_law.level_series(law, by, first, last, partners, weights)
        else:
            answer = tariff_law.levels(law, by, parse_day(as_of), partners, weights)
    if series:
        emit(answer, fmt, [("series", ("date", *LEVEL_COLUMNS))])
    elif fmt is Format.json:
        emit(answer, fmt, [])
    else:  # the level of all partners together as the table's last row
        emit(
            {**answer, "levels": [*answer["levels"], {"target": "all", **answer["all"]}]},
            fmt,
            [("levels", LEVEL_COLUMNS)],
        )


def add_tariff_law_commands(app: typer.Typer) -> None:
    app.command("rate")(rate)
    app.command("levels")(levels)
