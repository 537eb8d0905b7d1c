"""The web face under load: many readers at once against `dipledger serve`, p95 a page (target 100 ms).

`python -m benchmarks.serve [--events 100000] [--seed 1] [--readers 50] [--requests 40]` generates
the benchmark ledger (benchmarks.generate; or takes `--db` of one already imported), starts
`dipledger serve` on a free 127.0.0.1 port in a process of its own, and measures two things:

1. the first visit of each URL of the pool (the site's pages on a few days, as known at the head and
   halfway there, as a newsroom reads the same few days), one reader at a time: what the server
   computes, and what any reader of a fresh URL waits;
2. then `--readers` readers at once, each on a connection of its own asking for `--requests` pages
   one after another without pause, each a URL of the pool at random: the server sends pages it has
   computed from memory (an answer as known at a position never changes).

It prints p50/p95/max for each page and for all, and PASS or FAIL of the second against p95 ≤ 100 ms
a page. Every address is a loopback one; the run stops after `--seconds` whatever happens.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import random
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections import defaultdict
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

from benchmarks import generate

HOST = "127.0.0.1"
TARGET_MS = 100.0
PAGES = ("/", "/tariffs", "/controls", "/truces", "/negotiations", "/log", "/history/{key}", "/api/tariffs")


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind((HOST, 0))
        return int(probe.getsockname()[1])


def dipledger(*args: str) -> str:
    done = subprocess.run([sys.executable, "-m", "ledger", *args], capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise SystemExit(f"dipledger {' '.join(args)} failed: {done.stderr.strip()}")
    return done.stdout


@contextlib.contextmanager
def ledger(args: argparse.Namespace) -> Iterator[str]:
    """The ledger measured: `--db`, or the generated one in a temporary folder."""
    if args.db:
        yield args.db
        return
    with tempfile.TemporaryDirectory(prefix="dipledger-serve-") as folder:
        lines, db = Path(folder) / "events.jsonl", str(Path(folder) / "ledger.db")
        started = time.perf_counter()
        with lines.open("w", encoding="utf-8") as out:
            generate.write(args.events, args.seed, out)
        dipledger("import", str(lines), "--db", db)
        print(
            f"generated and imported {args.events:,} events (seed {args.seed}) in {time.perf_counter() - started:.1f} s"
        )
        yield db


@contextlib.contextmanager
def server(db: str, seconds: float) -> Iterator[int]:
    """`dipledger serve` on a free loopback port, stopped at the end."""
    port = free_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "ledger", "serve", "--db", db, "--host", HOST, "--port", str(port)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    try:
        deadline = time.monotonic() + seconds
        while True:
            try:
                urllib.request.urlopen(f"http://{HOST}:{port}/static/style.css", timeout=1).close()
                break
            except OSError:
                if process.poll() is not None or time.monotonic() > deadline:
                    said = process.stderr.read().decode() if process.stderr else ""
                    raise SystemExit(f"the server did not start: {said}") from None
                time.sleep(0.1)
        yield port
    finally:
        process.terminate()
        process.wait(timeout=10)


def pool(db: str, rng: random.Random, days: int) -> list[tuple[str, str]]:
    """`(page, URL)` for every page on `days` random days, as known at the head and halfway there."""
    import json

    top = int(json.loads(dipledger("tariffs", "--db", db, "--as-of", "2012-01-01", "--format", "json"))["known_at"])
    known = dipledger("tariffs", "--db", db, "--as-of", "2020-01-01", "--known-at", str(top // 2), "--format", "json")
    keys = [m["key"] for m in json.loads(known)["measures"]] or ["none"]  # known at both positions
    chosen = [generate.FIRST_DAY + timedelta(days=rng.randrange(365, generate.SPAN_DAYS)) for _ in range(days)]
    urls = []
    for page in PAGES:
        for day in chosen:
            for known_at in (top, top // 2):
                path = page.format(key=rng.choice(keys))
                urls.append((page, f"{path}?as_of={day.isoformat()}&known_at={known_at}"))
    return urls


async def reader(port: int, urls: list[tuple[str, str]], timings: dict[str, list[float]], stop: float) -> None:
    """One reader: a kept-alive connection, each of `urls` asked in turn."""
    stream_in, stream_out = await asyncio.open_connection(HOST, port)
    try:
        for page, url in urls:
            if time.monotonic() > stop:
                return
            started = time.perf_counter()
            stream_out.write(f"GET {url} HTTP/1.1\r\nHost: {HOST}:{port}\r\n\r\n".encode())
            await stream_out.drain()
            head = await stream_in.readuntil(b"\r\n\r\n")
            status = int(head.split(b" ", 2)[1])
            length = next(
                int(line.split(b":", 1)[1])
                for line in head.split(b"\r\n")
                if line.lower().startswith(b"content-length:")
            )
            await stream_in.readexactly(length)
            elapsed = (time.perf_counter() - started) * 1000
            if status != 200:
                raise SystemExit(f"{url}: HTTP {status}")
            timings[page].append(elapsed)
            timings["all"].append(elapsed)
    finally:
        stream_out.close()


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(share * len(ordered)) - 1))]


async def load(port: int, urls: list[tuple[str, str]], args: argparse.Namespace) -> tuple[dict, dict, float]:
    """The first visits, one at a time; then the readers at once."""
    stop = time.monotonic() + args.seconds
    first: dict[str, list[float]] = defaultdict(list)
    if not args.cold:
        await reader(port, urls, first, stop)
    timings: dict[str, list[float]] = defaultdict(list)
    rngs = [random.Random(args.seed * 1000 + n) for n in range(args.readers)]
    started = time.perf_counter()
    await asyncio.gather(
        *(reader(port, [rng.choice(urls) for _ in range(args.requests)], timings, stop) for rng in rngs)
    )
    return first, timings, time.perf_counter() - started


def line(name: str, values: list[float]) -> str:
    if not values:
        return f"{name:16s} no requests"
    return (
        f"{name:16s} {len(values):5d} requests  p50 {statistics.median(values):7.1f} ms  "
        f"p95 {percentile(values, 0.95):7.1f} ms  max {max(values):7.1f} ms"
    )


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.serve", description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=100_000, help="events in the generated ledger (default 100000)")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--db", help="an imported ledger to serve instead of generating one")
    parser.add_argument("--readers", type=int, default=50, help="readers at once (default 50)")
    parser.add_argument("--requests", type=int, default=200, help="pages each reader asks for (default 200)")
    parser.add_argument("--days", type=int, default=5, help="days the readers read (default 5)")
    parser.add_argument("--seconds", type=float, default=300, help="stop after this long (default 300)")
    parser.add_argument(
        "--cold", action="store_true", help="no first visits: the readers find every URL not yet computed"
    )
    args = parser.parse_args(argv)
    with ledger(args) as db:
        dipledger("tariffs", "--db", db, "--as-of", "2020-01-01", "--format", "json")  # the read model caught up
        urls = pool(db, random.Random(args.seed), args.days)
        with server(db, 60) as port:
            first, timings, took = asyncio.run(load(port, urls, args))
    print(f"{len(urls)} URLs: {len(PAGES)} pages × {args.days} days × 2 known-at positions; {os.cpu_count()} cores")
    print("First visit of each URL, one reader at a time (computed):")
    for page in (*PAGES, "all"):
        print("  " + line(page, first[page]))
    total = len(timings["all"])
    print(f"{args.readers} readers at once: {total:,} pages in {took:.1f} s ({total / took:,.0f} pages/s):")
    for page in (*PAGES, "all"):
        print("  " + line(page, timings[page]))
    worst = max(percentile(timings[p], 0.95) for p in PAGES if timings[p])
    verdict = "PASS" if worst <= TARGET_MS else "FAIL"
    print(
        f"{args.readers} readers at once: worst p95 of a page {worst:.1f} ms, of all pages "
        f"{percentile(timings['all'], 0.95):.1f} ms; target p95 ≤ {TARGET_MS:.0f} ms a page: {verdict}"
    )


if __name__ == "__main__":
    main()
