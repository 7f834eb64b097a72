"""Real OpenStreetMap extracts load end to end (© OpenStreetMap contributors, ODbL 1.0)."""

from sqlalchemy import text

from roads.gisio.importer import import_file
from tests.gisio.helpers import BEIJING_OSM, NANJING_OSM, load_nanjing


def test_nanjing_extract_loads_into_its_communities(conn):
    load_nanjing(conn)
    summary = import_file(conn, "roads", NANJING_OSM)
    assert summary.read == 383  # highway lines of the extract
    assert summary.created > 300 and summary.roads_created > 100
    reasons = {r["reason"] for r in summary.rejected}
    assert "no name" in reasons and "not a road that chiefs patrol (class 'footway')" in reasons
    roads = dict(
        conn.execute(text("SELECT name, road_class FROM road WHERE source_key IS NOT NULL")).all()
    )
    assert roads["太平北路"] == "次干道" and "长江路" in roads
    assert set(roads.values()) == {"主干道", "次干道", "支路", "街巷"}
    outside = conn.execute(
        text("""
        SELECT count(*) FROM road_segment s JOIN community c ON c.id = s.community_id
        WHERE c.code LIKE 'NJ-%' AND ST_Length(ST_Difference(s.geom, c.geom)::geography) > 0.01
    """)
    ).scalar()
    assert outside == 0
    again = import_file(conn, "roads", NANJING_OSM)
    assert (again.created, again.updated, again.deleted, again.unchanged) == (
        0,
        0,
        0,
        summary.created,
    )


def test_beijing_extract_is_outside_a_district_without_boundaries_there(conn):
    summary = import_file(conn, "roads", BEIJING_OSM)
    assert summary.read == 302 and summary.created == 0
    assert len(summary.outside) > 50
