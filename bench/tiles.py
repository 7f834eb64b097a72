"""Tile benchmark, side by side in one run: raw ST_AsMVT through psycopg2, the segments layer
cold and warm (the workers' shared cache), the same warm tiles through nginx, and tipg.

    .venv/bin/python bench/tiles.py [--scale 8] [--issues 50000] [--tiles 500] [--workers 2]
    .venv/bin/python bench/tiles.py --scale 62 --issues 1000000   # city scale

Starts its own throwaway PostGIS cluster (a temporary folder, a free port), loads the demo
district at --scale (8: about 13,000 segments, a few minutes in all; 62: about 98,000), serves
this app and tipg with uvicorn on 127.0.0.1 and requests the same seeded list of z/x/y tiles
(zooms 10-16, inside the district):
cold at --concurrency 16, warm at --warm-concurrency 8, --warm-passes times over the list. With
Debian's nginx installed, deploy/nginx.conf goes in front (plain HTTP on 127.0.0.1) and the warm
list is asked again through it with the TileJSON's versioned URLs. tipg goes into its own venv,
bench/.venv-tipg, created on first run. Prints requests/s and p50/p95/p99 latency per run.
Everything it started is stopped at the end.
"""

import argparse
import json
import math
import os
import random
import shutil
import subprocess
import sys
import tempfile
import time
import urllib.request
from contextlib import contextmanager
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.load_client import Run, fetch_all, run_sql  # noqa: E402

TIPG_VENV = ROOT / "bench" / ".venv-tipg"
WARMUP_TILES = 48
# Connections kept per worker, ours and tipg's alike. Ours must cover the requests in flight:
# FastAPI returns a request's connection after the response is sent, so a keep-alive client's
# next request overlaps it; with too small a pool the overflow connections are opened and
# closed again all the time (a new backend and password exchange each). Our tile misses render
# on the tile pool instead (ROADCHIEF_TILE_DB_CONNECTIONS, 8 a worker: 16 in all, as raw's).
POOL_SIZE = 24


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", type=float, default=8.0)
    parser.add_argument("--issues", type=int, default=50_000)
    parser.add_argument("--tiles", type=int, default=500, help="distinct tiles in the list")
    parser.add_argument("--concurrency", type=int, default=16)
    parser.add_argument("--workers", type=int, default=2, help="uvicorn workers, ours and tipg's")
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument("--database-url", help="use this loaded database instead of a new cluster")
    parser.add_argument("--skip-tipg", action="store_true")
    parser.add_argument("--warm-concurrency", type=int, default=8)
    parser.add_argument("--warm-passes", type=int, default=6, help="times over the list, warm")
    return parser.parse_args()


def main() -> None:
    args = parse_args()
    print(f"load average (1, 5, 15 min) at the start: {os.getloadavg()}, on {os.cpu_count()} CPUs")
    with database(args) as url:
        tiles = tile_list(url, args.tiles, args.seed)
        # Warm-up tiles (opening connections, loading PROJ) come from zoom 17, outside the list.
        warmup = tile_list(url, WARMUP_TILES, args.seed + 1, zooms=(17, 17))
        print(f"{len(tiles)} distinct tiles, zooms 10-16, concurrency {args.concurrency}, "
              f"{args.workers} uvicorn worker(s) each\n")
        runs = bench_raw(url, tiles, warmup, args.concurrency)
        runs += bench_ours(url, tiles, warmup, args)
        if not args.skip_tipg:
            runs += bench_tipg(url, tiles, warmup, args)
        print_table(runs)
        print_against_targets(runs)
        print(f"\nload average (1, 5, 15 min) at the end: {os.getloadavg()}")


@contextmanager
def database(args: argparse.Namespace):
    if args.database_url:
        yield args.database_url.replace("postgresql+psycopg2://", "postgresql://")
        return
    from gis_service.pg_cluster import PgCluster, free_port

    workdir = Path(tempfile.mkdtemp(prefix="roadchief-bench-"))
    workdir.chmod(0o755)  # the server runs as the postgres user
    cluster = PgCluster(data_dir=workdir / "pgdata", port=free_port())
    try:
        cluster.start()
        load(cluster.url(), args.scale, args.issues, args.seed)
        yield cluster.url().replace("postgresql+psycopg2://", "postgresql://")
    finally:
        cluster.stop()
        shutil.rmtree(workdir, ignore_errors=True)


def load(url: str, scale: float, issues: int, seed: int) -> None:
    from sqlalchemy import text

    from gis_service import migrate
    from gis_service.db import make_engine
    from roads.demo.load import load_demo

    started = time.perf_counter()
    engine = make_engine(url)
    migrate.upgrade(engine)
    with engine.begin() as conn:
        counts = load_demo(conn, scale=scale, issues=issues, seed=seed)
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.execute(text("VACUUM ANALYZE"))  # as after any bulk import: statistics, visibility map
    engine.dispose()
    print(f"loaded scale {scale:g} in {time.perf_counter() - started:.0f} s: "
          f"{counts['road_segment']:,} segments, {counts['issue']:,} issues")
    if counts["road_segment"] < 50_000:
        print("note: fewer than 50,000 segments; the targets are for city scale (--scale 62)")


