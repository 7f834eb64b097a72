"""Who may take a case step and when: within one's jurisdiction (403 outside), recorded under the
signed-in user, at the time it is taken (5 minutes' clock tolerance), never back-dated."""

from datetime import datetime, timedelta

import pytest
from sqlalchemy import text

from roads.issues.window import CHINA_TZ
from tests.helpers import make_user
from tests.roads.issues.conftest import count, lonlat

DEPARTMENT = "区城市管理局"


def new_issue(client, reported_at: datetime | None = None) -> dict:
    x, y = lonlat(50, 0)
    data = {"lon": x, "lat": y, "category": "T03.01"}  # 占道经营, 4 hours to close
    if reported_at is not None:
        data["reported_at"] = reported_at.isoformat()
    response = client.post("/api/issues", data=data)
    assert response.status_code == 201, response.text
    return response.json()


def step(client, issue_id: int, status: str, headers=None, **extra):
    body = {"status": status, **extra}
    if status == "dispatched":
        body.setdefault("department", DEPARTMENT)
    return client.post(f"/api/issues/{issue_id}/events", json=body, headers=headers or {})


def events(conn, issue_id: int) -> int:
    return count(conn, "SELECT count(*) FROM issue_event WHERE issue_id = :id", id=issue_id)


@pytest.fixture
def issue(client, streets) -> dict:
    return new_issue(client)


def elsewhere(conn, issue: dict):
    """A community in another sub-district than the issue's."""
    return conn.execute(text(
        "SELECT id, sub_district_id FROM community WHERE sub_district_id <> :sd ORDER BY id LIMIT 1"
    ), {"sd": issue["sub_district_id"]}).one()


def test_a_community_admin_cannot_dispatch_an_issue_of_another_sub_district(client, conn, issue):
    other = elsewhere(conn, issue)
    headers = make_user(conn, "t_far_comm", "community_admin", community_id=other.id)
    refused = step(client, issue["id"], "dispatched", headers)
    assert refused.status_code == 403
    assert refused.json()["message_zh"] == f"问题 {issue['id']} 不在您的管辖范围内，未做任何修改"
    far_sub = make_user(conn, "t_far_sub", "sub_district_admin", sub_district_id=other.sub_district_id)
    assert step(client, issue["id"], "dispatched", far_sub).status_code == 403
    assert events(conn, issue["id"]) == 0
    assert client.get(f"/api/issues/{issue['id']}").json()["status"] == "reported"


def test_admins_of_the_issues_own_area_may_take_its_steps(client, conn, issue):
    sub = make_user(conn, "t_own_sub", "sub_district_admin", sub_district_id=issue["sub_district_id"])
    community = make_user(conn, "t_own_comm", "community_admin", community_id=issue["community_id"])
    assert step(client, issue["id"], "dispatched", sub).status_code == 201
    assert step(client, issue["id"], "handled", community).status_code == 201
    viewer = make_user(conn, "t_viewer", "viewer")
    assert step(client, issue["id"], "verified", viewer).status_code == 403


def test_a_step_is_recorded_under_the_signed_in_user(client, conn, issue):
    headers = make_user(conn, "t_li", "district_admin", display_name="李科员")
    taken = step(client, issue["id"], "dispatched", headers)
    assert taken.status_code == 201, taken.text
    assert taken.json()["event"]["actor"] == "李科员"
    assert taken.json()["issue"]["steps"][-1]["actor"] == "李科员"
    same_user_named = step(client, issue["id"], "handled", headers, actor="t_li")
    assert same_user_named.status_code == 201
    someone_else = step(client, issue["id"], "verified", headers, actor="王局长")
    assert someone_else.status_code == 422
    assert "当前登录的账号（李科员）" in someone_else.json()["message_zh"]
    assert events(conn, issue["id"]) == 2


def test_a_step_cannot_be_back_dated_beyond_five_minutes_nor_set_in_the_future(client, conn, streets):
    now = datetime.now(CHINA_TZ)
    issue = new_issue(client, reported_at=now - timedelta(hours=1))
    back_dated = step(client, issue["id"], "dispatched", at=(now - timedelta(minutes=10)).isoformat())
    assert back_dated.status_code == 422
    assert "more than 5 minutes in the past" in back_dated.json()["error"]
    ahead = step(client, issue["id"], "dispatched", at=(now + timedelta(minutes=10)).isoformat())
    assert ahead.status_code == 422 and "in the future" in ahead.json()["error"]
    assert events(conn, issue["id"]) == 0
    slow_clock = step(client, issue["id"], "dispatched", at=(now - timedelta(minutes=2)).isoformat())
    assert slow_clock.status_code == 201, slow_clock.text


def test_a_case_90_days_overdue_cannot_be_closed_on_time_by_back_dating(client, conn, streets):
    reported = datetime.now(CHINA_TZ) - timedelta(days=90)
    issue = new_issue(client, reported_at=reported)
    within_deadline = reported + timedelta(hours=1)
    for status in ("dispatched", "handled", "verified", "closed"):
        response = step(client, issue["id"], status, at=within_deadline.isoformat())
        assert response.status_code == 422, response.text
        assert step(client, issue["id"], status).status_code == 201
    on_time = conn.execute(
        text("SELECT closed_on_time FROM roadchief.issue_case WHERE issue_id = :id"), {"id": issue["id"]}
    ).scalar()
    assert on_time is False
