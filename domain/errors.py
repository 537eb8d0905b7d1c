"""The two families of refusal: bad input (a field is wrong) and broken rules (history disagrees)."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from pydantic import ValidationError


class LedgerError(Exception):
    """Anything the user can act on; the CLI maps each family to an exit code."""


class InputError(LedgerError):
    """One or more fields of an event are malformed: a list of `(field, problem)`."""

    def __init__(self, problems: list[tuple[str, str]]):
        self.problems = problems
        super().__init__("; ".join(f"{field}: {problem}" for field, problem in problems))

    @classmethod
    def from_validation(cls, error: ValidationError) -> InputError:
        problems = []
        for item in error.errors(include_url=False):
            field = ".".join(str(part) for part in item["loc"]) or "event"
            message = item["msg"].removeprefix("Value error, ")
            if item["type"] == "extra_forbidden":
                message = "is not a field of this event type"
            problems.append((field, message))
        return cls(problems)


class LedgerRuleError(LedgerError):
    """An event that would break an aggregate's rules in valid time."""


class UnknownAggregate(LedgerError):
    """A key or a position that names nothing in the ledger."""
