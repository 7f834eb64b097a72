"""Benchmark of the issue ledger on its own throwaway cluster.

At 100,000 segments and 1,000,000 issues (the demo at --scale 67 with 800,000 issues, then 200,000
imported from a CSV file through `roads.issues.importer`, the path `roadchief issues import` takes):
  - bulk import rate with snapping (target >= 20,000 issues/s)
  - whole-district density for a 30-day window (target < 1 s)
  - one segment's daily time series over 30 days (target < 20 ms)

    .venv/bin/python bench/ledger.py [--scale 67] [--demo-issues 800000] [--import-issues 200000]

With --database-url the figures come from a database that already holds a district (one this
script loaded before with --keep, say): the import is rolled back, so runs can be repeated, and
the density and series figures are for the issues the database holds.
"""

import argparse
import csv
import os
import re
import shutil
import statistics
import sys
import tempfile
import threading
import time
from datetime import datetime, timedelta
from pathlib import Path

import numpy as np
import shapely
from sqlalchemy import text

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from gis_service import migrate  # noqa: E402
from gis_service.db import make_engine  # noqa: E402
from gis_service.pg_cluster import PgCluster, free_port  # noqa: E402
from roads.demo.load import load_demo  # noqa: E402
from roads.issues.density import segment_density_page, segment_series  # noqa: E402
from roads.issues.filter import IssueFilter  # noqa: E402
from roads.issues.importer import import_issues  # noqa: E402
from roads.issues.window import CHINA_TZ, Window  # noqa: E402


def timed(label: str, fn):
    start = time.perf_counter()
    result = fn()
    seconds = time.perf_counter() - start
    print(f"  {label}: {seconds:.2f} s", flush=True)
    return result, seconds


