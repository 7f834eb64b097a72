"""Time the briefing exports against the configured database (DATABASE_URL or the embedded cluster).

    .venv/bin/python -m bench.exports [--week 2026-W47] [--reference DIR]

Prints seconds per export (rankings SQL, workbook, screen/A4 PNG, PDF, HTML, briefing), measured
once each after a warm-up, with the imports already done, and the process's peak resident memory
so far. The first kernel-density map also sums the road around every piece of the network, which
later exports of the same network reuse: it is timed on its own line (cold), then again (warm).
`--reference DIR` runs the same steps in a second process with the code in DIR (for example an
older checkout: `git worktree add /tmp/before main`) and prints both columns side by side.
Load the district first (`roadchief demo load`, `--scale N` for a bigger one).
"""

import argparse
import json
import os
import resource
import subprocess
import sys
import time
from pathlib import Path


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # Linux: KiB


def measure(week: str) -> tuple[str, list[dict]]:
    from gis_service.db import make_engine, resolve_database_url
    from gis_service.settings import Settings
    from maps import rankings
    from maps.briefing import briefing_pdf
    from maps.heatmap import HeatmapOptions, heatmap_bytes
    from maps.webmap import webmap_html
    from roads.issues.filter import IssueFilter
    from roads.issues.window import parse_week

    engine = make_engine(resolve_database_url(Settings()))
    flt = IssueFilter(parse_week(week))
    rows = []

    def timed(label: str, action) -> None:
        start = time.perf_counter()
        result = action()
        size = len(result) if isinstance(result, bytes | str) else len(result[0])
        rows.append(
            {
                "label": label,
                "seconds": time.perf_counter() - start,
                "kib": size / 1024,
                "peak_mb": peak_rss_mb(),
            }
        )

    with engine.connect() as conn:
        segments = conn.exec_driver_sql("SELECT count(*) FROM public.road_segment").scalar()
        issues = conn.exec_driver_sql("SELECT count(*) FROM public.issue").scalar()
        heading = f"{segments:,} segments, {issues:,} issues; week {week}"
        heatmap_bytes(conn, flt, HeatmapOptions(size="screen", view="segments"), "png")  # warm-up
        timed(
            "rankings SQL (community)", lambda: str(rankings.fetch(conn, "community", flt.window))
        )
        timed(
            "rankings.xlsx", lambda: rankings.workbook_bytes(conn, flt.window, None, "全部", None)
        )
        screen = HeatmapOptions(size="screen")
        timed("heatmap.png screen, cold", lambda: heatmap_bytes(conn, flt, screen, "png"))
        timed("heatmap.png screen (both views)", lambda: heatmap_bytes(conn, flt, screen, "png"))
        timed(
            "heatmap.png A4 300 dpi (both)",
            lambda: heatmap_bytes(conn, flt, HeatmapOptions(size="a4"), "png"),
        )
        timed("heatmap.pdf", lambda: heatmap_bytes(conn, flt, HeatmapOptions(), "pdf"))
        timed("heatmap.html", lambda: webmap_html(conn, flt))
        timed("briefing PDF", lambda: briefing_pdf(conn, flt, HeatmapOptions()))
    engine.dispose()
    return heading, rows


def reference_rows(directory: Path, week: str) -> list[dict]:
    """The same measurement in a child process importing the code in `directory`."""
    env = {**os.environ, "PYTHONPATH": str(directory)}
    # Run by path: the script's folder (bench/) comes first on sys.path, then DIRECTORY.
    output = subprocess.run(
        [sys.executable, str(Path(__file__).resolve()), "--week", week, "--json"],
        env=env,
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    return json.loads(output.splitlines()[-1])["rows"]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--week", default="2026-W47")
    parser.add_argument("--reference", type=Path, help="a checkout to compare with")
    parser.add_argument("--json", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.json:
        heading, rows = measure(args.week)
        print(json.dumps({"heading": heading, "rows": rows}))
        return
    # The reference first: a child starts with its parent's peak memory (Linux keeps ru_maxrss
    # across fork and exec), and this process is still small before it measures.
    before = {r["label"]: r for r in reference_rows(args.reference, args.week)} if args.reference else {}
    heading, rows = measure(args.week)
    print(heading)
    print(f"{'export':<34} {'s':>7} {'KiB':>9} {'peak MB':>8}" + ("   reference s  peak MB" if before else ""))
    for row in rows:
        line = f"{row['label']:<34} {row['seconds']:7.2f} {row['kib']:9,.0f} {row['peak_mb']:8.0f}"
        old = before.get(row["label"])
        if old:
            line += f"   {old['seconds']:11.2f} {old['peak_mb']:8.0f}"
        print(line)


if __name__ == "__main__":
    main()
