"""What the 台账 page reads: a case's `actions`, the unit and overdue filters, the XLSX export."""

import io

from openpyxl import load_workbook
from sqlalchemy import text

from tests.helpers import role_headers

LON, LAT = 113.7598, 34.7052  # the middle of the demo district


def new_issue(client, headers, description="路面破损", category="T03.02") -> int:
    response = client.post("/api/issues", headers=headers,
                           data={"lon": LON, "lat": LAT, "category": category, "description": description})
    assert response.status_code == 201, response.text
    return response.json()["id"]


def actions(client, issue_id, headers=None) -> list[dict]:
    return client.get(f"/api/issues/{issue_id}", headers=headers or {}).json()["actions"]


def act(client, issue_id, headers, action, **fields):
    response = client.post(f"/api/issues/{issue_id}/actions", headers=headers, json={"action": action, **fields})
    assert response.status_code == 201, response.text
    return response.json()


def test_actions_are_the_next_steps_for_a_writer_of_the_area_and_none_for_others(client, conn):
    headers = role_headers(conn)
    issue_id = new_issue(client, headers["admin"])
    assert actions(client, issue_id, headers["admin"]) == [
        {"action": "file", "label_zh": "立案"}, {"action": "reject", "label_zh": "不予立案"},
        {"action": "file_and_dispatch", "label_zh": "立案并派遣"}]
    assert actions(client, issue_id) == []  # anonymous
    assert actions(client, issue_id, headers["viewer"]) == []
    unit_id = conn.execute(text("SELECT min(id) FROM unit WHERE active")).scalar()
    act(client, issue_id, headers["admin"], "file", force=True)
    act(client, issue_id, headers["admin"], "dispatch", unit_id=unit_id)
    act(client, issue_id, headers["admin"], "feedback")
    assert actions(client, issue_id, headers["admin"]) == [
        {"action": "verify", "label_zh": "核查通过"}, {"action": "rework", "label_zh": "核查不通过（返工）"}]


def test_a_user_of_another_area_gets_no_buttons(client, conn):
    headers = role_headers(conn)  # "sub" and "community" hold the first sub-district and community
    far = conn.execute(text("""
        SELECT ST_X(ST_PointOnSurface(c.geom)) AS lon, ST_Y(ST_PointOnSurface(c.geom)) AS lat
        FROM community c WHERE c.sub_district_id <> (SELECT min(sub_district_id) FROM community)
        ORDER BY c.id LIMIT 1""")).one()
    issue_id = client.post("/api/issues", headers=headers["admin"],
                           data={"lon": far.lon, "lat": far.lat, "category": "T03.02"}).json()["id"]
    assert actions(client, issue_id, headers["sub"]) == []
    assert actions(client, issue_id, headers["community"]) == []
    assert actions(client, issue_id, headers["admin"]) != []


def test_the_list_filters_by_unit_and_overdue(client, conn):
    headers = role_headers(conn)
    unit = conn.execute(text("SELECT id, name FROM unit WHERE active ORDER BY id LIMIT 1")).one()
    issue_id = new_issue(client, headers["admin"])
    act(client, issue_id, headers["admin"], "file_and_dispatch", unit_id=unit.id)
    listed = client.get("/api/issues", params={"unit": unit.id, "page_size": 1000}).json()
    assert issue_id in [i["id"] for i in listed["items"]]
    assert {i["unit_name"] or i["department"] for i in listed["items"]} == {unit.name}
    # A case handed on to another unit leaves the first unit's list, whatever its department says.
    other = conn.execute(text("SELECT id FROM unit WHERE active AND id <> :u ORDER BY id LIMIT 1"),
                         {"u": unit.id}).scalar()
    conn.execute(text("UPDATE issue SET unit_id = :o WHERE id = :i"), {"o": other, "i": issue_id})
    listed = client.get("/api/issues", params={"unit": unit.id, "page_size": 1000}).json()
    assert issue_id not in [i["id"] for i in listed["items"]]
    overdue = client.get("/api/issues", params={"overdue": "true", "page_size": 1000}).json()
    on_time = client.get("/api/issues", params={"overdue": "false", "page_size": 1}).json()
    assert overdue["total"] > 0 and all(i["overdue"] for i in overdue["items"])
    assert overdue["total"] + on_time["total"] == client.get("/api/issues", params={"page_size": 1}).json()["total"]


def workbook(response):
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("application/vnd.openxmlformats")
    return load_workbook(io.BytesIO(response.content))["问题台账"]


def test_the_xlsx_export_honours_the_filter_and_neutralises_formulas(client, conn):
    headers = role_headers(conn)
    issue_id = new_issue(client, headers["admin"], description="=HYPERLINK(\"http://evil\",\"点我\")",
                         category="T03.03")
    sheet = workbook(client.get("/api/exports/issues.xlsx", params={"category": "T03.03", "status": "reported"}))
    header = [c.value for c in sheet[1]]
    assert header[:5] == ["编号", "上报时间", "问题类别编码", "问题类别", "状态"]
    rows = [dict(zip(header, (c.value for c in row), strict=True)) for row in sheet.iter_rows(min_row=2)]
    expected = client.get("/api/issues", params={"category": "T03.03", "status": "reported",
                                                 "page_size": 1000}).json()
    assert [r["编号"] for r in rows] == [i["id"] for i in expected["items"]]
    assert {r["问题类别编码"] for r in rows} == {"T03.03"} and {r["状态"] for r in rows} == {"上报"}
    mine = next(r for r in rows if r["编号"] == issue_id)
    assert mine["问题描述"] == "'=HYPERLINK(\"http://evil\",\"点我\")"
    reported = conn.execute(text("SELECT reported_at AT TIME ZONE 'Asia/Shanghai' FROM issue WHERE id = :i"),
                            {"i": issue_id}).scalar()
    assert mine["上报时间"] == reported.replace(microsecond=mine["上报时间"].microsecond)


def test_the_xlsx_export_refuses_a_bad_filter_like_the_list(client):
    listed = client.get("/api/issues", params={"status": "nonsense"})
    exported = client.get("/api/exports/issues.xlsx", params={"status": "nonsense"})
    assert exported.status_code == listed.status_code == 422
    assert exported.json()["message_zh"] == listed.json()["message_zh"]
