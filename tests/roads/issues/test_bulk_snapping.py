"""Bulk import and single intake snap every point alike: the import narrows each point to its
contenders in Python (roads.issues.snap_batch) and PostgreSQL decides among them; single intake
asks roadchief.nearest_segments. Checked on the demo district's every issue, plus the points where
the two could part: segment joints (exact ties at 0 m), points around joints (ties in the wedge
of a bend), and points a hair inside and outside the snap distance."""

import csv

import pytest
from sqlalchemy import text

from roads.issues import importer
from roads.issues.importer import import_issues
from roads.issues.repository import NewIssue, insert_issue

SNAP_M = 50.0

# Every demo issue, every segment's start (a joint), points 3 and 12 m from it in eight
# directions, and points beside each segment's middle at 50 m ± 1 mm (geodesic, ST_Project).
POINTS = """
SELECT ST_X(i.geom) AS lon, ST_Y(i.geom) AS lat FROM public.issue AS i
UNION ALL
SELECT ST_X(ST_StartPoint(s.geom)), ST_Y(ST_StartPoint(s.geom)) FROM public.road_segment AS s
UNION ALL
SELECT ST_X(p), ST_Y(p)
FROM public.road_segment AS s,
     generate_series(0, 7) AS k,
     unnest(ARRAY[3.0, 12.0]) AS r,
     LATERAL (SELECT ST_Project(ST_StartPoint(s.geom)::geography, r, radians(45 * k + 10))::geometry
              AS p) AS q
UNION ALL
SELECT ST_X(p), ST_Y(p)
FROM public.road_segment AS s,
     unnest(ARRAY[SNAP_M - 0.001, SNAP_M, SNAP_M + 0.001]) AS r,
     unnest(ARRAY[-1, 1]) AS side,
     LATERAL (
         SELECT ST_Project(
             ST_LineInterpolatePoint(s.geom, 0.5)::geography, r,
             ST_Azimuth(ST_StartPoint(s.geom), ST_EndPoint(s.geom)) + side * pi() / 2)::geometry AS p
     ) AS q
""".replace("SNAP_M", repr(SNAP_M))


def write_points(conn, path) -> int:
    rows = conn.execute(text(POINTS)).all()
    with open(path, "w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(["lon", "lat", "category", "description"])
        writer.writerows((repr(r.lon), repr(r.lat), "T03.01", "对照") for r in rows)
    return len(rows)


@pytest.mark.parametrize("second_connection", [True, False],
                         ids=["snapped-on-a-second-connection", "snapped-on-the-import-connection"])
def test_bulk_import_snaps_every_point_as_single_intake_does(conn, tmp_path, monkeypatch,
                                                            second_connection):
    if not second_connection:
        monkeypatch.setattr(importer, "second_connection", lambda conn: None)
    path = tmp_path / "points.csv"
    written = write_points(conn, path)
    result = import_issues(conn, path, SNAP_M, skip_bad=True, source="agreement")
    assert result.inserted > 10_000 and result.inserted + len(result.rejects) == written
    compared = conn.execute(
        text("""
        SELECT count(*) AS points,
               count(*) FILTER (WHERE i.segment_id IS DISTINCT FROM n.segment_id
                                   OR i.snap_distance_m IS DISTINCT FROM n.distance_m) AS differ,
               count(*) FILTER (WHERE n.segment_id IS NULL) AS unsnapped,
               count(*) FILTER (WHERE n.distance_m = 0) AS on_a_segment,
               count(*) FILTER (WHERE n.distance_m BETWEEN :m - 0.01 AND :m) AS at_the_limit
        FROM public.issue AS i
        LEFT JOIN LATERAL roadchief.nearest_segments(i.geom, :m) AS n ON true
        WHERE i.source = 'agreement'
    """),
        {"m": SNAP_M},
    ).one()
    assert compared.points == result.inserted
    assert compared.differ == 0
    # The hard cases were there: far points, joints, points at the limit on either side.
    assert compared.unsnapped > 100 and compared.on_a_segment > 100 and compared.at_the_limit > 100


def test_single_intake_agrees_on_joints_and_at_the_limit(conn, tmp_path):
    """Through insert_issue itself, on a sample of the hard points."""
    path = tmp_path / "points.csv"
    write_points(conn, path)
    import_issues(conn, path, SNAP_M, skip_bad=True, source="agreement")
    sample = conn.execute(
        text("""
        SELECT i.id, ST_X(i.geom) AS lon, ST_Y(i.geom) AS lat, i.segment_id, i.snap_distance_m
        FROM public.issue AS i
        WHERE i.source = 'agreement'
          AND (i.snap_distance_m IS NULL OR i.snap_distance_m < 0.001
               OR i.snap_distance_m > :m - 0.01)
        ORDER BY i.id
        LIMIT 400
    """),
        {"m": SNAP_M},
    ).all()
    assert len(sample) == 400
    for row in sample:
        issue_id = insert_issue(conn, NewIssue(lon=row.lon, lat=row.lat, category_code="T03.01"), SNAP_M)
        single = conn.execute(
            text("SELECT segment_id, snap_distance_m FROM public.issue WHERE id = :id"), {"id": issue_id}
        ).one()
        assert (single.segment_id, single.snap_distance_m) == (row.segment_id, row.snap_distance_m)


def test_points_on_community_borders_go_where_single_intake_puts_them(conn, tmp_path):
    """Points on a community's edge (its vertices, shared with the neighbour) are placed by
    PostgreSQL in bulk too; one just outside the district is rejected as single intake rejects it."""
    from roads.issues.repository import community_at

    vertices = conn.execute(text("""
        SELECT ST_X(p.geom) AS lon, ST_Y(p.geom) AS lat
        FROM public.community AS c, LATERAL ST_DumpPoints(c.geom) AS p
        ORDER BY c.id, p.path LIMIT 60
    """)).all()
    path = tmp_path / "borders.csv"
    path.write_text("lon,lat,category\n" + "".join(f"{v.lon!r},{v.lat!r},T03.01\n" for v in vertices))
    result = import_issues(conn, path, SNAP_M, skip_bad=True, source="borders")
    placed = conn.execute(text(
        "SELECT ST_X(geom) AS lon, ST_Y(geom) AS lat, community_id FROM public.issue "
        "WHERE source = 'borders' ORDER BY id")).all()
    assert result.inserted == len(placed) > 0
    for row in placed:
        assert row.community_id == community_at(conn, row.lon, row.lat)
    outside = {(r.row, r.reason) for r in result.rejects}
    assert all("lies outside the district" in reason for _, reason in outside)
