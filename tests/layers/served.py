"""The service in real worker processes (`uvicorn --workers`), as deployed, for the tests of the
tile cache the workers share; and a committed district admin to write through its API."""

import os
import signal
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from pathlib import Path

import httpx
from sqlalchemy import text

from gis_service.pg_cluster import free_port
from roads.users import add_user, login
from tests.layers.tile_helpers import decode

PROJECT_DIR = Path(__file__).resolve().parents[2]
ADMIN = "tile_workers_admin"


@contextmanager
def served(database_url: str, cache_dir: Path, workers: int = 2, **settings: str):
    """`uvicorn --workers N` on a free 127.0.0.1 port; yields its base URL."""
    port = free_port()
    env = {**os.environ, "DATABASE_URL": database_url, "ROADCHIEF_TILE_CACHE_DIR": str(cache_dir),
           "PYTHONPATH": str(PROJECT_DIR),
           **{f"ROADCHIEF_{name.upper()}": value for name, value in settings.items()}}
    process = subprocess.Popen(
        [sys.executable, "-m", "uvicorn", "gis_service.main:create_app", "--factory",
         "--host", "127.0.0.1", "--port", str(port), "--workers", str(workers),
         "--log-level", "warning"],
        cwd=PROJECT_DIR, env=env, start_new_session=True)
    base = f"http://127.0.0.1:{port}"
    try:
        wait_for_workers(base, workers, process)
        yield base
    finally:
        os.killpg(process.pid, signal.SIGTERM)
        process.wait(20)


def wait_for_workers(base: str, workers: int, process: subprocess.Popen, timeout_s: float = 60) -> None:
    """Until the server answers, then as long again for the other workers to finish starting
    (a worker takes connections only once started, so a request never meets a starting one)."""
    started = time.monotonic()
    while True:
        assert process.poll() is None, "the server exited"
        assert time.monotonic() - started < timeout_s, "the server did not answer"
        try:
            if fresh_get(base + "/api/health").status_code == 200:
                break
        except httpx.TransportError:
            time.sleep(0.2)
    time.sleep(min(5.0, time.monotonic() - started) if workers > 1 else 0)


def fresh_get(url: str, **kwargs) -> httpx.Response:
    """A request on a new connection, so the kernel may hand it to any worker."""
    headers = {"Connection": "close", **kwargs.pop("headers", {})}
    return httpx.get(url, headers=headers, timeout=30, **kwargs)


def fresh_gets(url: str, count: int, **kwargs) -> list[httpx.Response]:
    """`count` requests at once, each on a new connection: both workers take some (one alone,
    answering from memory faster than the other wakes up, may otherwise take them all)."""
    with ThreadPoolExecutor(8) as pool:
        return list(pool.map(lambda _: fresh_get(url, **kwargs), range(count)))


def tile_features(response: httpx.Response, layer: str) -> list[dict]:
    assert response.status_code == 200, response.text
    return decode(response.content, layer)


@contextmanager
def committed_admin(engine):
    """A committed district admin's bearer headers; removed afterwards."""
    with engine.begin() as conn:
        add_user(conn, ADMIN, "tile-workers-password", "district_admin", display_name="瓦片测试")
        token, _user = login(conn, ADMIN, "tile-workers-password")
    try:
        yield {"Authorization": f"Bearer {token}"}
    finally:
        with engine.begin() as conn:
            conn.execute(text("DELETE FROM app_user WHERE username = :u"), {"u": ADMIN})
