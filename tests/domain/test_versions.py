"""Each catalogue version's step: what an older event means in the current catalogue."""

from __future__ import annotations

import pytest

from domain import parse_fact
from domain.versions import CURRENT, STEPS, upcast


def test_there_is_a_step_from_every_older_version() -> None:
    assert sorted(STEPS) == list(range(1, CURRENT))


def test_a_version_1_tariff_means_the_same_in_version_2() -> None:
    fields = {"key": "us-cn", "date": "2025-04-10", "imposer": "US", "target": "CN", "rate_pct": 125, "products": []}
    assert upcast("TariffImposed", dict(fields), 1) == fields
    layer = parse_fact({"type": "TariffImposed", **upcast("TariffImposed", dict(fields), 1)})
    assert layer.hs is None and layer.program is None and layer.includes_base is None


def test_an_unknown_version_is_refused() -> None:
    with pytest.raises(ValueError, match="catalogue version 3"):
        upcast("TariffImposed", {}, 3)
