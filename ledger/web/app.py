"""The web application: the pages (`ledger.web.pages`), the JSON endpoints (`ledger.web.api`) and, when
allowed, the forms that record (`ledger.web.writes`), over one ledger, with the headers every answer
carries and the answers kept in memory."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.routing import Mount
from starlette.staticfiles import StaticFiles

from ledger.web.api import api_routes
from ledger.web.cache import Answers, Remembered
from ledger.web.headers import Guarded
from ledger.web.pages import Site, page_routes
from ledger.web.reading import Reader

HERE = Path(__file__).parent
CACHE_BYTES = 128 * 2**20
"""Answers kept in memory, at most (`ledger.web.cache`)."""


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

    routes = [
        *page_routes(site),
        *api_routes(site),
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
