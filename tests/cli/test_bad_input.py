"""Hostile and malformed import lines: each gets exit 2, `FILE:LINE: field: problem`, and nothing written."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from domain import EVENT_TYPES
from ledger.application import Ledger
from ledger.cli.main import app
from tests.conftest import EXAMPLE

runner = CliRunner()
FIRST = {
    "type": "TariffImposed",
    "key": "valid-first",
    "date": "2025-03-01",
    "imposer": "US",
    "target": "CN",
    "rate_pct": 5,
}
VALID = {
    "type": "TariffImposed",
    "key": "us-steel",
    "date": "2025-03-12",
    "announced": "2025-03-10",
    "imposer": "US",
    "target": "CN",
    "rate_pct": 25,
    "products": ["steel"],
    "basis": "Section 232",
    "note": "Steel and aluminium.",
    "sources": [{"url": "https://example.org/steel", "title": "Proclamation"}],
}
RAW = "\x00raw\x00"
"""Stands in a line for JSON text that `json.dumps` cannot write (NaN, 1e400, …)."""
EXAMPLES = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])

json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False, allow_infinity=False) | st.text(),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=6), inner, max_size=3),
    max_leaves=8,
)
not_text = json_values.filter(lambda v: not isinstance(v, str) and v is not None)
not_number = json_values.filter(lambda v: isinstance(v, str | list | dict | bool) or v is None)
not_list = json_values.filter(lambda v: not isinstance(v, list) and v is not None)
control = st.sampled_from([c for c in map(chr, [*range(32), *range(127, 160)]) if c not in "\t\n\r"])
bad_urls = st.sampled_from(
    [
        "javascript:alert(1)",
        "JavaScript:alert(document.cookie)",
        "data:text/html,<script>alert(1)</script>",
        "vbscript:msgbox(1)",
        "file:///etc/passwd",
        "ftp://example.org/a",
        "mailto:someone@example.org",
        "//example.org/a",
        "https://",
        "http//example.org",
        "https://exa mple.org",
        " ",
    ]
)

# Each strategy gives (line, the field the message must name).
wrong_fields = st.one_of(
    st.tuples(st.just("key"), not_text | st.text().filter(lambda s: not re.fullmatch(r"[a-z0-9][a-z0-9-]{0,79}", s))),
    st.tuples(st.just("imposer"), not_text | st.sampled_from(["USA", "XX", "", "U.S.", "12", "EUR", "zz"])),
    st.tuples(
        st.just("rate_pct"), not_number | st.integers(max_value=-1) | st.floats(max_value=-0.001, allow_infinity=False)
    ),
    st.tuples(st.just("products"), not_list | st.lists(not_text, min_size=1, max_size=3)),
    st.tuples(st.just("sources"), not_list | st.lists(not_text, min_size=1, max_size=2)),
    st.tuples(st.just("note"), not_text | st.sampled_from(["", "   ", "x" * 4001])),
    st.tuples(st.just("note"), st.builds(lambda c, s: f"fine{c}more{s}", control, st.text(max_size=20))),
    st.tuples(st.just("basis"), st.builds(lambda s, c: f"{s}x{c}y", st.text(max_size=20), control)),
)
bad_dates = st.one_of(
    not_text,
    st.sampled_from(
        [
            "2025-02-30",
            "2025-13-01",
            "2025-00-10",
            "2025-04-31",
            "2023-02-29",
            "0000-01-01",
            "2025-1-1",
            "20250101",
            "2025-01-01T00:00:00",
            "12/03/2025",
            "",
            "yesterday",
            "２０２５-０１-０１",
        ]
    ),
)
huge_or_not_numbers = st.sampled_from(
    ["NaN", "Infinity", "-Infinity", "1e400", "-1e400", "1" * 400, "1" * 5000, "1e999999999"]
)


def line_with(field: str, value: Any) -> bytes:
    return json.dumps({**VALID, field: value}).encode()


def line_with_raw(field: str, raw: str) -> bytes:
    return json.dumps({**VALID, field: RAW}).replace(json.dumps(RAW), raw).encode()


@pytest.fixture(scope="module")
def seeded(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The example ledger, shared: no test here may write to it."""
    db = str(tmp_path_factory.mktemp("bad-input") / "ledger.db")
    assert runner.invoke(app, ["import", str(EXAMPLE), "--db", db]).exit_code == 0
    yield db


def refused(db: str, line: bytes, tmp_path: Path) -> list[tuple[str, str]]:
    """Import a valid line then `line`; check the refusal's shape; return its `(field, problem)` pairs."""
    opened = Ledger(db)
    head = opened.head()
    opened.close()
    path = tmp_path / "bad.jsonl"
    path.write_bytes(json.dumps(FIRST).encode() + b"\n" + line + b"\n")
    result = runner.invoke(app, ["import", str(path), "--db", db])
    assert result.exit_code == 2, (line[:300], result.stderr, result.exception)
    assert isinstance(result.exception, SystemExit), result.exception
    assert "Traceback" not in result.stderr
    assert result.stdout == ""
    *messages, last = result.stderr.splitlines()
    assert last == "nothing was recorded"
    found = [re.fullmatch(rf"{re.escape(str(path))}:2: (\S.*?): (\S.*)", message) for message in messages]
    assert messages and all(found), result.stderr
    opened = Ledger(db)
    assert opened.head() == head
    opened.close()
    return [(f[1], f[2]) for f in found if f]


