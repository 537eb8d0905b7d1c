"""The report as one self-contained HTML file: inline CSS and SVG, every recorded text escaped."""

from __future__ import annotations

import re

from ledger.reports import model
from ledger.reports.model import Report

SAFE_URL = re.compile(r"https?://[^\s\"'<>]+\Z", re.I)


def linkable(url: str) -> bool:
    """Only http(s) addresses become links; anything else is shown as text."""
    return bool(SAFE_URL.match(url))


def render(report: Report) -> str:
    from jinja2 import Environment, PackageLoader

    environment = Environment(
        loader=PackageLoader("ledger", "templates"),
        autoescape=True,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    environment.filters.update(
        cited=model.cited,
        pct=model.pct,
        usd=model.usd,
        signed_pct=model.signed_pct,
        products=model.products,
        scope=model.scope,
        destinations=model.destinations,
        person=model.person,
        status=model.status,
    )
    environment.globals.update(delegations=model.delegations, linkable=linkable, licences=model.licences)
    return environment.get_template("report.html.j2").render(report=report)
