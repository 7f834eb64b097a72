"""Small hand-made districts and files for the import tests, written inside the test's transaction."""

import json
from pathlib import Path

from sqlalchemy import text

from gis_service.settings import PROJECT_DIR
from roads.gisio.importer import import_file

OSM_EXTRACTS = PROJECT_DIR / "tests" / "fixtures" / "osm"  # © OpenStreetMap contributors, ODbL 1.0
NANJING_OSM = OSM_EXTRACTS / "nanjing_xuanwu.osm"
BEIJING_OSM = OSM_EXTRACTS / "beijing_haidian_cau.osm"
NANJING_BOUNDARIES = PROJECT_DIR / "tests" / "fixtures" / "nanjing"

# A tiny district far from the demo one (no demo road near): two communities side by side,
# west 100.000-100.010 E and east 100.010-100.020 E, both 30.000-30.010 N.
TINY = """
INSERT INTO sub_district (code, name, geom)
VALUES ('TINY', '测试办事处', ST_Multi(ST_MakeEnvelope(100.0, 30.0, 100.02, 30.01, 4326)));
INSERT INTO community (code, name, kind, sub_district_id, geom)
SELECT 'TINY-W', '西社区', '社区', id, ST_Multi(ST_MakeEnvelope(100.0, 30.0, 100.01, 30.01, 4326))
FROM sub_district WHERE code = 'TINY';
INSERT INTO community (code, name, kind, sub_district_id, geom)
SELECT 'TINY-E', '东社区', '村', id, ST_Multi(ST_MakeEnvelope(100.01, 30.0, 100.02, 30.01, 4326))
FROM sub_district WHERE code = 'TINY';
"""


def tiny_district(conn) -> None:
    conn.execute(text(TINY))


def lines_file(path: Path, roads: list[tuple[str, list[tuple[float, float]]]], **props) -> Path:
    """A GeoJSON of LineStrings: (name, coordinates) pairs."""
    features = [
        {
            "type": "Feature",
            "properties": {"name": name, "class": "支路", **props},
            "geometry": {"type": "LineString", "coordinates": coords},
        }
        for name, coords in roads
    ]
    path.write_text(
        json.dumps({"type": "FeatureCollection", "features": features}, ensure_ascii=False)
    )
    return path


def segments(conn, road: str) -> list[dict]:
    rows = conn.execute(
        text("""
        SELECT s.id, c.code AS community, s.length_m, ST_AsText(s.geom) AS wkt, s.source_key
        FROM road_segment AS s JOIN road AS r ON r.id = s.road_id
        LEFT JOIN community AS c ON c.id = s.community_id
        WHERE r.name = :road ORDER BY ST_XMin(s.geom), ST_YMin(s.geom)
    """),
        {"road": road},
    )
    return [dict(r._mapping) for r in rows]


def load_nanjing(conn) -> None:
    import_file(conn, "sub_districts", NANJING_BOUNDARIES / "sub_districts.geojson")
    import_file(conn, "communities", NANJING_BOUNDARIES / "communities.geojson")


def table_counts(conn) -> dict[str, int]:
    tables = [
        "sub_district",
        "community",
        "road",
        "road_segment",
        "segment_assignment",
        "construction_site",
        "resettlement_point",
    ]
    return {t: conn.execute(text(f"SELECT count(*) FROM {t}")).scalar() for t in tables}
