"""The pages: each parses its request once (`Axes` and the filters), asks the `Reader` for one answer,
and renders it; `Site` holds what every page and endpoint shares (parsing, rendering, problems)."""

from __future__ import annotations

import io
from collections.abc import Callable
from datetime import date, timedelta
from functools import partial
from typing import Any
from urllib.parse import urlencode

import orjson
from starlette.datastructures import QueryParams
from starlette.requests import Request
from starlette.responses import HTMLResponse, RedirectResponse, Response
from starlette.routing import Route

from domain import LedgerError
from ledger.web.compare import compare
from ledger.web.headers import REPORT_POLICY
from ledger.web.reading import FILTERS, Axes, BadRequest, Reader, country, hs, parse_day

LOG_PAGE = 100
"""Entries a page of the log shows."""
ROWS = 200
"""Rows a table of views shows; the JSON has them all."""


def templates() -> Any:
    from jinja2 import Environment, PackageLoader

    from ledger.reports import words

    environment = Environment(
        loader=PackageLoader("ledger.web", "templates"), autoescape=True, trim_blocks=True, lstrip_blocks=True
    )
    environment.filters.update(words.filters())
    from ledger.reports.html import linkable

    environment.globals.update(linkable=linkable, delegations=words.delegations, link=link, rows=ROWS)
    return environment


def link(path: str, **params: Any) -> str:
    """A URL of this site with its query, leaving out empty parameters."""
    kept = {k: v for k, v in params.items() if v is not None and v is not False and v != ""}
    return f"{path}?{urlencode(kept)}" if kept else path


