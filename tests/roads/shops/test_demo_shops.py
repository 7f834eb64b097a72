"""The demo's shops: along its streets, weeks of flags, 停业整顿 in the pilot community."""

from sqlalchemy import text


def test_the_demo_has_shops_along_its_streets_with_weeks_of_flags(conn):
    shops, snapped, weeks = conn.execute(text("""
        SELECT count(*), count(segment_id), (SELECT count(DISTINCT week) FROM shop_flag)
        FROM shop WHERE source_key LIKE 'demo:%'
    """)).one()
    assert 250 <= shops <= 350
    assert snapped == shops
    assert 6 <= weeks <= 8


def test_a_couple_of_pilot_shops_are_under_rectification_with_a_case(conn):
    rows = conn.execute(text("""
        SELECT su.since_week, i.category_code, c.name
        FROM shop_suspension AS su JOIN shop AS sh ON sh.id = su.shop_id
        JOIN community AS c ON c.id = sh.community_id
        LEFT JOIN issue AS i ON i.id = su.issue_id
    """)).all()
    pilot = [r for r in rows if r.name == "亚太社区"]
    assert len(pilot) >= 2
    assert all(r.category_code == "SH01" for r in pilot)
    assert conn.execute(text("""
        SELECT consecutive_black FROM flag_rule AS fr JOIN community AS c ON c.id = fr.community_id
        WHERE c.name = '亚太社区'
    """)).scalar() == 2