def tile_list(url: str, count: int, seed: int, zooms=(10, 16)) -> list[tuple[int, int, int]]:
    """`count` distinct tiles at random points inside the district, zoom uniform in `zooms`."""
    import psycopg2

    with psycopg2.connect(url) as conn, conn.cursor() as cur:
        cur.execute("SELECT ST_XMin(e), ST_YMin(e), ST_XMax(e), ST_YMax(e) "
                    "FROM (SELECT ST_Extent(geom) AS e FROM public.sub_district) AS x")
        west, south, east, north = cur.fetchone()
    rng = random.Random(seed)
    tiles: dict[tuple[int, int, int], None] = {}
    for _ in range(count * 100):
        if len(tiles) == count:
            break
        z = rng.randint(*zooms)
        tiles[(z, *tile_of(rng.uniform(west, east), rng.uniform(south, north), z))] = None
    return list(tiles)


def tile_of(lon: float, lat: float, z: int) -> tuple[int, int]:
    n = 2 ** z
    return (int((lon + 180.0) / 360.0 * n),
            int((1.0 - math.asinh(math.tan(math.radians(lat))) / math.pi) / 2.0 * n))


def bench_raw(url: str, tiles, warmup, concurrency: int) -> list[Run]:
    """The segments layer's own SQL file and planner settings, one query per tile, through
    psycopg2."""
    from sqlalchemy import text
    from sqlalchemy.dialects import postgresql

    from layers.registry import LAYERS
    from layers.tiles import sql_params

    layer = LAYERS["segments"]
    sql = str(text(layer.sql).compile(dialect=postgresql.psycopg2.dialect()))
    jobs = [(sql, sql_params(layer, z, x, y, {})) for z, x, y in tiles]
    warm = [(sql, sql_params(layer, z, x, y, {})) for z, x, y in warmup]
    # The service's session settings too: without jit=off (gis_service/db.py) PostgreSQL JIT-
    # compiles the costly spatial query, 0.3-0.7 s a tile, and "raw" would be the slow one.
    settings = {**layer.planner, "jit": "off"}
    run_sql(url, warm, concurrency, "warm-up", settings)
    return [run_sql(url, jobs, concurrency, f"raw ST_AsMVT (psycopg2), pass {n}", settings)
            for n in (1, 2)]


def bench_ours(url: str, tiles, warmup, args: argparse.Namespace) -> list[Run]:
    command = [sys.executable, "-m", "uvicorn", "--factory", "gis_service.main:create_app"]
    cache_dir = Path(tempfile.mkdtemp(prefix="roadchief-bench-tiles-"))
    env = {"DATABASE_URL": url, "ROADCHIEF_DB_POOL_SIZE": str(POOL_SIZE),
           "ROADCHIEF_TILE_CACHE_DIR": str(cache_dir), "ROADCHIEF_TILE_URL_VERSIONS": "true"}
    try:
        with server(command, env, args.workers, cwd=ROOT) as port:
            paths = [f"/tiles/segments/{z}/{x}/{y}.mvt" for z, x, y in tiles]
            fetch_all(port, [f"/tiles/segments/{z}/{x}/{y}.mvt" for z, x, y in warmup],
                      args.concurrency, "warm-up")
            runs = [fetch_all(port, paths, args.concurrency, "ours: segments, cold (cache empty)")]
            # One render serves every worker: the next pass is all hits, whichever worker answers.
            warm = paths * args.warm_passes
            runs.append(fetch_all(port, warm, args.warm_concurrency,
                                  f"ours: segments, warm, c={args.warm_concurrency}"))
            runs += bench_nginx(port, tiles, args)
            return runs
    finally:
        shutil.rmtree(cache_dir, ignore_errors=True)


