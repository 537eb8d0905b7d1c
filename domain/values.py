"""Value types shared by every aggregate: countries, slugs, text, rates, dates, sources, people."""

from __future__ import annotations

import math
import re
from datetime import date
from functools import cache
from typing import Annotated, Any

from pydantic import AfterValidator, BaseModel, BeforeValidator, ConfigDict, Field, ValidationInfo

from domain.dates import parse_date

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


@cache
def _known_country(code: str) -> bool:
    import pycountry  # imported on first use: it loads a large database

    return code == "EU" or pycountry.countries.get(alpha_2=code) is not None


def _country(value: Any) -> str:
    if not isinstance(value, str):
        raise ValueError("must be an ISO 3166-1 alpha-2 country code")
    code = value.strip().upper()
    if len(code) != 2 or not _known_country(code):
        raise ValueError(f"{value!r} is not an ISO 3166-1 alpha-2 country code (or EU)")
    return code


def _slug(value: Any) -> str:
    if not isinstance(value, str) or not SLUG.fullmatch(value) or len(value) > 80:
        raise ValueError(f"{value!r} is not a slug ([a-z0-9][a-z0-9-]*, at most 80 characters)")
    return value


def _text(value: Any, info: ValidationInfo | None = None) -> str:
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


Country = Annotated[str, BeforeValidator(_country)]
Slug = Annotated[str, BeforeValidator(_slug)]
Text = Annotated[str, BeforeValidator(_text)]
Day = Annotated[date, BeforeValidator(parse_date)]
Percent = Annotated[float, BeforeValidator(_percent)]
"""A percentage or percentage points: finite, possibly negative (a change)."""
Rate = Annotated[Percent, AfterValidator(lambda v: v if v >= 0 else _negative())]
Count = Annotated[int, BeforeValidator(_count)]
Items = Annotated[list[Text], Field(min_length=1, max_length=500)]


def _negative() -> float:
    raise ValueError("must not be negative")


def _url(value: Any, info: ValidationInfo | None = None) -> str:
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
