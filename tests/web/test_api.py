"""`/api/…` answers what `dipledger … --format json` prints, for the same options."""

from __future__ import annotations

import json
from typing import Any

import pytest
from starlette.testclient import TestClient
from typer.testing import CliRunner

from ledger.cli.main import app

runner = CliRunner()


def cli(db: str, *args: str) -> Any:
    result = runner.invoke(app, [*args, "--db", db, "--format", "json"])
    assert result.exit_code == 0, result.stderr
    return json.loads(result.stdout)


CASES = [
    ("tariffs", {"as_of": "2025-08-12", "known_at": "33"}, ["tariffs", "--as-of", "2025-08-12", "--known-at", "33"]),
    ("tariffs", {"as_of": "2025-08-12"}, ["tariffs", "--as-of", "2025-08-12"]),
    (
        "tariffs",
        {"as_of": "2025-04-10", "imposer": "us", "target": "CN", "all": "1"},
        ["tariffs", "--as-of", "2025-04-10", "--imposer", "us", "--target", "CN", "--all"],
    ),
    (
        "tariffs",
        {"as_of": "2025-06-10", "product": "soybeans"},
        ["tariffs", "--as-of", "2025-06-10", "--product", "soybeans"],
    ),
    ("controls", {"as_of": "2025-06-10"}, ["controls", "--as-of", "2025-06-10"]),
    (
        "controls",
        {"as_of": "2025-06-10", "item": "terbium"},
        ["controls", "--as-of", "2025-06-10", "--item", "terbium"],
    ),
    (
        "tariffs",
        {"as_of": "2025-06-10", "key": "us-ieepa-reciprocal-cn"},
        ["tariffs", "--as-of", "2025-06-10", "--key", "us-ieepa-reciprocal-cn"],
    ),
    ("controls", {"as_of": "2025-06-10", "item": "No. 18"}, ["controls", "--as-of", "2025-06-10", "--item", "No. 18"]),
    ("keys", {"kind": "TariffMeasure", "match": "IEEPA"}, ["keys", "--kind", "TariffMeasure", "--match", "IEEPA"]),
    ("keys", {"known_at": "31"}, ["keys", "--known-at", "31"]),
    (
        "negotiations",
        {"as_of": "2025-06-10", "key": "none"},
        ["negotiations", "--as-of", "2025-06-10", "--key", "none"],
    ),
    ("truces", {"as_of": "2025-06-10", "known_at": "20"}, ["truces", "--as-of", "2025-06-10", "--known-at", "20"]),
    ("negotiations", {"as_of": "2025-06-10"}, ["negotiations", "--as-of", "2025-06-10"]),
    ("trade-flows", {"as_of": "2025-06-10"}, ["trade-flows", "--as-of", "2025-06-10"]),
    (
        "replay",
        {"as_of": "2025-05-14", "key": "us-ieepa-reciprocal-cn"},
        ["replay", "--as-of", "2025-05-14", "--key", "us-ieepa-reciprocal-cn"],
    ),
    ("log", {"known_at": "10"}, ["log", "--known-at", "10"]),
    ("log", {}, ["log"]),
    ("changes", {"from": "2025-06-01", "to": "2025-06-10"}, ["changes", "--from", "2025-06-01", "--to", "2025-06-10"]),
]


@pytest.mark.parametrize(("name", "params", "args"), CASES, ids=[" ".join(c[2]) for c in CASES])
def test_the_api_answers_exactly_what_the_command_line_prints(
    client: TestClient, london: str, name: str, params: dict[str, str], args: list[str]
) -> None:
    answer = client.get(f"/api/{name}", params=params)
    assert answer.status_code == 200
    assert answer.headers["content-type"] == "application/json"
    assert answer.json() == cli(london, *args)


def test_an_aggregates_history_answers_as_the_command_line_does(client: TestClient, london: str) -> None:
    for known_at in ("32", "36"):
        answer = client.get("/api/history/geneva-2025", params={"known_at": known_at})
        assert answer.json() == cli(london, "history", "geneva-2025", "--known-at", known_at)


def test_a_bad_parameter_is_answered_with_a_message_naming_it(client: TestClient) -> None:
    answer = client.get("/api/tariffs", params={"as_of": "2025-13-01"})
    assert answer.status_code == 400
    assert answer.json()["error"].startswith("as_of:")
    assert client.get("/api/history/no-such-key").json() == {"error": "no events with key 'no-such-key'"}
    assert client.get("/api/nothing").status_code == 404
