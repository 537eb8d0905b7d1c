"""Tariff levels and a good's rate in the browser and as JSON, equal to `dipledger levels` and `rate`."""

from __future__ import annotations

import json
import re
from typing import Any

import pytest
from starlette.testclient import TestClient
from typer.testing import CliRunner

from ledger.cli.main import app
from ledger.web.app import create_app
from tests.cli.test_tariff_law import law  # noqa: F401  (the ledger with layers, lists and weights)


def cli(db: str, *args: str) -> Any:
    result = CliRunner().invoke(app, [*args, "--db", db, "--format", "json"])
    assert result.exit_code == 0, result.stderr
    return json.loads(result.stdout)


CASES = [
    ({"imposer": "US", "as_of": "2025-04-12"}, ["levels", "--imposer", "US", "--as-of", "2025-04-12"]),
    (
        {"imposer": "us", "target": ["CA"], "as_of": "2025-08-07"},
        ["levels", "--imposer", "us", "--target", "CA", "--as-of", "2025-08-07"],
    ),
    (
        {"imposer": "US", "from": "2025-03-01", "to": "2025-12-31"},
        ["levels", "--imposer", "US", "--from", "2025-03-01", "--to", "2025-12-31"],
    ),
]


@pytest.mark.parametrize(("params", "args"), CASES, ids=[" ".join(c[1]) for c in CASES])
def test_levels_answer_as_the_command_line_does(law: str, params: dict[str, Any], args: list[str]) -> None:  # noqa: F811
    with TestClient(create_app(law)) as client:
        answer = client.get("/api/levels", params=params)
        assert answer.status_code == 200, answer.text
        assert answer.json() == cli(law, *args)


def test_a_goods_rate_answers_as_the_command_line_does(law: str) -> None:  # noqa: F811
    with TestClient(create_app(law)) as client:
        answer = client.get(
            "/api/rate", params={"imposer": "US", "target": "CN", "hs": "8517.13.00", "as_of": "2025-04-12"}
        )
        assert answer.json() == cli(law, "rate", "US", "CN", "8517.13.00", "--as-of", "2025-04-12")
        refused = client.get("/api/rate", params={"imposer": "US", "target": "US", "hs": "8517"})
        assert refused.status_code == 400 and "its own goods" in refused.json()["error"]
        assert client.get("/api/levels", params={"imposer": "XX"}).json()["error"].startswith("imposer:")


def test_the_levels_page_shows_each_partner_and_all_and_a_goods_layers(law: str) -> None:  # noqa: F811
    day = {"as_of": "2025-08-07", "known_at": "100", "imposer": "US"}
    with TestClient(create_app(law)) as client:
        page = client.get("/levels", params={**day, "hs": "8517.13.00", "rate_target": "CN"}, follow_redirects=True)
        assert page.status_code == 200, page.text
        levels = dict(re.findall(r'data-level="([^"]+)">([^<]+)<', page.text))
        expected = client.get("/api/levels", params={"imposer": "US", "as_of": "2025-08-07"}).json()
        assert levels["all"] == f"{expected['all']['added_pct']:g}%"
        assert set(levels) == {row["target"] for row in expected["levels"]} | {"all"}
        assert "HS 85171300 from CN" in page.text


def test_the_level_chart_is_an_image_of_the_site(law: str) -> None:  # noqa: F811
    with TestClient(create_app(law)) as client:
        chart = client.get("/charts/levels.svg", params={"as_of": "2025-12-31", "known_at": "100", "imposer": "US"})
        assert chart.status_code == 200 and chart.headers["content-type"] == "image/svg+xml"
        assert chart.content.lstrip().startswith(b"<?xml") and b"<svg" in chart.content
        assert "http" not in chart.headers["content-security-policy"]
