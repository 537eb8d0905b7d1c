"""One JSON line decoded strictly: a line too long, a number JSON does not allow (NaN, Infinity) or a key
given twice in one object is refused, with what `InputError` says of it; a byte-order mark is dropped."""

from __future__ import annotations

import json
import re
from typing import Any

from pydantic_core import from_json

from domain.errors import InputError

MAX_LINE = 1_000_000
"""Longest line accepted, in bytes: an event is never this long; a runaway file is refused early."""


def _refuse_constant(name: str) -> Any:
    raise ValueError(f"{name} is not a number JSON allows")


BOM = b"\xef\xbb\xbf"
"""The UTF-8 byte-order mark some editors (Notepad, Excel) put at the start of a file: not part of the
line."""
JSON = json.JSONDecoder(parse_constant=_refuse_constant)
"""One decoder for every line (`json.loads` with an option builds one a call)."""
MEMBER = re.compile(rb'"\s*:')
"""How each member of an object ends its name, counted on the raw line (text holding `":` counts too)."""


def decode_line(raw: bytes) -> Any:
    """One line as a JSON value, or `InputError` saying why it is not one."""
    if len(raw) > MAX_LINE:
        raise InputError([("line", f"is longer than {MAX_LINE} bytes")])
    raw = raw.removeprefix(BOM)
    try:  # pydantic's parser is twice as fast, and what it reads, json reads alike; json says why a line is refused
        value = from_json(raw, allow_inf_nan=False)
    except ValueError:
        pass
    else:
        if len(MEMBER.findall(raw)) != _members(value):  # a repeated key, or only `":` inside a text
            _refuse_repeated(raw)
        return value
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as error:
        raise InputError([("line", f"is not valid UTF-8 (byte {error.start + 1})")]) from None
    try:
        return JSON.decode(text)
    except RecursionError:
        raise InputError([("line", "is nested too deeply")]) from None
    except ValueError as error:
        raise InputError([("line", f"is not valid JSON ({error})")]) from None


def _members(value: Any) -> int:
    """How many members the objects in `value` hold, nested ones included (one per distinct key)."""
    if isinstance(value, dict):
        return len(value) + sum(_members(item) for item in value.values())
    if isinstance(value, list):
        return sum(_members(item) for item in value)
    return 0


def _repeated(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    seen: dict[str, Any] = {}
    for key, item in pairs:
        if key in seen:
            raise InputError([(key, "is given twice in one object (which one counts would be a guess)")])
        seen[key] = item
    return seen


def _refuse_repeated(raw: bytes) -> None:
    """Raise `InputError` if an object in the line repeats a key: JSON parsers keep the last silently."""
    json.loads(raw, object_pairs_hook=_repeated)
