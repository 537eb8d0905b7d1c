"""The shape every event shares, the registry of event types, and how a line becomes an event."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Annotated, Any, ClassVar

import orjson
from pydantic import BeforeValidator, Field, ValidationError

from domain.errors import InputError
from domain.values import Day, Model, Slug, Source, Text, trusted

EVENT_TYPES: dict[str, type[Fact]] = {}
"""Every event type of the catalogue, by name."""
STAMPS = {"id", "recorded_by"}
"""The fields stamping fills in, left out of the canonical form."""
CANONICAL = json.JSONEncoder(sort_keys=True, separators=(",", ":"), ensure_ascii=False)
"""The canonical form's encoder (`json.dumps` with options builds one a call)."""


def _fixed_notation(number: float) -> bool:
    """Whether Python writes `number` without an exponent (floats are found only at an event's top level)."""
    return number == 0 or 1e-4 <= abs(number) < 1e16


def _in_fixed_notation(values: Iterable[Any]) -> bool:
    """Whether Python writes every float among `values` without an exponent (a plain loop: it runs
    for most events, and a generator costs as much again)."""
    for value in values:  # noqa: SIM110
        if type(value) is float and not _fixed_notation(value):
            return False
    return True


def _event_id(value: Any) -> str:
    if not isinstance(value, str) or not 1 <= len(value) <= 128 or not value.isprintable():
        raise ValueError("must be printable text of 1 to 128 characters")
    return value


class Fact(Model):
    """One recorded fact: the fields every event carries. Subclasses are the catalogue's types."""

    kind: ClassVar[str] = ""
    """The aggregate kind this event belongs to (`TariffMeasure`, `Truce`, …)."""
    creates: ClassVar[bool] = False
    """Whether this event starts its aggregate's timeline."""
    closes: ClassVar[bool] = False
    """Whether nothing may be dated after this event (a lift, a termination, a closing)."""

    key: Slug
    date: Day
    sources: list[Source] = Field(default_factory=list, max_length=50, json_schema_extra={"default": []})
    """A factory, not `= []`: pydantic deep-copies a mutable default for every event that lacks it."""
    note: Text | None = None
    id: Annotated[str, BeforeValidator(trusted(_event_id))] | None = None
    recorded_by: Text | None = None

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        if cls.kind and not cls.__name__.endswith("Event"):
            EVENT_TYPES[cls.__name__] = cls

    @property
    def type(self) -> str:
        return type(self).__name__

    @property
    def start(self) -> dt.date:
        """The first day this event counts: its announcement, else its date."""
        return self.date

    def fields(self) -> dict[str, Any]:
        """The catalogue fields as JSON values, `type` first; absent optional fields left out."""
        return {"type": self.type, **self.row()}

    def normalised(self) -> dict[str, Any]:
        """The catalogue fields as JSON values without `type`, the stamps and absent optional fields:
        what the canonical form is made of."""
        fields = self.row()  # then popped: an `exclude` adds to a dump
        for name in STAMPS:
            fields.pop(name, None)
        return fields

    def canonical(self, normalised: dict[str, Any] | None = None) -> bytes:
        """Compact, sorted-key UTF-8 JSON of the normalised event, without `id` and `recorded_by`:
        byte for byte `json.dumps(sort_keys=True, separators=(",", ":"), ensure_ascii=False)`, which
        ids were first derived with. orjson writes the same bytes ten times faster, for every value
        the catalogue holds except a number in exponent form (its exponents differ across versions).
        `normalised` is this event's `normalised()` when the caller has made it already."""
        fields = self.normalised() if normalised is None else normalised.copy()  # the caller's dict left as given
        fields["type"] = type(self).__name__  # last, not first: the keys are sorted, and a copy beats a merge
        if _in_fixed_notation(fields.values()):
            try:
                return orjson.dumps(fields, option=orjson.OPT_SORT_KEYS)
            except orjson.JSONEncodeError:  # text that is not valid Unicode
                pass
        return CANONICAL.encode(fields).encode()

    def derived_id(self, normalised: dict[str, Any] | None = None) -> str:
        return hashlib.sha256(self.canonical(normalised)).hexdigest()

    def stamps(self, recorded_by: str, normalised: dict[str, Any] | None = None) -> dict[str, str]:
        """What stamping fills in: who records the event, and its idempotency key (derived without either)."""
        missing = {} if self.recorded_by else {"recorded_by": recorded_by}
        if not self.id:
            missing["id"] = self.derived_id(normalised)
        return missing

    def stamped(self, recorded_by: str) -> Fact:
        """This event stamped (see `stamps`): a copy, unless it lacked nothing."""
        missing = self.stamps(recorded_by)
        return self.model_copy(update=missing) if missing else self


