"""What the pages and the JSON endpoints read, over one ledger kept open for the server's life.

Each request parses its axes once (`Axes`), then asks one of these for its answer: the same
projection functions the command line calls, so `/api/…` prints what `dipledger … --format json`
prints.
"""

from __future__ import annotations

import threading
from bisect import bisect_left, bisect_right
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING, Any

from domain import LedgerError
from ledger import projections
from ledger.address import database

if TYPE_CHECKING:
    from ledger.application import Ledger
    from ledger.projections import Views


FILTERS = {"tariffs": ("imposer", "target", "product"), "controls": ("imposer", "item", "destination")}
"""The parameters that narrow the view queries taking filters, in the order `Reader.query` passes them on
(before whether lifted ones are included)."""


class BadRequest(LedgerError):
    """A parameter a page or endpoint cannot use; its message names the parameter."""


@dataclass(frozen=True)
class Axes:
    """The two times a request asks about: a day, and the position it is known at."""

    as_of: date
    known_at: int

    def query(self, **more: Any) -> dict[str, Any]:
        return {"as_of": self.as_of.isoformat(), "known_at": self.known_at, **more}


def parse_day(text: str | None, name: str = "as_of") -> date | None:
    from domain.dates import parse_date

    if text is None or not text.strip():
        return None
    try:
        return parse_date(text.strip())
    except ValueError as error:
        raise BadRequest(f"{name}: {error}") from None


def country(value: str | None, name: str, group: bool = True) -> str:
    """A country code given as a parameter, checked as the command line checks it."""
    from domain.partners import country_code

    if value is None or not value.strip():
        raise BadRequest(f"{name}: a country code is required (e.g. US)")
    try:
        return country_code(value, group=group)
    except ValueError as error:
        raise BadRequest(f"{name}: {error}") from None


def hs(value: str | None) -> str:
    from domain.values import hs_code

    try:
        return str(hs_code(value or ""))
    except ValueError as error:
        raise BadRequest(f"hs: {error}") from None


class Reader:
    """The ledger at `db`, opened once; every read goes through here."""

    def __init__(self, db: str | None):
        from ledger.application import Ledger

        self.db = database(db)
        self.ledger: Ledger = Ledger(self.db)
        self._days: tuple[int, list[date]] | None = None
        self._lock = threading.Lock()

    def close(self) -> None:
        self.ledger.close()

    def head(self) -> int:
        return self.ledger.head()

    def known_at(self, text: str | None) -> int:
        """A position from a `known_at` parameter, as `--known-at` reads it."""
        from ledger.known_at import KnownAt

        try:
            return self.ledger.resolve_known_at(KnownAt.parse(text, "known_at"))
        except LedgerError as error:
            raise BadRequest(str(error)) from None

    @contextmanager
    def views(self, known_at: int) -> Iterator[Views]:
        """The read model as known at `known_at`: straight from the file when it is up to date."""
        from ledger.known_at import KnownAt

        direct = self.ledger.store.backend.direct_views(KnownAt(position=known_at))
        if direct is None:
            yield self.ledger.read_model(known_at)
            return
        try:
            yield direct
        finally:
            direct.close()

    # The CLI's answers -------------------------------------------------------------------------

    def query(self, name: str, axes: Axes, *filters: Any, key: str | None = None) -> dict[str, Any]:
        """What `dipledger NAME` answers for the views it keeps (`tariffs`, `controls`, `truces`,
        `negotiations`): `projections.<name>` with the command's filters, in its options' order."""
        with self.views(axes.known_at) as source:
            return getattr(projections, name)(projections.keyed(source, key), axes.as_of, *filters)

    def trade_flows(self, axes: Axes, key: str | None = None) -> dict[str, Any]:
        return projections.trade_flows(projections.keyed(self.ledger.world(axes.known_at), key), axes.as_of)

    def keys(self, known_at: int, kind: str | None = None, match: str | None = None) -> dict[str, Any]:
        return projections.keys(self.ledger.world(known_at), kind, match)

    def replay(self, axes: Axes, key: str | None = None) -> dict[str, Any]:
        return projections.replay(self.ledger.world(axes.known_at), axes.as_of, key)

    def changes(self, start: date, end: date, known_at: int) -> dict[str, Any]:
        return self.ledger.changes(known_at, start, end)

    def log(self, known_at: int) -> dict[str, Any]:
        return {"known_at": known_at, "events": self.ledger.log(known_at)}

    def history(self, key: str, known_at: int) -> dict[str, Any]:
        events = self.ledger.history(known_at, key)
        if not events:
            raise BadRequest(f"no events with key {key!r}")
        return {"known_at": known_at, "key": key, "events": events}

    def law(self, known_at: int) -> Any:
        from ledger.tariff_law import KINDS, TariffLaw

        return TariffLaw(self.ledger.world(known_at, KINDS))

    def levels(
        self, axes: Axes, imposer: str, targets: list[str] | None = None, weights: str | None = None
    ) -> dict[str, Any]:
        from ledger import tariff_law

        return tariff_law.levels(self.law(axes.known_at), imposer, axes.as_of, targets, weights)

    def level_series(
        self, start: date, end: date, known_at: int, imposer: str, targets: list[str] | None, weights: str | None
    ) -> dict[str, Any]:
        from ledger import tariff_law

        return tariff_law.level_series(self.law(known_at), imposer, start, end, targets, weights)

    def rate(self, axes: Axes, imposer: str, target: str, hs: str, weights: str | None = None) -> dict[str, Any]:
        from ledger import tariff_law

        return tariff_law.rate(self.law(axes.known_at), imposer, target, hs, axes.as_of, weights)

    # For pages only ----------------------------------------------------------------------------

    def log_page(self, known_at: int, last: int, size: int) -> list[dict[str, Any]]:
        """The entries of `log` at positions up to `last` (at most `size` of them, newest first)."""
        return self.ledger.log_page(known_at, max(1, last - size + 1), last)[::-1]

    def change_days(self) -> list[date]:
        """Every day on which some view may change (the start of a span), for stepping along valid
        time; kept until the head moves."""
        head = self.head()
        with self._lock:
            if self._days is not None and self._days[0] == head:
                return self._days[1]
        days = self._read_change_days(head)
        with self._lock:
            self._days = (head, days)
        return days

    def _read_change_days(self, head: int) -> list[date]:
        from ledger.read_model import span_recorder

        self.ledger.read_model(head)  # brought up to date
        found = span_recorder(self.ledger.store).change_days()
        return sorted(date.fromordinal(day) for day in found if 0 < day < date.max.toordinal())

    def steps(self, day: date) -> tuple[date | None, date | None]:
        """The change days just before and just after `day`."""
        days = self.change_days()
        before = bisect_left(days, day)
        after = bisect_right(days, day)
        return (days[before - 1] if before else None, days[after] if after < len(days) else None)
