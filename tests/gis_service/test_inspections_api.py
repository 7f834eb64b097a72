"""The inspection API as the phone and integrators use it: the checklists, entering an inspection
with a photo, status and the overdue list, a target's history, rules and items edited by a district
admin; bad values are a 4xx that changes nothing."""

import json
from datetime import datetime, timedelta

import pytest
from sqlalchemy import text

from roads.issues.window import CHINA_TZ
from tests.roads.inspections.conftest import wipe
from tests.roads.issues.test_issues_api import tiny_png

AT = datetime(2026, 8, 3, 9, 0, tzinfo=CHINA_TZ)


@pytest.fixture
def settings(settings, tmp_path):
    """Photos go to the test's own folder."""
    return settings.model_copy(update={"photo_dir": tmp_path / "photos"})


@pytest.fixture
def site(conn) -> int:
    site_id = conn.execute(text(
        "SELECT id FROM construction_site WHERE status = '在建' ORDER BY id LIMIT 1")).scalar_one()
    wipe(conn, "site", site_id)
    return site_id


def items(client, kind="site"):
    [checklist] = [c for c in client.get("/api/inspection-checklists").json() if c["target_kind"] == kind]
    return checklist["items"]


def results(client, failed=(), kind="site"):
    return json.dumps([{"item_id": i["id"], "passed": i["label"] not in failed,
                        "note": "未覆盖" if i["label"] in failed else ""} for i in items(client, kind)])


def post(client, headers, target_id, at, failed=(), kind="site", files=None, **extra):
    return client.post("/api/inspections", headers=headers, files=files, data={
        "target_kind": kind, "target_id": target_id, "inspected_at": at.isoformat(),
        "results": results(client, failed, kind), **extra})


def count(conn) -> int:
    return conn.execute(text("SELECT (SELECT count(*) FROM inspection) + (SELECT count(*) FROM issue)")).scalar()


def test_the_checklists_are_the_six_rules_and_a_safety_list(client):
    lists = {c["target_kind"]: c for c in client.get("/api/inspection-checklists").json()}
    assert [i["label"] for i in lists["site"]["items"]] == [
        "围挡", "覆盖", "路面硬化", "冲洗", "湿法作业", "渣土车密闭"]
    assert "消防通道畅通" in [i["label"] for i in lists["point"]["items"]]
    assert lists["site"]["every_days"] == 7 and lists["point"]["every_days"] == 14
    assert lists["site"]["demo_after"] == 4 and lists["site"]["flag_label"] == "绿色示范工地"


def test_an_inspection_with_a_photo_is_stored_served_and_opens_a_case(client, conn, headers, site, settings):
    answer = post(client, headers["admin"], site, AT, failed=("覆盖",), note="北侧土方裸露", inspector="王监督员",
                  source="phone", files=[("photos", ("cover.png", tiny_png(), "image/png"))])
    assert answer.status_code == 201, answer.text
    body = answer.json()
    assert body["clean"] is False and body["inspector"] == "王监督员" and body["issue_id"]
    assert [r["passed"] for r in body["results"]].count(False) == 1
    assert body["target"]["status"] in ("failed", "overdue")
    photo = client.get(body["photos"][0]["url"])
    assert photo.status_code == 200 and photo.content == tiny_png()
    assert len(list((settings.photo_dir / "inspections").rglob("*.png"))) == 1
    case = client.get(f"/api/issues/{body['issue_id']}").json()
    assert case["category_code"] == "SI01" and "覆盖（未覆盖）" in case["description"]
    again = post(client, headers["admin"], site, AT + timedelta(days=7), failed=("冲洗",)).json()
    assert again["issue_id"] == body["issue_id"]
    history = client.get(f"/api/inspection-targets/site/{site}").json()
    assert [i["id"] for i in history["inspections"]] == [again["id"], body["id"]]


def test_four_clean_inspections_make_a_green_demonstration_site(client, conn, headers, site):
    for week in range(3):
        assert post(client, headers["admin"], site, AT + timedelta(days=7 * week)).status_code == 201
    assert not client.get(f"/api/inspection-targets/site/{site}").json()["flags"]
    post(client, headers["admin"], site, AT + timedelta(days=21))
    history = client.get(f"/api/inspection-targets/site/{site}").json()
    assert history["flags"][0]["until"] is None
    assert history["flags"][0]["since"].startswith("2026-08-24T09:00:00+08:00")


