"""Handling units (处置单位): the demo's units, the API, and the dispatch suggestions."""

import pytest
from sqlalchemy import text

from tests.helpers import role_headers

LON, LAT = 113.7598, 34.7052  # the middle of the demo district


@pytest.fixture
def place(conn):
    """The community and sub-district at the middle of the district."""
    return conn.execute(text("""
        SELECT c.id AS community_id, c.name AS community_name, sd.id AS sub_district_id,
               sd.name AS sub_district_name, sd.code AS sub_district_code
        FROM community AS c JOIN sub_district AS sd ON sd.id = c.sub_district_id
        WHERE ST_Intersects(c.geom, ST_SetSRID(ST_MakePoint(:x, :y), 4326))
    """), {"x": LON, "y": LAT}).one()


def new_issue(client, headers, category: str) -> int:
    response = client.post("/api/issues", data={"lon": LON, "lat": LAT, "category": category},
                           headers=headers)
    assert response.status_code == 201, response.text
    return response.json()["id"]


def suggestions(client, issue_id: int) -> list[dict]:
    response = client.get(f"/api/issues/{issue_id}/dispatch-suggestions")
    assert response.status_code == 200, response.text
    return response.json()


def test_the_demo_has_offices_companies_and_departments(client):
    units = client.get("/api/units").json()
    kinds = [u["kind"] for u in units]
    assert (kinds.count("sub_district_office"), kinds.count("company"), kinds.count("department")) == (6, 3, 7)
    offices = [u for u in units if u["kind"] == "sub_district_office"]
    assert all(len(u["areas"]) == 1 and u["areas"][0]["name"] == u["name"] for u in offices)
    departments = [u for u in units if u["kind"] == "department"]
    assert all(u["district_wide"] and u["areas"] == [] for u in departments)
    assert all(u["phone"] is None for u in units)  # anonymous: no phone numbers


def test_every_sub_item_has_a_unit_in_every_community(conn):
    """A dispatcher is never left without a suggestion in the demo district."""
    probes = conn.execute(text("""
        INSERT INTO issue (geom, category_code, community_id)
        SELECT ST_PointOnSurface(c.geom), cat.code, c.id
        FROM community AS c CROSS JOIN issue_category AS cat
        WHERE cat.parent_code IS NOT NULL
        RETURNING id
    """)).scalars().all()
    missing = conn.execute(text(
        "SELECT count(*) FROM unnest(CAST(:ids AS bigint[])) AS p (id)"
        " WHERE NOT EXISTS (SELECT 1 FROM roadchief.suggest_units(p.id))"), {"ids": probes}).scalar()
    assert len(probes) == 64 * (38 + 4) and missing == 0  # + DU01 以克论净, SH01 停业整顿, SI01/SI02 巡检


def test_rubbish_goes_to_the_cleaning_company_first(client, conn, place):
    headers = role_headers(conn)["admin"]
    found = suggestions(client, new_issue(client, headers, "T03.02"))  # 暴露垃圾
    kinds = [(s["kind"], s["area_level"], s["category_code"]) for s in found]
    assert kinds == [
        ("company", "sub_district", "T03.02"),  # its sub-district and the very sub-item
        ("sub_district_office", "sub_district", "T03"),  # its sub-district, the major task
        ("department", "district", "T03.02"),  # 环卫, district-wide
    ]
    assert found[1]["unit_name"] == place.sub_district_name
    assert [s["rank"] for s in found] == [1, 2, 3]
    assert found[2]["unit_name"] == "经开区环境卫生管理处"


def test_a_community_unit_comes_before_a_sub_district_one_and_inactive_units_are_left_out(
        client, conn, place):
    headers = role_headers(conn)["admin"]
    created = client.post("/api/units", headers=headers, json={
        "kind": "company", "name": "社区保洁队", "contact": "刘师傅", "phone": "13800000000",
        "areas": [{"community_id": place.community_id}], "categories": ["T03"]})
    assert created.status_code == 201, created.text
    unit = created.json()
    assert unit["areas"] == [{"sub_district_id": None, "community_id": place.community_id,
                              "name": place.community_name}]
    issue_id = new_issue(client, headers, "T03.02")
    found = suggestions(client, issue_id)
    assert (found[0]["unit_name"], found[0]["area_level"], found[0]["area_name"]) == (
        "社区保洁队", "community", place.community_name)
    offices = [s for s in found if s["kind"] == "sub_district_office"]
    patched = client.patch(f"/api/units/{offices[0]['unit_id']}", headers=headers, json={"active": False})
    assert patched.status_code == 200 and patched.json()["active"] is False
    assert offices[0]["unit_id"] not in [s["unit_id"] for s in suggestions(client, issue_id)]


def test_illegal_building_goes_to_the_demolition_office(client, conn):
    found = suggestions(client, new_issue(client, role_headers(conn)["admin"], "T07.01"))
    assert [s["unit_name"] for s in found] == ["经开区拆迁违建治理办公室"]


