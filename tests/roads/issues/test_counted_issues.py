"""roadchief.counted_issues, the one issue filter, against a count by hand on the demo district, and
the readers that select from it (density, rankings, export points) against it."""

from datetime import timedelta

import pytest
from sqlalchemy import text

from maps import query
from roads.areas import Area, resolve_area
from roads.issues.filter import IssueFilter
from roads.issues.window import Window
from tests.conftest import DEMO_AS_OF

WINDOW = Window(DEMO_AS_OF - timedelta(days=30), DEMO_AS_OF)


def all_issues(conn) -> list:
    """Every issue with the community of its point and the community of its segment."""
    return conn.execute(
        text("""
        SELECT i.id, i.category_code, i.status, i.reported_at, i.segment_id,
               i.community_id AS point_community, s.community_id AS segment_community
        FROM issue AS i
        LEFT JOIN road_segment AS s ON s.id = i.segment_id
    """)
    ).all()


def busiest_community(conn) -> int:
    return conn.execute(
        text("""
        SELECT s.community_id FROM issue AS i JOIN road_segment AS s ON s.id = i.segment_id
        WHERE s.community_id IS NOT NULL
        GROUP BY 1 ORDER BY count(*) DESC LIMIT 1
    """)
    ).scalar_one()


def counted_ids(conn, **args) -> set[int]:
    named = ", ".join(f"{name} => :{name}" for name in args)  # names from this file only
    return set(
        conn.execute(
            text(f"SELECT i.id FROM roadchief.counted_issues({named}) AS i"), args
        ).scalars()
    )


def in_window(row) -> bool:
    return WINDOW.start <= row.reported_at < WINDOW.end


def is_t03_closed(row) -> bool:
    return row.category_code.startswith("T03.") and row.status == "closed"


@pytest.mark.parametrize("area_of", ["segment", "issue"])
def test_a_task_a_status_and_a_community_match_a_count_by_hand(conn, area_of):
    community = busiest_community(conn)
    placed = "segment_community" if area_of == "segment" else "point_community"
    by_hand = {
        row.id
        for row in all_issues(conn)
        if in_window(row)
        and is_t03_closed(row)
        and getattr(row, placed) == community
        and (area_of == "issue" or row.segment_id is not None)
    }
    counted = counted_ids(
        conn,
        from_ts=WINDOW.start,
        to_ts=WINDOW.end,
        categories=["T03"],
        statuses=["closed"],
        community_id=community,
        area_of=area_of,
    )
    assert len(by_hand) > 3
    assert counted == by_hand


def test_the_area_of_an_unsnapped_issue_is_where_it_was_reported(conn):
    """The ledger (area_of 'issue') lists an issue far from every road in its community; the
    exports (area_of 'segment') do not count it, having no road to draw it on."""
    community = busiest_community(conn)
    issue_id = conn.execute(
        text("""
        INSERT INTO issue (geom, category_code, reported_at, community_id, segment_id)
        SELECT ST_PointOnSurface(c.geom), 'T03.01', :at, c.id, NULL
        FROM community AS c WHERE c.id = :c
        RETURNING id
    """),
        {"at": WINDOW.end - timedelta(hours=1), "c": community},
    ).scalar_one()
    window = {"from_ts": WINDOW.start, "to_ts": WINDOW.end, "community_id": community}
    assert issue_id in counted_ids(conn, **window, area_of="issue")
    assert issue_id not in counted_ids(conn, **window, area_of="segment")


def test_no_bounds_and_no_filters_list_every_issue(conn):
    total = conn.execute(text("SELECT count(*) FROM issue")).scalar_one()
    assert len(counted_ids(conn, area_of="issue")) == total


def test_density_rankings_and_export_points_count_the_same_issues(conn):
    counted = counted_ids(conn, from_ts=WINDOW.start, to_ts=WINDOW.end, categories=["T03"])
    window = {"a": WINDOW.start, "b": WINDOW.end}
    density_total = conn.execute(
        text("SELECT sum(issue_count) FROM roadchief.segment_density(:a, :b, ARRAY['T03'])"),
        window,
    ).scalar_one()
    district = conn.execute(
        text("SELECT issues FROM roadchief.area_rankings('district', :a, :b, ARRAY['T03'])"),
        window,
    ).scalar_one()
    points = query.issue_points(conn, IssueFilter(WINDOW, categories=("T03",), area=Area()))
    assert len(counted) > 100
    assert density_total == district == len(counted)
    assert set(points["id"]) == counted


def test_a_community_export_draws_the_issues_counted_on_its_segments(conn):
    community = busiest_community(conn)
    counted = counted_ids(conn, from_ts=WINDOW.start, to_ts=WINDOW.end, community_id=community)
    area = resolve_area(conn, community_id=community)
    points = query.issue_points(conn, IssueFilter(WINDOW, area=area))
    ranked = conn.execute(
        text("SELECT issues FROM roadchief.area_rankings('community', :a, :b) WHERE area_id = :c"),
        {"a": WINDOW.start, "b": WINDOW.end, "c": community},
    ).scalar_one()
    assert len(counted) > 10
    assert set(points["id"]) == counted
    assert ranked == len(counted)


@pytest.mark.parametrize(
    "statement",
    [
        "SELECT * FROM roadchief.segment_density(now() - interval '30 days', now())",
        "SELECT count(*) FROM roadchief.counted_issues(community_id => 1, area_of => 'issue')",
    ],
)
def test_the_filter_is_inlined_into_its_readers(conn, statement):
    """Planned as part of the caller's query (no function scan), so the caller's indexes serve it:
    a function scan would read every issue of the window for each call."""
    plan = "\n".join(conn.execute(text("EXPLAIN " + statement)).scalars())
    assert "Function Scan" not in plan
