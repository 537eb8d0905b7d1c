"""The canonical form, which derives every event's id, stays byte for byte what it was first written as."""

from __future__ import annotations

import json
from typing import Any

from hypothesis import given
from hypothesis import strategies as st

from benchmarks.generate import events as generated
from domain import parse_fact
from domain.events import STAMPS, Fact


def first_form(fact: Fact) -> bytes:
    """The canonical form as ids were first derived: the standard library's sorted, compact JSON."""
    fields = {"type": fact.type, **fact.model_dump(mode="json", exclude_none=True, exclude=STAMPS)}
    return json.dumps(fields, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


numbers = st.floats(allow_nan=False, allow_infinity=False) | st.integers(-(10**6), 10**6)
texts = st.text(st.characters(exclude_categories=["Cc", "Cs"]), min_size=1, max_size=40).filter(str.strip)
"""Text a note accepts: blank text is refused."""


@given(st.integers(0, 10**6), numbers, texts)
def test_any_event_has_the_canonical_form_it_was_first_derived_with(seed: int, number: Any, text: str) -> None:
    for line in generated(30, seed):
        for field in ("rate_pct", "points", "change_pct"):
            if field in line:
                bounded = min(abs(number), 1000) or 1  # points are more than 0; rates at most 1000
                line[field] = number if field == "change_pct" else bounded
        if "note" in line or line["type"] == "TariffImposed":
            line["note"] = text
        fact = parse_fact(line)
        assert fact.canonical() == first_form(fact)


def test_a_known_event_keeps_its_id() -> None:
    line = {"type": "TariffRateChanged", "key": "us-cn", "date": "2025-04-09", "rate_pct": 125, "note": "Ünïcode"}
    assert parse_fact(line).derived_id() == "a5f089c64682c5d84b13d4fbf5ea9236233c1eaa0c1cb293e2f0d2461a50a81d"
    small = parse_fact({**line, "rate_pct": 1e-05})  # written with an exponent: the standard library's form
    assert small.canonical() == (
        b'{"date":"2025-04-09","key":"us-cn","note":"\xc3\x9cn\xc3\xafcode","rate_pct":1e-05,'
        b'"sources":[],"type":"TariffRateChanged"}'
    )


def test_the_normalised_fields_are_the_models_json_values_without_the_stamps() -> None:
    line = {"type": "TariffRateChanged", "key": "us-cn", "date": "2025-04-09", "rate_pct": 125, "id": "mine"}
    fact = parse_fact(line, recorded_by="someone")
    assert fact.normalised() == fact.model_dump(mode="json", exclude_none=True, exclude=STAMPS)
    assert list(fact.normalised()) == ["key", "date", "sources", "rate_pct"]