@EXAMPLES
@given(case=wrong_fields)
def test_a_field_of_the_wrong_type_or_form_is_named(seeded: str, tmp_path: Path, case: tuple[str, Any]) -> None:
    field, value = case
    problems = refused(seeded, line_with(field, value), tmp_path)
    assert any(name.split(".")[0] == field for name, _ in problems), problems


@EXAMPLES
@given(field=st.sampled_from(["date", "announced"]), value=bad_dates)
def test_an_impossible_date_is_named(seeded: str, tmp_path: Path, field: str, value: Any) -> None:
    assert field in [name for name, _ in refused(seeded, line_with(field, value), tmp_path)]


@settings(EXAMPLES, max_examples=20)
@given(raw=huge_or_not_numbers)
def test_nan_infinity_and_huge_numbers_are_refused(seeded: str, tmp_path: Path, raw: str) -> None:
    problems = refused(seeded, line_with_raw("rate_pct", raw), tmp_path)
    assert problems[0][0] in ("rate_pct", "line"), problems


@EXAMPLES
@given(url=bad_urls)
def test_only_http_and_https_sources_are_accepted(seeded: str, tmp_path: Path, url: str) -> None:
    problems = refused(seeded, line_with("sources", [{"url": url}]), tmp_path)
    assert [field for field, _ in problems] == ["sources.0.url"]


@EXAMPLES
@given(
    name=st.text(min_size=1, max_size=20).filter(
        lambda s: s not in VALID and s not in EVENT_TYPES["TariffImposed"].model_fields
    ),
    value=json_values,
)
@example(name=" ", value=None)
@example(name="note: ok", value=1)
def test_an_unknown_field_is_named_and_shown_safely(seeded: str, tmp_path: Path, name: str, value: Any) -> None:
    problems = refused(seeded, json.dumps({**VALID, name: value}).encode(), tmp_path)
    shown = name if name.isprintable() and name.strip() == name else repr(name)
    assert f"{shown}: is not a field of this event type" in [f"{field}: {problem}" for field, problem in problems]


@EXAMPLES
@given(name=json_values.filter(lambda v: not isinstance(v, str) or v not in EVENT_TYPES or v == "Retracted"))
def test_an_unknown_event_type_is_named(seeded: str, tmp_path: Path, name: Any) -> None:
    problems = refused(seeded, json.dumps({**VALID, "type": name}).encode(), tmp_path)
    assert [field for field, _ in problems] == ["type"]


lines = st.one_of(
    st.binary(min_size=1, max_size=200).filter(lambda b: b"\n" not in b and b.strip()),
    st.builds(lambda b: b'{"note": "' + b + b'"}', st.binary(min_size=1, max_size=20).filter(lambda b: b"\n" not in b)),
    st.builds(lambda n: b"[" * n + b"]" * n, st.integers(2_000, 200_000)),
    st.builds(lambda n: b'{"type": "TariffImposed", "note": ' + b"[" * n + b"]" * n + b"}", st.integers(2_000, 50_000)),
    st.builds(lambda n: b'{"note": "' + b"x" * n + b'"}', st.integers(1_000_001, 1_100_000)),
    json_values.filter(lambda v: not isinstance(v, dict)).map(lambda v: json.dumps(v).encode()),
    st.sampled_from([b"\xff\xfe{}", b'{"type": "TariffImposed"', b"{'type': 'TariffImposed'}", b"\xc3\x28", b"\x00"]),
)


@EXAMPLES
@given(line=lines)
def test_a_line_that_is_no_json_object_is_refused_without_a_traceback(seeded: str, tmp_path: Path, line: bytes) -> None:
    problems = refused(seeded, line, tmp_path)
    assert problems[0][0] in ("line", "type", "key", "date", "note"), problems


def test_invalid_utf8_is_named_with_its_byte(seeded: str, tmp_path: Path) -> None:
    line = json.dumps(VALID).encode().replace(b"Steel and", b"Steel \xff and")
    byte = line.index(b"\xff") + 1
    assert refused(seeded, line, tmp_path) == [("line", f"is not valid UTF-8 (byte {byte})")]


def test_markup_and_control_characters_in_a_field_name_cannot_reach_the_terminal(seeded: str, tmp_path: Path) -> None:
    hostile = "x\x1b[2J\ny"
    problems = refused(seeded, json.dumps({**VALID, hostile: 1}).encode(), tmp_path)
    assert problems == [("'x\\x1b[2J\\ny'", "is not a field of this event type")]
