"""A road is a connected street, not a name; unnamed lines are kept under a readable name;
classes stay per segment. Hand-made lines in the tiny district, then the real OSM extracts
(© OpenStreetMap contributors, ODbL 1.0)."""

import json
import re

import pytest
from sqlalchemy import text

from gis_service.settings import PROJECT_DIR
from roads.gisio.importer import import_file
from tests.roads.gisio.helpers import NANJING_OSM, OSM_EXTRACTS, load_nanjing, tiny_district

SHANGHAI_OSM = OSM_EXTRACTS / "shanghai_huangpu.osm"
SHANGHAI_BOUNDARIES = PROJECT_DIR / "tests" / "fixtures" / "shanghai"


def load_shanghai(conn) -> None:
    import_file(conn, "sub_districts", SHANGHAI_BOUNDARIES / "sub_districts.geojson")
    import_file(conn, "communities", SHANGHAI_BOUNDARIES / "communities.geojson")


def lines(path, features):
    """(name or None, class, coordinates) -> a GeoJSON file of LineStrings."""
    path.write_text(json.dumps({"type": "FeatureCollection", "features": [
        {"type": "Feature", "properties": {"name": name, "class": cls},
         "geometry": {"type": "LineString", "coordinates": coords}}
        for name, cls, coords in features]}, ensure_ascii=False))
    return path


def roads_named(conn, pattern: str) -> list:
    return conn.execute(text("""
        SELECT r.id, r.name, r.road_class, count(s.id) AS segments,
               array_agg(DISTINCT coalesce(s.road_class, r.road_class)) AS classes
        FROM road r JOIN road_segment s ON s.road_id = r.id
        WHERE r.name LIKE :p GROUP BY r.id ORDER BY r.id"""), {"p": pattern}).all()


def test_same_name_lines_apart_are_two_roads_and_touching_ones_one(conn, tmp_path):
    tiny_district(conn)
    path = lines(tmp_path / "r.geojson", [
        ("中山路", "主干道", [[100.001, 30.002], [100.004, 30.002]]),
        ("中山路", "主干道", [[100.004, 30.002], [100.008, 30.002]]),  # continues the first
        ("中山路", "支路", [[100.012, 30.008], [100.018, 30.008]]),  # 700 m away
    ])
    summary = import_file(conn, "roads", path)
    found = roads_named(conn, "中山路")
    assert [(r.name, r.road_class) for r in found] == [("中山路", "主干道"), ("中山路", "支路")]
    assert any("1 more roads than names" in note for note in summary.notes)
    again = import_file(conn, "roads", path)
    assert (again.created, again.updated, again.deleted) == (0, 0, 0)
    assert [r.id for r in roads_named(conn, "中山路")] == [r.id for r in found]


def test_a_road_keeps_the_class_of_each_of_its_lines(conn, tmp_path):
    tiny_district(conn)
    path = lines(tmp_path / "r.geojson", [
        ("经北路", "主干道", [[100.001, 30.005], [100.006, 30.005]]),
        ("经北路", "街巷", [[100.006, 30.005], [100.008, 30.005]]),
    ])
    import_file(conn, "roads", path)
    [road] = roads_named(conn, "经北路")
    assert road.road_class == "主干道" and sorted(road.classes) == ["主干道", "街巷"]
    lane = conn.execute(text("""
        SELECT road_class FROM roadchief.segment_coverage
        WHERE road_id = :r ORDER BY ST_XMin(geom) DESC LIMIT 1"""), {"r": road.id}).scalar()
    assert lane == "街巷"  # what the tiles show: drawn as a lane only where it is one


