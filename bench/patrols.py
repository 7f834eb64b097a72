"""Benchmark of patrols on its own throwaway cluster: N chiefs × D days of GPS tracks (a reading
every 5 s) ingested the way the phone's batches are (roads.patrols.recording.insert_points, one
statement a batch), evaluated by roadchief.evaluate_patrols, then district-wide compliance.

    .venv/bin/python bench/patrols.py [--chiefs 1000] [--days 7] [--every 5] [--batch 120]

The default week keeps a run to a few minutes on two cores; --days 30 is the issue's 1,000 chiefs ×
30 days (about 9 million readings, some 6 minutes on two cores).

Prints points/s on ingest, patrols/s on evaluation and the time of a district-wide compliance query
for the 30 days and for one week (target < 1 s).
"""

import argparse
import itertools
import shutil
import signal
import statistics
import sys
import tempfile
import time
from datetime import datetime, timedelta
from pathlib import Path

import numpy as np
from sqlalchemy import text

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from gis_service import migrate  # noqa: E402
from gis_service.db import make_engine  # noqa: E402
from gis_service.pg_cluster import PgCluster, free_port  # noqa: E402
from roads.bulk import copy_rows  # noqa: E402
from roads.demo import patrols as demo_patrols  # noqa: E402
from roads.demo.load import load_demo  # noqa: E402
from roads.issues.window import CHINA_TZ, Window  # noqa: E402
from roads.patrols.compliance import compliance  # noqa: E402
from roads.patrols.recording import Point, evaluate, insert_points  # noqa: E402

DILIGENT = ([0.95, 0.7, 0.3], [0.5, 0.35, 0.15])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--chiefs", type=int, default=1000)
    parser.add_argument("--days", type=int, default=7, help="30 for the issue's full size (about 6 minutes here)")
    parser.add_argument("--every", type=float, default=5.0, help="seconds between readings")
    parser.add_argument("--batch", type=int, default=120, help="readings per phone batch")
    parser.add_argument("--keep", action="store_true", help="keep the throwaway cluster running")
    args = parser.parse_args()
    workdir = Path(tempfile.mkdtemp(prefix="roadchief-bench-"))
    workdir.chmod(0o755)
    cluster = PgCluster(data_dir=workdir / "pgdata", port=free_port())
    # A SIGTERM (kill, timeout) still stops the cluster: SystemExit unwinds through the finally.
    signal.signal(signal.SIGTERM, lambda signum, frame: sys.exit(128 + signum))
    cluster.start()
    try:
        engine = make_engine(cluster.url())
        migrate.upgrade(engine)
        measure(engine, args)
    finally:
        if args.keep:
            print(f"cluster kept at {cluster.url()} ({workdir})")
        else:
            cluster.stop()
            shutil.rmtree(workdir, ignore_errors=True)


