"""One typed command per event type, generated from the catalogue's models so the two never drift.

`dipledger tariff impose KEY --date … --imposer US --target CN --rate-pct 10` builds the same event
line as the JSON form and goes through the same validation and rules.
"""

from __future__ import annotations

import inspect
import json
import types
import typing
from collections.abc import Iterator, Mapping
from typing import Annotated, Any, NamedTuple

import typer
from typer.core import TyperGroup

from ledger.cli.common import Db, User, fail, ledger, say
from ledger.cli.helptext import command_help, field_help

GROUPS: dict[str, dict[str, str]] = {
    "negotiation": {
        "open": "NegotiationOpened",
        "convene": "RoundConvened",
        "conclude": "RoundConcluded",
        "leaders-spoke": "LeadersSpoke",
        "state-position": "PositionStated",
        "agree": "AgreementReached",
        "close": "NegotiationClosed",
    },
    "truce": {
        "agree": "TruceAgreed",
        "extend": "TruceExtended",
        "allege-violation": "ViolationAlleged",
        "terminate": "TruceTerminated",
    },
    "control": {
        "impose": "ExportControlImposed",
        "add-items": "ExportControlItemsAdded",
        "remove-items": "ExportControlItemsRemoved",
        "approve-licences": "LicencesApproved",
        "ease": "ExportControlEased",
        "suspend": "ExportControlSuspended",
        "reinstate": "ExportControlReinstated",
        "lift": "ExportControlLifted",
    },
    "tariff": {
        "impose": "TariffImposed",
        "change-rate": "TariffRateChanged",
        "change-scope": "TariffScopeChanged",
        "suspend": "TariffSuspended",
        "reinstate": "TariffReinstated",
        "lift": "TariffLifted",
    },
    "trade": {"report": "TradeFlowReported"},
}

HELP = {
    "announced": "Day announced or signed, YYYY-MM-DD (after --date when published retroactively).",
    "sources": "A source: URL, or JSON {url, title, publisher, published}; repeatable.",
    "note": "Free text.",
    "parties": "A party (country code); repeatable, at least two.",
    "delegations": "A delegate as CC:NAME[:ROLE] or JSON {party, name, role}; repeatable.",
    "participants": "A participant as CC:NAME[:ROLE] or JSON {party, name, role}; repeatable.",
    "items": "A controlled item; repeatable.",
    "products": "A product the tariff applies to; repeatable (none: all goods).",
    "destinations": "A destination country; repeatable (none: all).",
    "commitments": "A commitment; repeatable.",
    "sectors": "A sector; repeatable.",
    "expires": "First day no longer in force (exclusive), YYYY-MM-DD.",
    "days": "Days from the effective day (or added to the current expiry).",
    "until": "First day the suspension no longer applies (exclusive), YYYY-MM-DD.",
    "truce": "The key of a truce.",
    "target": "The target: a country code (UK is GB), EU, or * for every country but the imposer.",
    "hs": "An HS code or prefix covered, 2 to 10 digits; repeatable (none, and no --hs-lists: all goods).",
    "hs_lists": "The key of a product list covered; repeatable.",
    "exempt_hs": "An HS code or prefix not covered; repeatable.",
    "exempt_lists": "The key of a product list not covered; repeatable.",
    "exempt_targets": "A country spared by a * or EU target; repeatable.",
    "program": "The legal program the layer belongs to, a slug (default: its key).",
    "not_with": "A program this layer gives way to on a good both cover; repeatable.",
    "includes_base": "true: the rate is all-inclusive, adding only what it exceeds a good's base rate by.",
    "exempt_share_pct": "Share of trade an origin rule frees (0-100), scaled out of trade-weighted levels.",
    "ends": "First day the layer no longer applies (exclusive), YYYY-MM-DD.",
    "negotiation": "The key of a negotiation.",
}
SKIPPED = {"key", "date", "recorded_by"}
PEOPLE = {"delegations", "participants"}


def _person(text: str) -> Any:
    if text.lstrip().startswith("{"):
        return json.loads(text)
    party, _, rest = text.partition(":")
    name, _, role = rest.partition(":")
    return {"party": party, "name": name, **({"role": role} if role else {})}


def _source(text: str) -> Any:
    return json.loads(text) if text.lstrip().startswith("{") else {"url": text}


def written(name: str, value: Any) -> Any:
    """A field's value as given to a command or a form, as the event line holds it: delegates and
    participants as `CC:NAME[:ROLE]` and sources as a URL may also be given as JSON objects."""
    if name in PEOPLE:
        return [_person(v) for v in value]
    if name == "sources":
        return [_source(v) for v in value]
    return value


def _option_type(annotation: Any) -> tuple[Any, bool]:
    """The CLI type of a model field, and whether it is a list."""
    args = [a for a in typing.get_args(annotation) if a is not type(None)]
    if typing.get_origin(annotation) is Annotated:
        return _option_type(args[0])
    if isinstance(annotation, types.UnionType) or typing.get_origin(annotation) is typing.Union:
        return _option_type(args[0])
    if typing.get_origin(annotation) is list:
        return str, True
    if annotation in (int, float):
        return annotation, False
    return str, False


