"""The report as one self-contained HTML file: inline CSS and SVG, every recorded text escaped."""

from __future__ import annotations

import re

from ledger.collector import paused
from ledger.reports import words
from ledger.reports.model import Report

SAFE_URL = re.compile(r"https?://[^\s\"'<>]+\Z", re.I)


def linkable(url: str) -> bool:
    """Only http(s) addresses become links; anything else is shown as text."""
    return bool(SAFE_URL.match(url))


@paused
def render(report: Report) -> str:
    from jinja2 import Environment, PackageLoader

    environment = Environment(
        loader=PackageLoader("ledger", "templates"),
        autoescape=True,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    environment.filters.update(
        cited=words.cited,
        pct=words.pct,
        usd=words.usd,
        signed_pct=words.signed_pct,
        products=words.products,
        scope=words.scope,
        destinations=words.destinations,
        person=words.person,
        status=words.status,
    )
    environment.globals.update(delegations=words.delegations, linkable=linkable, licences=words.licences)
    return environment.get_template("report.html.j2").render(report=report)