def test_unnamed_lines_get_a_readable_stable_name(conn, tmp_path):
    tiny_district(conn)
    path = lines(tmp_path / "r.geojson", [
        ("中山路", "支路", [[100.001, 30.002], [100.008, 30.002]]),
        (None, "街巷", [[100.003, 30.0025], [100.003, 30.004]]),  # 55 m from 中山路
        (None, "街巷", [[100.015, 30.008], [100.018, 30.008]]),  # alone in 东社区
    ])
    summary = import_file(conn, "roads", path)
    assert summary.unnamed_kept == 2 and summary.rejected == []
    names = sorted(r.name for r in roads_named(conn, "无名路%"))
    assert re.fullmatch(r"无名路（东社区）[0-9A-F]{4}", names[0])
    assert names[1] == "无名路（近中山路）"
    import_file(conn, "roads", path)
    assert sorted(r.name for r in roads_named(conn, "无名路%")) == names


def test_unnamed_drop_keeps_the_old_behaviour(conn, tmp_path):
    tiny_district(conn)
    path = lines(tmp_path / "r.geojson", [(None, "街巷", [[100.003, 30.0025], [100.003, 30.004]])])
    summary = import_file(conn, "roads", path, unnamed="drop")
    assert summary.rejected == [{"feature": 1, "reason": "no name"}] and summary.created == 0


def staged_length_by_class(conn) -> dict[str, float]:
    """The imported lines (still staged in this transaction) inside the district, per class."""
    return dict(conn.execute(text("""
        SELECT f.road_class, sum(ST_Length(ST_Intersection(f.geom, d.geom)::geography))
        FROM import_feature AS f, (SELECT ST_Union(geom) AS geom FROM community) AS d
        WHERE f.ok GROUP BY f.road_class""")).all())


def segment_length_by_class(conn) -> dict[str, float]:
    return dict(conn.execute(text("""
        SELECT coalesce(s.road_class, r.road_class), sum(s.length_m)
        FROM road_segment s JOIN road r ON r.id = s.road_id
        WHERE r.source_key IS NOT NULL GROUP BY 1""")).all())


@pytest.mark.parametrize("loader, extract, read, refused", [
    (load_shanghai, SHANGHAI_OSM, 2014, 0),
    (load_nanjing, NANJING_OSM, 383, 121),  # 118 footways and 3 steps: not patrolled
])
def test_no_patrolled_way_is_lost_and_each_class_keeps_its_length(conn, loader, extract, read, refused):
    loader(conn)
    summary = import_file(conn, "roads", extract)
    assert summary.read == read and len(summary.rejected) == refused
    assert all(r["reason"].startswith("not a road that chiefs patrol") for r in summary.rejected)
    staged, written = staged_length_by_class(conn), segment_length_by_class(conn)
    assert set(staged) == set(written) == {"主干道", "次干道", "支路", "街巷"}
    for road_class, metres in staged.items():
        assert written[road_class] == pytest.approx(metres, rel=0.01), road_class


def test_shanghai_unnamed_ways_are_kept_and_same_name_streets_apart_are_separate(conn):
    load_shanghai(conn)
    dropped = import_file(conn, "roads", SHANGHAI_OSM, unnamed="drop")
    assert sum(r["reason"] == "no name" for r in dropped.rejected) == 222
    kept = import_file(conn, "roads", SHANGHAI_OSM)
    assert kept.rejected == [] and kept.unnamed_kept == 222
    assert conn.execute(text("SELECT count(*) FROM road WHERE name LIKE '无名路（近%'")).scalar() > 50
    # Roads sharing a name are at least 5 m apart (else they would have chained into one).
    closest = conn.execute(text("""
        SELECT min(ST_Distance(ST_Transform(a.geom, 32651), ST_Transform(b.geom, 32651)))
        FROM road ra JOIN road rb ON rb.name = ra.name AND rb.id > ra.id
        JOIN road_segment a ON a.road_id = ra.id JOIN road_segment b ON b.road_id = rb.id
        WHERE ra.source_key IS NOT NULL AND ra.name NOT LIKE '无名路%'""")).scalar()
    assert closest is not None and closest > 5.0
    again = import_file(conn, "roads", SHANGHAI_OSM)
    assert (again.created, again.updated, again.deleted) == (0, 0, 0)
