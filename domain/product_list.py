"""ProductList: a published list of goods by HS code (an annex of exemptions, a Section 232 list).

A tariff layer names lists by key in `hs_lists` or `exempt_lists`, and takes each list as it stands
on the day asked, so an amended annex changes every layer that names it from the amendment's date.
"""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any, ClassVar

from pydantic import Field, model_validator

from domain.events import Fact
from domain.timeline import Aggregate, TruceEnds
from domain.values import HsCode, Text

MAX_CODES = 50_000
"""Codes in one event: an HS nomenclature has about 20,000 ten-digit lines."""
Codes = Annotated[list[HsCode], Field(max_length=MAX_CODES)]


class ProductListEvent(Fact):
    kind: ClassVar[str] = "ProductList"


class ProductListPublished(ProductListEvent):
    creates: ClassVar[bool] = True
    title: Text
    codes: Annotated[list[HsCode], Field(min_length=1, max_length=MAX_CODES)]
    basis: Text | None = None


class ProductListAmended(ProductListEvent):
    add: Codes | None = None
    remove: Codes | None = None

    @model_validator(mode="after")
    def _changes_something(self) -> ProductListAmended:
        if not self.add and not self.remove:
            raise ValueError("give codes to add or to remove")
        return self


class ProductList(Aggregate):
    kind = "ProductList"
    creation = ProductListPublished

    def __init__(self, first: Fact):
        assert isinstance(first, ProductListPublished)
        super().__init__(first)
        self.title, self.basis = first.title, first.basis
        self.codes = frozenset(first.codes)
        self.changed = first.date

    def apply(self, fact: Fact, truces: TruceEnds) -> None:
        if isinstance(fact, ProductListAmended):
            missing = sorted(set(fact.remove or ()) - self.codes)
            if missing:
                raise ValueError(f"not on the list, so cannot be removed: {', '.join(missing[:10])}")
            self.codes = (self.codes - set(fact.remove or ())) | set(fact.add or ())
            self.changed = fact.date

    def settled(self, as_of: date, truces: TruceEnds) -> dict[str, Any]:
        return {
            "key": self.key,
            "title": self.title,
            "basis": self.basis,
            "since": self.changed.isoformat(),
            "count": len(self.codes),
            "codes": sorted(self.codes),
            "sources": self.sources(),
        }
