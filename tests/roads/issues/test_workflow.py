from datetime import datetime, timedelta

import pytest
from sqlalchemy import text

from roads.issues.window import CHINA_TZ
from tests.helpers import make_user
from tests.roads.issues.conftest import count, lonlat

DEPARTMENT = "区城市管理局"


@pytest.fixture
def client(client, conn):
    """Signed in as 王科长, who takes the steps: a step is recorded under the signed-in user."""
    client.headers.update(make_user(conn, "t_wang", "district_admin", display_name="王科长"))
    return client


@pytest.fixture
def issue_id(client, streets) -> int:
    x, y = lonlat(50, 0)
    response = client.post(
        "/api/issues",
        data={
            "lon": x,
            "lat": y,
            "category": "T03.01",
            "description": "占道经营",
            "reporter": "张路长",
        },
    )
    assert response.status_code == 201
    return response.json()["id"]


def step(client, issue_id: int, status: str, **extra):
    return client.post(
        f"/api/issues/{issue_id}/events", json={"status": status, "actor": "王科长", **extra}
    )


def test_a_case_goes_through_every_step_with_time_and_actor(client, conn, issue_id):
    assert step(client, issue_id, "dispatched", department=DEPARTMENT).status_code == 201
    assert step(client, issue_id, "handled", note="已清理").status_code == 201
    assert step(client, issue_id, "verified").status_code == 201
    closed = step(client, issue_id, "closed")
    assert closed.status_code == 201
    issue = client.get(f"/api/issues/{issue_id}").json()
    assert issue["status"] == "closed" and issue["status_label"] == "结案"
    assert [s["status"] for s in issue["steps"]] == [
        "reported",
        "dispatched",
        "handled",
        "verified",
        "closed",
    ]
    assert issue["steps"][0]["actor"] == "张路长" and issue["steps"][1]["actor"] == "王科长"
    assert issue["steps"][1]["department"] == DEPARTMENT and issue["department"] == DEPARTMENT
    # updated_at is the time of the last step: a closed case's closing time.
    assert issue["updated_at"] == issue["steps"][-1]["at"] == closed.json()["event"]["at"]
    assert issue["overdue"] is False


@pytest.mark.parametrize(
    "path, illegal",
    [
        ([], "handled"),
        ([], "closed"),
        (["dispatched"], "verified"),
        (["dispatched", "handled", "verified", "closed"], "dispatched"),
        ([], "reported"),
    ],
)
def test_illegal_transitions_are_refused_with_409_and_change_nothing(
    client, conn, issue_id, path, illegal
):
    for status in path:
        assert step(client, issue_id, status, department=DEPARTMENT).status_code == 201
    before = conn.execute(
        text("SELECT status, updated_at FROM issue WHERE id = :id"), {"id": issue_id}
    ).one()
    response = step(client, issue_id, illegal, department=DEPARTMENT)
    assert response.status_code == 409
    assert response.json()["current_status"] == before.status
    assert (
        conn.execute(
            text("SELECT status, updated_at FROM issue WHERE id = :id"), {"id": issue_id}
        ).one()
        == before
    )
    assert count(conn, "SELECT count(*) FROM issue_event WHERE issue_id = :id", id=issue_id) == len(
        path
    )


def test_failed_verification_sends_the_case_back_for_rework(client, issue_id):
    for status in ("dispatched", "handled"):
        step(client, issue_id, status, department=DEPARTMENT)
    assert (
        step(client, issue_id, "dispatched", department=DEPARTMENT, note="核查未通过").status_code
        == 201
    )
    steps = client.get(f"/api/issues/{issue_id}").json()["steps"]
    assert steps[-1]["status"] == "dispatched" and steps[-1]["rework"] is True


def test_a_dispatch_without_department_or_a_step_without_actor_is_bad_input(client, conn, issue_id):
    assert step(client, issue_id, "dispatched").status_code == 422
    no_actor = client.post(
        f"/api/issues/{issue_id}/events",
        json={"status": "dispatched", "actor": " ", "department": DEPARTMENT},
    )
    assert no_actor.status_code == 422
    assert count(conn, "SELECT count(*) FROM issue_event WHERE issue_id = :id", id=issue_id) == 0
    assert (
        client.post(
            "/api/issues/999999/events",
            json={"status": "dispatched", "actor": "x", "department": "y"},
        ).status_code
        == 404
    )


def test_deadlines_and_the_overdue_flag(client, conn, streets):
    x, y = lonlat(50, 0)
    reported = datetime.now(CHINA_TZ) - timedelta(hours=6)
    late = client.post(
        "/api/issues",
        data={
            "lon": x,
            "lat": y,
            "category": "T03.01",  # 4 hours
            "reported_at": reported.isoformat(),
        },
    ).json()
    in_time = client.post(
        "/api/issues", data={"lon": x, "lat": y, "category": "T07.01"}
    ).json()  # 15 days
    assert late["overdue"] is True and in_time["overdue"] is False
    assert datetime.fromisoformat(late["due_at"]) == reported + timedelta(hours=4)
    for status in ("dispatched", "handled", "verified", "closed"):
        step(client, late["id"], status, department=DEPARTMENT)
    assert client.get(f"/api/issues/{late['id']}").json()["overdue"] is False  # closed, if late
    on_time = conn.execute(
        text("SELECT closed_on_time FROM roadchief.issue_case WHERE issue_id = :id"),
        {"id": late["id"]},
    ).scalar()
    assert on_time is False


def test_back_dated_steps_must_follow_the_last_one(client, issue_id):
    yesterday = (datetime.now(CHINA_TZ) - timedelta(days=1)).isoformat()
    assert (
        step(client, issue_id, "dispatched", department=DEPARTMENT, at=yesterday).status_code == 422
    )


def test_demo_cases_past_reported_have_their_steps(conn):
    # The 7-stage flow: every step starts where the one before ended, from 上报, and the last
    # one ends at the case's status (the demo's histories carry 立案, 处置, 返工, 延期 ... too).
    missing = count(
        conn,
        """
        SELECT count(*) FROM issue i
        WHERE i.status <> 'reported'
          AND (NOT EXISTS (SELECT 1 FROM issue_event e WHERE e.issue_id = i.id)
               OR (SELECT e.to_status FROM issue_event e WHERE e.issue_id = i.id
                   ORDER BY e.at DESC, e.id DESC LIMIT 1) <> i.status
               OR EXISTS (SELECT 1 FROM (
                      SELECT e.from_status, lag(e.to_status, 1, 'reported') OVER (ORDER BY e.at, e.id) AS before
                      FROM issue_event e WHERE e.issue_id = i.id) AS chain
                   WHERE chain.from_status <> chain.before))
    """,
    )
    assert missing == 0
    last_step_is_updated_at = count(
        conn,
        """
        SELECT count(*) FROM issue i
        WHERE i.status = 'closed'
          AND i.updated_at <> (SELECT max(e.at) FROM issue_event e WHERE e.issue_id = i.id
                               AND e.from_status <> e.to_status)
    """,
    )
    assert last_step_is_updated_at == 0
    assert count(conn, "SELECT count(*) FROM issue WHERE status = 'reported' AND updated_at <> reported_at") == 0
    assert count(conn, "SELECT count(*) FROM issue WHERE status = 'closed'") > 1000
    # Every demo issue has its community, but a few generated just past the district's edge.
    assert count(conn, "SELECT count(*) FROM issue WHERE community_id IS NULL") < 20