def bench_nginx(service_port: int, tiles, args: argparse.Namespace) -> list[Run]:
    """The warm list again through deploy/nginx.conf, with the TileJSON's versioned URLs."""
    from bench.nginx import NGINX, nginx_in_front
    from gis_service.pg_cluster import free_port

    if not Path(NGINX).exists():
        print("nginx is not installed (scripts/install-system-packages.sh --test): skipped")
        return []
    template = json.loads(urllib.request.urlopen(
        f"http://127.0.0.1:{service_port}/tiles/segments.json").read())["tiles"][0]
    version = template.split("?v=", 1)[1]
    paths = [f"/tiles/segments/{z}/{x}/{y}.mvt?v={version}" for z, x, y in tiles]
    folder = Path(tempfile.mkdtemp(prefix="roadchief-bench-nginx-"))
    http_port, port = free_port(), free_port()
    try:
        with nginx_in_front(folder, service_port, http_port, port, tls=False,
                            workers=args.workers):
            fetch_all(port, paths, args.warm_concurrency, "nginx: fill its cache")
            return [fetch_all(port, paths * args.warm_passes * 4, args.warm_concurrency,
                              f"nginx in front, warm, c={args.warm_concurrency}")]
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def bench_tipg(url: str, tiles, warmup, args: argparse.Namespace) -> list[Run]:
    ensure_tipg()
    env = {"DATABASE_URL": url, "DB_MAX_CONN_SIZE": str(POOL_SIZE),
           "TIPG_DB_SCHEMAS": '["public","roadchief"]',
           "TIPG_DB_TABLES": '["public.road_segment","roadchief.segment_coverage"]',
           "TIPG_DB_FUNCTIONS": "[]"}
    command = [str(TIPG_VENV / "bin" / "python"), "-m", "uvicorn", "tipg.main:app"]
    runs = []
    with server(command, env, args.workers, cwd=Path(tempfile.gettempdir())) as port:
        for collection in ("roadchief.segment_coverage", "public.road_segment"):
            base = f"/collections/{collection}/tiles/WebMercatorQuad"
            fetch_all(port, [f"{base}/{z}/{x}/{y}" for z, x, y in warmup], args.concurrency,
                      "warm-up")
            paths = [f"{base}/{z}/{x}/{y}" for z, x, y in tiles]
            runs.append(fetch_all(port, paths, args.concurrency, f"tipg: {collection}, 1st pass"))
            runs.append(fetch_all(port, paths, args.concurrency, f"tipg: {collection}, 2nd pass"))
    return runs


def ensure_tipg() -> None:
    """tipg in its own venv (bench/.venv-tipg), never in the project's."""
    # The same uvicorn as ours (with httptools and uvloop), so the servers differ only in the app.
    check = "import tipg, uvicorn, httptools, uvloop"
    if (TIPG_VENV / "bin" / "python").exists() and subprocess.run(
            [str(TIPG_VENV / "bin" / "python"), "-c", check]).returncode == 0:
        return
    print("installing tipg into bench/.venv-tipg ...")
    subprocess.run([sys.executable, "-m", "venv", str(TIPG_VENV)], check=True)
    subprocess.run([str(TIPG_VENV / "bin" / "pip"), "install", "-q", "tipg", "uvicorn[standard]"],
                   check=True)


# A measured service writes no scheduled report (a report at start would draw a heatmap while the
# tiles are timed) and sends no work-group message.
QUIET_SERVICE = {"ROADCHIEF_REPORT_CHECK_S": "0", "ROADCHIEF_NOTIFY_INTERVAL_S": "0"}


@contextmanager
def server(command: list[str], env: dict, workers: int, cwd: Path):
    """A uvicorn on 127.0.0.1 and a free port; stopped (by its own PID) on exit."""
    from gis_service.pg_cluster import free_port

    port = free_port()
    process = subprocess.Popen(
        [*command, "--host", "127.0.0.1", "--port", str(port), "--workers", str(workers),
         "--no-access-log", "--log-level", "warning"],
        env={**os.environ, **QUIET_SERVICE, **env}, cwd=cwd)
    try:
        wait_for_port(port, process)
        yield port
    finally:
        process.terminate()
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()


def wait_for_port(port: int, process: subprocess.Popen, timeout: float = 60.0) -> None:
    import socket

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise SystemExit(f"server exited with {process.returncode}")
        with socket.socket() as sock:
            if sock.connect_ex(("127.0.0.1", port)) == 0:
                time.sleep(1.0)  # let every worker come up
                return
        time.sleep(0.2)
    raise SystemExit(f"server did not listen on {port}")


def print_against_targets(runs: list[Run]) -> None:
    def rate(prefix: str) -> float:
        return max((run.rate for run in runs if run.name.startswith(prefix)), default=0.0)

    raw, cold = rate("raw ST_AsMVT"), rate("ours: segments, cold")
    warm = [run for run in runs if run.name.startswith("ours: segments, warm")]
    front = [run for run in runs if run.name.startswith("nginx in front")]
    if raw and cold:
        print(f"cold: {raw / cold:.2f}x the time of raw ST_AsMVT (target <= 1.25x)")
    for run in warm:
        print(f"warm: {run.rate:.0f} tiles/s, p99 {run.p(99):.1f} ms "
              "(target >= 2,500/s, p99 <= 20 ms, city scale, quiet machine)")
    for run in front:
        print(f"through nginx: {run.rate:.0f} tiles/s (target >= 10,000/s)")


def print_table(runs: list[Run]) -> None:
    print(f"\n{'run':<48} {'req/s':>8} {'p50 ms':>8} {'p95 ms':>8} {'p99 ms':>8} "
          f"{'errors':>6} {'MB':>6} {'max KB':>7} {'hits':>5}")
    for run in runs:
        hits = f"{run.hit_ratio:.0%}" if run.hit_ratio is not None else ""
        print(f"{run.name:<48} {run.rate:>8.0f} {run.p(50):>8.1f} {run.p(95):>8.1f} "
              f"{run.p(99):>8.1f} {run.errors:>6} {run.bytes / 1e6:>6.1f} "
              f"{run.max_bytes / 1024:>7.0f} {hits:>5}")


if __name__ == "__main__":
    main()
