"""The demo's dust: samples over the last weeks on a share of the segments, a few over the limit,
each with its case as the rule would have opened it."""

from sqlalchemy import text


def test_the_demo_has_weeks_of_samples_and_their_cases(conn):
    row = conn.execute(text("""
        SELECT count(*) AS samples, count(DISTINCT segment_id) AS segments,
               count(*) FILTER (WHERE grams_per_m2 > limit_g_m2) AS over,
               count(*) FILTER (WHERE grams_per_m2 > limit_g_m2 AND issue_id IS NULL) AS over_without_case,
               count(*) FILTER (WHERE grams_per_m2 <= limit_g_m2 AND issue_id IS NOT NULL) AS under_with_case,
               max(sampled_at) - min(sampled_at) AS span
        FROM dust_sample
    """)).one()
    segments = conn.execute(text("SELECT count(*) FROM road_segment")).scalar()
    assert 0.05 * segments < row.segments < 0.25 * segments
    assert 0 < row.over < 0.1 * row.samples
    assert row.over_without_case == 0 and row.under_with_case == 0
    assert 28 <= row.span.days <= 42
    cases = conn.execute(text("""
        SELECT i.status, count(*) FROM issue i WHERE i.category_code = 'DU01' GROUP BY i.status
    """)).all()
    statuses = dict(cases)
    assert statuses.get("closed", 0) > 0 and sum(statuses.values()) <= row.over
    # Every case has its steps and the company of its segment.
    assert conn.execute(text("""
        SELECT count(*) FROM issue i WHERE i.category_code = 'DU01'
          AND (NOT EXISTS (SELECT 1 FROM issue_event e WHERE e.issue_id = i.id) OR i.unit_id IS NULL)
    """)).scalar() == 0
    assert conn.execute(text("SELECT count(*) FROM segment_cleaner")).scalar() == segments
