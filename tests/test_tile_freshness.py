"""No stale tile: a write, from anywhere, shows in the very next tile request."""

from sqlalchemy import text

from tests.tile_helpers import get_features, tile_of


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
