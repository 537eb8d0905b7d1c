"""Countries and the partner groups a tariff may name as its target: `*` (every country) and the
European Union. Plain Python (pycountry loaded on first use), so a query can check a country code
without loading the catalogue's models."""

from __future__ import annotations

from collections.abc import Iterable
from functools import cache
from typing import Any

EVERY = "*"
"""A tariff's target meaning goods from every country but the imposer's."""
ALIASES = {"UK": "GB"}
"""Codes in everyday use that ISO 3166-1 spells otherwise: the United Kingdom is GB."""


@cache
def _known_country(code: str) -> bool:
    import pycountry  # imported on first use: it loads a large database

    return code == "EU" or pycountry.countries.get(alpha_2=code) is not None


def country_code(value: Any, *, group: bool = True) -> str:
    """An ISO 3166-1 alpha-2 code (or EU, when `group`), in any case, stored upper-case; `UK` is read
    as GB."""
    if not isinstance(value, str):
        raise ValueError("must be an ISO 3166-1 alpha-2 country code")
    code = value.strip().upper()
    code = ALIASES.get(code, code)
    if len(code) != 2 or not _known_country(code):
        raise ValueError(f"{value!r} is not an ISO 3166-1 alpha-2 country code (or EU)")
    if code == EU and not group:
        raise ValueError("give a country, not EU")
    return code


EU = "EU"
EU_MEMBERS = frozenset(
    {
        "AT", "BE", "BG", "HR", "CY", "CZ", "DK", "EE", "FI", "FR", "DE", "GR", "HU", "IE",
        "IT", "LV", "LT", "LU", "MT", "NL", "PL", "PT", "RO", "SK", "SI", "ES", "SE",
    }
)  # fmt: skip
"""The 27 member states since 1 February 2020, one customs union under the EU's common external
tariff. Source: https://european-union.europa.eu/principles-countries-history/eu-countries_en"""


def in_group(group: str, partner: str) -> bool:
    """Whether `partner` (a country, or EU for the union's trade taken whole) is one of `group`."""
    return partner == group or (group == EU and partner in EU_MEMBERS)


def names(target: str, exempt: Iterable[str], imposer: str, partner: str) -> bool:
    """Whether a layer of `imposer` on `target`, sparing the countries `exempt`, falls on goods from
    `partner`. A member state spared spares its goods; EU spared spares every member's."""
    if partner == imposer:
        return False
    if target != EVERY and not in_group(target, partner):
        return False
    return not any(in_group(spared, partner) for spared in exempt)


def why_not_named(target: str, exempt: Iterable[str], partner: str) -> str | None:
    """Why a layer on `target` does not fall on `partner` (None when it does)."""
    if target != EVERY and not in_group(target, partner):
        return f"target {target}"
    spared = next((spared for spared in exempt if in_group(spared, partner)), None)
    return f"exempt: target {spared}" if spared is not None else None
