"""Benchmark of deadlines in working time (roadchief.case_deadline) on its own throwaway cluster.

  - due_at of the demo's issues through the case view and the rankings
  - due_at of a synthetic set of N cases (default 1,000,000: random report times over 16 months,
    random sub-items), set-based (the LATERAL join the readers use), compared with the old
    calendar-hour sum and with the scalar wrapper roadchief.case_due_at

    .venv/bin/python bench/deadlines.py [--cases 1000000]
"""

import argparse
import shutil
import sys
import tempfile
import time
from pathlib import Path

from sqlalchemy import text

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from gis_service import migrate  # noqa: E402
from gis_service.db import make_engine  # noqa: E402
from gis_service.pg_cluster import PgCluster, free_port  # noqa: E402
from roads.demo.load import load_demo  # noqa: E402


def timed(conn, label: str, sql: str, runs: int = 3) -> None:
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        value = conn.execute(text(sql)).scalar()
        times.append(time.perf_counter() - start)
    print(f"  {label}: best {min(times):.3f} s of {runs} (result {value})", flush=True)


def measure(engine, cases: int) -> None:
    with engine.connect() as conn:
        print("demo issues:", conn.execute(text("SELECT count(*) FROM public.issue")).scalar())
        timed(conn, "issue_case view, count(due_at), demo", "SELECT count(due_at) FROM roadchief.issue_case")
        timed(conn, "overdue + closed on time, demo",
              "SELECT count(*) FILTER (WHERE overdue) + count(*) FILTER (WHERE closed_on_time)"
              " FROM roadchief.issue_case")
        timed(conn, "area_rankings community, 90 days",
              "SELECT count(*) FROM roadchief.area_rankings('community', now() - interval '90 days', now())")
        conn.execute(text("""
            CREATE TEMP TABLE synth AS
            SELECT TIMESTAMPTZ '2025-09-01 00:00+08' + random() * interval '480 days' AS reported_at,
                   (SELECT array_agg(code) FROM public.issue_category WHERE parent_code IS NOT NULL)
                       [1 + floor(random() * 38)::int] AS category_code
            FROM generate_series(1, :n)
        """), {"n": cases})
        conn.execute(text("ANALYZE synth"))
        print(f"synthetic cases: {cases:,}")
        timed(conn, "calendar hours only (the old rule)",
              "SELECT count(s.reported_at + make_interval(hours => c.deadline_value::int)) FROM synth AS s"
              " JOIN public.issue_category AS c ON c.code = s.category_code")
        timed(conn, "case_deadline LATERAL (what the readers do)",
              "SELECT count(d.due_at) FROM synth AS s"
              " LEFT JOIN LATERAL roadchief.case_deadline(s.reported_at, s.category_code) AS d ON true")
        timed(conn, "case_due_at scalar", "SELECT count(roadchief.case_due_at(reported_at, category_code))"
              " FROM synth", runs=1)
        timed(conn, "working_time_between(reported, reported + 3 days)",
              "SELECT sum(roadchief.working_time_between(reported_at, reported_at + interval '3 days'))"
              " FROM synth", runs=1)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cases", type=int, default=1_000_000)
    args = parser.parse_args()
    workdir = Path(tempfile.mkdtemp(prefix="roadchief-bench-"))
    workdir.chmod(0o755)
    cluster = PgCluster(data_dir=workdir / "pgdata", port=free_port())
    cluster.start()
    engine = make_engine(cluster.url())
    try:
        migrate.upgrade(engine)
        with engine.begin() as conn:
            load_demo(conn)
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.execute(text("VACUUM ANALYZE"))
        measure(engine, args.cases)
    finally:
        engine.dispose()
        cluster.stop()
        shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    main()
