"""The site and point layers carry each target's inspection status, as the API gives it, and a new
inspection shows in the next tile."""

from datetime import datetime, timedelta

import pytest
from sqlalchemy import text

from roads.issues.window import CHINA_TZ
from tests.layers.tile_helpers import get_features, tile_of
from tests.roads.inspections.conftest import inspect, make_admin, wipe


@pytest.fixture
def admin(conn):
    return make_admin(conn)


def feature_of(client, conn, layer, table, target_id, geom="geom"):
    lon, lat = conn.execute(text(f"SELECT ST_X(ST_PointOnSurface({geom})), ST_Y(ST_PointOnSurface({geom})) "
                                 f"FROM {table} WHERE id = :id"), {"id": target_id}).one()
    x, y = tile_of(lon, lat, 14)
    [found] = [f for f in get_features(client, layer, 14, x, y) if f["properties"]["id"] == target_id]
    return found["properties"]


def test_a_site_tile_shows_overdue_then_failed_then_clean(client, conn, admin):
    site = conn.execute(text("SELECT id FROM construction_site WHERE status = '在建' ORDER BY id LIMIT 1")).scalar_one()
    wipe(conn, "site", site)
    assert feature_of(client, conn, "construction_sites", "construction_site", site)["inspection_status"] == "overdue"
    now = datetime.now(CHINA_TZ)
    inspect(conn, admin, "site", site, now - timedelta(hours=2), failed=("围挡",))
    props = feature_of(client, conn, "construction_sites", "construction_site", site)
    assert props["inspection_status"] == "failed" and props["overdue"] is False
    assert props["last_inspected_at"] == (now - timedelta(hours=2)).strftime("%Y-%m-%d %H:%M")
    inspect(conn, admin, "site", site, now - timedelta(hours=1))
    assert feature_of(client, conn, "construction_sites", "construction_site", site)["inspection_status"] == "clean"


def test_point_tiles_agree_with_the_api(client, conn):
    statuses = {t["target_id"]: t["status"] for t in client.get(
        "/api/inspection-targets", params={"kind": "point"}).json()}
    for point_id in list(statuses)[:5]:
        props = feature_of(client, conn, "resettlement_points", "resettlement_point", point_id)
        assert props["inspection_status"] == statuses[point_id]
