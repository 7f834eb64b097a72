"""The bulk import alone, repeated on a loaded database (each run rolled back), with its CPU split.

    .venv/bin/python bench/import_only.py --database-url URL [--runs 3] [--issues N] [--profile]

The file is bench/ledger.py's (`write_import_file`: issues along the segments, 3% beyond the snap
distance; bench/all.py's import step writes the same one, seed 7), written once and imported
`--runs` times, each in its own transaction, rolled back. Per run: the rate, the wall time, and the
CPU (the server process's from /proc when the server runs here, Python's process time). With
`--profile` one more run goes under cProfile and its top functions are printed.
"""

import argparse
import cProfile
import pstats
import shutil
import sys
import tempfile
import time
from datetime import datetime
from pathlib import Path

import numpy as np
from sqlalchemy import text

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.ledger import ServerCpu, write_import_file  # noqa: E402
from gis_service.db import make_engine  # noqa: E402
from roads.issues import importer  # noqa: E402
from roads.issues.importer import import_issues  # noqa: E402
from roads.issues.window import CHINA_TZ  # noqa: E402


def one_run(engine, path: Path) -> tuple[int, float, float | None, float]:
    with engine.connect() as conn:
        server = ServerCpu(conn)
        python_start, start = time.process_time(), time.perf_counter()
        result = import_issues(conn, path, 50.0, skip_bad=True)
        seconds = time.perf_counter() - start
        server_s, python_s = server.seconds(), time.process_time() - python_start
        own_s = server.own_seconds() if hasattr(server, "own_seconds") else None
        conn.rollback()
    return result.inserted, seconds, server_s, python_s, own_s


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", required=True)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--issues", type=int, help="rows in the file (default: issues / 5)")
    parser.add_argument("--file", type=Path, help="import this file (kept) instead of writing one")
    parser.add_argument("--profile", action="store_true", help="one more run under cProfile")
    parser.add_argument("--chunk-rows", type=int, help="rows a chunk (default importer.CHUNK_ROWS)")
    args = parser.parse_args()
    if args.chunk_rows:
        importer.CHUNK_ROWS = args.chunk_rows
    engine = make_engine(args.database_url)
    workdir = Path(tempfile.mkdtemp(prefix="roadchief-import-only-"))
    try:
        path = args.file
        if path is None or not path.exists():
            path = path or workdir / "issues.csv"
            with engine.connect() as conn:
                total = conn.execute(text("SELECT count(*) FROM public.issue")).scalar_one()
                count = args.issues or max(20_000, total // 5)
                write_import_file(conn, path, count, datetime.now(CHINA_TZ),
                                  np.random.default_rng(7))
        for run in range(args.runs):
            inserted, seconds, server_s, python_s, own_s = one_run(engine, path)
            cpu = (server_s or 0.0) + python_s
            print(f"run {run + 1}: {inserted:,} issues in {seconds:.2f} s = "
                  f"{inserted / seconds:,.0f}/s; CPU {cpu / inserted * 1e6:.1f} µs a row "
                  f"(server {server_s if server_s is not None else float('nan'):.2f} s, "
                  f"Python {python_s:.2f} s; the writing session {own_s or float('nan'):.2f} s)",
                  flush=True)
        if args.profile:
            profile = cProfile.Profile()
            profile.enable()
            one_run(engine, path)
            profile.disable()
            pstats.Stats(profile).sort_stats("cumulative").print_stats(40)
            pstats.Stats(profile).sort_stats("tottime").print_stats(30)
    finally:
        engine.dispose()
        shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    main()
