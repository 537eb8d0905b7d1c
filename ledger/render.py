"""Rendering: the same rows as a table (rich's on a terminal, aligned text elsewhere), JSON or CSV.
Nothing here computes an answer."""

from __future__ import annotations

import csv
import io
import json
import sys
from collections.abc import Sequence
from enum import StrEnum
from typing import Any

import orjson


class Format(StrEnum):
    table = "table"
    json = "json"
    csv = "csv"


def on_terminal() -> bool:
    """Whether standard output is a terminal, where a person reads it (else a program or a file)."""
    return sys.stdout.isatty()


def cell(value: Any) -> str:
    """One value as text: lists joined with `; `, nested objects as compact JSON, None as empty."""
    if value is None:
        return ""
    if isinstance(value, float):
        return f"{value:g}"
    if isinstance(value, list):
        return "; ".join(cell(item) if not isinstance(item, dict) else _compact(item) for item in value)
    if isinstance(value, dict):
        return _compact(value)
    return str(value)


FORMULA = ("=", "+", "-", "@", "\t", "\r")
"""How a cell a spreadsheet would run as a formula begins."""


def inert(value: Any) -> str:
    """A CSV cell that no spreadsheet runs: recorded text beginning like a formula gets a leading `'`
    (OWASP's advice on CSV injection); a number stays a number."""
    text = cell(value)
    if text.startswith(FORMULA) and not (isinstance(value, int | float) and not isinstance(value, bool)):
        return "'" + text
    return text


def _compact(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))


def emit(answer: dict[str, Any], fmt: Format, tables: Sequence[tuple[str, Sequence[str]]]) -> None:
    """Print `answer`: whole as JSON, or each `(list name, columns)` as a table or CSV block."""
    if fmt is Format.json:
        # Indented for a person at a terminal; compact for a program, which orjson writes many
        # times faster than the standard library.
        if on_terminal():
            sys.stdout.write(json.dumps(answer, ensure_ascii=False, indent=2) + "\n")
        else:
            sys.stdout.flush()
            sys.stdout.buffer.write(orjson.dumps(answer, option=orjson.OPT_APPEND_NEWLINE))
        return
    if fmt is Format.csv:
        out = io.StringIO()
        writer = csv.writer(out, lineterminator="\n")
        for name, columns in tables:
            if len(tables) > 1:
                writer.writerow([f"# {name}"])
            writer.writerow(columns)
            writer.writerows([inert(row.get(c)) for c in columns] for row in answer[name])
        sys.stdout.write(out.getvalue())
        return
    context = ", ".join(
        f"{k.replace('_', ' ')} {answer[k]}" for k in ("as_of", "from", "to", "known_at") if k in answer
    )
    titled = [
        (f"{name.replace('_', ' ')} ({context})" if context else name.replace("_", " "), columns, answer[name])
        for name, columns in tables
    ]
    if on_terminal():
        _boxed(titled)
    else:
        sys.stdout.write("\n".join(_plain(title, columns, rows) for title, columns, rows in titled))


def _boxed(tables: Sequence[tuple[str, Sequence[str], Sequence[dict[str, Any]]]]) -> None:
    """Tables for a person at a terminal: rich's boxes, folding long cells to the terminal's width."""
    from rich.console import Console
    from rich.markup import escape
    from rich.table import Table

    console = Console()
    for title, columns, rows in tables:
        table = Table(title=title, title_justify="left")
        for column in columns:
            table.add_column(column.replace("_", " "), overflow="fold")
        for row in rows:
            table.add_row(*(escape(cell(row.get(c))) for c in columns))
        console.print(table)


def _plain(title: str, columns: Sequence[str], rows: Sequence[dict[str, Any]]) -> str:
    """A table for a pipe or a file: a line a row, columns aligned, never folded to a width, so that
    grep, sort and awk see whole rows (and no box-drawing library is loaded)."""
    header = [column.replace("_", " ") for column in columns]
    body = [[" ".join(cell(row.get(c)).split()) for c in columns] for row in rows]
    widths = [max(len(text) for text in texts) for texts in zip(header, *body, strict=True)]
    lines = [header, ["-" * width for width in widths], *body]
    aligned = (
        "  ".join(text.ljust(width) for text, width in zip(line, widths, strict=True)).rstrip() for line in lines
    )
    return f"{title}\n" + "".join(f"{line}\n" for line in aligned)
