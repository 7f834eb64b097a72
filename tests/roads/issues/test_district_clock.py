"""Windows and ISO weeks are read on the district's clock (district.timezone), not a fixed +08:00."""

from datetime import UTC, datetime

from roads.district import set_district
from roads.issues.filter import parse_filter


def test_a_date_window_runs_midnight_to_midnight_in_the_districts_zone(conn):
    set_district(conn, timezone="Europe/Berlin")
    window = parse_filter(conn, start="2026-07-01", end="2026-07-01").window
    assert window.start == datetime(2026, 6, 30, 22, 0, tzinfo=UTC)  # 00:00 CEST (+02:00)
    assert window.end == datetime(2026, 7, 1, 22, 0, tzinfo=UTC)
    assert window.start.isoformat() == "2026-07-01T00:00:00+02:00"


def test_a_week_across_the_clock_change_ends_at_the_next_local_monday(conn):
    """2026-W13 in Berlin: Monday 23 March 00:00 CET to Monday 30 March 00:00 CEST (167 hours)."""
    set_district(conn, timezone="Europe/Berlin")
    window = parse_filter(conn, week="2026-W13").window
    assert window.start == datetime(2026, 3, 22, 23, 0, tzinfo=UTC)
    assert window.end == datetime(2026, 3, 29, 22, 0, tzinfo=UTC)
    assert window.days * 24 == 167
    assert window.label() == "2026年3月第4周（3月23日—3月29日）" and window.slug() == "2026-W13"


def test_a_datetime_without_an_offset_is_on_the_districts_clock(conn):
    set_district(conn, timezone="Europe/Berlin")
    window = parse_filter(conn, start="2026-01-10T08:30:00", end="2026-01-10T18:00:00").window
    assert window.start == datetime(2026, 1, 10, 7, 30, tzinfo=UTC)  # CET, +01:00


def test_the_demo_district_keeps_beijing_time(conn):
    window = parse_filter(conn, week="2026-W47").window
    assert window.start == datetime(2026, 11, 15, 16, 0, tzinfo=UTC)
    assert window.end == datetime(2026, 11, 22, 16, 0, tzinfo=UTC)


def test_the_api_reads_a_week_on_the_districts_clock(client, conn):
    set_district(conn, timezone="Europe/Berlin")
    body = client.get("/api/rankings", params={"week": "2026-W13", "level": "community"}).json()
    assert body["from"].startswith("2026-03-23T00:00:00+01:00") or body["from"] == "2026-03-22T23:00:00Z"
    assert datetime.fromisoformat(body["to"].replace("Z", "+00:00")) == datetime(2026, 3, 29, 22, 0, tzinfo=UTC)