class Asked(NamedTuple):
    """A field of an event type that its typed command, and its form, ask for."""

    name: str
    kind: Any
    """What one value is read as: str, int or float."""
    many: bool
    required: bool
    help: str


def asked(event_type: str) -> list[Asked]:
    """The fields of `event_type` a typed command asks for, in the model's order: all but its key, its
    date and who records it."""
    from domain import EVENT_TYPES

    fields = []
    for name, field in EVENT_TYPES[event_type].model_fields.items():
        if name not in SKIPPED:
            kind, many = _option_type(field.annotation)
            fields.append(Asked(name, kind, many, field.is_required(), field_help(name, field.annotation, HELP)))
    return fields


def _parameters(event_type: str) -> list[inspect.Parameter]:
    parameters = [
        inspect.Parameter(
            "key",
            inspect.Parameter.POSITIONAL_OR_KEYWORD,
            annotation=Annotated[str, typer.Argument(help="The aggregate's key (a slug).")],
        ),
        inspect.Parameter(
            "date",
            inspect.Parameter.KEYWORD_ONLY,
            annotation=Annotated[str, typer.Option("--date", help="Valid time, YYYY-MM-DD.")],
        ),
    ]
    for field in asked(event_type):
        flag = "--" + ("source" if field.name == "sources" else field.name.replace("_", "-"))
        option = typer.Option(flag, help=field.help, show_default=False)
        kind = list[str] if field.many else field.kind
        annotation: Any = Annotated[kind if field.required else kind | None, option]
        default = inspect.Parameter.empty if field.required else None
        parameters.append(
            inspect.Parameter(field.name, inspect.Parameter.KEYWORD_ONLY, default=default, annotation=annotation)
        )
    parameters += [
        inspect.Parameter("db", inspect.Parameter.KEYWORD_ONLY, default=None, annotation=Db),
        inspect.Parameter("as_user", inspect.Parameter.KEYWORD_ONLY, default=None, annotation=User),
    ]
    return parameters


def _command(event_type: str) -> Any:
    def command(**values: Any) -> None:
        db, as_user = values.pop("db"), values.pop("as_user")
        event: dict[str, Any] = {"type": event_type}
        for name, value in values.items():
            if value is not None and value != []:
                event[name] = written(name, value)
        record_one(event, db, as_user)

    command.__signature__ = inspect.Signature(_parameters(event_type))  # type: ignore[attr-defined]
    command.__doc__ = command_help(event_type)
    return command


def record_one(event: dict[str, Any], db: str | None, as_user: str | None) -> None:
    """Validate one event and record it; a refusal names the field and the problem."""
    from domain import InputError, parse_fact
    from ledger.offers import Candidate

    try:
        fact = parse_fact(event)
    except InputError as error:
        for field, problem in error.problems:
            typer.echo(f"{field}: {problem}", err=True)
        raise fail("nothing was recorded") from None
    with ledger(db, records=True) as opened:
        done = opened.record([Candidate(fact)], as_user)
    if done.recorded:
        recorded = done.recorded[0]
        say(f"recorded {fact.type} {fact.key} at position {recorded.position}")
    else:
        say(f"already recorded: {fact.type} {fact.key} (nothing new)")


def _click_command(name: str, event_type: str) -> Any:
    """The command `name` of its group, converted as typer converts every other command."""
    one = typer.Typer(add_completion=False)
    one.command(name, help=command_help(event_type))(_command(event_type))
    return typer.main.get_command(one)


class Generated(Mapping[str, Any]):
    """A group's commands by name, each generated from its event model when first looked up.

    Building the catalogue's models costs more than the rest of the start, so only running a typed
    command, or listing its group in help, pays for it; the names alone still serve suggestions.
    """

    def __init__(self, commands: dict[str, str]):
        self.event_types = commands
        self.built: dict[str, Any] = {}

    def __getitem__(self, name: str) -> Any:
        if name not in self.built:
            self.built[name] = _click_command(name, self.event_types[name])
        return self.built[name]

    def __iter__(self) -> Iterator[str]:
        return iter(self.event_types)

    def __len__(self) -> int:
        return len(self.event_types)


class TypedGroup(TyperGroup):
    """A group of typed commands (`dipledger tariff …`) whose commands are `Generated`."""

    def __init__(self, **attrs: Any):
        super().__init__(**attrs)
        self.commands = Generated(GROUPS[self.name or ""])  # type: ignore[assignment]  # nothing adds to it


def add_typed_commands(app: typer.Typer) -> None:
    for group in GROUPS:
        app.add_typer(typer.Typer(cls=TypedGroup, help=f"Record {group} events.", no_args_is_help=True), name=group)