def write_import_file(conn, path: Path, count: int, now: datetime, rng) -> None:
    """Issues along random segments (3% farther than the snap distance), last 30 days."""
    rows = (
        conn.execute(text("SELECT ST_AsBinary(geom) FROM public.road_segment ORDER BY id")).scalars().all()
    )
    lines = shapely.from_wkb([bytes(r) for r in rows])
    chosen = rng.integers(0, len(lines), count)
    points = shapely.line_interpolate_point(
        lines[chosen], rng.uniform(0, 1, count), normalized=True
    )
    xy = shapely.get_coordinates(points)
    offset_m = np.where(
        rng.random(count) < 0.03, rng.uniform(70, 150, count), np.abs(rng.normal(0, 8, count))
    )
    angle = rng.uniform(0, 2 * np.pi, count)
    xy[:, 0] += np.cos(angle) * offset_m / 91_500.0
    xy[:, 1] += np.sin(angle) * offset_m / 110_940.0
    codes = (
        conn.execute(
            text("SELECT code FROM public.issue_category WHERE parent_code IS NOT NULL ORDER BY code")
        )
        .scalars()
        .all()
    )
    ages = rng.uniform(0, 30 * 86400, count)
    with open(path, "w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(["lon", "lat", "category", "description", "reported_at", "reporter"])
        for i in range(count):
            at = (now - timedelta(seconds=float(ages[i]))).isoformat(timespec="seconds")
            writer.writerow(
                [
                    f"{xy[i, 0]:.7f}",
                    f"{xy[i, 1]:.7f}",
                    codes[i % len(codes)],
                    "巡查发现",
                    at,
                    "路长",
                ]
            )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", type=float, default=67)
    parser.add_argument("--demo-issues", type=int, default=800_000)
    parser.add_argument("--import-issues", type=int, default=200_000)
    parser.add_argument("--series-samples", type=int, default=50)
    parser.add_argument("--database-url", help="measure this loaded database; load nothing")
    parser.add_argument("--keep", action="store_true", help="keep the throwaway cluster running")
    args = parser.parse_args()
    if args.database_url:
        engine = make_engine(args.database_url)
        workdir = Path(tempfile.mkdtemp(prefix="roadchief-bench-"))
        try:
            measure(engine, args, workdir, keep_import=False)
        finally:
            engine.dispose()
            shutil.rmtree(workdir, ignore_errors=True)
        return

    workdir = Path(tempfile.mkdtemp(prefix="roadchief-bench-"))
    workdir.chmod(0o755)
    cluster = PgCluster(data_dir=workdir / "pgdata", port=free_port())
    print(f"throwaway cluster in {workdir} on port {cluster.port}", flush=True)
    cluster.start()
    engine = make_engine(cluster.url())
    try:
        load(engine, args)
        measure(engine, args, workdir, keep_import=True)
    finally:
        engine.dispose()
        if args.keep:
            print(f"cluster kept: --database-url {cluster.url()}")
        else:
            cluster.stop()
            shutil.rmtree(workdir, ignore_errors=True)


def load(engine, args) -> None:
    migrate.upgrade(engine)
    now = datetime.now(CHINA_TZ)
    print(f"demo district at scale {args.scale:g} with {args.demo_issues:,} issues", flush=True)
    with engine.begin() as conn:
        timed(
            "demo load",
            lambda: load_demo(conn, scale=args.scale, issues=args.demo_issues, as_of=now),
        )
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.execute(text("VACUUM ANALYZE"))


def measure(engine, args, workdir: Path, keep_import: bool) -> None:
    now = datetime.now(CHINA_TZ)
    with engine.connect() as conn:
        segments = conn.execute(text("SELECT count(*) FROM public.road_segment")).scalar_one()
    rng = np.random.default_rng(7)
    path = workdir / "issues.csv"
    with engine.connect() as conn:
        timed(
            f"writing {args.import_issues:,} issues to {path.name}",
            lambda: write_import_file(conn, path, args.import_issues, now, rng),
        )

    print(f"import of {args.import_issues:,} issues (snap distance 50 m)", flush=True)
    phases: dict[str, float] = {}
    last = [time.perf_counter(), None]

    def progress(step: str, done: int, total: int) -> None:
        if step != last[1]:
            if last[1] is not None:
                phases[last[1]] = phases.get(last[1], 0) + time.perf_counter() - last[0]
            last[:] = [time.perf_counter(), step]

    with engine.connect() as conn:
        server = ServerCpu(conn)
        python_start = time.process_time()
        result, seconds = timed(
            "import", lambda: import_issues(conn, path, 50.0, skip_bad=True, progress=progress)
        )
        cpu = (server.seconds(), time.process_time() - python_start)
        if keep_import:
            conn.commit()
        else:
            conn.rollback()
    for step, spent in phases.items():
        print(f"    {step}: {spent:.2f} s")
    rate = result.inserted / seconds

    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.execute(text("VACUUM ANALYZE issue"))
    with engine.connect() as conn:
        total = conn.execute(text("SELECT count(*) FROM public.issue")).scalar_one()
        window = Window(now - timedelta(days=30), now)
        where = IssueFilter(window=window)
        function_s = best_of(
            5,
            lambda: conn.execute(
                text("SELECT count(*), sum(issue_count) FROM roadchief.segment_density(:f, :t)"),
                {"f": window.start, "t": window.end},
            ).one(),
        )
        conn.commit()
        conn.exec_driver_sql("SET jit = off")
        function_nojit_s = best_of(
            5,
            lambda: conn.execute(
                text("SELECT count(*), sum(issue_count) FROM roadchief.segment_density(:f, :t)"),
                {"f": window.start, "t": window.end},
            ).one(),
        )
        conn.commit()
        conn.exec_driver_sql("RESET jit")
        page_s = best_of(5, lambda: segment_density_page(conn, where, "per_km", 100, 0))
        ids = (
            conn.execute(
                text("SELECT id FROM public.road_segment ORDER BY random() LIMIT :n"),
                {"n": args.series_samples},
            )
            .scalars()
            .all()
        )
        series_times = []
        for segment_id in ids:
            start = time.perf_counter()
            segment_series(conn, segment_id, where, "day")
            series_times.append(time.perf_counter() - start)

    print()
    print(
        f"segments {segments:,}; issues {total:,} ({result.snapped:,} of the imported snapped, "
        f"{result.unsnapped:,} farther than 50 m, {len(result.rejects):,} rejected: outside the district)"
    )
    print(
        f"bulk import with snapping: {rate:,.0f} issues/s ({result.inserted:,} in {seconds:.2f} s; "
        "target >= 20,000/s)"
    )
    if cpu[0] is not None:
        per_row = sum(cpu) / result.inserted
        print(
            f"  CPU of the import: server {cpu[0]:.1f} s + Python {cpu[1]:.1f} s = "
            f"{per_row * 1e6:.0f} µs a row; with every core of this machine busy all the time "
            f"({os.cpu_count()}), at most {os.cpu_count() / per_row:,.0f} issues/s"
        )
    print(
        f"whole-district density, 30 days: SQL function {function_s * 1000:.0f} ms "
        f"({function_nojit_s * 1000:.0f} ms without JIT), API query "
        f"(sorted first page + totals) {page_s * 1000:.0f} ms (best of 5; target < 1 s)"
    )
    print(
        f"one segment's daily series, 30 days: median {statistics.median(series_times) * 1000:.1f} ms, "
        f"max {max(series_times) * 1000:.1f} ms over {len(ids)} segments (target < 20 ms)"
    )


class ServerCpu:
    """CPU seconds of the server processes serving this Python process (the connection's own and
    any other it opens meanwhile, such as the bulk import's snapping session), when the server runs
    on this machine. A watcher thread looks every 20 ms for new server processes whose client port
    is one of this process's sockets and follows their CPU until they end; others' sessions on a
    shared server are not counted."""

    INTERVAL_S = 0.02

    def __init__(self, conn):
        pid = conn.execute(text("SELECT pg_backend_pid()")).scalar_one()
        conn.rollback()
        self.pid = str(pid)
        stat = Path(f"/proc/{pid}/stat")
        local = stat.exists() and Path(f"/proc/{pid}/comm").read_text().strip() == "postgres"
        self.start = None
        if not local:
            return
        postmaster = stat.read_text().rsplit(")", 1)[1].split()[1]
        self.children = Path(f"/proc/{postmaster}/task/{postmaster}/children")
        # Sessions of ours already open (idle in the engine's pool, say) count from now on.
        ours = self.own_ports()
        self.ticks: dict[str, tuple[int, int]] = {
            child: (ticks, ticks) for child in self.child_pids()
            if (child == self.pid or self.client_port(child) in ours)
            and (ticks := self.cpu_ticks(child)) is not None
        }
        self.born_before = self.child_pids() - set(self.ticks)
        self.start = 0.0
        self.done = threading.Event()
        self.watcher = threading.Thread(target=self.watch, daemon=True)
        self.watcher.start()

    def watch(self) -> None:
        while not self.done.wait(self.INTERVAL_S):
            self.sample()

    def sample(self) -> None:
        ours = None
        for child in self.child_pids() - self.born_before:
            ticks = self.cpu_ticks(child)
            if ticks is None:
                continue  # gone
            if child in self.ticks:
                self.ticks[child] = (self.ticks[child][0], ticks)
                continue
            port = self.client_port(child)
            if port is None:
                continue  # just forked, no title yet (or not a session): look again next time
            ours = self.own_ports() if ours is None else ours
            if port in ours:
                self.ticks[child] = (0, ticks)  # born since the start: all its CPU is ours
            else:
                self.born_before.add(child)  # someone else's: never looked at again

    def seconds(self) -> float | None:
        if self.start is None:
            return None
        self.sample()
        return sum(last - first for first, last in self.ticks.values()) / os.sysconf("SC_CLK_TCK")

    def own_seconds(self) -> float | None:
        """The connection's own process alone."""
        if self.start is None:
            return None
        first, _ = self.ticks[self.pid]
        return (self.cpu_ticks(self.pid) - first) / os.sysconf("SC_CLK_TCK")

    def child_pids(self) -> set[str]:
        return set(self.children.read_text().split())

    @staticmethod
    def cpu_ticks(pid: str) -> int | None:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            return None
        return int(fields[11]) + int(fields[12])  # utime + stime

    @staticmethod
    def client_port(pid: str) -> int | None:
        """The client port in a backend's process title: postgres: user db 127.0.0.1(47230) idle"""
        try:
            title = Path(f"/proc/{pid}/cmdline").read_bytes().decode(errors="replace")
        except OSError:
            return None
        found = re.search(r"\((\d+)\)", title)
        return int(found.group(1)) if found else None

    @staticmethod
    def own_ports() -> set[int]:
        """The local TCP ports of this process's sockets."""
        inodes = set()
        for fd in os.listdir("/proc/self/fd"):
            try:
                target = os.readlink(f"/proc/self/fd/{fd}")
            except OSError:
                continue
            if target.startswith("socket:["):
                inodes.add(target[8:-1])
        ports = set()
        for table in ("/proc/self/net/tcp", "/proc/self/net/tcp6"):
            try:
                lines = Path(table).read_text().splitlines()[1:]
            except OSError:
                continue
            for line in lines:
                fields = line.split()
                if fields[9] in inodes:
                    ports.add(int(fields[1].rsplit(":", 1)[1], 16))
        return ports


def best_of(n: int, fn) -> float:
    times = []
    for _ in range(n):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return min(times)


if __name__ == "__main__":
    main()
