"""Value types shared by every aggregate: countries, slugs, text, rates, dates, sources, people."""

from __future__ import annotations

import math
import re
from collections.abc import Callable
from datetime import date
from functools import cache
from typing import Annotated, Any

from pydantic import AfterValidator, BaseModel, BeforeValidator, ConfigDict, Field, ValidationInfo

from domain.dates import parse_date
from domain.partners import EVERY, country_code

MAX_TEXT = 4000
"""Longest free text accepted in any field (a statement, a summary, a note)."""

SLUG = re.compile(r"[a-z0-9][a-z0-9-]*")
CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")
"""Unicode's control characters (C0, DEL, C1) except tab, line feed and carriage return."""
UNSEEN = re.compile("[\r\u200b-\u200d\u2060\ufeff\u202a-\u202e\u2066-\u2069]")
"""What would change how text reads without showing: a bare carriage return (which ends a CSV row),
bidirectional embeddings, overrides and isolates, and zero-width characters."""
URL = re.compile(r"https?://[^\s/]+\S*", re.IGNORECASE)


class Model(BaseModel):
    """Base of every catalogue model: frozen, and a field not in the catalogue is an error."""

    model_config = ConfigDict(extra="forbid", frozen=True, str_strip_whitespace=True, defer_build=True)

    def row(self) -> dict[str, Any]:
        """Its fields as JSON values, absent optional fields left out: `model_dump(mode="json",
        exclude_none=True)` from the serialiser itself, whose wrapper costs half again."""
        row: dict[str, Any] = self.__pydantic_serializer__.to_python(self, mode="json", exclude_none=True)
        return row


def _target(value: Any) -> str:
    if isinstance(value, str) and value.strip() == EVERY:
        return EVERY
    return country_code(value)


HS_CODE = re.compile(r"\d{2,10}")
HS_IGNORED = str.maketrans("", "", ". ")


def hs_code(value: Any) -> str:
    """A good's HS code or a prefix of one: 2 to 10 digits, dots and spaces ignored (8517.13.00 is 85171300)."""
    if isinstance(value, int) and not isinstance(value, bool):
        value = str(value)
    if not isinstance(value, str):
        raise ValueError("must be an HS code (2 to 10 digits)")
    code = value.strip().translate(HS_IGNORED)
    if not HS_CODE.fullmatch(code):
        raise ValueError(f"{value!r} is not an HS code (2 to 10 digits; dots and spaces ignored)")
    return code


def _slug(value: Any) -> str:
    if not isinstance(value, str) or not SLUG.fullmatch(value) or len(value) > 80:
        raise ValueError(f"{value!r} is not a slug ([a-z0-9][a-z0-9-]*, at most 80 characters)")
    return value


def _text(value: Any, info: ValidationInfo | None = None) -> str:
    if info is not None and info.context is STORED and type(value) is str:
        return value  # checked and stripped when recorded (see `trusted`)
    if not isinstance(value, str):
        raise ValueError("must be text")
    text = value.strip()
    if not text:
        raise ValueError("must not be empty")
    if len(text) > MAX_TEXT:
        raise ValueError(f"is longer than {MAX_TEXT} characters")
    if CONTROL.search(text):
        raise ValueError("contains control characters")
    unseen = UNSEEN.search(text)
    if unseen and not (info is not None and info.context and info.context.get("stored")):  # stored: it reads
        raise ValueError(
            f"contains U+{ord(unseen[0]):04X}: a carriage return, bidirectional control or zero-width character"
        )
    return text


@cache
def iso_day(day: date) -> str:
    """`day.isoformat()`, remembered: views write the same days again and again, and formatting one
    costs some thirty times a lookup."""
    return day.isoformat()


def iso(day: date | None) -> str | None:
    return iso_day(day) if day else None


MAX_RATE = 1000.0
"""The highest rate or number of points accepted: above the highest tariff ever levied (a few hundred
per cent), and far below what would overflow a sum or a chart."""


def _percent(value: Any) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise ValueError("must be a number")
    try:
        number = float(value)
    except OverflowError:
        raise ValueError("is too large") from None
    if not math.isfinite(number):
        raise ValueError("must be a finite number")
    return number


def _count(value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise ValueError("must be a whole number")
    if value < 0 or value > 10**12:
        raise ValueError("must be between 0 and 10^12")
    return value


STORED = {"stored": True}
"""Validation context of an event read back from the log: a bound added after it was recorded is not
applied to it, so history written under an earlier catalogue still reads; and what was checked and
normalised when it was recorded is taken as written (`trusted`)."""


def trusted(check: Callable[[Any], Any], kind: type = str) -> Callable[[Any, ValidationInfo], Any]:
    """`check` for what is offered. A value of type `kind` read back from the log (context `STORED`)
    was checked and normalised by it when it was recorded, and is taken as it is: reading back the
    log is most of what a report or a rebuild costs, and these checks were half of reading."""

    def validate(value: Any, info: ValidationInfo) -> Any:
        if info.context is STORED and type(value) is kind:
            return value
        return check(value)

    return validate


def _stored_day(value: Any, info: ValidationInfo) -> date:
    if info.context is STORED and type(value) is str and len(value) == 10:
        return date.fromisoformat(value)  # as written: YYYY-MM-DD
    return parse_date(value)


Country = Annotated[str, BeforeValidator(trusted(country_code))]
Target = Annotated[str, BeforeValidator(trusted(_target))]
"""A country, EU, or `*`: every country but the imposer."""
HsCode = Annotated[str, BeforeValidator(trusted(hs_code))]
Slug = Annotated[str, BeforeValidator(trusted(_slug))]
Text = Annotated[str, BeforeValidator(_text)]
Day = Annotated[date, BeforeValidator(_stored_day)]
Percent = Annotated[float, BeforeValidator(trusted(_percent, float))]
"""A percentage or percentage points: finite, possibly negative (a change)."""
Rate = Annotated[Percent, AfterValidator(lambda v, info: _bounded(v, info) if v >= 0 else _negative())]
Amount = Annotated[Percent, AfterValidator(lambda v: v if v >= 0 else _negative())]
"""An amount of money: finite, not negative."""
Share = Annotated[Percent, AfterValidator(lambda v: v if 0 <= v <= 100 else _not_a_share())]
"""A share of trade in per cent, 0 to 100."""
Count = Annotated[int, BeforeValidator(_count)]
Items = Annotated[list[Text], Field(min_length=1, max_length=500)]


def _negative() -> float:
    raise ValueError("must not be negative")


def _bounded(rate: float, info: ValidationInfo) -> float:
    if rate > MAX_RATE and not (info.context and info.context.get("stored")):
        raise ValueError(f"must be at most {MAX_RATE:g}")
    return rate


def _not_a_share() -> float:
    raise ValueError("must be between 0 and 100")


def _url(value: Any, info: ValidationInfo | None = None) -> str:
    if info is not None and info.context is STORED and type(value) is str:
        return value  # checked when recorded (see `trusted`)
    url = _text(value, info)
    if not URL.fullmatch(url):
        raise ValueError("must be an http:// or https:// address")
    return url


class Source(Model):
    """Where a fact was reported."""

    url: Annotated[str, BeforeValidator(_url)]
    title: Text | None = None
    publisher: Text | None = None
    published: Day | None = None


class Person(Model):
    """A delegate or a participant: the party they speak for, their name and role."""

    party: Country
    name: Text
    role: Text | None = None
