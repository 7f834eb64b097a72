"""Time `import roads` on a synthetic grid across the demo district, then its idempotent re-import.

Runs inside one transaction that is rolled back, so the database is left as it was. Needs a
database with the demo district (`roadchief demo load`); uses DATABASE_URL or the embedded cluster.

    .venv/bin/python bench/import_roads.py --lines 60
"""

import argparse
import json
import tempfile
import time
from pathlib import Path

import numpy as np

from gis_service.db import make_engine, resolve_database_url
from gis_service.settings import Settings
from roads.gisio.importer import import_file

WEST, SOUTH, EAST, NORTH = 113.681, 34.656, 113.838, 34.754  # inside the demo district


def grid_file(path: Path, lines: int, vertices: int = 40) -> Path:
    """`lines` east-west and `lines` north-south roads, wobbling so they are not straight."""
    rng = np.random.default_rng(7)
    features = []
    for i in range(lines):
        lat = SOUTH + (NORTH - SOUTH) * (i + 0.5) / lines
        xs = np.linspace(WEST, EAST, vertices)
        ys = lat + rng.normal(0, 0.0001, vertices)
        features.append((f"基准东西路{i:02d}", np.column_stack([xs, ys])))
        lon = WEST + (EAST - WEST) * (i + 0.5) / lines
        ys = np.linspace(SOUTH, NORTH, vertices)
        xs = lon + rng.normal(0, 0.0001, vertices)
        features.append((f"基准南北路{i:02d}", np.column_stack([xs, ys])))
    path.write_text(
        json.dumps(
            {
                "type": "FeatureCollection",
                "features": [
                    {
                        "type": "Feature",
                        "properties": {"name": name, "class": "支路"},
                        "geometry": {"type": "LineString", "coordinates": coords.tolist()},
                    }
                    for name, coords in features
                ],
            },
            ensure_ascii=False,
        )
    )
    return path


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--lines", type=int, default=40, help="roads in each direction")
    args = parser.parse_args()
    engine = make_engine(resolve_database_url(Settings()))
    with tempfile.TemporaryDirectory() as tmp, engine.connect() as conn:
        path = grid_file(Path(tmp) / "grid.geojson", args.lines)
        size_mb = path.stat().st_size / 1e6
        transaction = conn.begin()
        try:
            started = time.perf_counter()
            first = import_file(conn, "roads", path)
            middle = time.perf_counter()
            second = import_file(conn, "roads", path)
            ended = time.perf_counter()
        finally:
            transaction.rollback()
    print(f"{2 * args.lines} roads across the demo district ({size_mb:.1f} MB GeoJSON)")
    print(f"import:    {middle - started:6.2f} s, {first.created} segments created")
    print(
        f"re-import: {ended - middle:6.2f} s, {second.unchanged} unchanged, {second.updated} updated, "
        f"{second.created} created, {second.deleted} deleted"
    )


if __name__ == "__main__":
    main()
