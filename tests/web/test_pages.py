"""The pages: both time axes in every URL, what they show, escaping, and the headers that keep them local."""

from __future__ import annotations

import re

from starlette.testclient import TestClient

from ledger.web.app import create_app
from tests.reports.conftest import record

PAGES = ("/", "/tariffs", "/controls", "/truces", "/negotiations", "/log", "/changes", "/compare", "/report")


def totals(html: str) -> dict[str, str]:
    return dict(re.findall(r'data-total="([^"]+)">([^<]+)<', html))


def test_a_page_without_both_axes_is_sent_to_the_url_that_has_them(client: TestClient) -> None:
    moved = client.get("/tariffs", params={"as_of": "2025-08-12", "imposer": "US"}, follow_redirects=False)
    assert moved.status_code == 303
    assert moved.headers["location"] == "/tariffs?as_of=2025-08-12&imposer=US&known_at=36"
    by_time = client.get("/truces", params={"as_of": "2025-06-10", "known_at": "2000-01-01"}, follow_redirects=False)
    assert by_time.headers["location"] == "/truces?as_of=2025-06-10&known_at=0"


def test_every_page_answers_with_a_policy_that_allows_no_other_host(client: TestClient) -> None:
    for path in [*PAGES, "/history/geneva-2025"]:
        page = client.get(path, params={"as_of": "2025-06-10", "known_at": "36"})
        assert page.status_code == 200, path
        policy = page.headers["content-security-policy"]
        assert "default-src 'self'" in policy and "http" not in policy and "*" not in policy
        assert page.headers["x-content-type-options"] == "nosniff"
        loaded = re.findall(r'<(?:script|link|img|iframe)[^>]+(?:src|href)="([^"]+)"', page.text)
        assert all(url.startswith(("/", "data:")) for url in loaded), (path, loaded)


def test_the_known_at_axis_moves_the_totals_across_the_truce_extension(client: TestClient) -> None:
    before = client.get("/tariffs", params={"as_of": "2025-08-12", "known_at": "33"})
    after = client.get("/tariffs", params={"as_of": "2025-08-12", "known_at": "36"})
    assert totals(before.text)["US-CN"] == "54%"
    assert totals(after.text)["US-CN"] == "30%"
    assert 'type="range" name="known_at" id="known-at" min="1" max="36" value="33"' in before.text


def test_the_steps_lead_to_the_previous_and_next_change(client: TestClient) -> None:
    page = client.get("/tariffs", params={"as_of": "2025-08-12", "known_at": "36"}).text
    assert re.search(r'id="previous-day" href="/tariffs\?as_of=2025-08-11&amp;known_at=36"', page)
    assert re.search(r'id="next-day" href="/tariffs\?as_of=2025-11-10&amp;known_at=36"', page)
    assert 'id="previous-record" href="/tariffs?as_of=2025-08-12&amp;known_at=35"' in page


def test_comparing_two_positions_shows_what_the_later_record_moved(client: TestClient) -> None:
    page = client.get("/compare", params={"as_of": "2025-08-12", "known_at": "33", "a": "33", "b": "34"}).text
    assert re.search(r'data-before="US-CN">54%<', page) and re.search(r'data-after="US-CN">30%<', page)
    assert "moved: " in page and "expires 2025-08-12 → 2025-11-10" in page
    assert "TruceExtended" in page


def test_the_history_shows_positions_sources_and_a_retraction_with_its_reason(london: str) -> None:
    from ledger.application import Ledger

    ledger = Ledger(london)
    try:
        ledger.retract(34, "Misdated <b>extension</b>", "tester")
    finally:
        ledger.close()
    with TestClient(create_app(london)) as client:
        page = client.get("/history/geneva-2025", params={"as_of": "2025-08-12", "known_at": "37"}).text
        assert '<tr class="retracted" data-position="34">' in page
        assert "retracts position 34: <q>Misdated &lt;b&gt;extension&lt;/b&gt;</q>" in page
        assert 'href="https://www.whitehouse.gov/' in page
        assert totals(client.get("/tariffs", params={"as_of": "2025-08-12", "known_at": "37"}).text)["US-CN"] == "54%"


def test_recorded_text_that_looks_like_markup_is_shown_as_text(sqlite_db: str) -> None:
    attack = '<script>alert("x")</script><img src=x onerror=alert(1)>'
    record(
        sqlite_db,
        {
            "type": "NegotiationOpened",
            "key": "markup",
            "date": "2025-01-01",
            "parties": ["US", "CN"],
            "title": attack,
            "note": attack,
            "sources": [{"url": "https://example.org/a", "title": attack}],
        },
        {
            "type": "TariffImposed",
            "key": "markup-tariff",
            "date": "2025-01-01",
            "imposer": "US",
            "target": "CN",
            "rate_pct": 5,
            "basis": attack,
            "products": [attack],
        },
    )
    with TestClient(create_app(sqlite_db)) as client:
        for path in ("/", "/negotiations", "/tariffs", "/log", "/history/markup", "/changes", "/report"):
            page = client.get(path, params={"as_of": "2025-01-02", "known_at": "2", "from": "2025-01-01"}).text
            assert "<script>alert" not in page and "<img src=x" not in page, path
            assert path == "/" or "&lt;script&gt;" in page, path  # the overview shows no recorded text here


def test_a_bad_day_is_answered_with_a_message_not_a_traceback(client: TestClient) -> None:
    page = client.get("/tariffs", params={"as_of": "2025-02-30", "known_at": "3"})
    assert page.status_code == 400
    assert "as_of:" in page.text and "Traceback" not in page.text


def test_the_server_binds_to_loopback_unless_told_otherwise() -> None:
    import inspect

    from ledger.cli.serve import serve

    assert inspect.signature(serve).parameters["host"].default == "127.0.0.1"


def test_an_answer_as_known_now_is_never_served_from_memory_after_a_write(london_sqlite: str) -> None:
    with TestClient(create_app(london_sqlite)) as client:
        before = client.get("/api/truces", params={"as_of": "2025-12-01"}).json()
        assert before["known_at"] == 36
        record(london_sqlite, {"type": "TruceTerminated", "key": "geneva-2025", "date": "2025-09-01", "by": "US"})
        after = client.get("/api/truces", params={"as_of": "2025-12-01"}).json()
        assert after["known_at"] == 37 and after["truces"][0]["status"] == "terminated"
        fixed = client.get("/api/truces", params={"as_of": "2025-12-01", "known_at": "36"}).json()
        assert fixed == before
