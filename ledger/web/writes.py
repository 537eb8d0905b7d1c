"""Recording from the browser (`serve --allow-writes`): one form per typed event, checked exactly as the
typed commands check them, and guarded against requests another site makes the browser send.

A write is refused, and nothing recorded, unless all of these hold: the request's Origin (else its
Referer) is this site, as the Host header names it and only under a name the server answers to; the
form carries the anti-forgery value of the cookie this site set (double submit); and the form
carries the server's token (`DIPLEDGER_TOKEN`), which a page of another site cannot know.
"""

from __future__ import annotations

import hmac
import secrets
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from starlette.requests import Request
from starlette.responses import HTMLResponse, Response
from starlette.routing import Route

from ledger.cli.typed import GROUPS, asked, written

if TYPE_CHECKING:
    from ledger.web.pages import Site

COOKIE = "dipledger_form"
LOOPBACK_NAMES = {"127.0.0.1", "localhost", "[::1]", "::1"}


def form_fields(event_type: str) -> list[dict[str, Any]]:
    """The fields of an event type's form: the typed command's options, by the same names and help."""
    return [
        {
            "name": field.name,
            "label": field.name.replace("_", " "),
            "many": field.many,
            "number": field.kind in (int, float),
            "required": field.required,
            "help": field.help + (" One a line." if field.many else ""),
        }
        for field in asked(event_type)
    ]


def event_from_form(event_type: str, form: Any) -> dict[str, Any]:
    """The event line a form describes, built as the typed command builds it from its options."""
    event: dict[str, Any] = {"type": event_type, "key": form.get("key", ""), "date": form.get("date", "")}
    for field in form_fields(event_type):
        name = field["name"]
        text = str(form.get(name, "") or "")
        if field["many"]:
            values: list[Any] = [line.strip() for line in text.splitlines() if line.strip()]
            if values:
                event[name] = written(name, values)
        elif text.strip():
            event[name] = _number(text.strip()) if field["number"] else text
    return event


def _number(text: str) -> Any:
    for kind in (int, float):
        try:
            return kind(text)
        except ValueError:
            continue
    return text  # the catalogue's validation names the field and the problem


def same_site(request: Request, bound: str) -> bool:
    """Whether the request comes from a page of this site: its Origin (else Referer) names the host
    and port the request was sent to, and that host is one this server answers to (so a page that
    resolved its own name to this address is refused)."""
    host = request.headers.get("host", "")
    name = host.rsplit(":", 1)[0] if not host.endswith("]") else host
    if name not in LOOPBACK_NAMES | {bound}:
        return False
    origin = request.headers.get("origin")
    if origin is None or origin == "null":
        referer = request.headers.get("referer")
        if not referer or origin == "null":
            return False
        parts = urlsplit(referer)
        origin = f"{parts.scheme}://{parts.netloc}"
    return origin == f"{request.url.scheme}://{host}"


def write_routes(site: Site) -> list[Route]:
    """The routes that record events."""

    def render(request: Request, name: str, status: int = 200, **context: Any) -> Response:
        token = request.cookies.get(COOKIE) or secrets.token_urlsafe(32)
        html = site.env.get_template(name).render(
            head=site.reader.head(),
            allow_writes=True,
            groups=GROUPS,
            form_token=token,
            request_path="",
            extra={},
            **context,
        )
        response = HTMLResponse(html, status)
        response.set_cookie(COOKIE, token, httponly=True, samesite="strict", path="/record")
        return response

    def choose(request: Request) -> Response:
        return render(request, "record.html.j2")

    def form(request: Request) -> Response:
        event_type = request.path_params["event_type"]
        if not _typed(event_type):
            return site.problem(request, f"no typed event {event_type!r}", 404)
        from ledger.offers import current_user

        return render(
            request,
            "record_form.html.j2",
            event_type=event_type,
            fields=form_fields(event_type),
            values={"recorded_by": current_user()},
            problems=[],
        )

    async def record(request: Request) -> Response:
        event_type = request.path_params["event_type"]
        if not _typed(event_type):
            return site.problem(request, f"no typed event {event_type!r}", 404)
        if not same_site(request, site.bound):
            return site.problem(request, "refused: the form was not sent from this site; nothing was recorded", 403)
        form = await request.form()
        cookie = request.cookies.get(COOKIE, "")
        if not cookie or not hmac.compare_digest(cookie, str(form.get("form_token", ""))):
            return site.problem(
                request, "refused: the form has expired or was not sent from this site; nothing was recorded", 403
            )
        if site.token is None or not hmac.compare_digest(site.token.encode(), str(form.get("token", "")).encode()):
            return site.problem(request, "refused: wrong token (DIPLEDGER_TOKEN); nothing was recorded", 403)
        recorded_by = str(form.get("recorded_by", "")).strip()
        values = {k: str(v) for k, v in form.items() if k not in ("token", "form_token")}
        problems = [] if recorded_by else [("recorded_by", "who records the event must be given")]
        if not problems:
            problems, done = _record(site, event_type, form, recorded_by)
            if not problems:
                return render(request, "recorded.html.j2", done=done)
        return render(
            request,
            "record_form.html.j2",
            400,
            event_type=event_type,
            fields=form_fields(event_type),
            values=values,
            problems=problems,
        )

    return [
        Route("/record", choose),
        Route("/record/{event_type}", form, methods=["GET"]),
        Route("/record/{event_type}", record, methods=["POST"]),
    ]


def _typed(event_type: str) -> bool:
    return any(event_type in group.values() for group in GROUPS.values())


def _record(site: Site, event_type: str, form: Any, recorded_by: str) -> tuple[list[tuple[str, str]], str]:
    """Validate and record the form's event: the problems as the command line words them, or what was
    recorded."""
    from domain import InputError, parse_fact
    from ledger.application import WriteConflict
    from ledger.offers import Candidate, RecordingRefused

    try:
        fact = parse_fact(event_from_form(event_type, form))
    except InputError as error:
        return list(error.problems), ""
    try:
        done = site.reader.ledger.record([Candidate(fact)], recorded_by)
    except RecordingRefused as refused:
        return [(field, problem) for _, field, problem in refused.problems], ""
    except WriteConflict as conflict:
        return [("ledger", str(conflict))], ""
    if not done.recorded:
        return [], f"already recorded: {fact.type} {fact.key} (nothing new)"
    return [], f"recorded {fact.type} {fact.key} at position {done.recorded[0].position}"
