"""`/api/NAME`: what `dipledger NAME … --format json` prints, from the same functions, with the command's
options as parameters (`as_of`, `known_at`, and each command's filters by their option names)."""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING, Any

import orjson
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from domain import KINDS
from ledger.web.reading import FILTERS, Axes, BadRequest, country, hs, parse_day

if TYPE_CHECKING:
    from ledger.web.pages import Site


def api_routes(site: Site) -> list[Route]:
    """The JSON endpoints."""
    reader = site.reader

    def api(request: Request) -> Response:
        name = request.path_params["name"]
        params = request.query_params
        known_at = reader.known_at(params.get("known_at"))
        day = parse_day(params.get("as_of")) or date.today()
        axes = Axes(day, known_at)
        flag = params.get("all") in ("1", "true")
        answer: dict[str, Any]
        key = params.get("key")
        if name in FILTERS:
            answer = reader.query(name, axes, *(params.get(f) for f in FILTERS[name]), flag, key=key)
        elif name in ("truces", "negotiations"):
            answer = reader.query(name, axes, key=key)
        elif name == "trade-flows":
            answer = reader.trade_flows(axes, key)
        elif name == "levels":
            by = country(params.get("imposer"), "imposer", group=False)
            targets = [country(t, "target") for t in params.getlist("target")] or None
            start, end = parse_day(params.get("from"), "from"), parse_day(params.get("to"), "to")
            if (start is None) != (end is None):
                raise BadRequest("give both from and to for a series, or neither (and as_of for one day)")
            if start is not None and end is not None:
                if start > end:
                    raise BadRequest("from is after to")
                answer = reader.level_series(start, end, known_at, by, targets, params.get("weights"))
            else:
                answer = reader.levels(axes, by, targets, params.get("weights"))
        elif name == "rate":
            by = country(params.get("imposer"), "imposer", group=False)
            on = country(params.get("target"), "target")
            if by == on:
                raise BadRequest("target: a country charges no tariff on its own goods; give another target")
            answer = reader.rate(axes, by, on, hs(params.get("hs")), params.get("weights"))
        elif name == "keys":
            kind = params.get("kind")
            kinds = {k.casefold(): k for k in KINDS}
            if kind is not None and kind.casefold() not in kinds:
                raise BadRequest(f"kind: {kind!r} is not one of {', '.join(KINDS)}")
            answer = reader.keys(known_at, kinds[kind.casefold()] if kind else None, params.get("match"))
        elif name == "replay":
            answer = reader.replay(axes, params.get("key"))
        elif name == "log":
            answer = reader.log(known_at)
        elif name == "changes":
            start, end = parse_day(params.get("from"), "from"), parse_day(params.get("to"), "to")
            if start is None or end is None:
                raise BadRequest("from and to are required (YYYY-MM-DD)")
            if end < start:
                raise BadRequest("to is before from")
            answer = reader.changes(start, end, known_at)
        else:
            return site.problem(request, f"no endpoint /api/{name}", 404)
        return _json(answer)

    def history(request: Request) -> Response:
        known_at = reader.known_at(request.query_params.get("known_at"))
        return _json(reader.history(request.path_params["key"], known_at))

    return [Route("/api/history/{key}", site.answered(history)), Route("/api/{name}", site.answered(api))]


def _json(answer: dict[str, Any]) -> Response:
    return Response(orjson.dumps(answer, option=orjson.OPT_APPEND_NEWLINE), media_type="application/json")
