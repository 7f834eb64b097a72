"""Tile sizes: the largest and mean tile per zoom per layer over the demo district.

    .venv/bin/python bench/tile_sizes.py [--scale 1] [--zooms 10-18] [--sample 150]

Starts its own throwaway PostGIS cluster and loads the demo district (or reads --database-url),
then builds every tile layer's tiles with the layer's default parameters: every tile over the
district up to zoom 14, and from 15 on a seeded sample of --sample tiles holding a segment's
midpoint (the tiles with something in them; high-zoom tiles only shrink). Sizes are the MVT bytes
before gzip, as the 500 KB rule counts them. Prints one table: layer, zoom, tiles, largest KB,
mean KB (over the tiles that are not empty).
"""

import argparse
import math
import random
import shutil
import sys
import tempfile
from contextlib import contextmanager
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

FULL_UP_TO = 14  # zooms up to this one are measured over every tile of the district


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", type=float, default=1.0)
    parser.add_argument("--zooms", default="10-18", help="first-last zoom")
    parser.add_argument("--sample", type=int, default=150, help="tiles per zoom above 14")
    parser.add_argument("--layers", help="comma-separated layer names (default: all)")
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument("--database-url", help="use this loaded database instead of a new cluster")
    return parser.parse_args()


def main() -> None:
    args = parse_args()
    first, last = (int(z) for z in args.zooms.split("-"))
    from sqlalchemy import text

    from gis_service.db import make_engine
    from layers.registry import TILE_LAYERS
    from layers.tiles import render_tile

    names = args.layers.split(",") if args.layers else list(TILE_LAYERS)
    with database(args) as url:
        engine = make_engine(url)
        with engine.connect() as conn:
            bounds = conn.execute(text(
                "SELECT ST_XMin(e), ST_YMin(e), ST_XMax(e), ST_YMax(e) "
                "FROM (SELECT ST_Extent(geom) AS e FROM public.sub_district) AS x")).one()
            midpoints = conn.execute(text(
                "SELECT ST_X(p), ST_Y(p) FROM (SELECT ST_LineInterpolatePoint(geom, 0.5) AS p "
                "FROM public.road_segment) AS x")).all()
            print(f"{'layer':<20} {'z':>2} {'tiles':>6} {'largest KB':>11} {'mean KB':>8}")
            for name in names:
                layer = TILE_LAYERS[name]
                params = layer.parse_params(conn, {})
                for z in range(first, last + 1):
                    tiles = (covering(bounds, z) if z <= FULL_UP_TO
                             else sampled(midpoints, z, args.sample, args.seed))
                    sizes = []
                    for x, y in tiles:
                        sizes.append(len(render_tile(conn, layer, z, x, y, params)))
                        conn.rollback()  # ends the layer's SET LOCAL planner settings
                    filled = [s for s in sizes if s]
                    mean = sum(filled) / len(filled) if filled else 0
                    print(f"{name:<20} {z:>2} {len(tiles):>6} {max(sizes) / 1024:>11.1f} "
                          f"{mean / 1024:>8.1f}", flush=True)
        engine.dispose()


def tile_of(lon: float, lat: float, z: int) -> tuple[int, int]:
    n = 2 ** z
    return (int((lon + 180.0) / 360.0 * n),
            int((1.0 - math.asinh(math.tan(math.radians(lat))) / math.pi) / 2.0 * n))


def covering(bounds, z: int) -> list[tuple[int, int]]:
    west, south, east, north = bounds
    x0, y0 = tile_of(west, north, z)
    x1, y1 = tile_of(east, south, z)
    return [(x, y) for x in range(x0, x1 + 1) for y in range(y0, y1 + 1)]


def sampled(points, z: int, count: int, seed: int) -> list[tuple[int, int]]:
    tiles = sorted({tile_of(lon, lat, z) for lon, lat in points})
    return random.Random(seed + z).sample(tiles, min(count, len(tiles)))


@contextmanager
def database(args: argparse.Namespace):
    if args.database_url:
        yield args.database_url
        return
    from gis_service import migrate
    from gis_service.db import make_engine
    from gis_service.pg_cluster import PgCluster, free_port
    from roads.demo.load import load_demo

    workdir = Path(tempfile.mkdtemp(prefix="roadchief-bench-"))
    workdir.chmod(0o755)  # the server runs as the postgres user
    cluster = PgCluster(data_dir=workdir / "pgdata", port=free_port())
    try:
        cluster.start()
        engine = make_engine(cluster.url())
        migrate.upgrade(engine)
        with engine.begin() as conn:
            load_demo(conn, scale=args.scale, seed=args.seed)
        engine.dispose()
        yield cluster.url()
    finally:
        cluster.stop()
        shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    main()
