"""Real OpenStreetMap extracts load end to end (© OpenStreetMap contributors, ODbL 1.0)."""

from sqlalchemy import text

from roads.gisio.importer import import_file
from tests.roads.gisio.helpers import BEIJING_OSM, NANJING_OSM, load_nanjing


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


def to_pbf(source, target):
    """The same extract as .osm.pbf, written with pyosmium (a test-only dependency)."""
    import osmium

    class Copy(osmium.SimpleHandler):
        def __init__(self, writer):
            super().__init__()
            self.writer = writer

        def node(self, n):
            self.writer.add_node(n)

        def way(self, w):
            self.writer.add_way(w)

        def relation(self, r):
            self.writer.add_relation(r)

    writer = osmium.SimpleWriter(str(target))
    Copy(writer).apply_file(str(source))
    writer.close()
    return target


def test_the_same_extract_as_pbf_gives_the_same_segments(conn, tmp_path):
    load_nanjing(conn)
    from_xml = import_file(conn, "roads", NANJING_OSM)
    pbf = to_pbf(NANJING_OSM, tmp_path / "nanjing.osm.pbf")
    from_pbf = import_file(conn, "roads", pbf)
    assert from_pbf.source_format == "OpenStreetMap" and from_pbf.read == from_xml.read
    assert (from_pbf.created, from_pbf.updated, from_pbf.unchanged) == (0, 0, from_xml.created)
