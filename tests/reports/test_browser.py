"""The HTML report in headless Chromium: no console error, no request beyond the file, numbers readable."""

from __future__ import annotations

import base64
import json
import os
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.reports.conftest import Render

CHROMIUM, CHROMEDRIVER = "/usr/bin/chromium", "/usr/bin/chromedriver"


def _unavailable(reason: str) -> None:
    if os.environ.get("DIPLEDGER_REQUIRE_SERVICES") == "1":
        pytest.fail(f"headless Chromium is required (DIPLEDGER_REQUIRE_SERVICES=1) but {reason}")
    pytest.skip(f"headless Chromium is not available: {reason}")


@pytest.fixture
def browser(tmp_path: Path) -> Iterator[Any]:
    """Chromium driven by chromedriver, with a fresh profile and every network and console event logged."""
    if not (Path(CHROMIUM).exists() and Path(CHROMEDRIVER).exists()):
        _unavailable(f"{CHROMIUM} or {CHROMEDRIVER} is missing (Debian packages chromium, chromium-driver)")
    try:
        from selenium import webdriver
        from selenium.webdriver.chrome.service import Service
    except ImportError:
        _unavailable("the selenium package is not installed (pip install -e '.[test]')")
    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for argument in (
        "--headless=new",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--no-first-run",
        "--disable-dev-shm-usage",
        f"--user-data-dir={tmp_path / 'profile'}",
        "--window-size=1280,900",
    ):
        options.add_argument(argument)
    options.set_capability("goog:loggingPrefs", {"browser": "ALL", "performance": "ALL"})
    driver = webdriver.Chrome(service=Service(CHROMEDRIVER), options=options)
    try:
        yield driver
    finally:
        driver.quit()
        shutil.rmtree(tmp_path / "profile", ignore_errors=True)


@pytest.fixture
def opened(browser: Any, seed: str, as_html: Render, tmp_path: Path) -> Any:
    """The seed's report as of 2025-06-10, saved to a file and opened in the browser."""
    page = tmp_path / "report.html"
    page.write_text(as_html(seed, "2025-06-10"), encoding="utf-8")
    browser.get("about:blank")
    browser.get_log("performance")  # what the browser's own start-up page loaded
    browser.get_log("browser")
    browser.get(page.as_uri())
    browser.page_uri = page.as_uri()
    return browser


def requests_made(browser: Any) -> list[str]:
    sent = []
    for entry in browser.get_log("performance"):
        message = json.loads(entry["message"])["message"]
        if message["method"] == "Network.requestWillBeSent":
            sent.append(message["params"]["request"]["url"])
    return sent


def test_the_report_opens_with_no_console_error_and_no_request_but_itself(opened: Any) -> None:
    assert opened.title == "Trade-diplomacy ledger as of 2025-06-10"
    errors = [entry for entry in opened.get_log("browser") if entry["level"] in ("SEVERE", "WARNING")]
    assert errors == []
    assert set(requests_made(opened)) == {opened.page_uri}


def test_the_tariff_table_reads_its_totals_and_layers(opened: Any, tmp_path: Path) -> None:
    from selenium.webdriver.common.by import By

    totals = {
        cell.get_attribute("data-total"): cell.text for cell in opened.find_elements(By.CSS_SELECTOR, "td[data-total]")
    }
    assert totals == {"CN-US": "10%", "US-CN": "30%"}
    rows = opened.find_elements(By.CSS_SELECTOR, "tbody[data-pair='US-CN'] tr")
    layers = {
        cells[0].text: [c.text for c in cells[1:6]]
        for row in rows
        if len(cells := row.find_elements(By.TAG_NAME, "td")) == 10
    }
    assert layers == {
        "us-ieepa-fentanyl-cn": ["all goods", "in force", "20%", "—", "20%"],
        "us-ieepa-reciprocal-cn": ["all goods", "suspended", "34%", "24%", "10%"],
    }
    shot = tmp_path / "report.png"
    assert opened.save_screenshot(str(shot))
    assert shot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_both_charts_are_drawn_in_the_page(opened: Any) -> None:
    from selenium.webdriver.common.by import By

    figures = opened.find_elements(By.CSS_SELECTOR, "figure svg")
    assert len(figures) == 2
    assert all(figure.size["width"] > 300 and figure.size["height"] > 80 for figure in figures)


def test_on_a_phone_the_page_does_not_scroll_sideways(opened: Any, tmp_path: Path) -> None:
    opened.set_window_size(390, 844)
    width = opened.execute_script("return document.documentElement.scrollWidth")
    viewport = opened.execute_script("return document.documentElement.clientWidth")
    assert width <= viewport
    assert opened.save_screenshot(str(tmp_path / "phone.png"))


def test_the_report_prints_to_pdf(opened: Any, tmp_path: Path) -> None:
    printed = opened.execute_cdp_cmd("Page.printToPDF", {"printBackground": False, "preferCSSPageSize": True})
    pdf = base64.b64decode(printed["data"])
    (tmp_path / "report.pdf").write_bytes(pdf)
    assert pdf[:5] == b"%PDF-" and pdf.count(b"/Type /Page") - pdf.count(b"/Type /Pages") >= 3
