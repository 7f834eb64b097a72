"""The whole benchmark in one run, one table: what, figure, target, met?

    .venv/bin/python bench/all.py [--scale 3]      # `make bench`: about 5 minutes on 2 busy cores
    .venv/bin/python bench/all.py --scale 62       # `make bench SCALE=62`: city scale

Starts a throwaway PostGIS cluster (a temporary folder, a free port), loads the demo district at
--scale with --issues issues (default 16,000 a unit of scale: 992,000 at 62), then measures, with
the existing benchmarks' functions: the bulk import with snapping (bench/ledger.py; rolled back),
GET /api/density for the whole district and GET /api/coverage for all communities through a
uvicorn worker, the briefing exports (bench/exports.py), cold and warm tiles and nginx in front
(bench/tiles.py) and the largest tile of every layer at zooms 10-12. Prints the date, the machine
(cores, CPU model) and the load average before and after; the targets are for city scale.
Everything it started is stopped at the end, also on Ctrl-C.
"""

import argparse
import os
import platform
import shutil
import sys
import tempfile
import time
import urllib.request
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

ISSUES_PER_SCALE = 16_000


@dataclass
class Row:
    what: str
    figure: str
    target: str
    met: bool | None  # None: no target, context only


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", type=float, default=3.0)
    parser.add_argument("--issues", type=int, help="demo issues (default 16,000 x scale)")
    parser.add_argument("--import-issues", type=int, help="issues imported (default issues / 5)")
    parser.add_argument("--tiles", type=int, default=300, help="distinct tiles in the list")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--database-url", help="measure this loaded database; load nothing")
    parser.add_argument("--skip", default="", help="comma-separated: import,api,exports,tiles,sizes")
    return parser.parse_args()


def machine() -> str:
    model = next((line.split(":", 1)[1].strip() for line in Path("/proc/cpuinfo").read_text().splitlines()
                  if line.startswith("model name")), platform.processor() or "unknown CPU")
    return f"{os.cpu_count()} cores, {model}, {platform.system()} {platform.release()}"


def load_average() -> str:
    return ", ".join(f"{x:.2f}" for x in os.getloadavg())


def main() -> None:
    args = parse_args()
    issues = args.issues or round(ISSUES_PER_SCALE * args.scale)
    skip = set(filter(None, args.skip.split(",")))
    started, load_at_start = datetime.now().astimezone(), load_average()
    print(f"{started:%Y-%m-%d %H:%M %Z}; {machine()}; load average {load_at_start} (1, 5, 15 min)",
          flush=True)
    rows: list[Row] = []
    with database(args, issues) as url:
        heading = district_heading(url)
        print(heading, flush=True)
        steps = [("import", bench_import), ("api", bench_api), ("exports", bench_exports),
                 ("tiles", bench_tiles), ("sizes", bench_sizes)]
        for name, step in steps:
            if name in skip:
                continue
            print(f"\n== {name} (load average {load_average()})", flush=True)
            try:
                rows += step(url, args, issues)
            except Exception as exc:  # noqa: BLE001 - one broken step must not hide the others
                rows.append(Row(name, f"failed: {type(exc).__name__}: {exc}"[:80], "", False))
    print(f"\nroadchief benchmark, {started:%Y-%m-%d}, {heading}")
    print(f"machine: {machine()}; load average (1, 5, 15 min) at the start {load_at_start}, "
          f"at the end {load_average()}")
    print_table(rows)


def print_table(rows: list[Row]) -> None:
    width = max(len(r.what) for r in rows) if rows else 10
    print(f"| {'what':<{width}} | figure | target | met? |")
    print(f"|{'-' * (width + 2)}|---|---|---|")
    for r in rows:
        met = "" if r.met is None else ("yes" if r.met else "**no**")
        print(f"| {r.what:<{width}} | {r.figure} | {r.target} | {met} |")


class database:
    """A loaded database for the run: --database-url, or a throwaway cluster stopped on exit."""

    def __init__(self, args: argparse.Namespace, issues: int):
        self.args, self.issues = args, issues
        self.cluster = None
        self.workdir: Path | None = None

    def __enter__(self) -> str:
        if self.args.database_url:
            return self.args.database_url
        from gis_service.pg_cluster import PgCluster, free_port

        self.workdir = Path(tempfile.mkdtemp(prefix="roadchief-bench-all-"))
        self.workdir.chmod(0o755)  # the server runs as the postgres user
        self.cluster = PgCluster(data_dir=self.workdir / "pgdata", port=free_port())
        try:
            self.cluster.start()
            load(self.cluster.url(), self.args.scale, self.issues)
        except BaseException:
            self.__exit__(None, None, None)
            raise
        return self.cluster.url()

    def __exit__(self, *exc) -> None:
        if self.cluster is not None:
            self.cluster.stop()
        if self.workdir is not None:
            shutil.rmtree(self.workdir, ignore_errors=True)


