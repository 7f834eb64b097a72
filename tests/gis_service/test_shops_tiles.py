"""The shops tile layer: points coloured by the week's flag, 停业整顿 marked, at the shop's place."""

from sqlalchemy import text

from roads.shops import flags
from roads.shops.weeks import label
from tests.layers.tile_helpers import get_features, tile_of
from tests.roads.shops.conftest import ADMIN, SNAP_M, weeks_ago


def test_a_shop_tile_carries_the_weeks_flag_and_the_suspension(client, conn):
    shop = conn.execute(text("""
        SELECT sh.id, ST_X(sh.geom) AS lon, ST_Y(sh.geom) AS lat FROM shop AS sh ORDER BY sh.id LIMIT 1
    """)).one()
    week = weeks_ago(1)
    flags.enter_flag(conn, ADMIN, flags.FlagIn(shop.id, week, "black"), SNAP_M)
    z = 16
    x, y = tile_of(shop.lon, shop.lat, z)
    features = get_features(client, "shops", z, x, y, f"?week={label(week)}")
    mine = [f for f in features if f["properties"]["id"] == shop.id]
    assert len(mine) == 1 and mine[0]["properties"]["flag"] == "black"
    suspended = conn.execute(text("""
        SELECT sh.id, ST_X(sh.geom) AS lon, ST_Y(sh.geom) AS lat, su.since_week
        FROM shop AS sh JOIN shop_suspension AS su ON su.shop_id = sh.id AND su.until_week IS NULL
        ORDER BY sh.id LIMIT 1
    """)).one()
    x, y = tile_of(suspended.lon, suspended.lat, z)
    later = get_features(client, "shops", z, x, y, f"?week={label(suspended.since_week)}")
    assert [f["properties"]["suspended"] for f in later if f["properties"]["id"] == suspended.id] == [True]
