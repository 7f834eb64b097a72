from sqlalchemy import text

from tests.conftest import DEMO_AS_OF


def count(conn, sql: str) -> int:
    return conn.execute(text(sql)).scalar()


def test_demo_has_the_districts_real_counts(conn):
    assert count(conn, "SELECT count(*) FROM sub_district") == 6
    assert count(conn, "SELECT count(*) FROM community") == 64
    assert count(conn, "SELECT count(*) FROM construction_site") == 245
    assert count(conn, "SELECT count(*) FROM resettlement_point") == 49
    names = set(conn.execute(text("SELECT name FROM sub_district")).scalars())
    assert {"明湖办事处", "潮河办事处", "前程办事处", "九龙办事处", "京航办事处", "滨河办事处"} == names
    assert count(conn, "SELECT count(*) FROM community c JOIN sub_district s ON s.id = c.sub_district_id "
                       "WHERE s.name = '明湖办事处'") == 18


def test_communities_tile_the_district(conn):
    district_m2 = count(conn, "SELECT sum(area_m2) FROM sub_district")
    communities_m2 = count(conn, "SELECT sum(area_m2) FROM community")
    overlap_m2 = count(conn, """
        SELECT coalesce(sum(ST_Area(ST_Intersection(a.geom, b.geom)::geography)), 0)
        FROM community a JOIN community b ON a.id < b.id AND ST_Intersects(a.geom, b.geom)
    """)
    assert 150e6 < district_m2 < 170e6  # the zone's 158.7 km², give or take
    assert abs(communities_m2 - district_m2) < 1_000  # m², over 160 km²
    assert overlap_m2 < 100


def test_every_segment_lies_in_its_community(conn):
    outside = count(conn, """
        SELECT count(*) FROM road_segment s JOIN community c ON c.id = s.community_id
        WHERE ST_Length(ST_Difference(s.geom, c.geom)::geography) > 0.01
    """)
    assert count(conn, "SELECT count(*) FROM road_segment WHERE community_id IS NULL") == 0
    assert outside == 0


def test_road_network_has_development_zone_names_and_all_classes(conn):
    names = set(conn.execute(text("SELECT name FROM road")).scalars())
    assert {"经开第八大街", "经南五路", "航海东路"} <= names
    classes = set(conn.execute(text("SELECT DISTINCT road_class FROM road")).scalars())
    assert classes == {"主干道", "次干道", "支路", "街巷"}
    assert count(conn, "SELECT count(*) FROM road_segment") > 2000


def test_chiefs_cover_three_tiers_with_deliberate_gaps(conn):
    row = conn.execute(text("""
        SELECT avg((tier1_chief_id IS NOT NULL)::int) AS t1, avg((tier2_chief_id IS NOT NULL)::int) AS t2,
               avg((tier3_chief_id IS NOT NULL)::int) AS t3,
               avg(tier3_party::int) FILTER (WHERE tier3_chief_id IS NOT NULL) AS party3
        FROM roadchief.segment_coverage
    """)).one()
    assert 0.95 < row.t1 < 1 and 0.9 < row.t2 < 1 and 0.8 < row.t3 < 0.97
    assert 0.72 < row.party3 < 0.88  # about 80% party members at tier 3
    wrong_community = count(conn, """
        SELECT count(*) FROM segment_assignment a JOIN chief c ON c.id = a.chief_id
        JOIN road_segment s ON s.id = a.segment_id
        WHERE a.tier = 3 AND c.community_id <> s.community_id
    """)
    assert wrong_community == 0
    assert count(conn, "SELECT count(*) FROM segment_assignment WHERE valid_to IS NOT NULL") > 0


def test_issues_span_ninety_days_and_cluster(conn):
    first, last, total = conn.execute(text(
        "SELECT min(reported_at), max(reported_at), count(*) FROM issue")).one()
    assert 2000 <= total <= 10_000
    assert (DEMO_AS_OF - first).days >= 85 and last <= DEMO_AS_OF
    unsnapped = count(conn, "SELECT count(*) FROM issue WHERE segment_id IS NULL")
    assert 0 < unsnapped < total * 0.08
    # Clustered: the densest tenth of the road network carries far more than a tenth of the issues.
    top_share = count(conn, """
        WITH per AS (
            SELECT s.id, s.length_m, count(i.id) AS n FROM road_segment s
            LEFT JOIN issue i ON i.segment_id = s.id GROUP BY s.id
        ), ranked AS (
            SELECT n, sum(length_m) OVER (ORDER BY n / length_m DESC) AS cum_m,
                   sum(length_m) OVER () AS all_m FROM per
        )
        SELECT sum(n)::float / (SELECT count(*) FROM issue WHERE segment_id IS NOT NULL)
        FROM ranked WHERE cum_m <= all_m * 0.1
    """)
    assert top_share > 0.3


def test_the_same_seed_gives_the_same_district(conn, engine):
    from datetime import datetime, timedelta, timezone

    from roads.demo.load import clear_district, load_demo
    from tests.conftest import DEMO_SEED

    fingerprint_sql = text("""
        SELECT md5(string_agg(ST_AsText(geom) || road_id || community_id, ',' ORDER BY id)) FROM road_segment
    """)
    before = conn.execute(fingerprint_sql).scalar()
    light = {"issues": 50, "patrol_days": 1}  # the roads are drawn before any issue or patrol
    clear_district(conn)
    load_demo(conn, seed=DEMO_SEED, as_of=DEMO_AS_OF, **light)
    assert conn.execute(fingerprint_sql).scalar() == before
    clear_district(conn)
    load_demo(conn, seed=DEMO_SEED + 1, as_of=datetime(2026, 1, 1, tzinfo=timezone(timedelta(hours=8))), **light)
    assert conn.execute(fingerprint_sql).scalar() != before
