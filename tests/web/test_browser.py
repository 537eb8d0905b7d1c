"""`dipledger serve` in headless Chromium: the London example on both time axes, read back from the
screen, with no console error and no request beyond the server. Screenshots are kept in
tests/web/artefacts/ (not tracked)."""

from __future__ import annotations

import json
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import EXAMPLE
from tests.web.conftest import EXTENSION, record_file

ARTEFACTS = Path(__file__).parent / "artefacts"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.fixture
def server(sqlite_db: str) -> Iterator[str]:
    """`dipledger serve` over the London example, on a free loopback port, in a process of its own."""
    record_file(sqlite_db, EXAMPLE)
    port = free_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "ledger", "serve", "--db", sqlite_db, "--port", str(port)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                urllib.request.urlopen(f"{base}/static/style.css", timeout=1).close()
                break
            except OSError:
                if process.poll() is not None or time.monotonic() > deadline:
                    raise AssertionError(
                        f"the server did not start: {process.stderr and process.stderr.read()!r}"
                    ) from None
                time.sleep(0.1)
        yield base
    finally:
        process.terminate()
        process.wait(timeout=10)


def shot(page: Any, name: str) -> Path:
    ARTEFACTS.mkdir(exist_ok=True)
    path = ARTEFACTS / name
    assert page.save_screenshot(str(path))
    return path


def totals(browser: Any) -> dict[str, str]:
    from selenium.webdriver.common.by import By

    return {
        cell.get_attribute("data-total"): cell.text for cell in browser.find_elements(By.CSS_SELECTOR, "td[data-total]")
    }


def slide(page: Any, key: str) -> None:
    """Press an arrow key on the known-at slider (which submits the form) and wait until the new page has loaded.

    While the old document is being replaced, the driver may answer a question about it with any of several
    errors ("stale element", "node does not belong to the document"); those mean "not yet", so they are
    waited through rather than read as a failure."""
    from selenium.common.exceptions import WebDriverException
    from selenium.webdriver.common.by import By
    from selenium.webdriver.common.keys import Keys
    from selenium.webdriver.support.ui import WebDriverWait

    before = page.current_url
    page.find_element(By.ID, "known-at").send_keys(getattr(Keys, key))
    WebDriverWait(page, 10, ignored_exceptions=(WebDriverException,)).until(
        lambda p: p.current_url != before and p.execute_script("return document.readyState") == "complete"
    )


def requests_made(page: Any) -> list[str]:
    sent = []
    for entry in page.get_log("performance"):
        message = json.loads(entry["message"])["message"]
        if message["method"] == "Network.requestWillBeSent":
            sent.append(message["params"]["request"]["url"])
    return sent


def test_the_known_at_slider_moves_the_us_china_total_across_the_truce_extension(
    browser: Any,
    server: str,
) -> None:
    from selenium.webdriver.common.by import By

    browser.get("about:blank")
    browser.get_log("performance")
    browser.get_log("browser")
    browser.get(f"{server}/tariffs?as_of=2025-08-12&known_at={EXTENSION - 1}")
    assert totals(browser)["US-CN"] == "54%"
    rate = browser.find_element(By.CSS_SELECTOR, "td[data-rate='us-ieepa-reciprocal-cn']")
    assert rate.text == "34%"
    shot(browser, "tariffs-before-extension.png")

    slide(browser, "ARROW_RIGHT")
    assert browser.current_url.endswith(f"known_at={EXTENSION}")
    assert totals(browser)["US-CN"] == "30%"
    assert browser.find_element(By.CSS_SELECTOR, "td[data-rate='us-ieepa-reciprocal-cn']").text == "10%"
    assert browser.find_element(By.ID, "known-at-value").text == str(EXTENSION)
    shot(browser, "tariffs-after-extension.png")

    slide(browser, "ARROW_LEFT")
    assert totals(browser)["US-CN"] == "54%"

    errors = [entry for entry in browser.get_log("browser") if entry["level"] in ("SEVERE", "WARNING")]
    assert errors == []
    sent = [url for url in requests_made(browser) if not url.startswith("data:")]  # data: leaves nothing
    assert sent and all(url.startswith(f"{server}/") for url in sent), sent


def test_the_date_moves_the_page_along_valid_time(browser: Any, server: str) -> None:
    from selenium.webdriver.common.by import By

    browser.get(f"{server}/?as_of=2025-06-10&known_at=36")
    assert totals(browser) == {"CN-US": "10%", "US-CN": "30%"}
    assert "63 days remaining" in browser.find_element(By.TAG_NAME, "main").text
    field = browser.find_element(By.ID, "as-of")
    browser.execute_script("arguments[0].value = '2025-04-10'; arguments[0].dispatchEvent(new Event('change'))", field)
    from selenium.webdriver.support.ui import WebDriverWait

    WebDriverWait(browser, 10).until(lambda b: "as_of=2025-04-10" in b.current_url)
    assert totals(browser)["US-CN"] == "145%"
    browser.find_element(By.ID, "next-day").click()
    WebDriverWait(browser, 10).until(lambda b: "as_of=2025-04-12" in b.current_url)
    shot(browser, "overview.png")
    errors = [entry for entry in browser.get_log("browser") if entry["level"] in ("SEVERE", "WARNING")]
    assert errors == []


def test_on_a_phone_the_tariffs_page_does_not_scroll_sideways_and_it_prints(browser: Any, server: str) -> None:
    import base64

    browser.set_window_size(390, 844)
    browser.get(f"{server}/tariffs?as_of=2025-06-10&known_at=36")
    width = browser.execute_script("return document.documentElement.scrollWidth")
    assert width <= browser.execute_script("return document.documentElement.clientWidth")
    shot(browser, "tariffs-phone.png")
    printed = browser.execute_cdp_cmd("Page.printToPDF", {"printBackground": False})
    pdf = base64.b64decode(printed["data"])
    ARTEFACTS.mkdir(exist_ok=True)
    (ARTEFACTS / "tariffs.pdf").write_bytes(pdf)
    assert pdf[:5] == b"%PDF-"


def test_the_server_listens_on_loopback_only(server: str) -> None:
    port = int(server.rsplit(":", 1)[1])
    others = [
        a for a in {info[4][0] for info in socket.getaddrinfo(socket.gethostname(), None)} if not a.startswith("127.")
    ]
    for address in others:
        with socket.socket(socket.AF_INET6 if ":" in address else socket.AF_INET) as probe:
            probe.settimeout(1)
            assert probe.connect_ex((address, port)) != 0, address


def test_the_charts_of_a_filtered_page_are_drawn_from_the_server_alone(browser: Any, server: str) -> None:
    from selenium.webdriver.common.by import By

    browser.get("about:blank")
    browser.get_log("performance")
    browser.get_log("browser")
    for path in (
        "/tariffs?as_of=2025-08-12&known_at=36&imposer=US",
        "/controls?as_of=2025-08-12&known_at=36&imposer=CN",
    ):
        browser.get(f"{server}{path}")
        image = browser.find_element(By.CSS_SELECTOR, "figure.chart img")
        assert browser.execute_script("return arguments[0].complete && arguments[0].naturalWidth", image) > 300
    shot(browser, "controls-chart.png")
    errors = [entry for entry in browser.get_log("browser") if entry["level"] in ("SEVERE", "WARNING")]
    assert errors == []
    sent = [url for url in requests_made(browser) if not url.startswith("data:")]
    assert any("/charts/tariffs.svg" in url for url in sent)
    assert all(url.startswith(f"{server}/") for url in sent), sent
