"""What the phone pages read: the user↔chief link, /api/me, my segments with today's status, my
cases, the snapped position, and a chief (a viewer otherwise) reporting an issue."""

from datetime import timedelta

import pytest
from sqlalchemy import text

from roads.patrols.recording import record_track
from tests.helpers import make_user
from tests.roads.patrols.conftest import SINCE, make_setup, there_and_back


@pytest.fixture
def chief(conn):
    """A tier-3 chief holding two long segments, and a viewer user to be linked to them."""
    setup = make_setup(conn)
    conn.execute(text("DELETE FROM chief_user WHERE user_id = :u"), {"u": setup.chief_user.id})
    return setup


def test_the_district_admin_links_a_user_to_a_chief_and_me_tells_it(client, conn, chief, headers):
    user_id = chief.chief_user.id
    own = make_user(conn, "p_chief_login", "viewer")
    own_id = conn.execute(text("SELECT id FROM app_user WHERE username = 'p_chief_login'")).scalar()
    assert client.get("/api/me", headers=own).json()["chief"] is None
    answer = client.put(f"/api/users/{own_id}/chief", json={"chief_id": chief.chief_id}, headers=headers["admin"])
    assert answer.status_code == 200, answer.text
    me = client.get("/api/me", headers=own).json()
    assert me["username"] == "p_chief_login"
    assert me["chief"]["id"] == chief.chief_id and me["chief"]["name"] == "巡查测试"
    assert client.delete(f"/api/users/{own_id}/chief", headers=headers["admin"]).status_code == 200
    assert client.get("/api/me", headers=own).json()["chief"] is None
    assert client.get("/api/me").status_code == 401
    assert user_id != own_id


@pytest.mark.parametrize("who, user, chief_id, status", [
    ("admin", "known", 99_999_999, 404),
    ("admin", 99_999_999, "known", 404),
    ("admin", "known", "abc", 422),
    ("admin", "known", 2**40, 422),
    ("viewer", "known", "known", 403),
    ("sub", "known", "known", 403),
    (None, "known", "known", 401),
])
def test_bad_links_are_refused_and_nothing_is_written(client, conn, chief, headers, who, user, chief_id, status):
    user_id = chief.chief_user.id if user == "known" else user
    body = {"chief_id": chief.chief_id if chief_id == "known" else chief_id}
    answer = client.put(f"/api/users/{user_id}/chief", json=body, headers=headers[who] if who else {})
    assert answer.status_code == status, answer.text
    assert answer.json()["message_zh"]
    assert conn.execute(text("SELECT count(*) FROM chief_user WHERE user_id = :u"),
                        {"u": chief.chief_user.id}).scalar() == 0


def test_unlinking_an_unknown_user_is_404(client, headers):
    assert client.delete("/api/users/99999999/chief", headers=headers["admin"]).status_code == 404
    assert client.delete("/api/users/0x1/chief", headers=headers["admin"]).status_code == 422


def linked(client, conn, chief, headers) -> dict:
    client.put(f"/api/users/{chief.chief_user.id}/chief", json={"chief_id": chief.chief_id}, headers=headers["admin"])
    from roads.users import login
    token, _ = login(conn, "p_chief", "correct horse battery")
    return {"Authorization": f"Bearer {token}"}


def test_my_segments_turn_patrolled_today_after_a_patrol(client, conn, chief, headers):
    mine = linked(client, conn, chief, headers)
    day = "2026-11-10"
    before = client.get("/api/me/segments", params={"date": day}, headers=mine).json()
    assert {f["id"] for f in before["features"]} == {chief.a.id, chief.b.id}
    assert {f["properties"]["today_label"] for f in before["features"]} == {"今日未巡查"}
    t0 = SINCE + timedelta(days=9, hours=9)
    record_track(conn, chief.admin, chief.chief_id, there_and_back(chief.a, t0))
    after = {f["id"]: f["properties"] for f in
             client.get("/api/me/segments", params={"date": day}, headers=mine).json()["features"]}
    assert after[chief.a.id]["today"] == "done" and after[chief.a.id]["today_label"] == "今日已巡查"
    assert after[chief.b.id]["today"] == "due"
    assert client.get("/api/me/segments", headers=headers["viewer"]).status_code == 404  # not a chief


def test_a_chief_reports_an_issue_from_the_phone_and_sees_it_in_my_cases(client, conn, chief, headers):
    mine = linked(client, conn, chief, headers)
    lon, lat = ((chief.a.start[0] + chief.a.end[0]) / 2, (chief.a.start[1] + chief.a.end[1]) / 2)
    snapped = client.get("/api/snap", params={"lon": lon, "lat": lat}).json()
    assert snapped["segment_id"] == chief.a.id and snapped["road_name"]
    answer = client.post("/api/issues", headers=mine, data={
        "lon": lon, "lat": lat, "category": "T03.01", "description": "占道经营", "source": "patrol",
        "reporter": "巡查测试"})
    assert answer.status_code == 201, answer.text
    cases = client.get("/api/me/cases", headers=mine).json()
    assert cases[0]["id"] == answer.json()["id"] and cases[0]["status_label"] == "上报"
    assert cases[0]["segment_id"] == chief.a.id
    # A viewer who is no chief may still not report.
    assert client.post("/api/issues", headers=headers["viewer"], data={
        "lon": lon, "lat": lat, "category": "T03.01"}).status_code == 403


def test_a_position_far_from_every_road_snaps_to_nothing(client):
    assert client.get("/api/snap", params={"lon": 0, "lat": 0}).json()["segment_id"] is None
    assert client.get("/api/snap", params={"lon": 200, "lat": 0}).status_code == 422


def test_the_phone_pages_and_their_worker_are_served(client):
    page = client.get("/m")
    assert page.status_code == 200 and "开始巡查" in page.text
    worker = client.get("/m/sw.js")
    assert worker.status_code == 200 and worker.headers["content-type"].startswith("text/javascript")
    assert "<script>" not in page.text  # no inline script under the CSP
    tree = client.get("/tree")
    assert tree.status_code == 200 and "路长体系" in tree.text




@pytest.mark.parametrize("who, status", [
    ("linked viewer", 201),
    ("unlinked viewer", 403),  # a viewer who is no chief
    ("link removed", 403),  # the district admin took the link away
    ("chief left", 403),  # linked to a chief since deactivated
    ("anonymous", 401),
])
def test_who_may_report_an_issue_as_a_chief(client, conn, chief, headers, who, status):
    mine = linked(client, conn, chief, headers)
    if who == "link removed":
        client.delete(f"/api/users/{chief.chief_user.id}/chief", headers=headers["admin"])
    if who == "chief left":
        conn.execute(text("UPDATE chief SET active = false WHERE id = :c"), {"c": chief.chief_id})
    sent = {"linked viewer": mine, "unlinked viewer": headers["viewer"], "link removed": mine,
            "chief left": mine, "anonymous": {}}[who]
    before = conn.execute(text("SELECT count(*) FROM issue")).scalar()
    answer = client.post("/api/issues", headers=sent, data={
        "lon": chief.a.start[0], "lat": chief.a.start[1], "category": "T03.01", "description": "占道经营"})
    assert answer.status_code == status, answer.text
    assert conn.execute(text("SELECT count(*) FROM issue")).scalar() == before + (status == 201)
    if status != 201:
        assert answer.json()["message_zh"]
    if who == "chief left":
        assert "已停用" in answer.json()["message_zh"]
