"""A chief of our own with two long straight segments of the demo district, and tracks walked
(or driven) along, across or beside them. The demo's own chiefs of those segments are retired
on 2026-11-01 inside the test's rolled-back transaction."""

import math
from dataclasses import dataclass
from datetime import datetime, timedelta

import pytest
from sqlalchemy import text

from roads.issues.window import CHINA_TZ
from roads.patrols.recording import Point, link_user_to_chief
from roads.users import User
from tests.helpers import quick_account

SINCE = datetime(2026, 11, 1, tzinfo=CHINA_TZ)
M_PER_DEG_LAT = 110_574.0


@dataclass
class Segment:
    id: int
    start: tuple[float, float]
    end: tuple[float, float]
    length_m: float


@dataclass
class Setup:
    chief_id: int
    admin: User
    chief_user: User
    a: Segment
    b: Segment


def metres_per_deg_lon(lat: float) -> float:
    return 111_320.0 * math.cos(math.radians(lat))


def walk(start, end, t0: datetime, speed_mps: float = 1.4, every_s: float = 5, offset_m: float = 0.0,
         accuracy_m: float = 8.0) -> list[Point]:
    """Points every `every_s` seconds from `start` to `end` at `speed_mps`, `offset_m` to the left."""
    kx, ky = metres_per_deg_lon(start[1]), M_PER_DEG_LAT
    dx, dy = (end[0] - start[0]) * kx, (end[1] - start[1]) * ky
    length = math.hypot(dx, dy)
    nx, ny = -dy / length, dx / length
    steps = max(1, int(length / (speed_mps * every_s)))
    points = []
    for i in range(steps + 1):
        f = i / steps
        x, y = dx * f + nx * offset_m, dy * f + ny * offset_m
        points.append(Point(t0 + timedelta(seconds=i * length / steps / speed_mps),
                            start[0] + x / kx, start[1] + y / ky, accuracy_m))
    return points


def beside(point, seg: "Segment", left_m: float) -> tuple[float, float]:
    """`point` moved `left_m` metres to the left of the segment's direction."""
    kx, ky = metres_per_deg_lon(seg.start[1]), M_PER_DEG_LAT
    dx, dy = (seg.end[0] - seg.start[0]) * kx, (seg.end[1] - seg.start[1]) * ky
    length = math.hypot(dx, dy)
    return point[0] - dy / length * left_m / kx, point[1] + dx / length * left_m / ky


def there_and_back(seg: Segment, t0: datetime, speed_mps: float = 1.4) -> list[Point]:
    out = walk(seg.start, seg.end, t0, speed_mps)
    back = walk(seg.end, seg.start, out[-1].recorded_at + timedelta(seconds=5), speed_mps)
    return out + back


def long_straight_segments(conn) -> tuple[int, list[Segment]]:
    """Two long straight segments of one community, at least 200 m apart, and the community."""
    pair = conn.execute(text("""
        SELECT s.community_id, s.id AS a, t.id AS b
        FROM road_segment AS s
        JOIN road_segment AS t ON t.community_id = s.community_id AND t.id > s.id
        WHERE ST_NPoints(s.geom) = 2 AND s.length_m BETWEEN 1200 AND 1500
          AND ST_NPoints(t.geom) = 2 AND t.length_m BETWEEN 1200 AND 1500
          AND NOT ST_DWithin(s.geom::geography, t.geom::geography, 200)
        ORDER BY s.id, t.id LIMIT 1
    """)).one()
    rows = conn.execute(text("""
        SELECT s.id, ST_X(ST_StartPoint(s.geom)) AS x0, ST_Y(ST_StartPoint(s.geom)) AS y0,
               ST_X(ST_EndPoint(s.geom)) AS x1, ST_Y(ST_EndPoint(s.geom)) AS y1, s.length_m
        FROM road_segment AS s WHERE s.id IN (:a, :b) ORDER BY s.id
    """), {"a": pair.a, "b": pair.b}).all()
    return pair.community_id, [Segment(r.id, (r.x0, r.y0), (r.x1, r.y1), r.length_m) for r in rows]


@pytest.fixture
def setup(conn) -> Setup:
    return make_setup(conn)


def make_setup(conn) -> Setup:
    community_id, (a, b) = long_straight_segments(conn)
    chief_id = conn.execute(text("""
        INSERT INTO chief (name, phone, organisation, position, community_id, sub_district_id)
        SELECT '巡查测试', '13900000000', '测试社区居委会', '网格员', c.id, c.sub_district_id
        FROM community AS c WHERE c.id = :c
        RETURNING id
    """), {"c": community_id}).scalar_one()
    conn.execute(text("""
        UPDATE segment_assignment SET valid_to = :since
        WHERE segment_id IN (:a, :b) AND tier = 3 AND valid_to IS NULL
    """), {"since": SINCE, "a": a.id, "b": b.id})
    conn.execute(text("""
        INSERT INTO segment_assignment (segment_id, tier, chief_id, valid_from, assigned_by)
        VALUES (:a, 3, :c, :since, 'test'), (:b, 3, :c, :since, 'test')
    """), {"a": a.id, "b": b.id, "c": chief_id, "since": SINCE})
    admin = quick_account(conn, "p_admin", "district_admin")
    chief_user = quick_account(conn, "p_chief", "viewer")
    link_user_to_chief(conn, chief_user.id, chief_id)
    return Setup(chief_id, admin, chief_user, a, b)
