"""The work calendar and deadlines in working time (sql/functions/05_work_calendar.sql), against the
seeded 2026 schedule; every expected time is worked out by hand in its comment."""

from datetime import datetime, timedelta, timezone

import pytest
from sqlalchemy import text

CN = timezone(timedelta(hours=8))


def t(month: int, day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(2026, month, day, hour, minute, tzinfo=CN)


def add(conn, start: datetime, amount, unit: str) -> datetime:
    return conn.execute(
        text("SELECT roadchief.add_working_time(:s, :a, :u)"), {"s": start, "a": amount, "u": unit}
    ).scalar()


def between(conn, a: datetime, b: datetime) -> float:
    return float(conn.execute(text("SELECT roadchief.working_time_between(:a, :b)"), {"a": a, "b": b}).scalar())


@pytest.mark.parametrize("day, expected", [
    ("2026-10-01", False),  # 国庆
    ("2026-10-08", True),  # the Thursday after 国庆
    ("2026-10-10", True),  # make-up Saturday
    ("2026-11-07", False),  # an ordinary Saturday
    ("2026-11-09", True),  # an ordinary Monday
    ("2026-02-23", False),  # 春节's last day, a Monday
    ("2026-01-04", True),  # 元旦's make-up Sunday
])
def test_working_days_follow_the_2026_schedule(conn, day, expected):
    assert conn.execute(text("SELECT roadchief.is_workday(CAST(:d AS date))"), {"d": day}).scalar() is expected


def test_a_case_reported_before_national_day_is_due_after_it(conn):
    # Wed 30 Sep 16:00 + 5 working hours: 16:00-18:00 is 2 h, 1-7 Oct are off, then 3 h from
    # 08:30 on Thu 8 Oct: 11:30.
    assert add(conn, t(9, 30, 16), 5, "work_hour") == t(10, 8, 11, 30)
    # 1 working day from 10:00 that Wednesday: 10:00 on the next working day, 8 Oct.
    assert add(conn, t(9, 30, 10), 1, "work_day") == t(10, 8, 10)


def test_a_make_up_saturday_counts_as_a_working_day(conn):
    # Fri 9 Oct 17:00 + 2 working hours: 1 h that evening, 1 h from 08:30 on Sat 10 Oct (调休).
    assert add(conn, t(10, 9, 17), 2, "work_hour") == t(10, 10, 9, 30)
    # An ordinary Saturday does not: Fri 6 Nov 17:00 + 2 h ends on Mon 9 Nov 09:30.
    assert add(conn, t(11, 6, 17), 2, "work_hour") == t(11, 9, 9, 30)


def test_the_lunch_break_and_the_evening_are_skipped(conn):
    # Mon 2 Nov 11:00 + 2 h: 1 h to 12:00, 1 h from 14:30: 15:30.
    assert add(conn, t(11, 2, 11), 2, "work_hour") == t(11, 2, 15, 30)
    # Reported in the lunch break: the clock starts at 14:30.
    assert add(conn, t(11, 2, 13), 1, "work_hour") == t(11, 2, 15, 30)
    # A whole day's 7 working hours from 08:30 end at 18:00 that day, not at 08:30 the next.
    assert add(conn, t(11, 2, 8, 30), 7, "work_hour") == t(11, 2, 18)
    # Reported on a Saturday evening, 1 working day: the whole of Monday.
    assert add(conn, t(11, 7, 20), 1, "work_day") == t(11, 9, 18)


def test_working_time_between_skips_the_weekend(conn):
    # Fri 6 Nov 17:00 to Mon 9 Nov 09:30: 1 h on Friday, 1 h on Monday.
    assert between(conn, t(11, 6, 17), t(11, 9, 9, 30)) == pytest.approx(2.0)
    assert between(conn, t(11, 9, 9, 30), t(11, 6, 17)) == pytest.approx(-2.0)
    # Across 国庆: Wed 30 Sep 16:00 to Thu 8 Oct 11:30 is the 5 working hours of the deadline.
    assert between(conn, t(9, 30, 16), t(10, 8, 11, 30)) == pytest.approx(5.0)


def test_calendar_hours_are_unchanged(conn):
    assert add(conn, t(10, 3, 22), 4, "hour") == t(10, 4, 2)  # a holiday night still counts


def test_the_bureau_edits_the_calendar_and_the_hours(conn):
    conn.execute(text("INSERT INTO work_calendar (day, is_workday, name) VALUES ('2026-11-09', false, '测试假日')"))
    assert add(conn, t(11, 6, 17), 2, "work_hour") == t(11, 10, 9, 30)
    conn.execute(text("UPDATE work_hours SET starts = '09:00' WHERE starts = '08:30'"))
    assert add(conn, t(11, 6, 17), 2, "work_hour") == t(11, 10, 10)


def test_the_standards_deadlines_per_category(conn):
    rows = dict(conn.execute(text(
        "SELECT code, deadline_value::text || ' ' || deadline_unit FROM issue_category"
        " WHERE code IN ('T03.03', 'T03.02', 'T07.01', 'T03.01')")).all())
    assert rows == {"T03.03": "5 work_hour", "T03.02": "1 work_day", "T07.01": "15 work_day",
                    "T03.01": "4 hour"}
    # 私搭乱建 reported Mon 2 Nov 10:00: 15 working days later is Mon 23 Nov 10:00.
    due = conn.execute(text("SELECT roadchief.case_due_at(:s, 'T07.01')"), {"s": t(11, 2, 10)}).scalar()
    assert due == t(11, 23, 10)
    assert conn.execute(text("SELECT roadchief.case_due_at(:s, 'T07')"), {"s": t(11, 2, 10)}).scalar() is None


def test_the_ledger_shows_the_working_time_deadline(client, conn, headers):
    # 道路不洁 found on Wed 30 Sep 16:00: due Thu 8 Oct 11:30, overdue now, shown so by the API.
    response = client.post("/api/issues", headers=headers["admin"], data={
        "lon": 113.7598, "lat": 34.7052, "category": "T03.03", "reported_at": t(9, 30, 16).isoformat()})
    assert response.status_code == 201, response.text
    issue = client.get(f"/api/issues/{response.json()['id']}").json()
    assert datetime.fromisoformat(issue["due_at"]) == t(10, 8, 11, 30)
    assert issue["overdue"] is True
    case = conn.execute(text("SELECT due_at, deadline_value, deadline_unit FROM roadchief.issue_case"
                             " WHERE issue_id = :id"), {"id": issue["id"]}).one()
    assert (case.due_at, int(case.deadline_value), case.deadline_unit) == (t(10, 8, 11, 30), 5, "work_hour")
    categories = {c["code"]: c for c in client.get("/api/issue-categories").json()}
    assert (categories["T03.02"]["deadline_value"], categories["T03.02"]["deadline_unit"]) == (1, "work_day")


def test_the_calendar_api_lists_a_year_and_the_hours(client):
    body = client.get("/api/work-calendar", params={"year": 2026}).json()
    assert body["work_hours"] == [{"starts": "08:30", "ends": "12:00"}, {"starts": "14:30", "ends": "18:00"}]
    days = {d["day"]: d for d in body["days"]}
    assert days["2026-10-10"] == {"day": "2026-10-10", "is_workday": True, "name": "国庆节调休上班",
                                  "weekend": True}
    assert sum(not d["is_workday"] for d in body["days"]) == 3 + 9 + 3 + 5 + 3 + 3 + 7
    assert sum(d["is_workday"] for d in body["days"]) == 6
    assert client.get("/api/work-calendar", params={"year": 1999}).status_code == 422


def test_the_district_admin_edits_the_calendar_through_the_api(client, headers):
    day = {"is_workday": False, "name": "测试假日"}
    assert client.put("/api/work-calendar/2026-11-09", json=day).status_code == 401
    assert client.put("/api/work-calendar/2026-11-09", json=day, headers=headers["sub"]).status_code == 403
    assert client.put("/api/work-calendar/2026-11-09", json=day, headers=headers["admin"]).status_code == 200
    due = client.get("/api/deadline", params={"from": "2026-11-06T17:00:00+08:00", "amount": 2,
                                              "unit": "work_hour"}).json()
    assert datetime.fromisoformat(due["due_at"]) == t(11, 10, 9, 30)
    hours = [{"starts": "09:00", "ends": "12:00"}, {"starts": "13:30", "ends": "17:30"}]
    assert client.put("/api/work-hours", json=hours, headers=headers["admin"]).json() == hours
    due = client.get("/api/deadline", params={"from": "2026-11-06T17:00:00+08:00", "amount": 2,
                                              "unit": "work_hour"}).json()
    assert datetime.fromisoformat(due["due_at"]) == t(11, 10, 10, 30)  # 0.5 h on Friday, 1.5 h Tuesday
    assert client.delete("/api/work-calendar/2026-11-09", headers=headers["admin"]).status_code == 204
    assert client.delete("/api/work-calendar/2026-11-09", headers=headers["admin"]).status_code == 404


@pytest.mark.parametrize("hours, message", [
    ([{"starts": "09:00", "ends": "12:00"}, {"starts": "11:00", "ends": "13:00"}], "重叠"),
    ([{"starts": "12:00", "ends": "09:00"}], "开始早于结束"),
    ([], "至少填写一个"),
    ([{"starts": "9点", "ends": "12:00"}], "不是有效的时间"),
])
def test_bad_working_hours_are_refused(client, headers, hours, message):
    response = client.put("/api/work-hours", json=hours, headers=headers["admin"])
    assert response.status_code == 422 and message in response.json()["message_zh"], response.text


def test_a_deadline_in_an_unknown_unit_is_refused(client):
    response = client.get("/api/deadline", params={"from": "2026-11-06", "amount": 2, "unit": "week"})
    assert response.status_code == 422 and "时限单位" in response.json()["message_zh"]
