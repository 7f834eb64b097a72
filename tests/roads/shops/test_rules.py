"""The 停业整顿 rule: N consecutive black weeks (N = 2 in the pilot community, 3 by default)."""

from sqlalchemy import text

from roads.shops import flags
from tests.roads.shops.conftest import ADMIN, SNAP_M, make_shop, weeks_ago


def flag(conn, shop_id, week, value):
    return flags.enter_flag(conn, ADMIN, flags.FlagIn(shop_id, week, value, 80, 70, 60, "王芳"), SNAP_M)


def cases(conn, shop_id) -> list[int]:
    return conn.execute(text("""
        SELECT i.id FROM shop_suspension AS su JOIN issue AS i ON i.id = su.issue_id
        WHERE su.shop_id = :s AND i.category_code = 'SH01' ORDER BY i.id
    """), {"s": shop_id}).scalars().all()


def test_second_black_suspends_in_the_pilot_not_the_first(conn, pilot):
    shop = make_shop(conn, pilot)
    first = flag(conn, shop, weeks_ago(3), "black")
    assert first["suspension"] is None
    assert cases(conn, shop) == []
    second = flag(conn, shop, weeks_ago(2), "black")
    assert second["suspension"]["since_week"] == weeks_ago(2)
    assert len(cases(conn, shop)) == 1
    listed = conn.execute(text("SELECT status, category_code, description FROM issue WHERE id = :i"),
                          {"i": cases(conn, shop)[0]}).one()
    assert listed.category_code == "SH01" and "停业整顿" in listed.description


def test_a_red_in_between_resets_the_run(conn, pilot):
    shop = make_shop(conn, pilot)
    flag(conn, shop, weeks_ago(4), "black")
    flag(conn, shop, weeks_ago(3), "red")
    assert flag(conn, shop, weeks_ago(2), "black")["suspension"] is None
    assert cases(conn, shop) == []


def test_a_third_black_opens_no_second_case(conn, pilot):
    shop = make_shop(conn, pilot)
    for n in (4, 3, 2):
        result = flag(conn, shop, weeks_ago(n), "black")
    assert result["suspension"]["since_week"] == weeks_ago(3)
    assert len(cases(conn, shop)) == 1


def test_a_week_without_a_flag_breaks_the_run(conn, pilot):
    shop = make_shop(conn, pilot)
    flag(conn, shop, weeks_ago(4), "black")
    assert flag(conn, shop, weeks_ago(2), "black")["suspension"] is None


def test_the_district_default_needs_three(conn, elsewhere):
    shop = make_shop(conn, elsewhere)
    flag(conn, shop, weeks_ago(3), "black")
    assert flag(conn, shop, weeks_ago(2), "black")["suspension"] is None
    assert flag(conn, shop, weeks_ago(1), "black")["suspension"]["since_week"] == weeks_ago(1)
    assert len(cases(conn, shop)) == 1


def test_a_later_red_lifts_the_suspension_and_a_new_run_reuses_the_open_case(conn, pilot):
    shop = make_shop(conn, pilot)
    flag(conn, shop, weeks_ago(5), "black")
    flag(conn, shop, weeks_ago(4), "black")
    assert flag(conn, shop, weeks_ago(3), "red")["suspension"] is None
    flag(conn, shop, weeks_ago(2), "black")
    again = flag(conn, shop, weeks_ago(1), "black")
    assert again["suspension"]["since_week"] == weeks_ago(1)
    assert again["suspension"]["issue_id"] is None  # the first case is still open
    assert len(cases(conn, shop)) == 1


def test_re_entering_a_week_updates_it_and_keeps_the_audit(conn, pilot):
    shop = make_shop(conn, pilot)
    flag(conn, shop, weeks_ago(1), "red")
    flag(conn, shop, weeks_ago(1), "none")
    history = flags.flag_history(conn, shop)
    assert [f["flag"] for f in history["flags"]] == ["none"]
    assert [a["after"]["flag"] for a in history["audit"]] == ["none", "red"]
    assert history["audit"][0]["before"]["flag"] == "red"


def test_a_sub_district_override_applies_where_its_community_has_none(conn, elsewhere):
    from roads.shops import rules

    sub_district_id = conn.execute(text("SELECT sub_district_id FROM community WHERE id = :c"),
                                   {"c": elsewhere["community_id"]}).scalar_one()
    rules.set_rule(conn, ADMIN, 1, sub_district_id=sub_district_id)
    shop = make_shop(conn, elsewhere)
    assert flag(conn, shop, weeks_ago(1), "black")["suspension"]["since_week"] == weeks_ago(1)
