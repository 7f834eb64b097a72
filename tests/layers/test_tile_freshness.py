"""No stale tile: a write, from anywhere, shows in the very next tile request."""

from sqlalchemy import text

from tests.layers.tile_helpers import get_features, tile_of


def versions(conn) -> dict[str, int]:
    return dict(conn.execute(text("SELECT table_name, version FROM table_version")).all())


def test_every_write_bumps_its_tables_counter(conn):
    before = versions(conn)
    conn.execute(text("UPDATE chief SET phone = phone WHERE id = 1"))
    conn.execute(text("DELETE FROM issue WHERE id = -1"))  # no row, still a write statement
    after = versions(conn)
    assert after["chief"] == before["chief"] + 1
    assert after["issue"] == before["issue"] + 1
    assert after["road_segment"] == before["road_segment"]


def uncovered_tier3_segment(conn):
    return conn.execute(text("""
        SELECT c.segment_id, ST_X(ST_Centroid(s.geom)) AS lon, ST_Y(ST_Centroid(s.geom)) AS lat,
               c.tiers_covered, s.community_id
        FROM roadchief.segment_coverage c JOIN road_segment s ON s.id = c.segment_id
        WHERE c.tier3_chief_id IS NULL AND c.road_class IN ('主干道', '次干道')
        ORDER BY c.segment_id LIMIT 1
    """)).one()


def test_a_new_assignment_shows_in_the_next_tile(client, conn):
    segment = uncovered_tier3_segment(conn)
    tile = (16, *tile_of(segment.lon, segment.lat, 16))

    def props() -> dict:
        [feature] = [f for f in get_features(client, "segments", *tile)
                     if f["properties"]["segment_id"] == segment.segment_id]
        return feature["properties"]

    assert "tier3_chief_id" not in props()  # cached now
    # a chief of the segment's own community: the database refuses others at tier 3
    chief_id, name = conn.execute(text(
        "SELECT id, name FROM chief WHERE community_id = :c ORDER BY id DESC LIMIT 1"),
        {"c": segment.community_id}).one()
    conn.execute(text("INSERT INTO segment_assignment (segment_id, tier, chief_id, assigned_by) "
                      "VALUES (:s, 3, :c, 'test')"), {"s": segment.segment_id, "c": chief_id})
    after = props()
    assert after["tier3_chief_id"] == chief_id and after["tier3_chief_name"] == name
    assert after["tiers_covered"] == segment.tiers_covered + 1


def test_a_new_issue_shows_in_the_next_point_cluster_and_density_tile(client, conn):
    segment = uncovered_tier3_segment(conn)
    points = (16, *tile_of(segment.lon, segment.lat, 16))
    clusters = (12, *tile_of(segment.lon, segment.lat, 12))

    def state() -> tuple[set, int, int]:
        ids = {f["properties"]["id"] for f in get_features(client, "issues", *points)}
        total = sum(f["properties"]["count"] for f in get_features(client, "issues", *clusters))
        [density] = [f["properties"] for f in get_features(client, "density", *points)
                     if f["properties"]["segment_id"] == segment.segment_id]
        return ids, total, density["issue_count"]

    ids, total, count = state()
    new_id = conn.execute(text("""
        INSERT INTO issue (geom, category_code, description, status, segment_id, snap_distance_m)
        SELECT ST_LineInterpolatePoint(geom, 0.5), 'T03.01', '占道经营', 'reported', id, 0
        FROM road_segment WHERE id = :s RETURNING id
    """), {"s": segment.segment_id}).scalar()
    ids_after, total_after, count_after = state()
    assert new_id in ids_after and new_id not in ids
    assert total_after == total + 1
    assert count_after == count + 1


def test_every_table_a_layer_reads_is_declared_and_counted(conn):
    """A table read but not declared (or without a counter) would let a cached tile go stale."""
    import re

    from layers.registry import TILE_LAYERS

    counted = set(versions(conn))
    coverage_tables = set(conn.execute(text("""
        SELECT DISTINCT c.relname FROM pg_rewrite r
        JOIN pg_depend d ON d.objid = r.oid JOIN pg_class c ON c.oid = d.refobjid
        WHERE r.ev_class = 'roadchief.segment_coverage'::regclass AND c.relkind = 'r'
    """)).scalars())
    assert {"road_segment", "segment_assignment", "chief"} <= coverage_tables
    for layer in TILE_LAYERS.values():
        read = set(re.findall(r"public\.(\w+)", layer.sql))
        if "roadchief.segment_coverage" in layer.sql:
            read |= coverage_tables
        if "roadchief.segment_density" in layer.sql:
            read |= {"road_segment", "issue"}
        assert read <= set(layer.tables), layer.name
        assert set(layer.tables) <= counted, layer.name


def test_a_layer_reading_an_uncounted_table_is_never_cached(client, conn):
    conn.execute(text("DELETE FROM table_version_shard WHERE table_name = 'sub_district'"))
    first = client.get("/tiles/sub_districts/12/3342/1626.mvt")
    second = client.get("/tiles/sub_districts/12/3342/1626.mvt")
    assert first.status_code == second.status_code == 200
    assert second.headers["x-tile-cache"] == "bypass" and "etag" not in second.headers


def test_two_writers_of_one_table_do_not_wait_on_its_change_counter(engine):
    """Two open transactions both write segment_assignment: neither waits on the change counter."""
    with engine.connect() as alice, engine.connect() as bob:
        before = versions(alice)["segment_assignment"]
        rows = alice.execute(text("SELECT id FROM segment_assignment ORDER BY id LIMIT 2")).scalars().all()
        alice.rollback()
        touch = text("UPDATE segment_assignment SET assigned_by = assigned_by WHERE id = :id")
        with alice.begin(), bob.begin():
            alice.execute(touch, {"id": rows[0]})
            bob.execute(text("SET LOCAL lock_timeout = '1s'"))
            bob.execute(touch, {"id": rows[1]})  # before the fix: waited for alice's counter row
            assert versions(bob)["segment_assignment"] == before + 1  # its own write, not alice's yet
        assert versions(alice)["segment_assignment"] == before + 2
