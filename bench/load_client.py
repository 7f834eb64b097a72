"""Load generators for bench/tiles.py: HTTP/1.1 keep-alive over asyncio, and psycopg2 threads.

The HTTP client is a few lines over asyncio streams rather than httpx, so that on a small
machine the client itself costs the servers as little CPU as possible.
"""

import asyncio
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field

REQUEST = "GET {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nAccept-Encoding: gzip\r\n\r\n"


@dataclass
class Run:
    name: str
    elapsed: float = 0.0
    latencies: list[float] = field(default_factory=list)
    errors: int = 0
    bytes: int = 0
    max_bytes: int = 0
    hits: int | None = None

    @property
    def rate(self) -> float:
        return len(self.latencies) / self.elapsed if self.elapsed else 0.0

    def p(self, percent: float) -> float:
        ordered = sorted(self.latencies)
        index = min(len(ordered) - 1, max(0, round(percent / 100 * len(ordered)) - 1))
        return ordered[index] * 1000

    @property
    def hit_ratio(self) -> float | None:
        return None if self.hits is None else self.hits / max(1, len(self.latencies))

    def record(self, latency: float, size: int, ok: bool) -> None:
        self.latencies.append(latency)
        self.bytes += size
        self.max_bytes = max(self.max_bytes, size)
        self.errors += 0 if ok else 1

    def report(self) -> "Run":
        print(f"  {self.name}: {self.rate:.0f} req/s, p50 {self.p(50):.1f} ms, "
              f"p99 {self.p(99):.1f} ms, {self.errors} errors", flush=True)
        return self


def fetch_all(port: int, paths: list[str], concurrency: int, name: str) -> Run:
    return asyncio.run(_fetch_all(port, paths, concurrency, Run(name)))


async def _fetch_all(port: int, paths: list[str], concurrency: int, run: Run) -> Run:
    jobs = iter(paths)

    async def client() -> None:
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        try:
            for path in jobs:
                started = time.perf_counter()
                writer.write(REQUEST.format(path=path).encode())
                try:
                    status, headers, body = await read_response(reader)
                except asyncio.IncompleteReadError:  # a server closing a keep-alive connection
                    writer.close()
                    reader, writer = await asyncio.open_connection("127.0.0.1", port)
                    started = time.perf_counter()
                    writer.write(REQUEST.format(path=path).encode())
                    status, headers, body = await read_response(reader)
                run.record(time.perf_counter() - started, len(body), status in (200, 204))
                if "x-tile-cache" in headers:
                    run.hits = (run.hits or 0) + (headers["x-tile-cache"] == "hit")
        finally:
            writer.close()

    started = time.perf_counter()
    await asyncio.gather(*(client() for _ in range(concurrency)))
    run.elapsed = time.perf_counter() - started
    return run.report()


async def read_response(reader: asyncio.StreamReader) -> tuple[int, dict[str, str], bytes]:
    head = (await reader.readuntil(b"\r\n\r\n")).decode("latin-1").split("\r\n")
    status = int(head[0].split()[1])
    headers = {}
    for line in head[1:]:
        name, sep, value = line.partition(":")
        if sep:
            headers[name.strip().lower()] = value.strip()
    if "content-length" in headers:
        return status, headers, await reader.readexactly(int(headers["content-length"]))
    if headers.get("transfer-encoding", "").lower() == "chunked":
        return status, headers, await read_chunked(reader)
    return status, headers, b""


async def read_chunked(reader: asyncio.StreamReader) -> bytes:
    body = bytearray()
    while True:
        size = int((await reader.readline()).split(b";")[0].strip(), 16)
        if size == 0:
            await reader.readline()
            return bytes(body)
        body += await reader.readexactly(size)
        await reader.readline()


def run_sql(url: str, jobs: list[tuple[str, dict]], concurrency: int, name: str,
            settings: dict[str, str] | None = None) -> Run:
    """Each (sql, params) on one of `concurrency` psycopg2 connections, opened beforehand
    with the session `settings`."""
    import psycopg2

    connections = [psycopg2.connect(url) for _ in range(concurrency)]
    for conn in connections:
        conn.autocommit = True
        with conn.cursor() as cur:
            for setting, value in (settings or {}).items():
                cur.execute("SELECT set_config(%s, %s, false)", (setting, value))
    free = list(connections)
    lock = threading.Lock()
    run = Run(name)

    def one(job: tuple[str, dict]) -> None:
        with lock:
            conn = free.pop()
        try:
            started = time.perf_counter()
            with conn.cursor() as cur:
                cur.execute(*job)
                size = len(cur.fetchone()[0] or b"")
            with lock:
                run.record(time.perf_counter() - started, size, True)
        finally:
            with lock:
                free.append(conn)

    started = time.perf_counter()
    with ThreadPoolExecutor(concurrency) as pool:
        list(pool.map(one, jobs))
    run.elapsed = time.perf_counter() - started
    for conn in connections:
        conn.close()
    return run.report()
