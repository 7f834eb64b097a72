from sqlalchemy import text

from roads.issues.repository import NewIssue, insert_issue
from tests.roads.issues.conftest import M_PER_DEG_LAT, M_PER_DEG_LON, add_segment, count, lonlat


def nearest(conn, point: tuple[float, float], max_m: float):
    return conn.execute(
        text("SELECT * FROM roadchief.nearest_segment(ST_SetSRID(ST_MakePoint(:x, :y), 4326), :m)"),
        {"x": point[0], "y": point[1], "m": max_m},
    ).one()


def test_a_point_exactly_at_the_limit_snaps_and_a_millimetre_less_does_not(conn, streets):
    point = lonlat(50 + 30, 0)  # 30 m east of the east street
    hit = nearest(conn, point, 50)
    assert hit.segment_id == streets.east and 29.5 < hit.distance_m < 30.5
    assert nearest(conn, point, hit.distance_m).segment_id == streets.east
    assert nearest(conn, point, hit.distance_m - 0.001).segment_id is None


def test_issues_within_50_m_snap_and_farther_ones_are_kept_unsnapped(client, conn, streets):
    near = client.post(
        "/api/issues",
        data={
            "lon": lonlat(99.5, 0)[0],
            "lat": lonlat(99.5, 0)[1],
            "category": "T06.01",
            "description": "49.5 m east",
        },
    )
    far = client.post(
        "/api/issues",
        data={
            "lon": lonlat(100.5, 0)[0],
            "lat": lonlat(100.5, 0)[1],
            "category": "T06.01",
            "description": "50.5 m east",
        },
    )
    assert near.status_code == far.status_code == 201
    assert near.json()["segment_id"] == streets.east and 49 < near.json()["snap_distance_m"] <= 50
    assert far.json()["segment_id"] is None and far.json()["snap_distance_m"] is None
    assert count(conn, "SELECT count(*) FROM issue WHERE segment_id IS NULL") == 1


def test_a_point_midway_between_two_streets_goes_to_the_lower_id(conn, streets):
    point = lonlat(0, 10)  # 50 m from both the west and the east street
    west = conn.execute(
        text(
            "SELECT ST_Distance(geom::geography, ST_SetSRID(ST_MakePoint(:x, :y), 4326)::geography) "
            "FROM road_segment WHERE id = :id"
        ),
        {"x": point[0], "y": point[1], "id": streets.west},
    ).scalar()
    assert abs(west - 50) < 0.5
    assert nearest(conn, point, 60).segment_id == streets.east  # 9001 < 9002
    issue_id = insert_issue(conn, NewIssue(lon=point[0], lat=point[1], category_code="T03.01"), 60)
    assert count(conn, "SELECT segment_id FROM issue WHERE id = :id", id=issue_id) == streets.east
    # In bulk too: the same choice after re-snapping everything.
    conn.execute(text("UPDATE issue SET segment_id = NULL, snap_distance_m = NULL"))
    assert conn.execute(text("SELECT roadchief.snap_issues(60)")).scalar() == 1
    assert count(conn, "SELECT segment_id FROM issue WHERE id = :id", id=issue_id) == streets.east


def test_resnap_follows_a_changed_road_network(conn, streets):
    point = lonlat(80, 0)
    issue_id = insert_issue(conn, NewIssue(lon=point[0], lat=point[1], category_code="T03.01"), 50)
    conn.execute(text("DELETE FROM road_segment WHERE id = :id"), {"id": streets.east})
    assert (
        count(conn, "SELECT count(*) FROM issue WHERE id = :id AND segment_id IS NULL", id=issue_id)
        == 1
    )
    conn.execute(
        text("UPDATE road_segment SET geom = ST_Translate(geom, 0.0012, 0) WHERE id = :id"),
        {"id": streets.west},
    )  # the west street moves about 110 m east, 20 m from the issue
    assert conn.execute(text("SELECT roadchief.snap_issues(50, true)")).scalar() == 1
    assert count(conn, "SELECT segment_id FROM issue WHERE id = :id", id=issue_id) == streets.west


def test_the_nearest_segment_agrees_with_a_brute_force_search_at_crossings(conn, streets):
    """Points scattered around a crossing and two close parallel streets: whether the band around
    the planar-nearest segment holds it alone or several, the answer is the geodesically nearest
    of all segments within the limit, ties to the lower id, as a scan of every segment finds it."""
    road_id = conn.execute(text("SELECT road_id FROM road_segment LIMIT 1")).scalar_one()
    add_segment(conn, 9010, road_id, (-200, 0), (50, 0))  # ends on the east street: a crossing
    add_segment(conn, 9011, road_id, (50, 0), (300, 0))
    add_segment(conn, 9012, road_id, (62, -100), (62, 100))  # 12 m east of the east street
    add_segment(conn, 9013, road_id, (50, 0), (200, 150))  # a diagonal out of the crossing
    disagreements = conn.execute(
        text("""
        WITH points AS (
            SELECT ST_SetSRID(ST_MakePoint(:x0 + dx * :lon_step, :y0 + dy * :lat_step), 4326) AS p
            FROM generate_series(-40, 40) AS dx, generate_series(-40, 40) AS dy
        )
        SELECT count(*) FILTER (WHERE n.segment_id IS DISTINCT FROM b.id
                                   OR abs(n.distance_m - b.d) > 1e-6) AS wrong,
               count(*) FILTER (WHERE b.id IS NOT NULL) AS snapped
        FROM points
        LEFT JOIN LATERAL roadchief.nearest_segment(points.p, 40) AS n ON true
        LEFT JOIN LATERAL (
            SELECT s.id, ST_Distance(s.geom::geography, points.p::geography) AS d
            FROM road_segment AS s
            WHERE ST_Distance(s.geom::geography, points.p::geography) <= 40
            ORDER BY round(ST_Distance(s.geom::geography, points.p::geography) * 1000), s.id
            LIMIT 1
        ) AS b ON true
    """),
        {
            "x0": lonlat(50, 0)[0],
            "y0": lonlat(50, 0)[1],
            "lon_step": 1.3 / M_PER_DEG_LON,  # 6,561 points 1.3 m apart, ±52 m around the crossing
            "lat_step": 1.3 / M_PER_DEG_LAT,
        },
    ).one()
    assert disagreements.snapped > 5000
    assert disagreements.wrong == 0
