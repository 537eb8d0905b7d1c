"""The report as one self-contained HTML file: inline CSS and SVG, every recorded text escaped.

The page is a jinja2 template (`ledger/templates/report.html.j2`). The lists that grow a row an
event (trade-flow reports, sources) are written here instead, as the template's loop costs about
25 µs a row: on the 100,000-event benchmark ledger, 47,000 rows each, and seconds of the report.
"""

from __future__ import annotations

import re
from html import escape
from typing import Any

from markupsafe import Markup

from ledger.collector import paused
from ledger.reports import words
from ledger.reports.model import Report


def text(value: str) -> str:
    """Recorded text escaped for HTML, quotes too, as a plain string: the rows written here by the
    ten thousand cost a third less than through `markupsafe.escape`, which makes an object of each."""
    return escape(value, quote=True)


SAFE_URL = re.compile(r"https?://[^\s\"'<>]+\Z", re.I)


def linkable(url: str) -> bool:
    """Only http(s) addresses become links; anything else is shown as text."""
    return bool(SAFE_URL.match(url))


def refs(numbers: list[int]) -> Markup:
    """The numbers of a fact's sources: `[1–3, 5]`."""
    return Markup(f'<span class="ref">[{words.cited(numbers)}]</span>') if numbers else Markup("")


def trade_flow_rows(flows: list[dict[str, Any]]) -> Markup:
    """A table row for each report of each trade flow."""
    rows = []
    for row in flows:
        head = f"<tr><td>{text(row['reporter'])}</td><td>{text(row['partner'])}</td><td>{text(row['flow'])}</td>"
        cited = refs(row["refs"])
        rows += [
            f'{head}<td class="day">{text(said["period"])}</td>\n'
            f'<td class="num">{text(words.usd(said["value_usd"]))}</td>'
            f'<td class="num">{text(words.signed_pct(said["change_pct"]))}</td>'
            f'<td>{text(said["trend"])}</td><td class="refs">{cited}</td></tr>\n'
            for said in row["reports"]
        ]
    return Markup("".join(rows))


def source_items(sources: list[dict[str, Any]]) -> Markup:
    """The numbered list of sources: a link where the address is http(s), else the address as text."""
    items = []
    for source in sources:
        url, title = source["url"], text(source.get("title") or source["url"])
        named = (
            f'<a href="{text(url)}" rel="noopener noreferrer">{title}</a>'
            if linkable(url)
            else f'{title} <span class="muted">({text(url)})</span>'
        )
        extra = f" — {text(source['publisher'])}" if source.get("publisher") else ""
        extra += f", {text(source['published'])}" if source.get("published") else ""
        items.append(f'<li value="{source["number"]}">{named}{extra}</li>\n')
    return Markup("".join(items))


CHART = "<!--chart {}-->"
"""Where a chart goes in the page until it is drawn (recorded text cannot write it: `<` is escaped)."""


@paused
def render(report: Report) -> str:
    """The page, written while the charts may still be drawn aside (`model.gather`): each goes in at
    its mark once they are."""
    from jinja2 import Environment, PackageLoader

    environment = Environment(
        loader=PackageLoader("ledger", "templates"),
        autoescape=True,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    environment.filters.update(words.filters())
    environment.globals.update(
        delegations=words.delegations,
        licences=words.licences,
        refs=refs,
        trade_flow_rows=trade_flow_rows,
        source_items=source_items,
    )
    marks = {name: Markup(CHART.format(name)) for name in report.chart_names}
    page = environment.get_template("report.html.j2").render(report=report, charts=marks)
    for name, svg in report.drawn().items():  # drawn by matplotlib, which escapes its text
        page = page.replace(CHART.format(name), svg, 1)
    return page
