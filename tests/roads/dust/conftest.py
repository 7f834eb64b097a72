"""A segment inside the ring road with a cleaning company, and users who may sample it."""

from dataclasses import dataclass

import pytest
from sqlalchemy import text

from tests.helpers import quick_user


@dataclass
class Spot:
    segment_id: int
    community_id: int
    sub_district_id: int
    lon: float
    lat: float
    company_id: int


@pytest.fixture
def spot(conn) -> Spot:
    """The first segment of the first community, with a ring zone around it and a company."""
    row = conn.execute(text("""
        SELECT s.id, s.community_id, c.sub_district_id,
               ST_X(ST_LineInterpolatePoint(s.geom, 0.5)) AS lon, ST_Y(ST_LineInterpolatePoint(s.geom, 0.5)) AS lat
        FROM road_segment s JOIN community c ON c.id = s.community_id
        ORDER BY s.community_id, s.id LIMIT 1
    """)).one()
    company = conn.execute(text("SELECT id FROM unit WHERE kind = 'company' ORDER BY id LIMIT 1")).scalar_one()
    conn.execute(text("DELETE FROM dust_ring_zone"))
    conn.execute(text("INSERT INTO dust_ring_zone (geom) SELECT ST_Multi(ST_Buffer(ST_LineInterpolatePoint("
                      "s.geom, 0.5)::geography, 30)::geometry) FROM road_segment s WHERE s.id = :s"), {"s": row.id})
    conn.execute(text("INSERT INTO segment_cleaner (segment_id, unit_id) VALUES (:s, :u) "
                      "ON CONFLICT (segment_id) DO UPDATE SET unit_id = excluded.unit_id"),
                 {"s": row.id, "u": company})
    conn.execute(text("DELETE FROM dust_sample WHERE segment_id = :s"), {"s": row.id})
    return Spot(row.id, row.community_id, row.sub_district_id, row.lon, row.lat, company)


@pytest.fixture
def admin(conn) -> dict:
    return quick_user(conn, "dust_admin", "district_admin", display_name="区管理员")


@pytest.fixture
def inspector(conn, spot) -> dict:
    return quick_user(conn, "dust_inspector", "inspector", display_name="监督员甲",
                      community_id=spot.community_id)