def make_chiefs(conn, count: int, since: datetime) -> list[demo_patrols.ChiefSegments]:
    """`count` tier-3 chiefs from `since`, each holding a run of consecutive segments of one
    community (the demo's own chiefs retired then, so that compliance is about ours alone)."""
    segments = conn.execute(text("""
        SELECT s.id, s.community_id, c.sub_district_id FROM public.road_segment AS s
        JOIN public.community AS c ON c.id = s.community_id ORDER BY s.community_id, s.id
    """)).all()
    by_community: dict[int, list] = {}
    for row in segments:
        by_community.setdefault(row.community_id, []).append(row)
    first_id = conn.execute(text("SELECT max(id) FROM public.chief")).scalar() + 1
    chiefs, assignments = [], []
    for community_id, rows in by_community.items():
        groups = max(1, round(count * len(rows) / len(segments)))
        for g in range(groups):
            chief_id = first_id + len(chiefs)
            chiefs.append((chief_id, f"巡查样本{chief_id}", f"1{chief_id:010d}", community_id, rows[0].sub_district_id))
            members = rows[g * len(rows) // groups:(g + 1) * len(rows) // groups]
            assignments.extend((r.id, 3, chief_id, since.isoformat(), "bench") for r in members)
    conn.execute(text("UPDATE public.segment_assignment SET valid_to = :t WHERE valid_to IS NULL"), {"t": since})
    copy_rows(conn, "chief", ["id", "name", "phone", "community_id", "sub_district_id"], chiefs)
    copy_rows(conn, "segment_assignment", ["segment_id", "tier", "chief_id", "valid_from", "assigned_by"],
              assignments)
    rows = conn.execute(text("""
        SELECT a.chief_id, a.tier, ST_AsBinary(s.geom) AS wkb
        FROM public.segment_assignment AS a JOIN public.road_segment AS s ON s.id = a.segment_id
        WHERE a.valid_to IS NULL ORDER BY a.chief_id, a.segment_id
    """)).all()
    return demo_patrols.chief_paths(rows)


def measure(engine, args) -> None:
    # About 2 km of road a chief: the demo at scale 1 has ~1,000 km of road.
    scale = max(1.0, args.chiefs / 500)
    now = datetime.now(CHINA_TZ).replace(hour=18, minute=0, second=0, microsecond=0)
    with engine.begin() as conn:
        start = time.perf_counter()
        load_demo(conn, scale=scale, issues=1000, as_of=now, patrol_days=0)
        chiefs = make_chiefs(conn, args.chiefs, now.replace(hour=0) - timedelta(days=args.days + 1))
        print(f"demo district at scale {scale:g}: {time.perf_counter() - start:.1f} s, "
              f"{len(chiefs)} chiefs with segments", flush=True)

    rng = np.random.default_rng(15)
    points = patrols = 0
    ingest_s = evaluate_s = 0.0
    stream = demo_patrols.tracks(chiefs, now, rng, args.days, args.every, DILIGENT)
    while True:
        # A transaction per 500 patrols, as the phones' batches commit one by one in service.
        with engine.begin() as conn:
            chunk = []
            for track in itertools.islice(stream, 500):
                begin = time.perf_counter()
                chunk.append(ingest(conn, track, args.batch))
                points += len(track.times)
                ingest_s += time.perf_counter() - begin
            if not chunk:
                break
            begin = time.perf_counter()
            evaluate(conn, chunk)
            evaluate_s += time.perf_counter() - begin
            patrols += len(chunk)
        with engine.begin() as conn:  # what autovacuum does between the phones' writes, untimed
            conn.execute(text("ANALYZE patrol; ANALYZE patrol_point; ANALYZE patrol_segment"))
        print(f"  {patrols} patrols, {points:,} points: ingest {points / ingest_s:,.0f} points/s, "
              f"evaluation {patrols / evaluate_s:,.0f} patrols/s", flush=True)
    print(f"ingest: {points:,} points of {patrols:,} patrols in {ingest_s:.1f} s = {points / ingest_s:,.0f} points/s")
    print(f"evaluation: {evaluate_s:.1f} s = {patrols / evaluate_s:,.0f} patrols/s "
          f"({points / evaluate_s:,.0f} points/s)")

    today = now.replace(hour=0) + timedelta(days=1)
    for label, window in (("30 days", Window(today - timedelta(days=args.days), today)),
                          ("one week", Window(today - timedelta(days=7), today))):
        for level in ("district", "chief"):
            seconds = []
            with engine.connect() as conn:
                for _ in range(3):
                    begin = time.perf_counter()
                    result = compliance(conn, window, level)
                    seconds.append(time.perf_counter() - begin)
            first = result["units"][0] if level == "district" else {"rate": len(result["units"])}
            print(f"compliance {level} over {label}: {statistics.median(seconds) * 1000:.0f} ms "
                  f"(median of 3; {'rate ' if level == 'district' else 'chiefs '}{first['rate']})")


def ingest(conn, track: demo_patrols.Track, batch: int) -> int:
    patrol_id = conn.execute(text("""
        INSERT INTO public.patrol (chief_id, source, started_at, ended_at, recorded_by)
        VALUES (:c, 'phone', :s, :e, 'bench') RETURNING id
    """), {"c": track.chief_id, "s": track.started, "e": track.ended}).scalar_one()
    # ISO strings for the times: PostgreSQL parses them as the driver would send datetimes
    readings = [Point(t, x, y, a) for t, x, y, a in zip(
        track.times.tolist(), track.lonlat[:, 0].tolist(), track.lonlat[:, 1].tolist(),
        track.accuracy.tolist(), strict=True)]
    for first in range(0, len(readings), batch):
        insert_points(conn, patrol_id, readings[first:first + batch])
    return patrol_id


if __name__ == "__main__":
    main()
