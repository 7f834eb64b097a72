"""A hand-made street layout inside the demo district, for snapping and density tests.

The demo's segments and issues are removed inside the test's transaction (rolled back afterwards),
so only these few streets exist:

    west (id 9002)      east (id 9001)           lane (id 9003, 30 m, north of 'south')
         |   midpoint   |
         |      x       |                       south (id 9004, 200 m east-west)
    100 m apart, 200 m long, north-south
"""

from dataclasses import dataclass

import pytest
from sqlalchemy import text

from gis_service.settings import Settings

ORIGIN = (113.7598, 34.7052)  # the middle of the demo district
M_PER_DEG_LAT = 110_940.0
M_PER_DEG_LON = 91_520.0


def lonlat(east_m: float, north_m: float) -> tuple[float, float]:
    return ORIGIN[0] + east_m / M_PER_DEG_LON, ORIGIN[1] + north_m / M_PER_DEG_LAT


@dataclass
class Streets:
    east: int = 9001
    west: int = 9002
    lane: int = 9003
    south: int = 9004


def add_segment(conn, segment_id: int, road_id: int, start: tuple, end: tuple) -> None:
    (x1, y1), (x2, y2) = lonlat(*start), lonlat(*end)
    conn.execute(
        text("""
        INSERT INTO road_segment (id, road_id, community_id, geom)
        SELECT :id, :road, (SELECT c.id FROM community c WHERE ST_Intersects(c.geom, g) LIMIT 1), g
        FROM (SELECT ST_SetSRID(ST_MakeLine(ST_MakePoint(:x1, :y1), ST_MakePoint(:x2, :y2)), 4326) AS g) AS l
    """),
        {"id": segment_id, "road": road_id, "x1": x1, "y1": y1, "x2": x2, "y2": y2},
    )


@pytest.fixture
def streets(conn) -> Streets:
    conn.execute(text("TRUNCATE issue, segment_assignment, road_segment CASCADE"))
    road_id = conn.execute(
        text("INSERT INTO road (name, road_class) VALUES ('测试路', '支路') RETURNING id")
    ).scalar_one()
    s = Streets()
    # East gets the lower id, though it was written second: ties go to the lower id, not the first row.
    add_segment(conn, s.west, road_id, (-50, -100), (-50, 100))
    add_segment(conn, s.east, road_id, (50, -100), (50, 100))
    add_segment(conn, s.south, road_id, (400, -600), (600, -600))
    add_segment(conn, s.lane, road_id, (500, -450), (500, -420))
    return s


@pytest.fixture
def settings(cluster, tmp_path) -> Settings:
    """The test service's settings, with photos stored under the test's own folder."""
    return Settings(
        database_url=cluster.url(), data_dir=tmp_path / "unused", photo_dir=tmp_path / "photos"
    )


def count(conn, sql: str, **params) -> int:
    return conn.execute(text(sql), params).scalar_one()


@pytest.fixture
def client(client, conn):
    """The API as a signed-in district admin: logging and importing issues needs a write role."""
    from tests.helpers import quick_user

    client.headers.update(quick_user(conn, "t_ledger_admin", "district_admin"))
    return client
