"""The web application: its routes, the headers every answer carries, and the app factory.

Routes are thin: they parse the request once (`Axes` and the filters), ask the `Reader` for one
answer, and render it as a page or as the JSON the command line prints.
"""

from __future__ import annotations

import io
from collections.abc import AsyncIterator, Awaitable, Callable, MutableMapping
from contextlib import asynccontextmanager
from datetime import date, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import orjson
from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import HTMLResponse, RedirectResponse, Response
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles

from domain import KINDS
from ledger.web.cache import Answers, Remembered
from ledger.web.reading import Axes, BadRequest, Reader, compare, country, hs, parse_day

HERE = Path(__file__).parent
LOG_PAGE = 100
"""Entries a page of the log shows."""
ROWS = 200
"""Rows a table of views shows; the JSON has them all."""
CACHE_BYTES = 128 * 2**20
"""Answers kept in memory, at most (`ledger.web.cache`)."""

POLICY = (
    "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; object-src 'none'; "
    "base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
)
"""Nothing from another host, no inline script or style."""
REPORT_POLICY = POLICY.replace("style-src 'self'", "style-src 'self' 'unsafe-inline'")
"""The report is the self-contained HTML file `dipledger report` writes: its CSS and charts are inline."""

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]


class Guarded:
    """Every answer carries the Content-Security-Policy and the headers that keep it to itself."""

    def __init__(self, app: ASGIApp):
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def guarded(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = message.setdefault("headers", [])
                names = {name.lower() for name, _ in headers}
                if b"content-security-policy" not in names:
                    headers.append((b"content-security-policy", POLICY.encode()))
                headers += [
                    (b"x-content-type-options", b"nosniff"),
                    (b"referrer-policy", b"no-referrer"),
                    (b"x-frame-options", b"DENY"),
                    (b"cross-origin-resource-policy", b"same-origin"),
                ]
            await send(message)

        await self.app(scope, receive, guarded)


def templates() -> Any:
    from jinja2 import Environment, PackageLoader

    from ledger.reports import words

    environment = Environment(
        loader=PackageLoader("ledger.web", "templates"), autoescape=True, trim_blocks=True, lstrip_blocks=True
    )
    environment.filters.update(
        pct=words.pct,
        usd=words.usd,
        signed_pct=words.signed_pct,
        products=words.products,
        destinations=words.destinations,
        person=words.person,
        status=words.status,
        describe=words.describe,
        licences=words.licences,
    )
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

    # Pages -------------------------------------------------------------------------------------

    def overview(self, request: Request, axes: Axes) -> Response:
        tariffs = self.reader.tariffs(axes)
        return self.page(
            "overview",
            request,
            axes=axes,
            totals=tariffs["totals"],
            measures=len(tariffs["measures"]),
            truces=self.reader.truces(axes)["truces"],
            controls=self.reader.controls(axes)["controls"],
        )

    def tariffs(self, request: Request, axes: Axes) -> Response:
        params = request.query_params
        answer = self.reader.tariffs(
            axes,
            params.get("imposer") or None,
            params.get("target") or None,
            params.get("product") or None,
            params.get("all") == "1",
        )
        return self.page("tariffs", request, axes=axes, answer=answer)

    def controls(self, request: Request, axes: Axes) -> Response:
        params = request.query_params
        answer = self.reader.controls(
            axes,
            params.get("imposer") or None,
            params.get("item") or None,
            params.get("destination") or None,
            params.get("all") == "1",
        )
        return self.page("controls", request, axes=axes, answer=answer)

    def levels(self, request: Request, axes: Axes) -> Response:
        params = request.query_params
        imposer = params.get("imposer") or "US"
        by = country(imposer, "imposer", group=False)
        targets = [country(t, "target") for t in params.getlist("target") if t.strip()] or None
        answer = self.reader.levels(axes, by, targets, params.get("weights") or None)
        rate = None
        if params.get("hs"):
            on = country(params.get("rate_target") or "CN", "rate_target")
            rate = self.reader.rate(axes, by, on, hs(params.get("hs")), params.get("weights") or None)
        return self.page("levels", request, axes=axes, answer=answer, rate=rate)

    def truces(self, request: Request, axes: Axes) -> Response:
        return self.page("truces", request, axes=axes, answer=self.reader.truces(axes))

    def negotiations(self, request: Request, axes: Axes) -> Response:
        return self.page("negotiations", request, axes=axes, answer=self.reader.negotiations(axes))

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
            targets = [country(t, "target") for t in params.getlist("target") if t.strip()] or None
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

    # JSON --------------------------------------------------------------------------------------

    def api(self, request: Request) -> Response:
        """`/api/NAME`: what `dipledger NAME … --format json` prints, with its options as parameters
        (`as_of`, `known_at`, and each command's filters by their option names)."""
        name = request.path_params["name"]
        params = request.query_params
        known_at = self.reader.known_at(params.get("known_at"))
        day = parse_day(params.get("as_of")) or date.today()
        axes = Axes(day, known_at)
        flag = params.get("all") in ("1", "true")
        answer: dict[str, Any]
        key = params.get("key")
        if name == "tariffs":
            answer = self.reader.tariffs(
                axes, params.get("imposer"), params.get("target"), params.get("product"), flag, key
            )
        elif name == "controls":
            answer = self.reader.controls(
                axes, params.get("imposer"), params.get("item"), params.get("destination"), flag, key
            )
        elif name == "truces":
            answer = self.reader.truces(axes, key)
        elif name == "negotiations":
            answer = self.reader.negotiations(axes, key)
        elif name == "trade-flows":
            answer = self.reader.trade_flows(axes, key)
        elif name == "levels":
            by = country(params.get("imposer"), "imposer", group=False)
            targets = [country(t, "target") for t in params.getlist("target")] or None
            start, end = parse_day(params.get("from"), "from"), parse_day(params.get("to"), "to")
            if (start is None) != (end is None):
                raise BadRequest("give both from and to for a series, or neither (and as_of for one day)")
            if start is not None and end is not None:
                if start > end:
                    raise BadRequest("from is after to")
                answer = self.reader.level_series(start, end, known_at, by, targets, params.get("weights"))
            else:
                answer = self.reader.levels(axes, by, targets, params.get("weights"))
        elif name == "rate":
            by = country(params.get("imposer"), "imposer", group=False)
            on = country(params.get("target"), "target")
            if by == on:
                raise BadRequest("target: a country charges no tariff on its own goods; give another target")
            answer = self.reader.rate(axes, by, on, hs(params.get("hs")), params.get("weights"))
        elif name == "keys":
            kind = params.get("kind")
            kinds = {k.casefold(): k for k in KINDS}
            if kind is not None and kind.casefold() not in kinds:
                raise BadRequest(f"kind: {kind!r} is not one of {', '.join(KINDS)}")
            answer = self.reader.keys(known_at, kinds[kind.casefold()] if kind else None, params.get("match"))
        elif name == "replay":
            answer = self.reader.replay(axes, params.get("key"))
        elif name == "log":
            answer = self.reader.log(known_at)
        elif name == "changes":
            start, end = parse_day(params.get("from"), "from"), parse_day(params.get("to"), "to")
            if start is None or end is None:
                raise BadRequest("from and to are required (YYYY-MM-DD)")
            if end < start:
                raise BadRequest("to is before from")
            answer = self.reader.changes(start, end, known_at)
        else:
            return self.problem(request, f"no endpoint /api/{name}", 404)
        return Response(orjson.dumps(answer, option=orjson.OPT_APPEND_NEWLINE), media_type="application/json")

    def api_history(self, request: Request) -> Response:
        known_at = self.reader.known_at(request.query_params.get("known_at"))
        answer = self.reader.history(request.path_params["key"], known_at)
        return Response(orjson.dumps(answer, option=orjson.OPT_APPEND_NEWLINE), media_type="application/json")


def _position(text: str | None, name: str) -> int | None:
    if text is None or not text.strip():
        return None
    if not text.strip().isdigit():
        raise BadRequest(f"{name}: {text!r} is not a position (digits)")
    return int(text)


def create_app(
    db: str | None = None,
    allow_writes: bool = False,
    token: str | None = None,
    host: str = "127.0.0.1",
    cache_bytes: int = CACHE_BYTES,
) -> Starlette:
    """The web face over the ledger at `db` (read-only unless `allow_writes`, which needs `token`),
    keeping up to `cache_bytes` of answers in memory (0: none)."""
    if allow_writes and not token:
        raise ValueError("writes need a token")
    reader = Reader(db)
    site = Site(reader, allow_writes, token, host)

    from domain import LedgerError

    def paged(handler: Callable[[Request, Axes], Response]) -> Callable[[Request], Response]:
        def endpoint(request: Request) -> Response:
            try:
                axes = site.axes(request)
                if isinstance(axes, Response):
                    return axes
                return handler(request, axes)
            except LedgerError as error:
                return site.problem(request, str(error))

        return endpoint

    def answered(handler: Callable[[Request], Response]) -> Callable[[Request], Response]:
        def endpoint(request: Request) -> Response:
            try:
                return handler(request)
            except LedgerError as error:
                return site.problem(request, str(error))

        return endpoint

    routes = [
        Route("/", paged(site.overview)),
        Route("/tariffs", paged(site.tariffs)),
        Route("/controls", paged(site.controls)),
        Route("/levels", paged(site.levels)),
        Route("/truces", paged(site.truces)),
        Route("/negotiations", paged(site.negotiations)),
        Route("/history/{key}", paged(site.history)),
        Route("/log", paged(site.log)),
        Route("/changes", paged(site.changes)),
        Route("/compare", paged(site.compare)),
        Route("/report", paged(site.report)),
        Route("/charts/{kind}.svg", paged(site.chart)),
        Route("/api/history/{key}", answered(site.api_history)),
        Route("/api/{name}", answered(site.api)),
        Mount("/static", StaticFiles(directory=HERE / "static"), name="static"),
    ]
    if allow_writes:
        from ledger.web.writes import write_routes

        routes += write_routes(site)

    @asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        try:
            yield
        finally:
            reader.close()

    middleware = [Middleware(Guarded)]
    if cache_bytes:
        middleware.append(Middleware(Remembered, answers=Answers(cache_bytes), head=reader.head))
    app = Starlette(routes=routes, middleware=middleware, lifespan=lifespan)
    app.state.site = site
    return app