def test_only_the_district_admin_edits_units(client, conn):
    headers = role_headers(conn)
    body = {"kind": "department", "name": "经开区测试局", "categories": ["T06.03"]}
    assert client.post("/api/units", json=body).status_code == 401
    assert client.post("/api/units", json=body, headers=headers["sub"]).status_code == 403
    created = client.post("/api/units", json=body, headers=headers["admin"])
    assert created.status_code == 201
    unit_id = created.json()["id"]
    assert client.patch(f"/api/units/{unit_id}", json={"name": "x"}, headers=headers["viewer"]).status_code == 403
    again = client.post("/api/units", json=body, headers=headers["admin"])
    assert again.status_code == 409 and "已有名为" in again.json()["message_zh"]


def test_patch_replaces_the_categories_and_areas(client, conn, place):
    admin = role_headers(conn)["admin"]
    unit_id = client.post("/api/units", headers=admin, json={
        "kind": "department", "name": "经开区测试局", "phone": "0371-1", "categories": ["T06"]}).json()["id"]
    patched = client.patch(f"/api/units/{unit_id}", headers=admin, json={
        "categories": ["T06.03", "T10.01"], "areas": [{"sub_district_id": place.sub_district_id}]})
    assert patched.status_code == 200, patched.text
    unit = patched.json()
    assert unit["categories"] == ["T06.03", "T10.01"] and unit["district_wide"] is False
    assert unit["name"] == "经开区测试局" and unit["phone"] == "0371-1"  # untouched fields stay
    shown = client.get(f"/api/units/{unit_id}", headers=admin).json()
    assert shown["phone"] == "0371-1" and shown["areas"][0]["name"] == place.sub_district_name


@pytest.mark.parametrize("body, message", [
    ({"kind": "department", "name": "甲", "categories": ["T99.01"]}, "未知的问题类别"),
    ({"kind": "department", "name": "甲", "areas": [{}]}, "办事处或社区其中之一"),
    ({"kind": "department", "name": "甲", "areas": [{"community_id": 999999}]}, "不存在"),
    ({"kind": "department", "name": "  "}, "请填写处置单位名称"),
    ({"kind": "department", "name": "甲", "webhook_url": "ftp://x"}, "群机器人地址"),
])
def test_bad_units_are_refused_with_a_reason(client, conn, body, message):
    response = client.post("/api/units", json=body, headers=role_headers(conn)["admin"])
    assert response.status_code == 422, response.text
    assert message in response.json()["message_zh"]


def test_unknown_units_and_issues_are_404(client, conn):
    admin = role_headers(conn)["admin"]
    assert client.get("/api/units/999999").status_code == 404
    assert client.patch("/api/units/999999", json={"active": False}, headers=admin).status_code == 404
    assert client.get("/api/issues/999999999/dispatch-suggestions").status_code == 404


def bulk_case(conn, category: str, lon: float, lat: float) -> int:
    """A case written in bulk (as importers do): dispatched an hour ago, no steps, no unit yet."""
    return conn.execute(text("""
        INSERT INTO issue (geom, category_code, status, reported_at, updated_at)
        VALUES (ST_SetSRID(ST_MakePoint(:x, :y), 4326), :cat, 'dispatched',
                now() - interval '3 hours', now() - interval '1 hour')
        RETURNING id
    """), {"x": lon, "y": lat, "cat": category}).scalar_one()


def unit_and_steps(conn, issue_id: int):
    unit_id, department = conn.execute(text("SELECT unit_id, department FROM issue WHERE id = :i"),
                                       {"i": issue_id}).one()
    steps = conn.execute(text("SELECT action FROM issue_event WHERE issue_id = :i ORDER BY at, id"),
                         {"i": issue_id}).scalars().all()
    return unit_id, department, steps


def first_suggestion(conn, issue_id: int):
    return tuple(conn.execute(text("SELECT unit_id, unit_name FROM roadchief.suggest_units(:i) LIMIT 1"),
                              {"i": issue_id}).one())


def test_bulk_written_cases_go_to_their_first_suggestion_and_completing_runs_again(conn, place):
    rubbish = bulk_case(conn, "T03.02", LON, LAT)  # 暴露垃圾 in the middle of the district
    outside = bulk_case(conn, "T03.02", LON + 1.0, LAT)  # in no community: district-wide units only
    conn.execute(text("SELECT roadchief.complete_issue_records()"))
    unit_id, department, steps = unit_and_steps(conn, rubbish)
    assert (unit_id, department) == first_suggestion(conn, rubbish)
    assert steps[:2] == ["file", "dispatch"]  # then on hold for one case in six
    assert conn.execute(text("SELECT community_id FROM issue WHERE id = :i"), {"i": rubbish}).scalar() \
        == place.community_id
    assert unit_and_steps(conn, outside)[:2] == first_suggestion(conn, outside)
    assert unit_and_steps(conn, outside)[1] == "经开区环境卫生管理处"

    # Called again in the same transaction (the dust demo does): the new case only.
    building = bulk_case(conn, "T07.01", LON, LAT)
    conn.execute(text("SELECT roadchief.complete_issue_records()"))
    assert unit_and_steps(conn, building)[1] == "经开区拆迁违建治理办公室"
    assert unit_and_steps(conn, building)[2][:2] == ["file", "dispatch"]
    assert unit_and_steps(conn, rubbish)[2] == steps
