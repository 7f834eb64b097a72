"""Time the briefing exports against the configured database (DATABASE_URL or the embedded cluster).

    .venv/bin/python bench/exports.py [--week 2026-W47]

Prints seconds per export (rankings SQL, workbook, screen/A4 PNG, PDF, HTML, briefing), measured
once each after a warm-up, with the imports already done. Load the district first
(`roadchief demo load`, `--scale N` for a bigger one).
"""

import argparse
import time

from gis_service.db import make_engine, resolve_database_url
from gis_service.settings import Settings
from maps import rankings
from maps.briefing import briefing_pdf
from maps.heatmap import HeatmapOptions, heatmap_bytes
from maps.webmap import webmap_html
from roads.issues.filter import IssueFilter
from roads.issues.window import parse_week


def timed(label: str, action) -> None:
    start = time.perf_counter()
    result = action()
    size = len(result) if isinstance(result, bytes | str) else len(result[0])
    print(f"{label:<34} {time.perf_counter() - start:7.2f} s  {size / 1024:9,.0f} KiB")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--week", default="2026-W47")
    args = parser.parse_args()
    engine = make_engine(resolve_database_url(Settings()))
    flt = IssueFilter(parse_week(args.week))
    with engine.connect() as conn:
        segments = conn.exec_driver_sql("SELECT count(*) FROM public.road_segment").scalar()
        issues = conn.exec_driver_sql("SELECT count(*) FROM public.issue").scalar()
        print(f"{segments:,} segments, {issues:,} issues; week {args.week}")
        heatmap_bytes(conn, flt, HeatmapOptions(size="screen", view="segments"), "png")  # warm-up
        timed(
            "rankings SQL (community)", lambda: str(rankings.fetch(conn, "community", flt.window))
        )
        timed(
            "rankings.xlsx", lambda: rankings.workbook_bytes(conn, flt.window, None, "全部", None)
        )
        timed(
            "heatmap.png screen (both views)",
            lambda: heatmap_bytes(conn, flt, HeatmapOptions(size="screen"), "png"),
        )
        timed(
            "heatmap.png A4 300 dpi (both)",
            lambda: heatmap_bytes(conn, flt, HeatmapOptions(size="a4"), "png"),
        )
        timed("heatmap.pdf", lambda: heatmap_bytes(conn, flt, HeatmapOptions(), "pdf"))
        timed("heatmap.html", lambda: webmap_html(conn, flt))
        timed("briefing PDF", lambda: briefing_pdf(conn, flt, HeatmapOptions()))
    engine.dispose()


if __name__ == "__main__":
    main()
