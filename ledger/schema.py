"""The JSON Schema of an event line, generated from the catalogue's models."""

from __future__ import annotations

from typing import Any

from pydantic import TypeAdapter


def event_schema(only: str | None = None) -> dict[str, Any]:
    """One schema per event type, each with its `type` constant, as a `oneOf` (of `only`, if given:
    a `KeyError` if it names no event type)."""
    from domain import EVENT_TYPES, Retracted

    if only is not None and (only not in EVENT_TYPES or EVENT_TYPES[only] is Retracted):
        raise KeyError(only)
    variants = []
    definitions: dict[str, Any] = {}
    for name, model in sorted(EVENT_TYPES.items()):
        if model is Retracted or (only is not None and name != only):
            continue
        schema = TypeAdapter(model).json_schema(ref_template="#/$defs/{model}")
        definitions.update(schema.pop("$defs", {}))
        schema["properties"] = {"type": {"const": name}, **schema["properties"]}
        schema["required"] = ["type", *schema.get("required", [])]
        definitions[name] = schema
        variants.append({"$ref": f"#/$defs/{name}"})
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "title": "dipledger event line",
        "oneOf": variants,
        "$defs": definitions,
    }
