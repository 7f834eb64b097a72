"""The case flow walked through its own tables: every action allowed for exactly the roles of the
permission table (403 for the others), and refused with 409 at every stage the transition table
does not start it from, naming the allowed next actions."""

import pytest
from sqlalchemy import text

from roads.issues import flow
from roads.users import ROLES
from tests.roads.issues.case_flow import a_unit, act, case_at, quick_user, user_of_role
from tests.roads.issues.conftest import count

ACTIONS = [a for a in flow.ALL_ACTIONS if a != "record_penalty"]


def start_of(action: str) -> str:
    """The first status the table starts `action` from."""
    return next(s for s, a, _ in flow.TRANSITIONS if a == action)


@pytest.fixture
def admin(conn) -> dict:
    return quick_user(conn, "t_flow_admin", "district_admin", display_name="区管理员")


@pytest.mark.parametrize("action", ACTIONS)
def test_each_role_may_take_exactly_the_actions_of_the_permission_table(
        client, conn, streets, admin, action):
    unit = a_unit(conn)
    issue = case_at(client, admin, start_of(action), unit)
    if action in ("approve_extension", "refuse_extension"):
        assert act(client, issue["id"], "request_extension", admin, unit).status_code == 201
    steps_before = count(conn, "SELECT count(*) FROM issue_event WHERE issue_id = :id", id=issue["id"])
    for role in ROLES:
        attempt = conn.begin_nested()  # every role tries the same case, as it was
        headers = user_of_role(conn, role, issue, unit)
        response = act(client, issue["id"], action, headers, unit)
        if flow.may(role, action):
            assert response.status_code == 201, (role, response.text)
            step = response.json()["issue"]["steps"][-1]
            assert step["action"] == action and step["role"] == role
            assert step["at"].endswith("+08:00")
        else:
            assert response.status_code == 403, (role, response.text)
            assert response.json()["message_zh"]
            assert count(conn, "SELECT count(*) FROM issue_event WHERE issue_id = :id",
                         id=issue["id"]) == steps_before
        attempt.rollback()


@pytest.mark.parametrize("status", flow.STATUSES)
def test_an_action_from_a_stage_the_table_does_not_start_it_from_is_409(client, conn, streets,
                                                                        admin, status):
    unit = a_unit(conn)
    issue = case_at(client, admin, status, unit)
    allowed = flow.actions_from(status)
    for action in ACTIONS:
        if action in allowed:
            continue
        response = act(client, issue["id"], action, admin, unit)
        assert response.status_code == 409, (action, response.text)
        body = response.json()
        assert body["current_status"] == status
        assert body["allowed_actions"] == allowed
        for name in allowed:  # both languages name the allowed next actions
            assert name in body["error"] and flow.ACTION_LABELS[name] in body["message_zh"]
    assert client.get(f"/api/issues/{issue['id']}").json()["status"] == status


def test_the_buttons_are_the_actions_the_signed_in_user_may_take_now(client, conn, streets, admin):
    unit = a_unit(conn)
    issue = case_at(client, admin, "dispatched", unit)
    unit_user = user_of_role(conn, "unit_user", issue, unit)
    shown = client.get(f"/api/issues/{issue['id']}", headers=unit_user).json()["actions"]
    assert [a["action"] for a in shown] == ["accept_task", "feedback", "request_extension", "return"]
    assert shown[0]["label_zh"] == "签收处置"
    dispatcher = user_of_role(conn, "dispatcher", issue, unit)
    # No extension is waiting, so the dispatcher may only put the case on hold.
    assert [a["action"] for a in client.get(f"/api/issues/{issue['id']}",
                                            headers=dispatcher).json()["actions"]] == ["hold"]
    client.headers.pop("Authorization", None)
    assert client.get(f"/api/issues/{issue['id']}").json()["actions"] == []
    leader = user_of_role(conn, "leader", issue, unit)
    assert client.get(f"/api/issues/{issue['id']}", headers=leader).json()["actions"] == []


def test_a_unit_user_acts_only_on_the_cases_of_their_own_unit(client, conn, streets, admin):
    unit = a_unit(conn)
    other = conn.execute(text("SELECT id FROM unit WHERE id <> :u ORDER BY id LIMIT 1"),
                         {"u": unit}).scalar_one()
    issue = case_at(client, admin, "dispatched", unit)
    outsider = quick_user(conn, "t_other_unit", "unit_user", unit_id=other)
    refused = act(client, issue["id"], "accept_task", outsider, unit)
    assert refused.status_code == 403
    assert refused.json()["message_zh"] == f"问题 {issue['id']} 不在您的管辖范围内，未做任何修改"
    assert client.get(f"/api/issues/{issue['id']}", headers=outsider).json()["actions"] == []


def test_an_inspector_of_another_sub_district_cannot_verify(client, conn, streets, admin):
    unit = a_unit(conn)
    issue = case_at(client, admin, "handled", unit)
    far = conn.execute(text("SELECT id FROM sub_district WHERE id <> :sd ORDER BY id LIMIT 1"),
                       {"sd": issue["sub_district_id"]}).scalar_one()
    inspector = quick_user(conn, "t_far_inspector", "inspector", sub_district_id=far)
    assert act(client, issue["id"], "verify", inspector, unit).status_code == 403
    near = quick_user(conn, "t_near_inspector", "inspector", sub_district_id=issue["sub_district_id"])
    assert act(client, issue["id"], "verify", near, unit).status_code == 201


def test_one_case_through_all_seven_stages_with_the_users_of_each_role(client, conn, streets, admin):
    unit = a_unit(conn)
    issue = case_at(client, admin, "reported", unit)
    people = {r: user_of_role(conn, r, issue, unit) for r in
              ("operator", "dispatcher", "unit_user", "inspector")}
    for role, action in [("operator", "file"), ("dispatcher", "dispatch"),
                         ("unit_user", "accept_task"), ("unit_user", "feedback"),
                         ("inspector", "verify"), ("operator", "close"), ("operator", "evaluate")]:
        response = act(client, issue["id"], action, people[role], unit)
        assert response.status_code == 201, (action, response.text)
    case = response.json()["issue"]
    assert [s["label"] for s in case["timeline"]] == [
        "上报", "立案", "派遣", "处置", "反馈", "核查", "结案", "结案"]
    assert [s["role_label"] for s in case["timeline"][1:]] == [
        "受理员（值班长）", "派遣员", "处置单位用户", "处置单位用户", "监督员", "受理员（值班长）",
        "受理员（值班长）"]
    unit_name = conn.execute(text("SELECT name FROM unit WHERE id = :u"), {"u": unit}).scalar_one()
    assert case["unit_name"] == unit_name and case["timeline"][2]["unit_name"] == unit_name
    assert case["evaluation_score"] == 5 and case["status"] == "closed"
    assert all(s["at"].endswith("+08:00") for s in case["timeline"])
    assert [s["stage"] for s in case["stages"]] == ["filing", "dispatch", "handling", "verification"]
    assert all(s["done_at"] is not None for s in case["stages"])
    again = act(client, issue["id"], "evaluate", people["operator"], unit)
    assert again.status_code == 409  # evaluated once
