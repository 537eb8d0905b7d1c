"""Catalogue versions: each stored event carries the version it was written in, and is upcast on read.

Version 1 is the catalogue of negotiations, truces, export controls, flat tariff layers and trade
flows. Version 2 added tariff law (HS scopes, partner groups, stacking, `TariffScopeChanged`),
product lists, trade weights, retroactive announcements and open-ended control suspensions.

An event written in version N is brought to the current version one step at a time, each step a
function of the event type and its fields. A step changes only what a version changed the meaning
of; a field added as optional needs no step, since its absence means what the older event meant.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

CURRENT = 2
"""The version events are written in now."""

Step = Callable[[str, dict[str, Any]], dict[str, Any]]


def _v1_to_v2(event_type: str, fields: dict[str, Any]) -> dict[str, Any]:
    """Every version-2 field is optional and absent by default, and version 1 allowed no value that
    version 2 reads otherwise (no `*` target, no open-ended suspension, every announcement on or before
    its date), so a version-1 event means the same in version 2, field for field."""
    return fields


STEPS: dict[int, Step] = {1: _v1_to_v2}
"""The step that brings an event of version N to N + 1."""


def upcast(event_type: str, fields: dict[str, Any], version: int) -> dict[str, Any]:
    """The fields of an event written in `version`, as the current catalogue reads them."""
    if not 1 <= version <= CURRENT:
        raise ValueError(f"catalogue version {version} is not one this release reads (1 to {CURRENT})")
    for step in range(version, CURRENT):
        fields = STEPS[step](event_type, fields)
    return fields