def test_the_overdue_list(client, conn, headers, site):
    post(client, headers["admin"], site, datetime.now(CHINA_TZ) - timedelta(days=9))
    overdue = client.get("/api/inspection-targets", params={"status": "overdue", "kind": "site"}).json()
    assert site in [t["target_id"] for t in overdue]
    assert all(t["overdue"] and t["status_label"] == "逾期未检" for t in overdue)
    post(client, headers["admin"], site, datetime.now(CHINA_TZ) - timedelta(hours=1))
    overdue = client.get("/api/inspection-targets", params={"status": "overdue", "kind": "site"}).json()
    assert site not in [t["target_id"] for t in overdue]


def test_nearest_first(client, conn, site):
    lon, lat = conn.execute(text(
        "SELECT ST_X(ST_PointOnSurface(geom)), ST_Y(ST_PointOnSurface(geom)) FROM construction_site WHERE id = :id"),
        {"id": site}).one()
    near = client.get("/api/inspection-targets", params={"lon": lon, "lat": lat, "limit": 3}).json()
    assert near[0]["target_id"] == site and near[0]["distance_m"] < 1
    assert client.get("/api/inspection-targets", params={"lon": lon}).status_code == 422


@pytest.mark.parametrize("change", [
    {"inspected_at": (datetime.now(CHINA_TZ) + timedelta(days=2)).isoformat()},
    {"inspected_at": "yesterday"},
    {"results": "[]"},
    {"results": "not json"},
    {"results": json.dumps([{"item_id": 999999, "passed": True}])},
    {"target_kind": "shop"},
    {"target_id": "999999"},
])
def test_bad_values_are_a_4xx_that_changes_nothing(client, conn, headers, site, change):
    before = count(conn)
    data = {"target_kind": "site", "target_id": site, "inspected_at": AT.isoformat(),
            "results": results(client), **change}
    answer = client.post("/api/inspections", headers=headers["admin"], data=data)
    assert 400 <= answer.status_code < 500 and answer.json()
    assert count(conn) == before


def test_who_may_inspect(client, conn, headers, site):
    assert post(client, {}, site, AT).status_code == 401
    assert post(client, headers["viewer"], site, AT).status_code == 403
    area = conn.execute(text("SELECT sub_district_id FROM construction_site WHERE id = :id"),
                        {"id": site}).scalar_one()
    expected = 201 if area == conn.execute(text(
        "SELECT sub_district_id FROM app_user WHERE username = 't_sub'")).scalar() else 403
    assert post(client, headers["sub"], site, AT).status_code == expected


def test_a_district_admin_edits_rules_and_items(client, conn, headers):
    assert client.patch("/api/inspection-checklists/site", json={"every_days": 5},
                        headers=headers["sub"]).status_code == 403
    changed = client.patch("/api/inspection-checklists/site", json={"every_days": 5, "demo_after": 3},
                           headers=headers["admin"]).json()
    assert changed["every_days"] == 5 and changed["demo_after"] == 3 and changed["updated_by"] == "t_admin"
    assert client.patch("/api/inspection-checklists/site", json={"every_days": 0},
                        headers=headers["admin"]).status_code == 422
    added = client.post("/api/inspection-checklists/site/items", json={"label": "雾炮喷淋"},
                        headers=headers["admin"])
    assert added.status_code == 201 and added.json()["items"][-1]["label"] == "雾炮喷淋"
    assert client.post("/api/inspection-checklists/site/items", json={"label": "雾炮喷淋"},
                       headers=headers["admin"]).status_code == 422
    item = added.json()["items"][-1]["id"]
    retired = client.delete(f"/api/inspection-checklist-items/{item}", headers=headers["admin"])
    assert "雾炮喷淋" not in [i["label"] for i in retired.json()["items"]]
    assert client.delete(f"/api/inspection-checklist-items/{item}", headers=headers["admin"]).status_code == 404


def test_figures_route(client):
    figures = client.get("/api/inspection-figures", params={"from": "2026-11-01", "to": "2026-11-08"}).json()
    assert {f["key"] for f in figures} >= {"inspections", "sites_overdue", "demo_flags_earned"}
    assert client.get("/api/inspection-figures", params={"from": "x", "to": "2026-11-08"}).status_code == 422


def test_my_targets_are_my_jurisdictions(client, conn, headers):
    sub = conn.execute(text("SELECT sub_district_id FROM app_user WHERE username = 't_sub'")).scalar()
    mine = client.get("/api/me/inspection-targets", headers=headers["sub"], params={"limit": 500}).json()
    assert mine and {t["sub_district_id"] for t in mine} == {sub}
    everything = client.get("/api/me/inspection-targets", headers=headers["admin"], params={"limit": 500}).json()
    assert len(everything) > len(mine)
    assert client.get("/api/me/inspection-targets", headers=headers["viewer"]).status_code == 403
    assert client.get("/api/me/inspection-targets").status_code == 401
