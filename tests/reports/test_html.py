"""The HTML report: one self-contained file, the seed's values in its tables, recorded text escaped."""

from __future__ import annotations

import re
import shutil
from datetime import date
from html.parser import HTMLParser
from pathlib import Path

from typer.testing import CliRunner

from ledger.cli.main import app
from ledger.reports import html
from ledger.reports.model import Report
from tests.reports.conftest import Render, digest, position_of, record

DAY = "2025-06-10"


class Page(HTMLParser):
    """Every start tag with its attributes, and the text of the cells marked `data-total`."""

    def __init__(self, document: str):
        super().__init__()
        self.tags: list[tuple[str, dict[str, str | None]]] = []
        self.totals: dict[str, str] = {}
        self._total: str | None = None
        self.feed(document)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, dict(attrs)))
        self._total = dict(attrs).get("data-total")

    def handle_data(self, data: str) -> None:
        if self._total:
            self.totals[self._total] = data.strip()
            self._total = None

    def named(self, tag: str) -> list[dict[str, str | None]]:
        return [attrs for name, attrs in self.tags if name == tag]


def test_the_tariff_table_gives_30_percent_on_china_and_10_percent_on_the_us(seed: str, as_html: Render) -> None:
    page = Page(as_html(seed, DAY))
    assert page.totals == {"CN-US": "10%", "US-CN": "30%"}


def test_the_page_carries_the_headline_truce_round_statement_and_trade_values(seed: str, as_html: Render) -> None:
    document = as_html(seed, DAY)
    assert "<title>Trade-diplomacy ledger as of 2025-06-10</title>" in document
    assert "<dt>As known at</dt><dd>position 36 (the head)</dd>" in document
    assert f"<dt>Head digest</dt><dd><code>{digest(seed)}</code></dd>" in document
    assert "<b>63 days</b><small>remaining, expires 2025-08-12</small>" in document
    assert "effective 2025-05-14, expires 2025-08-12." in document
    assert '<span class="party">US</span> Scott Bessent (Treasury Secretary); Howard Lutnick (Commerce Secretary)' in (
        document
    )
    assert '<span class="party">CN</span> He Lifeng (Vice Premier)' in document
    assert "<b>Kevin Hassett</b><br><small>Director, National Economic Council</small>" in document
    assert '<td class="num">USD 28.8 bn</td><td class="num">-34.5%</td>' in document
    assert "1 approval (count not given)" in document


def test_the_page_is_self_contained_with_no_script_and_only_http_links(seed: str, as_html: Render) -> None:
    page = Page(as_html(seed, DAY))
    names = {name for name, _ in page.tags}
    assert not names & {"script", "link", "img", "iframe", "object", "embed", "base", "form"}
    assert all(not any(k in ("src", "srcset") for k in attrs) for _, attrs in page.tags)
    assert all(not k.startswith("on") for _, attrs in page.tags for k in attrs)
    hrefs = [attrs["href"] for attrs in page.named("a")]
    assert len(hrefs) == 44
    assert all(re.match(r"https?://", href or "") for href in hrefs)
    uses = [v for _, attrs in page.tags for k, v in attrs.items() if k in ("xlink:href", "href") and v and v[0] == "#"]
    assert uses, "the charts refer only to their own definitions"


def test_both_charts_are_inline_svg_with_ids_unique_in_the_page(seed: str, as_html: Render) -> None:
    page = Page(as_html(seed, DAY))
    assert len(page.named("svg")) == 2
    ids = [attrs["id"] for _, attrs in page.tags if "id" in attrs]
    assert len(ids) == len(set(ids))
    assert any(i and i.startswith("tariffs-") for i in ids) and any(i and i.startswith("controls-") for i in ids)


def test_the_css_reads_on_a_phone_and_in_print(seed: str, as_html: Render) -> None:
    document = as_html(seed, DAY)
    assert '<meta name="viewport" content="width=device-width, initial-scale=1">' in document
    assert "@media (max-width: 40rem)" in document and "@media print" in document
    assert "default-src 'none'" in document


def test_as_known_before_the_extension_the_truce_has_expired_on_12_august(seed: str, as_html: Render) -> None:
    before = Page(as_html(seed, "2025-08-12", position_of(seed, "TruceExtended") - 1))
    after = Page(as_html(seed, "2025-08-12"))
    assert before.totals == {"CN-US": "34%", "US-CN": "54%"}
    assert after.totals == {"CN-US": "10%", "US-CN": "30%"}


def test_markup_in_recorded_text_stays_text(tmp_path: Path, seed: str, as_html: Render) -> None:
    db = str(tmp_path / "copy.db")
    shutil.copy(seed, db)
    record(
        db,
        {
            "type": "AgreementReached",
            "key": "us-cn-trade-2025",
            "date": "2025-06-10",
            "title": "<script>alert('title')</script>",
            "summary": '"><img src=x onerror=alert(1)>',
            "note": "<script>alert('note')</script>",
            "sources": [{"url": 'https://example.org/a?b=<c>&d="e"', "title": "<b>bold</b> & more"}],
        },
    )
    document = as_html(db, DAY)
    page = Page(document)
    assert "<script" not in document and "<img" not in document and "<b>bold" not in document
    assert "<b>&lt;script&gt;alert(&#39;title&#39;)&lt;/script&gt;</b>" in document
    assert "&lt;script&gt;alert(&#39;note&#39;)&lt;/script&gt;" in document
    assert "&#34;&gt;&lt;img src=x onerror=alert(1)&gt;" in document
    assert "&lt;b&gt;bold&lt;/b&gt; &amp; more" in document
    assert not page.named("img") and not page.named("script")


def test_only_http_sources_become_links() -> None:
    assert html.linkable("https://example.org/x") and html.linkable("HTTP://example.org")
    assert not html.linkable("javascript:alert(1)")
    assert not html.linkable("data:text/html,<script>")
    assert not html.linkable('https://example.org/" onmouseover="x')
    report = Report(
        as_of=date(2025, 6, 10), known_at=0, head=0, digest=f"{'0' * 64}@0", window_start=date(2025, 5, 12),
        pairs=[], controls=[], truces=[], negotiations=[], trade_flows=[], allegations=[], statements=[], changes=[],
        sources=[{"number": 1, "url": "javascript:alert(1)", "title": "trap"}],
    )  # fmt: skip
    page = Page(html.render(report))
    assert page.named("a") == []
    assert 'trap <span class="muted">(javascript:alert(1))</span>' in html.render(report)


def test_the_report_command_writes_one_html_file(seed: str, tmp_path: Path) -> None:
    out = tmp_path / "report.html"
    result = CliRunner().invoke(app, ["report", "--as-of", DAY, "--format", "html", "-o", str(out), "--db", seed])
    assert result.exit_code == 0, result.output
    assert result.stdout == ""
    document = out.read_text(encoding="utf-8")
    assert document.startswith("<!DOCTYPE html>") and document.rstrip().endswith("</html>")
    assert Page(document).totals == {"CN-US": "10%", "US-CN": "30%"}


def test_the_report_reads_the_same_on_every_storage_backend(db: str, as_markdown: Render) -> None:
    from tests.conftest import EXAMPLE
    from tests.reports.conftest import record_file

    record_file(db, EXAMPLE)
    document = as_markdown(db, DAY)
    assert "- **Tariff total US → CN:** 30% on all goods" in document
    assert "- **Truce geneva-2025:** in force, expires 2025-08-12, 63 days remaining" in document
