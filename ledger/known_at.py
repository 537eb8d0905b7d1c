"""`--known-at` read once, where it is typed, into a value the layers below take as it is.

Digits are a position (events recorded up to it count; one past the head means the head); anything
else is an ISO-8601 timestamp (no offset means UTC) or a bare date (the end of that day, UTC), which
the ledger resolves to the last position recorded by then; nothing means now (the head).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime

from domain.errors import LedgerError


@dataclass(frozen=True)
class KnownAt:
    position: int | None = None
    moment: datetime | None = None

    @classmethod
    def parse(cls, text: str | None, name: str = "--known-at") -> KnownAt:
        """The value of `text` as typed for the option or parameter `name`."""
        when = (text or "").strip()
        if not when:
            return NOW
        if is_position(when):
            return cls(position=int(when))
        if when.isdigit() or (when.isdecimal() and not when.isascii()):
            raise LedgerError(f"{name}: {when[:40]!r} is not a position (ASCII digits, at most 18 of them)")
        return cls(moment=parse_moment(when, name))

    def __str__(self) -> str:
        if self.position is not None:
            return str(self.position)
        return self.moment.isoformat() if self.moment is not None else "now"


NOW = KnownAt()
"""What the ledger knows now: its head."""


def is_position(text: str) -> bool:
    """Whether `text` names a position: ASCII digits only (not `²` or `٣`), few enough for a position."""
    return text.isascii() and text.isdigit() and len(text) <= 18


def parse_moment(text: str, name: str = "--known-at") -> datetime:
    """An ISO-8601 timestamp (no offset means UTC) or a bare date (the end of that day, UTC)."""
    try:
        if len(text) == 10:
            return datetime.combine(date.fromisoformat(text), datetime.max.time(), UTC)
        moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        raise LedgerError(f"{name}: {text!r} is neither a position nor an ISO-8601 timestamp") from None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)
