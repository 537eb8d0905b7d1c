"""TradeWeights: an imposer's imports in a base year, per partner and good, that levels are weighted by.

One `WeightsReported` a partner holds its goods as three columns (HS code, value, duty collected):
tens of thousands of rows, written and read as plain lists. A good's base (MFN or preferential)
rate from that partner is duty ÷ value. A later report of a partner replaces the earlier one.
"""

from __future__ import annotations

import math
import re
from datetime import date
from typing import Annotated, Any, ClassVar

from pydantic import Field, ValidationInfo, model_validator

from domain.events import Fact
from domain.timeline import Aggregate, TruceEnds
from domain.values import Country, Text

MAX_ROWS = 100_000
"""Goods of one partner in one event: the HTS has about 19,000 ten-digit lines."""
CODES = re.compile(r"(?:\d{2,10}\n)*\d{2,10}")
"""Every code at once: one match over the joined column instead of a validator call a row."""
SHA256 = re.compile(r"[0-9a-f]{64}")
Column = Annotated[list[float], Field(max_length=MAX_ROWS)]


class WeightsReported(Fact):
    kind: ClassVar[str] = "TradeWeights"
    creates: ClassVar[bool] = True
    imposer: Country
    partner: Country
    year: int = Field(ge=1900, le=2100)
    hs: Annotated[list[str], Field(min_length=1, max_length=MAX_ROWS)]
    value_usd: Column
    duty_usd: Column
    file: Text | None = None
    sha256: Text | None = None

    @model_validator(mode="after")
    def _columns(self, info: ValidationInfo) -> WeightsReported:
        if info.context and info.context.get("stored"):
            return self  # checked when recorded; a level reads every partner's columns again
        if self.imposer == self.partner:
            raise ValueError("imposer and partner must differ")
        if not (len(self.hs) == len(self.value_usd) == len(self.duty_usd)):
            raise ValueError("hs, value_usd and duty_usd must have the same length")
        if not CODES.fullmatch("\n".join(self.hs)):
            bad = next(code for code in self.hs if not CODES.fullmatch(code))
            raise ValueError(f"hs: {bad!r} is not an HS code (2 to 10 digits)")
        if len(set(self.hs)) != len(self.hs):
            raise ValueError("hs: a code appears twice; give each good once")
        for name in ("value_usd", "duty_usd"):
            column = getattr(self, name)  # summed and scanned in C: a partner holds thousands of goods
            if column and not (math.isfinite(sum(column)) and min(column) >= 0):
                raise ValueError(
                    f"{name}: every amount must be a finite number, not negative, nor all of them too large"
                )
        if self.sha256 is not None and not SHA256.fullmatch(self.sha256):
            raise ValueError("sha256: must be 64 lower-case hexadecimal digits")
        return self


class TradeWeights(Aggregate):
    kind = "TradeWeights"
    creation = WeightsReported
    series = True

    def __init__(self, first: Fact):
        assert isinstance(first, WeightsReported)
        super().__init__(first)
        self.imposer, self.year = first.imposer, first.year
        self.partners: dict[str, dict[str, Any]] = {}
        """Each partner's latest report as plain columns (so a snapshot can hold it)."""
        self.apply(first, truces=lambda key, day: None)

    def apply(self, fact: Fact, truces: TruceEnds) -> None:
        assert isinstance(fact, WeightsReported)
        if (fact.imposer, fact.year) != (self.imposer, self.year):
            raise ValueError(
                f"{self.key} holds {self.imposer}'s imports of {self.year}; record others under another key"
            )
        self.partners[fact.partner] = {
            "hs": fact.hs,
            "value_usd": fact.value_usd,
            "duty_usd": fact.duty_usd,
            "file": fact.file,
            "sha256": fact.sha256,
        }

    def settled(self, as_of: date, truces: TruceEnds) -> dict[str, Any]:
        """A summary: the rows themselves are read by `levels` and `rate`, never shown whole."""
        return {
            "key": self.key,
            "imposer": self.imposer,
            "year": self.year,
            "partners": [
                {
                    "partner": partner,
                    "goods": len(report["hs"]),
                    "value_usd": sum(report["value_usd"]),
                    "duty_usd": sum(report["duty_usd"]),
                    "file": report["file"],
                    "sha256": report["sha256"],
                }
                for partner, report in sorted(self.partners.items())
            ],
            "sources": self.sources(),
        }
