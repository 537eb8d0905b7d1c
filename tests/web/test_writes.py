"""Recording from the browser: the token, the site's own origin and its form value are all required,
and a refused write records nothing; a valid one is checked and worded as the command line does."""

from __future__ import annotations

import re
from typing import Any

from starlette.testclient import TestClient
from typer.testing import CliRunner

from ledger.application import Ledger
from ledger.cli.main import app
from ledger.web.app import create_app
from tests.web.conftest import TOKEN

SITE = "http://127.0.0.1:8000"
EXTENSION = {"key": "geneva-2025", "date": "2025-11-09", "expires": "2026-11-10", "sources": "https://example.org/x"}


def head(db: str) -> int:
    ledger = Ledger(db)
    try:
        return ledger.head()
    finally:
        ledger.close()


def form_value(client: Any, event_type: str = "TruceExtended") -> str:
    page = client.get(f"/record/{event_type}")
    assert page.status_code == 200
    found = re.search(r'name="form_token" value="([^"]+)"', page.text)
    assert found
    return found.group(1)


def send(client: Any, fields: dict[str, str], origin: str | None = SITE, event_type: str = "TruceExtended") -> Any:
    headers = {"origin": origin} if origin else {}
    return client.post(f"/record/{event_type}", data=fields, headers=headers)


def test_a_form_with_the_token_from_this_site_records_the_event_with_who_recorded_it(writable: Any) -> None:
    before = head(writable.db)
    fields = {**EXTENSION, "form_token": form_value(writable), "token": TOKEN, "recorded_by": "analyst-7"}
    answer = send(writable, fields)
    assert answer.status_code == 200, answer.text
    assert f"recorded TruceExtended geneva-2025 at position {before + 1}" in answer.text
    assert head(writable.db) == before + 1
    entry = writable.get("/api/history/geneva-2025").json()["events"][-1]
    assert (entry["type"], entry["recorded_by"], entry["expires"]) == ("TruceExtended", "analyst-7", "2026-11-10")


def test_writes_without_the_token_or_with_a_wrong_one_are_refused_and_write_nothing(writable: Any) -> None:
    before = head(writable.db)
    value = form_value(writable)
    for token in (None, "", "not-the-token"):
        fields = {
            **EXTENSION,
            "form_token": value,
            "recorded_by": "x",
            **({"token": token} if token is not None else {}),
        }
        answer = send(writable, fields)
        assert answer.status_code == 403
        assert "wrong token" in answer.text and "nothing was recorded" in answer.text
    assert head(writable.db) == before


def test_writes_from_another_origin_are_refused_and_write_nothing(writable: Any) -> None:
    before = head(writable.db)
    fields = {**EXTENSION, "form_token": form_value(writable), "token": TOKEN, "recorded_by": "x"}
    for origin in ("https://evil.example", "http://127.0.0.1:8001", "null", None):
        answer = send(writable, fields, origin)
        assert answer.status_code == 403, origin
        assert "nothing was recorded" in answer.text
    assert head(writable.db) == before


def test_a_page_that_renamed_itself_to_this_address_is_refused(writable: Any) -> None:
    before = head(writable.db)
    fields = {**EXTENSION, "form_token": form_value(writable), "token": TOKEN, "recorded_by": "x"}
    answer = writable.post(
        "/record/TruceExtended",
        data=fields,
        headers={"host": "evil.example:8000", "origin": "http://evil.example:8000"},
    )
    assert answer.status_code == 403
    assert head(writable.db) == before


def test_writes_without_the_sites_form_value_are_refused_and_write_nothing(london_sqlite: str) -> None:
    before = head(london_sqlite)
    with TestClient(create_app(london_sqlite, True, TOKEN), base_url=SITE) as fresh:
        fields = {**EXTENSION, "form_token": "guessed", "token": TOKEN, "recorded_by": "x"}
        answer = send(fresh, fields)
        assert answer.status_code == 403 and "nothing was recorded" in answer.text
    assert head(london_sqlite) == before


def test_a_read_only_site_offers_no_form_and_takes_no_write(london_sqlite: str) -> None:
    before = head(london_sqlite)
    with TestClient(create_app(london_sqlite), base_url=SITE) as client:
        assert client.get("/record/TruceExtended").status_code == 404
        answer = client.post("/record/TruceExtended", data={**EXTENSION, "token": TOKEN}, headers={"origin": SITE})
        assert answer.status_code in (404, 405)
    assert head(london_sqlite) == before


def cli_problems(db: str, *args: str) -> list[str]:
    result = CliRunner().invoke(app, [*args, "--db", db])
    assert result.exit_code == 2
    return result.stderr.strip().splitlines()


def page_problems(answer: Any) -> list[str]:
    found = re.search(r'<div class="problem" role="alert" id="problems">(.*?)</div>', answer.text, re.S)
    assert found, answer.text
    import html

    return html.unescape(found.group(1)).strip().splitlines()


def test_an_invalid_form_is_refused_with_the_command_lines_messages(writable: Any) -> None:
    before = head(writable.db)
    value = form_value(writable)
    bad_field = {"key": "geneva-2025", "date": "2025-11-09", "expires": "2026-02-30"}
    answer = send(writable, {**bad_field, "form_token": value, "token": TOKEN, "recorded_by": "x"})
    assert answer.status_code == 400
    cli = cli_problems(writable.db, "truce", "extend", "geneva-2025", "--date", "2025-11-09", "--expires", "2026-02-30")
    assert page_problems(answer)[:-1] == cli[:-1]
    assert page_problems(answer)[-1] == "nothing was recorded"

    broken_rule = {"key": "geneva-2025", "date": "2025-11-20", "expires": "2026-01-10"}
    answer = send(writable, {**broken_rule, "form_token": value, "token": TOKEN, "recorded_by": "x"})
    assert answer.status_code == 400
    cli = cli_problems(writable.db, "truce", "extend", "geneva-2025", "--date", "2025-11-20", "--expires", "2026-01-10")
    assert page_problems(answer) == cli
    assert head(writable.db) == before


def test_serving_writes_without_a_token_is_refused(london_sqlite: str, monkeypatch: Any) -> None:
    monkeypatch.delenv("DIPLEDGER_TOKEN", raising=False)
    result = CliRunner().invoke(app, ["serve", "--db", london_sqlite, "--allow-writes"])
    assert result.exit_code == 2
    assert "DIPLEDGER_TOKEN" in result.stderr
