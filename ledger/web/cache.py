"""Answers kept in memory by URL.

An answer as known at position P depends on the events at positions 1 to P alone, and those never
change: the same URL gives the same page for as long as the head (which the pages show) and the
day (the default of `as_of`) stay the same. So a page asked for again, by this reader or another,
is served from memory; the least recently used answers go first once `limit` bytes are held.
"""

from __future__ import annotations

import asyncio
import re
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Hashable
from datetime import date
from typing import NamedTuple

from starlette.types import ASGIApp, Message, Receive, Scope, Send

COMPUTING = 1
"""Answers computed at once. The interpreter runs one thread at a time, so computing more at once
only makes each slower and starves the loop that sends the answers kept in memory."""
HEAD_SECONDS = 1.0
"""How long the head a page shows (the slider's end) may lag behind the ledger."""


class Kept(NamedTuple):
    status: int
    headers: list[tuple[bytes, bytes]]
    body: bytes


class Answers:
    def __init__(self, limit: int):
        self.limit = limit
        self.held = 0
        self.kept: OrderedDict[Hashable, Kept] = OrderedDict()
        self.lock = threading.Lock()

    def get(self, key: Hashable) -> Kept | None:
        with self.lock:
            found = self.kept.get(key)
            if found is not None:
                self.kept.move_to_end(key)
            return found

    def put(self, key: Hashable, kept: Kept) -> None:
        size = len(kept.body)
        if size > self.limit // 8:
            return  # one answer may not push out most others
        with self.lock:
            if key in self.kept:
                return
            self.kept[key] = kept
            self.held += size
            while self.held > self.limit:
                _, gone = self.kept.popitem(last=False)
                self.held -= len(gone.body)


KNOWN_AT = re.compile(rb"(?:^|&)known_at=\d+(?:&|$)")


def _fixed(scope: Scope) -> bool:
    """Whether the answer is fixed by the URL: a page or JSON as known at a position, or a static
    file. Without a position, JSON answers as known now, which a write may change at any moment."""
    path: str = scope["path"]
    if path.startswith("/static/"):
        return True
    return not path.startswith("/record") and bool(KNOWN_AT.search(scope["query_string"]))


class Remembered:
    """ASGI middleware: a GET answered before, for the same URL, head and day, is sent again from
    memory without reaching the application (nor a worker thread); other answers of 200 are kept.
    Readers asking at once for a URL not yet kept wait for one computation of it, and `COMPUTING`
    answers are computed at a time."""

    def __init__(self, app: ASGIApp, answers: Answers, head: Callable[[], int]):
        self.app = app
        self.answers = answers
        self.read_head = head
        self.head = (0.0, 0)
        self.lock = threading.Lock()
        self.pending: dict[Hashable, asyncio.Event] = {}
        self.computing: asyncio.Semaphore | None = None

    def current_head(self) -> int:
        now = time.monotonic()
        with self.lock:
            if now - self.head[0] < HEAD_SECONDS:
                return self.head[1]
        head = self.read_head()
        with self.lock:
            self.head = (now, head)
        return head

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] != "GET" or not _fixed(scope):
            await self.app(scope, receive, send)
            return
        key = (scope["path"], scope["query_string"], self.current_head(), date.today())
        found = self.answers.get(key)
        while found is None and key in self.pending:  # another reader is computing it
            await self.pending[key].wait()
            found = self.answers.get(key)
        if found is not None:
            await send({"type": "http.response.start", "status": found.status, "headers": found.headers})
            await send({"type": "http.response.body", "body": found.body})
            return
        if self.computing is None:
            self.computing = asyncio.Semaphore(COMPUTING)
        done = self.pending[key] = asyncio.Event()
        try:
            async with self.computing:
                await self._compute(key, scope, receive, send)
        finally:
            del self.pending[key]
            done.set()

    async def _compute(self, key: Hashable, scope: Scope, receive: Receive, send: Send) -> None:
        start: Message = {}
        parts: list[bytes] = []

        async def keep(message: Message) -> None:
            if message["type"] == "http.response.start":
                start.update(message)
            elif message["type"] == "http.response.body":
                parts.append(message.get("body", b""))
                if not message.get("more_body") and start.get("status") == 200:
                    headers = [(k, v) for k, v in start.get("headers", []) if k.lower() != b"set-cookie"]
                    self.answers.put(key, Kept(200, headers, b"".join(parts)))
            await send(message)

        await self.app(scope, receive, keep)
