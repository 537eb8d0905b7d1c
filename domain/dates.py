"""Days as the ledger writes them, apart from the models so a command can read one without building those."""

from __future__ import annotations

import re
from datetime import date
from typing import Any

ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")


def parse_date(value: Any) -> date:
    """An ISO calendar date, `YYYY-MM-DD` exactly; anything else is refused."""
    if isinstance(value, date):
        return value
    if not isinstance(value, str) or not ISO_DATE.fullmatch(value):
        raise ValueError(f"{value!r} is not an ISO date (YYYY-MM-DD)")
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise ValueError(f"{value!r} is not a day of the calendar") from None
