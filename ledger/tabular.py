"""Files of codes and of trade weights (CSV, Parquet) read into event lines for recording.

Each problem names the file, the line (or row) and the column, as an import's do, and nothing is
recorded unless the whole file reads.
"""

from __future__ import annotations

import csv
import hashlib
import io
from collections import defaultdict
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

from domain import InputError
from domain.values import country_code, hs_code


class FileProblems(InputError):
    """Problems with a file given to a command, each `(FILE:LINE: column, problem)`."""


def sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as opened:
        for block in iter(lambda: opened.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _readable(path: Path) -> None:
    if not path.is_file():
        raise FileProblems([(str(path), "no such file")])


def _csv_rows(path: Path) -> Iterator[tuple[int, dict[str, str]]]:
    """`(line, row)` of a CSV file with a header, a UTF-8 byte-order mark allowed."""
    try:
        text = path.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError as error:
        raise FileProblems([(f"{path}:1", f"is not UTF-8 text ({error.reason})")]) from None
    reader = csv.DictReader(io.StringIO(text))
    for row in reader:
        yield reader.line_num, {k.strip(): (v or "").strip() for k, v in row.items() if k is not None}


def read_codes(path: Path, column: str | None = None) -> list[str]:
    """HS codes from a CSV column (`column`, else the first), or a plain file of codes one a line. A
    first line that is not a code is taken as a header. Codes are normalised; repeats are kept once."""
    _readable(path)
    try:
        lines = path.read_text(encoding="utf-8-sig").splitlines()
    except UnicodeDecodeError as error:
        raise FileProblems([(f"{path}:1", f"is not UTF-8 text ({error.reason})")]) from None
    header = next(csv.reader(lines[:1]), [])
    has_header = bool(header) and not _is_code(header[0])
    if column is not None and (not has_header or column not in [h.strip() for h in header]):
        raise FileProblems([(f"{path}:1", f"--column: no column {column!r} (columns: {', '.join(header) or 'none'})")])
    index = [h.strip() for h in header].index(column) if column is not None else 0
    codes: dict[str, None] = {}
    problems = []
    for number, row in enumerate(csv.reader(lines), start=1):
        if (number == 1 and has_header) or not row or not "".join(row).strip():
            continue
        value = row[index] if index < len(row) else ""
        try:
            codes[hs_code(value)] = None
        except ValueError as error:
            problems.append((f"{path}:{number}: {column or 'code'}", str(error)))
    if problems:
        raise FileProblems(problems[:20])
    if not codes:
        raise FileProblems([(str(path), "holds no codes")])
    return list(codes)


def _is_code(text: str) -> bool:
    try:
        hs_code(text)
    except ValueError:
        return False
    return True


def read_partner_codes(path: Path) -> dict[str, str]:
    """A mapping file `code,iso`: a partner's code in the weights → ISO alpha-2 (alpha-3 accepted), or EU.
    A row whose ISO code is unknown is an error only if a weights file names its partner."""
    import pycountry

    _readable(path)
    mapping, problems = {}, []
    for line, row in _csv_rows(path):
        values = list(row.values())
        if len(values) < 2:
            problems.append((f"{path}:{line}: row", "needs two columns: code,iso"))
            continue
        if not values[0]:  # a country the source has no code for: nothing to map
            continue
        code, iso = values[0], values[1].upper()
        found = pycountry.countries.get(alpha_3=iso) if len(iso) == 3 else None
        try:
            mapping[_partner_key(code)] = country_code(found.alpha_2 if found is not None else iso)
        except ValueError as error:
            mapping[_partner_key(code)] = f"{path}:{line}: iso: {error}"
    if problems:
        raise FileProblems(problems[:20])
    return mapping


def _partner_key(code: Any) -> str:
    """A partner code as compared: numbers without leading zeros (Census writes 0003 and 3 alike)."""
    text = str(code).strip()
    return text.lstrip("0") or "0" if text.isdigit() else text.upper()


def read_weights(
    paths: Iterable[Path],
    hs_column: str,
    partner_column: str,
    value_column: str,
    duty_column: str,
    partner_codes: dict[str, str] | None,
) -> dict[str, dict[str, Any]]:
    """Imports by partner: `{partner: {"hs": [...], "value_usd": [...], "duty_usd": [...], "files": {name:
    sha256}}}`, a good's rows summed when it repeats. Parquet by suffix (`.parquet`), else CSV."""
    totals: dict[str, dict[str, list[float]]] = defaultdict(dict)
    files: dict[str, dict[str, str]] = defaultdict(dict)
    problems: list[tuple[str, str]] = []
    for path in paths:
        _readable(path)
        digest = sha256(path)
        for where, row in _weight_rows(path, (hs_column, partner_column, value_column, duty_column)):
            try:
                partner = _partner(row[partner_column], partner_codes)
                code = hs_code(row[hs_column])
                value, duty = _amount(row[value_column], value_column), _amount(row[duty_column], duty_column)
            except ValueError as error:
                problems.append((f"{path}:{where}", str(error)))
                if len(problems) >= 20:
                    raise FileProblems(problems) from None
                continue
            held = totals[partner].setdefault(code, [0.0, 0.0])
            held[0] += value
            held[1] += duty
            files[partner][path.name] = digest
    if problems:
        raise FileProblems(problems)
    return {
        partner: {
            "hs": list(goods),
            "value_usd": [v for v, _ in goods.values()],
            "duty_usd": [d for _, d in goods.values()],
            "files": files[partner],
        }
        for partner, goods in sorted(totals.items())
    }


def _weight_rows(path: Path, columns: tuple[str, ...]) -> Iterator[tuple[str, dict[str, Any]]]:
    if path.suffix.lower() == ".parquet":
        import pyarrow.parquet as pq

        try:
            table = pq.read_table(path)
        except Exception as error:  # pyarrow's own message: not a Parquet file, a damaged one
            raise FileProblems([(str(path), f"cannot be read as Parquet: {error}")]) from None
        missing = [c for c in columns if c not in table.column_names]
        if missing:
            raise FileProblems(
                [(str(path), f"no column {', '.join(missing)} (columns: {', '.join(table.column_names)})")]
            )
        data = {c: table.column(c).to_pylist() for c in dict.fromkeys(columns)}
        for row in range(table.num_rows):
            yield f"row {row + 1}", {c: data[c][row] for c in data}
        return
    for number, fields in _csv_rows(path):
        missing = [c for c in columns if c not in fields]
        if missing:
            raise FileProblems([(f"{path}:1", f"no column {', '.join(missing)} (columns: {', '.join(fields)})")])
        yield str(number), fields


def _partner(code: Any, mapping: dict[str, str] | None) -> str:
    if mapping is None:
        return country_code(code)
    found = mapping.get(_partner_key(code))
    if found is None:
        raise ValueError(f"partner: {code!r} is not in the --partner-codes mapping")
    if len(found) != 2:  # the mapping's own problem with this partner's row
        raise ValueError(f"partner: {code!r} has no country in the mapping ({found})")
    return found


def _amount(value: Any, column: str) -> float:
    try:
        number = float(value)
    except (TypeError, ValueError):
        raise ValueError(f"{column}: {value!r} is not a number") from None
    if not 0 <= number < float("inf"):
        raise ValueError(f"{column}: {value!r} must be a finite amount, not negative")
    return number
