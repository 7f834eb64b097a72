"""The demo district comes with two weeks of patrols: compliance shows on the first day."""

from sqlalchemy import text

from roads.issues.window import parse_window
from roads.patrols.compliance import compliance


def test_the_demo_has_diligent_and_lax_chiefs(conn):
    week = parse_window("2026-11-13", "2026-11-19")  # the demo ends on 2026-11-20 (tests/conftest.py)
    rates = [unit["rate"] for unit in compliance(conn, week, "chief")["units"]]
    assert len(rates) > 100
    assert sum(rate >= 0.5 for rate in rates) >= 20 and sum(rate <= 0.1 for rate in rates) >= 20
    district = compliance(conn, week, "district")["units"][0]
    assert 0.1 < district["rate"] < 0.9


def test_some_demo_tracks_are_flagged(conn):
    flags = conn.execute(text("""
        SELECT count(*) FILTER (WHERE too_fast), count(*) FILTER (WHERE too_short), count(*) FROM patrol
    """)).one()
    assert 0 < flags[0] < flags[2] / 10 and 0 < flags[1] < flags[2] / 5
