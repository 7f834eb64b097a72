"""Tallies per street and community, the street ranking, and the report figures, against hand-made flags."""

from datetime import timedelta

from sqlalchemy import text

from roads.shops import flags, tallies
from tests.roads.shops.conftest import ADMIN, SNAP_M, make_shop, weeks_ago


def test_tallies_count_the_weeks_flags_per_street_and_community(conn, pilot):
    conn.execute(text("DELETE FROM shop"))  # only the hand-made shops below
    week = weeks_ago(1)
    ids = [make_shop(conn, pilot, name=f"店{i}", licence=f"L{i}") for i in range(4)]
    for shop_id, flag in zip(ids, ["red", "red", "black", "none"], strict=True):
        flags.enter_flag(conn, ADMIN, flags.FlagIn(shop_id, week, flag), SNAP_M)
    data = tallies.week_tallies(conn, week)
    assert data["totals"] == {"shops": 4, "red": 2, "black": 1, "none": 1, "suspended": 0}
    [street] = data["streets"]
    assert street["id"] == pilot["road_id"]
    assert (street["red"], street["black"], street["none"], street["red_share_pct"]) == (2, 1, 1, 50.0)
    [community] = data["communities"]
    assert community["id"] == pilot["community_id"] and community["shops"] == 4


def test_report_figures_for_a_week_and_a_day_without_a_monday(conn, pilot):
    conn.execute(text("DELETE FROM shop"))
    a, b = make_shop(conn, pilot, "甲店", "A"), make_shop(conn, pilot, "乙店", "B")
    for week in (weeks_ago(3), weeks_ago(2)):
        flags.enter_flag(conn, ADMIN, flags.FlagIn(a, week, "black"), SNAP_M)
        flags.enter_flag(conn, ADMIN, flags.FlagIn(b, week, "red"), SNAP_M)
    start = weeks_ago(3)
    figures = {f.key: f.value for f in tallies.report_figures(conn, start, start + timedelta(days=14))}
    assert figures == {"shops_red": 2, "shops_black": 2, "shops_red_share": 50.0, "shops_suspended_new": 1}
    tuesday = start + timedelta(days=1)
    day = tallies.report_figures(conn, tuesday, tuesday + timedelta(days=1))
    assert all(f.value is None for f in day)
