"""The case indicators on a hand-made set of cases, every number worked out by hand below.

Two units of our own, U and V, and nine cases in one community, all reported today (T07.01 违建:
15 working days to close; T03.01 占道经营: 4 calendar hours, so a case reported 6 hours ago is
past its deadline now):

    A  T07.01  U  filed, dispatched, handled, verified, closed (on time), evaluated 满意 (5)
    B  T03.01  U  reported 6 h ago; closed late, evaluated 不满意 (1)
    C  T07.01  U  closed on time after one 返工 (rework)
    D  T07.01  U  dispatched, extension approved (open, not overdue)
    E  T03.01  U  reported 6 h ago, dispatched: open and overdue
    F  T03.01  U  reported 6 h ago, dispatched, on hold (挂账): not overdue
    G  T07.01  -  不予立案 (invalid)
    H  T07.01  -  reported only
    I  T03.01  V  reported 6 h ago, closed late

Handling times are set by hand on Wednesday 2026-11-18 (working hours 08:30-12:00, 14:30-18:00):
A dispatched 09:00, fed back 11:00 → 2 h; B 11:00 → 16:30 → 1 h + 2 h = 3 h; C 09:00 → last
feedback 10:00 → 1 h; I 09:00 → 13:00 → 3 h (the lunch break does not count).
One penalty of 500 yuan against U, linked to case B.
"""

import io
from datetime import datetime, timedelta

import pytest
from openpyxl import load_workbook
from sqlalchemy import text

from roads.issues.window import CHINA_TZ
from tests.helpers import quick_user
from tests.roads.issues.case_flow import act, new_case

PATHS = {
    "A": ["file", "dispatch", "accept_task", "feedback", "verify", "close", "evaluate:满意"],
    "B": ["file", "dispatch", "feedback", "verify", "close", "evaluate:不满意"],
    "C": ["file", "dispatch", "feedback", "rework", "feedback", "verify", "close"],
    "D": ["file", "dispatch", "accept_task", "request_extension", "approve_extension"],
    "E": ["file", "dispatch"],
    "F": ["file", "dispatch", "hold"],
    "G": ["reject"],
    "H": [],
    "I": ["file", "dispatch", "feedback", "verify", "close"],
}
LATE = {"B", "E", "F", "I"}
# (case, action, which of its events of that action, Beijing time on 2026-11-18)
TIMES = [("A", "dispatch", 0, "09:00"), ("A", "feedback", 0, "11:00"),
         ("B", "dispatch", 0, "11:00"), ("B", "feedback", 0, "16:30"),
         ("C", "dispatch", 0, "09:00"), ("C", "feedback", 0, "09:30"), ("C", "feedback", 1, "10:00"),
         ("I", "dispatch", 0, "09:00"), ("I", "feedback", 0, "13:00")]


@pytest.fixture
def cases(client, conn, streets):
    admin = quick_user(conn, "t_ind_admin", "district_admin")
    units = {name: conn.execute(text(
        "INSERT INTO unit (kind, name) VALUES ('company', :n) RETURNING id"), {"n": name}).scalar_one()
        for name in ("测试单位U", "测试单位V")}
    six_hours_ago = (datetime.now(CHINA_TZ) - timedelta(hours=6)).isoformat()
    ids = {}
    for name, path in PATHS.items():
        issue = new_case(client, admin, east_m=50, category="T03.01" if name in LATE else "T07.01",
                         reported_at=six_hours_ago if name in LATE else None)
        ids[name] = issue["id"]
        unit = units["测试单位V" if name == "I" else "测试单位U"]
        for step in path:
            action, _, evaluation = step.partition(":")
            extra = {"evaluation": evaluation} if evaluation else {}
            response = act(client, issue["id"], action, admin, unit, **extra)
            assert response.status_code == 201, (name, step, response.text)
    for name, action, nth, clock in TIMES:
        conn.execute(text("""
            UPDATE issue_event SET at = CAST(:at AS timestamptz)
            WHERE id = (SELECT id FROM issue_event WHERE issue_id = :i AND action = :a
                        ORDER BY id OFFSET :n LIMIT 1)
        """), {"at": f"2026-11-18T{clock}:00+08:00", "i": ids[name], "a": action, "n": nth})
    penalty = client.post("/api/penalties", headers=admin, json={
        "target_kind": "unit", "target_name": "测试单位U", "unit_id": units["测试单位U"],
        "amount_yuan": 500, "reason": "占道经营整改不到位", "issue_id": ids["B"]})
    assert penalty.status_code == 201, penalty.text
    return ids, units


def window() -> dict:
    today = datetime.now(CHINA_TZ).date()
    return {"from": (today - timedelta(days=1)).isoformat(), "to": (today + timedelta(days=1)).isoformat()}


