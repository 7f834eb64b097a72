"""The demo's inspections (roads/demo/inspections.py), loaded with the session's demo district:
seven weeks of them, some targets with a demonstration flag, some failing, some overdue; a
failing target has one open case; the flags are the rule's."""

from datetime import timedelta

from sqlalchemy import text

from roads.inspections.status import list_status
from tests.conftest import DEMO_AS_OF


def test_the_demo_has_every_status(conn):
    statuses = list_status(conn, as_of=DEMO_AS_OF)
    by_kind = {(s["target_kind"], s["status"]) for s in statuses}
    for kind in ("site", "point"):
        for status in ("clean", "failed", "overdue", "demo"):
            assert (kind, status) in by_kind, (kind, status)
    first = conn.execute(text("SELECT min(inspected_at), max(inspected_at) FROM inspection")).one()
    assert DEMO_AS_OF - timedelta(weeks=8) <= first[0] and first[1] < DEMO_AS_OF - timedelta(hours=18)


def test_demo_flags_follow_the_rule(conn):
    flagged = conn.execute(text("""
        SELECT count(*) FILTER (WHERE is_green_demo),
               count(*) FILTER (WHERE is_green_demo <> EXISTS (
                   SELECT 1 FROM demonstration_flag f
                   WHERE f.target_kind = 'site' AND f.target_id = s.id AND f.until IS NULL))
        FROM construction_site s
    """)).one()
    assert flagged[0] > 0 and flagged[1] == 0
    earned = conn.execute(text("SELECT count(*) FROM demonstration_flag WHERE earned_by IS NULL")).scalar()
    assert earned == 0


def test_failing_targets_have_one_open_case_each(conn):
    rows = conn.execute(text("""
        SELECT coalesce(i.site_id, i.point_id) AS target, i.target_kind, count(DISTINCT i.issue_id) AS cases
        FROM inspection i WHERE i.issue_id IS NOT NULL GROUP BY 1, 2
    """)).all()
    assert rows and all(r.cases == 1 for r in rows)
    codes = set(conn.execute(text("""
        SELECT iss.category_code FROM inspection i JOIN issue iss ON iss.id = i.issue_id""")).scalars())
    assert codes == {"SI01", "SI02"}