class Site:
    """The routes over one `Reader`."""

    def __init__(self, reader: Reader, allow_writes: bool = False, token: str | None = None, bound: str = ""):
        self.reader = reader
        self.bound = bound
        """The address the server listens on: a name, besides loopback ones, that forms may come from."""
        self.allow_writes = allow_writes
        self.token = token
        self.env = templates()

    # Parsing -----------------------------------------------------------------------------------

    def axes(self, request: Request) -> Axes | Response:
        """The request's day and position; a redirect to the same page with both in its URL (a
        position, however `known_at` was given) when either is missing, so every page is shareable."""
        params = request.query_params
        day = parse_day(params.get("as_of"))
        text = params.get("known_at")
        position = self.reader.known_at(text)
        if day is None or text is None or text.strip() != str(position):
            query = {**params, "as_of": (day or date.today()).isoformat(), "known_at": position}
            return RedirectResponse(link(request.url.path, **query), status_code=303)
        return Axes(day, position)

    def page(self, name: str, request: Request, **context: Any) -> HTMLResponse:
        axes: Axes | None = context.get("axes")
        head = self.reader.head()
        if axes is not None:
            before, after = self.reader.steps(axes.as_of)
            context.update(previous_day=before, next_day=after)
        extra = {k: v for k, v in request.query_params.items() if k not in ("as_of", "known_at")}
        html = self.env.get_template(f"{name}.html.j2").render(
            request_path=request.url.path,
            extra=extra,
            head=head,
            allow_writes=self.allow_writes,
            **context,
        )
        return HTMLResponse(html)

    def problem(self, request: Request, message: str, status: int = 400) -> Response:
        if request.url.path.startswith("/api/"):
            return Response(orjson.dumps({"error": message}), status, media_type="application/json")
        html = self.env.get_template("problem.html.j2").render(message=message, head=self.reader.head())
        return HTMLResponse(html, status)

    def answered(self, handler: Callable[[Request], Response]) -> Callable[[Request], Response]:
        """An endpoint answering what `handler` says, or the problem a refusal names."""

        def endpoint(request: Request) -> Response:
            try:
                return handler(request)
            except LedgerError as error:
                return self.problem(request, str(error))

        return endpoint

    def paged(self, handler: Callable[[Request, Axes], Response]) -> Callable[[Request], Response]:
        """A page's endpoint: `handler` given the request's axes, once its URL carries both."""

        def endpoint(request: Request) -> Response:
            axes = self.axes(request)
            return axes if isinstance(axes, Response) else handler(request, axes)

        return self.answered(endpoint)

    # Pages -------------------------------------------------------------------------------------

    def overview(self, request: Request, axes: Axes) -> Response:
        tariffs = self.reader.query("tariffs", axes)
        return self.page(
            "overview",
            request,
            axes=axes,
            totals=tariffs["totals"],
            measures=len(tariffs["measures"]),
            truces=self.reader.query("truces", axes)["truces"],
            controls=self.reader.query("controls", axes)["controls"],
        )

    def measures(self, name: str, request: Request, axes: Axes) -> Response:
        """`/tariffs` and `/controls`: the views narrowed by the page's filters (`all=1`: lifted ones too)."""
        params = request.query_params
        filters = [params.get(f) or None for f in FILTERS[name]]
        answer = self.reader.query(name, axes, *filters, params.get("all") == "1")
        return self.page(name, request, axes=axes, answer=answer)

    def levels(self, request: Request, axes: Axes) -> Response:
        params = request.query_params
        imposer = params.get("imposer") or "US"
        by = country(imposer, "imposer", group=False)
        targets = _targets(params)
        answer = self.reader.levels(axes, by, targets, params.get("weights") or None)
        rate = None
        if params.get("hs"):
            on = country(params.get("rate_target") or "CN", "rate_target")
            rate = self.reader.rate(axes, by, on, hs(params.get("hs")), params.get("weights") or None)
        return self.page("levels", request, axes=axes, answer=answer, rate=rate)

    def views(self, name: str, request: Request, axes: Axes) -> Response:
        """`/truces` and `/negotiations`: every view of the kind."""
        return self.page(name, request, axes=axes, answer=self.reader.query(name, axes))

    def history(self, request: Request, axes: Axes) -> Response:
        key = request.path_params["key"]
        answer = self.reader.history(key, axes.known_at)
        return self.page("history", request, axes=axes, answer=answer, key=key)

    def log(self, request: Request, axes: Axes) -> Response:
        last = _position(request.query_params.get("last"), "last") or axes.known_at
        last = min(last, axes.known_at)
        entries = self.reader.log_page(axes.known_at, last, LOG_PAGE)
        earlier = last - LOG_PAGE if last > LOG_PAGE else None
        later = min(last + LOG_PAGE, axes.known_at) if last < axes.known_at else None
        return self.page("log", request, axes=axes, entries=entries, earlier=earlier, later=later, last=last)

    def changes(self, request: Request, axes: Axes) -> Response:
        params = request.query_params
        end = parse_day(params.get("to"), "to") or axes.as_of
        start = parse_day(params.get("from"), "from") or end - timedelta(days=29)
        if end < start:
            raise BadRequest("to is before from")
        from ledger.reports.model import Citations, changed

        answer = self.reader.changes(start, end, axes.known_at)
        entries = changed(answer, Citations())
        return self.page("changes", request, axes=axes, start=start, end=end, entries=entries)

    def compare(self, request: Request, axes: Axes) -> Response:
        params = request.query_params
        later = _position(params.get("b"), "b") or self.reader.head()
        earlier = _position(params.get("a"), "a") or axes.known_at
        earlier, later = sorted((min(earlier, self.reader.head()), min(later, self.reader.head())))
        answer = compare(self.reader, axes.as_of, earlier, later)
        return self.page("compare", request, axes=axes, answer=answer)

    def report(self, request: Request, axes: Axes) -> Response:
        from ledger.reports import html, model

        gathered = model.gather(self.reader.ledger, axes.as_of, axes.known_at, with_charts=True)
        return HTMLResponse(html.render(gathered), headers={"content-security-policy": REPORT_POLICY})

    def chart(self, request: Request, axes: Axes) -> Response:
        """`/charts/tariffs.svg`, `controls.svg`, `levels.svg`: the command line's charts, to `as_of` as
        known at `known_at`, narrowed by the page's filters."""
        from ledger.reports import charts

        params, kind = request.query_params, request.path_params["kind"]
        start = parse_day(params.get("from"), "from")
        if start is not None and start > axes.as_of:
            raise BadRequest("from is after as_of")
        imposer = params.get("imposer") or None
        if kind == "levels":
            by = country(imposer or "US", "imposer", group=False)
            targets = _targets(params)
            first = start or axes.as_of - timedelta(days=365)
            series = self.reader.level_series(first, axes.as_of, axes.known_at, by, targets, params.get("weights"))
            figure = charts.level_chart(series, first, axes.as_of, targets)
        elif kind in ("tariffs", "controls"):
            draw = charts.tariff_chart if kind == "tariffs" else charts.control_chart
            target = params.get("target") or params.get("destination") or None
            with self.reader.views(axes.known_at) as source:
                figure = draw(source, axes.as_of, start, imposer, target)
        else:
            raise BadRequest(f"no chart {kind!r} (tariffs, controls or levels)")
        out = io.BytesIO()
        figure.savefig(out, format="svg", metadata={"Date": None})
        # matplotlib's SVG styles its shapes inline: allowed for this image alone, still from no other host
        return Response(out.getvalue(), media_type="image/svg+xml", headers={"content-security-policy": REPORT_POLICY})


def _targets(params: QueryParams) -> list[str] | None:
    """The partners a page's `target` parameters name (None: every partner)."""
    return [country(t, "target") for t in params.getlist("target") if t.strip()] or None


def _position(text: str | None, name: str) -> int | None:
    if text is None or not text.strip():
        return None
    if not text.strip().isdigit():
        raise BadRequest(f"{name}: {text!r} is not a position (digits)")
    return int(text)


def page_routes(site: Site) -> list[Route]:
    """The pages, each given its axes."""
    paged = site.paged
    return [
        Route("/", paged(site.overview)),
        Route("/tariffs", paged(partial(site.measures, "tariffs"))),
        Route("/controls", paged(partial(site.measures, "controls"))),
        Route("/levels", paged(site.levels)),
        Route("/truces", paged(partial(site.views, "truces"))),
        Route("/negotiations", paged(partial(site.views, "negotiations"))),
        Route("/history/{key}", paged(site.history)),
        Route("/log", paged(site.log)),
        Route("/changes", paged(site.changes)),
        Route("/compare", paged(site.compare)),
        Route("/report", paged(site.report)),
        Route("/charts/{kind}.svg", paged(site.chart)),
    ]
