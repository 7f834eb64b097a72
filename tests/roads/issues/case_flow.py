"""Helpers for the case-flow tests: a case brought to a status through the flow, users per role."""

from sqlalchemy import text

from tests.helpers import quick_user
from tests.roads.issues.conftest import lonlat

# The actions (as the district admin) that bring a new report to each status.
PATHS = {
    "reported": [],
    "filed": ["file"],
    "rejected": ["reject"],
    "dispatched": ["file", "dispatch"],
    "handling": ["file", "dispatch", "accept_task"],
    "handled": ["file", "dispatch", "accept_task", "feedback"],
    "verified": ["file", "dispatch", "accept_task", "feedback", "verify"],
    "closed": ["file", "dispatch", "accept_task", "feedback", "verify", "close"],
    "on_hold": ["file", "hold"],
}


def a_unit(conn) -> int:
    return conn.execute(text("SELECT id FROM unit WHERE active ORDER BY id LIMIT 1")).scalar_one()


def body_for(action: str, unit_id: int) -> dict:
    """A body the action accepts."""
    extra = {
        "file": {"force": True},
        "reject": {"reason": "invalid"},
        "dispatch": {"unit_id": unit_id},
        "file_and_dispatch": {"unit_id": unit_id},
        "request_extension": {"amount": 1, "amount_unit": "work_day", "reason": "需协调产权单位"},
        "return": {"reason": "不属本单位职责"},
        "hold": {"reason": "涉及拆迁，暂缓处理"},
        "evaluate": {"evaluation": "满意"},
        "feedback": {"note": "已清理"},
    }
    return {"action": action, **extra.get(action, {})}


def act(client, issue_id: int, action: str, headers: dict, unit_id: int, **extra):
    return client.post(f"/api/issues/{issue_id}/actions",
                       json={**body_for(action, unit_id), **extra}, headers=headers)


def new_case(client, headers: dict, east_m: float = 50, category: str = "T03.01",
             reported_at: str | None = None) -> dict:
    x, y = lonlat(east_m, 0)
    data = {"lon": x, "lat": y, "category": category}
    if reported_at:
        data["reported_at"] = reported_at
    response = client.post("/api/issues", data=data, headers=headers)
    assert response.status_code == 201, response.text
    return response.json()


def case_at(client, admin: dict, status: str, unit_id: int, **case) -> dict:
    issue = new_case(client, admin, **case)
    for action in PATHS[status]:
        response = act(client, issue["id"], action, admin, unit_id)
        assert response.status_code == 201, (action, response.text)
    return client.get(f"/api/issues/{issue['id']}", headers=admin).json()


def user_of_role(conn, role: str, issue: dict, unit_id: int, suffix: str = "") -> dict:
    """A user of `role` whose jurisdiction covers the issue."""
    scope = {
        "sub_district_admin": {"sub_district_id": issue["sub_district_id"]},
        "community_admin": {"community_id": issue["community_id"]},
        "unit_user": {"unit_id": unit_id},
    }.get(role, {})
    return quick_user(conn, f"t_{role}{suffix}", role, display_name=f"测试{role}", **scope)
