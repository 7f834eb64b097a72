from sqlalchemy import text

from roads.issues.repository import NewIssue, insert_issue
from tests.ledger.conftest import count, lonlat


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