def row_of(client, by: str, key: int) -> dict:
    body = client.get("/api/rankings", params={"by": by, **window()}).json()
    return next(r for r in body["rows"] if r["key_id"] == key)


def test_unit_indicators_and_ranking(client, cases):
    _ids, units = cases
    u = row_of(client, "unit", units["测试单位U"])
    # U: A-F. Filed and dispatched 6; closed A, B, C = 3; on time A, C = 2; reworked C; extended D;
    # overdue E (F is on hold, D has 15 working days).
    assert (u["reported"], u["filed"], u["dispatched"], u["closed"], u["closed_on_time"]) == (6, 6, 6, 3, 2)
    assert (u["reworked"], u["extended"], u["open_overdue"], u["on_hold"]) == (1, 1, 1, 1)
    assert u["closed_rate"] == pytest.approx(3 / 6)
    assert u["on_time_rate"] == pytest.approx(2 / 6)
    assert u["rework_rate"] == pytest.approx(1 / 6) and u["extension_rate"] == pytest.approx(1 / 6)
    assert u["satisfaction"] == pytest.approx(0.5)  # A (5 → 1) and B (1 → 0)
    assert u["mean_handling_work_hours"] == pytest.approx((2 + 3 + 1) / 3)
    assert (u["penalties"], u["penalty_yuan"]) == (1, 500.0)
    # 40·2/6 + 30·3/6 − 15·1/6 − 5·1/6 + 10·0.5 − 2·1 = 13.33 + 15 − 2.5 − 0.83 + 5 − 2 = 28
    assert u["score"] == pytest.approx(28.0)
    v = row_of(client, "unit", units["测试单位V"])
    # V: I only, closed late: 40·0 + 30·1 = 30; no evaluation (adds 0), no penalty.
    assert v["score"] == pytest.approx(30.0) and v["mean_handling_work_hours"] == pytest.approx(3.0)
    body = client.get("/api/rankings", params={"by": "unit", **window()}).json()
    assert [r["key_id"] for r in body["rows"][:2]] == [units["测试单位V"], units["测试单位U"]]
    assert [r["rank"] for r in body["rows"][:2]] == [1, 2]
    assert all(r["score"] is None for r in body["rows"][2:])  # units without cases come last
    assert "综合评价得分" in body["formula"] and body["rule"].startswith("按综合评价得分从高到低")


def test_community_and_sub_district_indicators(client, conn, cases):
    ids, _units = cases
    area = conn.execute(text("""
        SELECT i.community_id, c.sub_district_id FROM issue i JOIN community c ON c.id = i.community_id
        WHERE i.id = :id"""), {"id": ids["A"]}).one()
    for by, key in (("community", area.community_id), ("sub_district", area.sub_district_id)):
        row = row_of(client, by, key)
        # All nine: filed A-F and I = 7; closed A, B, C, I = 4; on time A, C; G rejected; H not filed.
        assert (row["reported"], row["filed"], row["closed"], row["closed_on_time"]) == (9, 7, 4, 2)
        assert (row["rejected"], row["open_overdue"], row["on_hold"]) == (1, 1, 1)
        assert row["mean_handling_work_hours"] == pytest.approx((2 + 3 + 1 + 3) / 4)
        # 40·2/7 + 30·4/7 − 15·1/7 − 5·1/7 + 10·0.5 − 2·1 (the penalty is linked to B) = 180/7 + 3
        assert row["score"] == pytest.approx(180 / 7 + 3)
    bad = client.get("/api/rankings", params={"by": "road", **window()})
    assert bad.status_code == 422


def test_the_workbook_has_a_sheet_per_level_and_the_penalties(client, cases):
    _ids, units = cases
    response = client.get("/api/exports/rankings.xlsx", params=window())
    book = load_workbook(io.BytesIO(response.content))
    sheet = book["单位考核排名"]
    headers = [c.value for c in sheet[1]]
    rows = {r[headers.index("名称")]: r for r in sheet.iter_rows(min_row=2, values_only=True)}
    u = rows["测试单位U"]
    assert u[headers.index("排名")] == 2 and u[headers.index("立案数")] == 6
    assert u[headers.index("综合评价得分")] == pytest.approx(28.0)
    assert u[headers.index("按期结案率")] == pytest.approx(2 / 6)
    assert {"办事处考核排名", "社区考核排名"} <= set(book.sheetnames)
    fines = book["处罚明细"]
    assert [c.value for c in fines[1]][:3] == ["处罚日期", "对象类型", "处罚对象"]
    listed = list(fines.iter_rows(min_row=2, values_only=True))
    assert [(r[2], r[4]) for r in listed] == [("测试单位U", 500)]
    assert listed[0][0] == datetime.now(CHINA_TZ).date().isoformat()