def load(url: str, scale: float, issues: int) -> None:
    from sqlalchemy import text

    from gis_service import migrate
    from gis_service.db import make_engine
    from roads.demo.load import load_demo

    started = time.perf_counter()
    engine = make_engine(url)
    migrate.upgrade(engine)
    with engine.begin() as conn:
        load_demo(conn, scale=scale, issues=issues)
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.execute(text("VACUUM ANALYZE"))
    engine.dispose()
    print(f"demo at scale {scale:g} with {issues:,} issues loaded in "
          f"{time.perf_counter() - started:.0f} s", flush=True)


def district_heading(url: str) -> str:
    from sqlalchemy import text

    from gis_service.db import make_engine

    engine = make_engine(url)
    with engine.connect() as conn:
        segments = conn.execute(text("SELECT count(*) FROM public.road_segment")).scalar_one()
        issues = conn.execute(text("SELECT count(*) FROM public.issue")).scalar_one()
    engine.dispose()
    return f"{segments:,} segments, {issues:,} issues"


def bench_import(url: str, args: argparse.Namespace, issues: int) -> list[Row]:
    """bench/ledger.py's import: a CSV along the segments, imported and rolled back."""
    import numpy as np

    from bench.ledger import ServerCpu, write_import_file
    from gis_service.db import make_engine
    from roads.issues.importer import import_issues
    from roads.issues.window import CHINA_TZ

    count = args.import_issues or max(20_000, issues // 5)
    engine = make_engine(url)
    workdir = Path(tempfile.mkdtemp(prefix="roadchief-bench-import-"))
    try:
        path = workdir / "issues.csv"
        with engine.connect() as conn:
            write_import_file(conn, path, count, datetime.now(CHINA_TZ), np.random.default_rng(7))
        with engine.connect() as conn:
            server = ServerCpu(conn)
            python_start, start = time.process_time(), time.perf_counter()
            result = import_issues(conn, path, 50.0, skip_bad=True)
            seconds = time.perf_counter() - start
            cpu = (server.seconds(), time.process_time() - python_start)
            conn.rollback()
    finally:
        engine.dispose()
        shutil.rmtree(workdir, ignore_errors=True)
    rate = result.inserted / seconds
    rows = [Row(f"bulk import with snapping, {result.inserted:,} issues from CSV",
                f"{rate:,.0f} issues/s ({seconds:.1f} s)", ">= 20,000/s", rate >= 20_000)]
    if cpu[0] is not None:
        per_row = sum(cpu) / result.inserted
        rows.append(Row("  its CPU a row (server + Python), and the rate with every core busy",
                        f"{per_row * 1e6:.0f} µs (server {cpu[0]:.1f} s, Python {cpu[1]:.1f} s): "
                        f"{os.cpu_count() / per_row:,.0f}/s", "", None))
    return rows


def bench_api(url: str, args: argparse.Namespace, issues: int) -> list[Row]:
    """GET /api/density (whole district, 30 days, a page of 5,000) and GET /api/coverage
    (level=community), best of 5 after a warm-up, through one uvicorn worker."""
    from bench.tiles import server

    command = [sys.executable, "-m", "uvicorn", "--factory", "gis_service.main:create_app"]
    rows = []
    with server(command, {"DATABASE_URL": url}, 1, cwd=ROOT) as port:
        for what, path, target_ms in (
            ("GET /api/density, whole district, 30 days, page of 5,000",
             "/api/density?page_size=5000", 300),
            ("GET /api/density, whole district, first page of 100", "/api/density", 300),
            ("GET /api/coverage?level=community (all communities)",
             "/api/coverage?level=community", 200),
        ):
            best = best_request(port, path)
            rows.append(Row(what, f"{best * 1000:.0f} ms", f"<= {target_ms} ms",
                            best * 1000 <= target_ms))
    return rows


def best_request(port: int, path: str, runs: int = 5) -> float:
    urllib.request.urlopen(f"http://127.0.0.1:{port}{path}").read()  # warm-up
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        urllib.request.urlopen(f"http://127.0.0.1:{port}{path}").read()
        times.append(time.perf_counter() - start)
    return min(times)


def bench_exports(url: str, args: argparse.Namespace, issues: int) -> list[Row]:
    from bench import exports

    os.environ["DATABASE_URL"] = url
    year, week, _ = (datetime.now().astimezone() - timedelta(days=7)).isocalendar()
    _, measured = exports.measure(f"{year}-W{week:02d}")
    targets = {"heatmap.png screen (both views)": 5, "heatmap.png A4 300 dpi (both)": 5,
               "heatmap.html": 3, "briefing PDF": 15}
    rows = []
    for m in measured:
        target = targets.get(m["label"])
        rows.append(Row(m["label"], f"{m['seconds']:.2f} s",
                        f"<= {target} s" if target else "",
                        None if target is None else m["seconds"] <= target))
    peak = max(m["peak_mb"] for m in measured)
    rows.append(Row("  peak memory of the exports", f"{peak:,.0f} MB", "<= 1,024 MB", peak <= 1024))
    return rows


def bench_tiles(url: str, args: argparse.Namespace, issues: int) -> list[Row]:
    from bench import tiles

    plain = url.replace("postgresql+psycopg2://", "postgresql://")
    options = argparse.Namespace(concurrency=16, workers=args.workers, warm_concurrency=8,
                                 warm_passes=6)
    listed = tiles.tile_list(plain, args.tiles, 2026)
    warmup = tiles.tile_list(plain, tiles.WARMUP_TILES, 2027, zooms=(17, 17))
    runs = tiles.bench_raw(plain, listed, warmup, 16) + tiles.bench_ours(plain, listed, warmup, options)
    tiles.print_table(runs)

    def best(prefix: str):
        return max((r for r in runs if r.name.startswith(prefix)), key=lambda r: r.rate, default=None)

    raw, cold = best("raw ST_AsMVT"), best("ours: segments, cold")
    warm, front = best("ours: segments, warm"), best("nginx in front")
    rows = []
    if raw and cold:
        ratio = raw.rate / cold.rate
        rows.append(Row(f"cold segments tiles, c=16 ({len(listed)} tiles)",
                        f"{cold.rate:,.0f}/s, {ratio:.2f}x raw ST_AsMVT's time ({raw.rate:,.0f}/s)",
                        "<= 1.25x raw", ratio <= 1.25))
    if warm:
        rows.append(Row("warm tiles, c=8, 2 workers", f"{warm.rate:,.0f}/s, p99 {warm.p(99):.1f} ms",
                        ">= 2,500/s, p99 <= 20 ms", warm.rate >= 2500 and warm.p(99) <= 20))
    if front:
        rows.append(Row("warm tiles through nginx, c=8", f"{front.rate:,.0f}/s", ">= 10,000/s",
                        front.rate >= 10_000))
    return rows


def bench_sizes(url: str, args: argparse.Namespace, issues: int) -> list[Row]:
    """The largest tile of every layer over the whole district at zooms 10-12 (the densest)."""
    from sqlalchemy import text

    from bench.tile_sizes import covering
    from gis_service.db import make_engine
    from layers.registry import TILE_LAYERS
    from layers.tiles import render_tile

    engine = make_engine(url)
    largest, where = 0, ""
    try:
        with engine.connect() as conn:
            bounds = conn.execute(text(
                "SELECT ST_XMin(e), ST_YMin(e), ST_XMax(e), ST_YMax(e) "
                "FROM (SELECT ST_Extent(geom) AS e FROM public.sub_district) AS x")).one()
            for name, layer in TILE_LAYERS.items():
                params = layer.parse_params(conn, {})
                for z in (10, 11, 12):
                    for x, y in covering(bounds, z):
                        size = len(render_tile(conn, layer, z, x, y, params))
                        conn.rollback()  # ends the layer's SET LOCAL planner settings
                        if size > largest:
                            largest, where = size, f"{name} {z}/{x}/{y}"
    finally:
        engine.dispose()
    return [Row("largest tile, every layer, zooms 10-12", f"{largest / 1024:,.0f} KB ({where})",
                "<= 500 KB", largest <= 500 * 1024)]


if __name__ == "__main__":
    main()