class Announceable(Fact):
    """Measures may be announced before they take effect, or published after it (retroactively)."""

    announced: Day | None = None

    @property
    def start(self) -> dt.date:
        """The first day the measure counts: its announcement, unless it was published only after
        taking effect, when it counts from the day it took effect."""
        return min(self.announced, self.date) if self.announced is not None else self.date


class Retracted(Fact):
    """Withdraws an earlier event from every view known at or after this one."""

    kind: ClassVar[str] = "*"
    retracts: int = Field(gt=0)
    reason: Text
    aggregate: str
    """The kind of the aggregate that holds the retracted event."""


@dataclass(frozen=True, slots=True, init=False)
class Recorded:
    """A fact as the ledger holds it: where and when it was recorded."""

    fact: Fact
    position: int
    version: int
    recorded_at: dt.datetime

    def __init__(self, fact: Fact, position: int, version: int, recorded_at: dt.datetime) -> None:
        # frozen, so its slots are filled through their descriptors: dataclass's own __init__ calls
        # object.__setattr__ for each, at two thirds more cost, and a recording builds one an event
        _SET_FACT(self, fact)
        _SET_POSITION(self, position)
        _SET_VERSION(self, version)
        _SET_RECORDED_AT(self, recorded_at)

    @property
    def kind(self) -> str:
        fact = self.fact
        return fact.aggregate if isinstance(fact, Retracted) else fact.kind

    def entry(self) -> dict[str, Any]:
        """The event as `log`, `history` and `replay` print it."""
        return {
            "position": self.position,
            "recorded_at": self.recorded_at.isoformat().replace("+00:00", "Z"),
            **self.fact.fields(),
        }


_SET_FACT, _SET_POSITION, _SET_VERSION, _SET_RECORDED_AT = (
    vars(Recorded)[name].__set__ for name in ("fact", "position", "version", "recorded_at")
)


def parse_fact(line: Any, recorded_by: str | None = None) -> Fact:
    """Validate one event given as a JSON object; raise `InputError` naming each bad field. Given
    `recorded_by`, the event comes stamped (`Fact.stamps`)."""
    fact = _validated(line)
    if recorded_by is not None:
        _stamp_in_place(fact, fact.stamps(recorded_by))
    return fact


def parse_stamped(line: Any, recorded_by: str) -> tuple[Fact, dict[str, Any]]:
    """`parse_fact(line, recorded_by)`, and the event's `normalised()` fields its id was derived from
    (a writer serialises them rather than dump the model again)."""
    fact = _validated(line)
    normalised = fact.normalised()
    _stamp_in_place(fact, fact.stamps(recorded_by, normalised))
    return fact, normalised


INPUT = {"input": True}
"""The validation context of an event offered for recording: checks that only new input must pass
(an event recorded before such a check was added still reads back) look for it."""


def _validated(line: Any) -> Fact:
    if not isinstance(line, dict):
        raise InputError([("line", "is not a JSON object")])
    data = dict(line)
    name = data.pop("type", None)
    cls = EVENT_TYPES.get(name) if isinstance(name, str) and name != "Retracted" else None
    if name == "Retracted":
        raise InputError([("type", "Retracted is recorded by `dipledger retract POSITION --reason TEXT`")])
    if cls is None:
        known = ", ".join(sorted(set(EVENT_TYPES) - {"Retracted"}))
        raise InputError([("type", f"unknown event type {name!r} (one of: {known})")])
    try:  # the validator itself: model_validate's wrapper adds 7 % to a validation
        fact: Fact = cls.__pydantic_validator__.validate_python(data, context=INPUT)
    except ValidationError as error:
        refused = InputError.from_validation(error).problems
        # a field name comes from the input: shown quoted and escaped unless plain, so it cannot end
        # the line, hide in blanks or drive a terminal
        raise InputError([(f if f.isprintable() and f.strip() == f else repr(f), p) for f, p in refused]) from None
    return fact


def _stamp_in_place(fact: Fact, missing: dict[str, str]) -> None:
    """Filled in place: nothing else holds the model yet, and a copy costs as much again."""
    fact.__dict__.update(missing)
    fact.model_fields_set.update(missing)
