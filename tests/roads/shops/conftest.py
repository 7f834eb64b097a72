"""Shops made inside the test's rolled-back connection, on the demo district."""

from datetime import date, timedelta

import pytest
from sqlalchemy import text

from roads.shops import rules, shops
from roads.shops.weeks import this_monday
from roads.users import User

ADMIN = User(id=0, username="t_shops_admin", role="district_admin")
SNAP_M = 50.0


@pytest.fixture
def pilot(conn):
    """亚太社区 (the pilot: two blacks in a row) and a point on one of its segments."""
    row = conn.execute(text("""
        SELECT c.id AS community_id, c.sub_district_id, s.id AS segment_id, s.road_id,
               ST_X(ST_LineInterpolatePoint(s.geom, 0.5)) AS lon,
               ST_Y(ST_LineInterpolatePoint(s.geom, 0.5)) AS lat
        FROM community AS c JOIN road_segment AS s ON s.community_id = c.id
        WHERE c.name = '亚太社区'
          AND ST_Intersects(c.geom, ST_LineInterpolatePoint(s.geom, 0.5))
        ORDER BY s.id LIMIT 1
    """)).mappings().one()
    rules.set_rule(conn, ADMIN, 2, community_id=row["community_id"])
    return row


@pytest.fixture
def elsewhere(conn, pilot):
    """A point on a segment of a community far from the pilot, under the district default (3)."""
    return conn.execute(text("""
        SELECT c.id AS community_id, s.id AS segment_id,
               ST_X(ST_LineInterpolatePoint(s.geom, 0.5)) AS lon,
               ST_Y(ST_LineInterpolatePoint(s.geom, 0.5)) AS lat
        FROM community AS c JOIN road_segment AS s ON s.community_id = c.id
        WHERE c.id <> :pilot AND c.sub_district_id <> :sd
          AND NOT EXISTS (SELECT 1 FROM flag_rule AS fr WHERE fr.community_id = c.id
                          OR fr.sub_district_id = c.sub_district_id)
          AND ST_Intersects(c.geom, ST_LineInterpolatePoint(s.geom, 0.5))
        ORDER BY s.id LIMIT 1
    """), {"pilot": pilot["community_id"], "sd": pilot["sub_district_id"]}).mappings().one()


def make_shop(conn, place, name="测试便利店", licence="JY-TEST-1") -> int:
    return shops.create_shop(conn, ADMIN, shops.ShopIn(name=name, lon=place["lon"], lat=place["lat"],
                                                       licence_no=licence, shop_type="便利店"),
                             SNAP_M)["id"]


def weeks_ago(n: int) -> date:
    return this_monday() - timedelta(days=7 * n)
