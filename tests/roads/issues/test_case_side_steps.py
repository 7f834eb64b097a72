"""The flow's side steps: 延期 (the deadline moves only when approved), 回退 (back to filed, to be
re-dispatched), 挂账 (no longer overdue while on hold), 返工 (counted)."""

from datetime import datetime, timedelta

import pytest
from sqlalchemy import text

from roads.issues.window import CHINA_TZ
from tests.helpers import quick_user
from tests.roads.issues.case_flow import a_unit, act, case_at, user_of_role


@pytest.fixture
def admin(conn) -> dict:
    return quick_user(conn, "t_side_admin", "district_admin")


@pytest.fixture
def people(conn, streets, admin):
    unit = a_unit(conn)
    probe = {"sub_district_id": None, "community_id": None}
    return unit, {r: user_of_role(conn, r, probe, unit) for r in ("unit_user", "dispatcher", "inspector")}


def due(client, issue_id: int) -> datetime:
    return datetime.fromisoformat(client.get(f"/api/issues/{issue_id}").json()["due_at"])


def test_an_approved_extension_moves_the_deadline_and_a_refused_one_does_not(client, people, admin):
    unit, who = people
    granted = case_at(client, admin, "dispatched", unit, category="T07.01")
    refused = case_at(client, admin, "dispatched", unit, category="T07.01", east_m=-50)
    first_due = due(client, granted["id"])
    new_due = (first_due + timedelta(days=3)).isoformat()
    for case in (granted, refused):
        asked = act(client, case["id"], "request_extension", who["unit_user"], unit, due_at=new_due,
                    amount=None, amount_unit=None)
        assert asked.status_code == 201, asked.text
        assert datetime.fromisoformat(asked.json()["issue"]["extension_due"]) == datetime.fromisoformat(new_due)
    again = act(client, granted["id"], "request_extension", who["unit_user"], unit)
    assert again.status_code == 409  # one request at a time
    assert act(client, granted["id"], "approve_extension", who["dispatcher"], unit).status_code == 201
    assert due(client, granted["id"]) == datetime.fromisoformat(new_due)
    handling = next(s for s in client.get(f"/api/issues/{granted['id']}").json()["stages"]
                    if s["stage"] == "handling")
    assert datetime.fromisoformat(handling["due_at"]) == datetime.fromisoformat(new_due)
    assert act(client, refused["id"], "refuse_extension", who["dispatcher"], unit).status_code == 201
    assert due(client, refused["id"]) == first_due
    assert client.get(f"/api/issues/{refused['id']}").json()["extension_due"] is None
    nothing_waiting = act(client, refused["id"], "approve_extension", who["dispatcher"], unit)
    assert nothing_waiting.status_code == 409


def test_an_extension_in_working_days_and_one_that_does_not_extend(client, conn, people, admin):
    unit, who = people
    case = case_at(client, admin, "dispatched", unit, category="T07.01")
    earlier = (due(client, case["id"]) - timedelta(hours=1)).isoformat()
    shorter = act(client, case["id"], "request_extension", who["unit_user"], unit, due_at=earlier,
                  amount=None, amount_unit=None)
    assert shorter.status_code == 422
    no_reason = act(client, case["id"], "request_extension", who["unit_user"], unit, reason=" ")
    assert no_reason.status_code == 422
    asked = act(client, case["id"], "request_extension", who["unit_user"], unit)  # 1 working day
    expected = conn.execute(text("SELECT roadchief.add_working_time(:d, 1, 'work_day')"),
                            {"d": due(client, case["id"])}).scalar_one()
    assert datetime.fromisoformat(asked.json()["issue"]["extension_due"]) == expected


def test_a_unit_returns_a_wrongly_dispatched_case_to_be_dispatched_again(client, conn, people, admin):
    unit, who = people
    case = case_at(client, admin, "dispatched", unit)
    assert act(client, case["id"], "return", who["unit_user"], unit, reason="").status_code == 422
    returned = act(client, case["id"], "return", who["unit_user"], unit)
    assert returned.status_code == 201
    body = returned.json()["issue"]
    assert body["status"] == "filed" and body["unit_id"] is None and body["return_count"] == 1
    assert body["department"] is None  # the ledger shows it 未派遣 again
    assert body["steps"][-1]["reason"] == "不属本单位职责"
    # The unit no longer sees the case as its own; the dispatcher sends it elsewhere.
    assert act(client, case["id"], "accept_task", who["unit_user"], unit).status_code == 403
    other = conn.execute(text("SELECT id FROM unit WHERE id <> :u AND active ORDER BY id LIMIT 1"),
                         {"u": unit}).scalar_one()
    again = act(client, case["id"], "dispatch", who["dispatcher"], other)
    assert again.status_code == 201 and again.json()["issue"]["unit_id"] == other


def test_a_case_on_hold_is_not_overdue_and_resumes_where_it_was(client, conn, people, admin):
    unit, who = people
    six_hours_ago = (datetime.now(CHINA_TZ) - timedelta(hours=6)).isoformat()
    case = case_at(client, admin, "dispatched", unit, reported_at=six_hours_ago)  # 4 hours allowed
    assert case["overdue"] is True
    held = act(client, case["id"], "hold", who["dispatcher"], unit)
    assert held.status_code == 201
    assert held.json()["issue"]["status"] == "on_hold" and held.json()["issue"]["overdue"] is False
    listed = client.get("/api/issues", params={"status": "on_hold"}).json()["items"]
    assert [(i["id"], i["overdue"]) for i in listed] == [(case["id"], False)]
    in_view = conn.execute(text("SELECT overdue FROM roadchief.issue_case WHERE issue_id = :id"),
                           {"id": case["id"]}).scalar_one()
    assert in_view is False
    resumed = act(client, case["id"], "resume", who["dispatcher"], unit)
    assert resumed.json()["issue"]["status"] == "dispatched"
    assert resumed.json()["issue"]["overdue"] is True


def test_rework_sends_the_case_back_and_is_counted(client, people, admin):
    unit, who = people
    case = case_at(client, admin, "handled", unit)
    for _ in range(2):
        sent_back = act(client, case["id"], "rework", who["inspector"], unit, note="仍有残留")
        assert sent_back.status_code == 201
        assert sent_back.json()["issue"]["status"] == "dispatched"
        assert act(client, case["id"], "feedback", who["unit_user"], unit).status_code == 201
    body = client.get(f"/api/issues/{case['id']}").json()
    assert body["rework_count"] == 2
    assert [s["rework"] for s in body["steps"]].count(True) == 2


def test_old_clients_steps_map_onto_the_actions(client, conn, people, admin):
    unit, _who = people
    case = case_at(client, admin, "reported", unit)
    old = client.post(f"/api/issues/{case['id']}/events",
                      json={"status": "dispatched", "department": "区城市管理局"}, headers=admin)
    assert old.status_code == 201
    assert old.json()["event"]["action"] == "file_and_dispatch"
    assert old.json()["issue"]["department"] == "区城市管理局"
