"""The report figures against hand-made inspections: the demo's own are removed first."""

from datetime import date, datetime, timedelta

from sqlalchemy import text

from roads.inspections.status import report_figures
from roads.issues.window import CHINA_TZ
from tests.roads.inspections.conftest import inspect

START, END = date(2026, 9, 7), date(2026, 9, 14)  # a week, Monday to Monday


def at(day: date, hour: int = 10) -> datetime:
    return datetime(day.year, day.month, day.day, hour, tzinfo=CHINA_TZ)


def test_report_figures(conn, admin):
    conn.execute(text("DELETE FROM inspection"))
    conn.execute(text("DELETE FROM demonstration_flag"))
    conn.execute(text("UPDATE inspection_checklist SET demo_after = 2"))
    sites = conn.execute(text(
        "SELECT id FROM construction_site WHERE status <> '完工' ORDER BY id LIMIT 2")).scalars().all()
    point = conn.execute(text("SELECT id FROM resettlement_point ORDER BY id LIMIT 1")).scalar_one()
    inspect(conn, admin, "site", sites[0], at(START - timedelta(days=3)))  # before: not counted
    inspect(conn, admin, "site", sites[0], at(START + timedelta(days=1)))  # earns the flag (2nd clean)
    inspect(conn, admin, "site", sites[1], at(START + timedelta(days=2)), failed=("围挡",))
    inspect(conn, admin, "point", point, at(START - timedelta(days=10)))
    inspect(conn, admin, "point", point, at(START - timedelta(days=9)))  # flag earned before
    inspect(conn, admin, "point", point, at(END - timedelta(days=1), 23), failed=("用电安全",))  # lost in
    inspect(conn, admin, "point", point, at(END, 0))  # the next window's: not counted
    figures = {f.key: f for f in report_figures(conn, START, END)}
    assert figures["inspections"].value == 3
    assert figures["inspections_clean_share"].value == 33.3
    active_sites = conn.execute(text("SELECT count(*) FROM construction_site WHERE status <> '完工'")).scalar()
    points = conn.execute(text("SELECT count(*) FROM resettlement_point")).scalar()
    assert figures["sites_overdue"].value == active_sites - 2  # the two inspected within 7 days
    assert figures["points_overdue"].value == points - 1
    assert figures["demo_flags_earned"].value == 1
    assert figures["demo_flags_lost"].value == 1
    assert figures["sites_overdue"].better == "lower" and figures["inspections"].label_zh == "工地与安置点检查"


def test_an_empty_window_has_no_clean_share(conn):
    conn.execute(text("DELETE FROM inspection"))
    figures = {f.key: f for f in report_figures(conn, date(2020, 1, 1), date(2020, 1, 2))}
    assert figures["inspections"].value == 0 and figures["inspections_clean_share"].value is None
