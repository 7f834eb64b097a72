"""以克论净 through the API: bad values change nothing, limits are data the admin edits, sheets
are all or nothing, the numbers and the ranking add up."""

import io
from datetime import date, datetime, timedelta

from openpyxl import Workbook, load_workbook
from sqlalchemy import text

from roads.dust import report_figures
from roads.issues.window import CHINA_TZ
from tests.helpers import quick_user
from tests.roads.dust import conftest as dust_fixtures

spot, admin, inspector = dust_fixtures.spot, dust_fixtures.admin, dust_fixtures.inspector


def samples_of(conn, segment_id):
    return conn.execute(text("SELECT count(*) FROM dust_sample WHERE segment_id = :s"), {"s": segment_id}).scalar()


def post(client, headers, **body):
    return client.post("/api/dust/samples", json=body, headers=headers)


def test_bad_values_are_refused_and_change_nothing(client, conn, spot, inspector):
    future = (datetime.now(CHINA_TZ) + timedelta(days=1)).isoformat()
    cases = [
        ({"grams_per_m2": -3}, "积尘量须大于 0"),
        ({"grams_per_m2": 0}, "积尘量须大于 0"),
        ({"grams_per_m2": 5000}, "不超过 1000"),
        ({"grams_per_m2": 3, "sampled_at": future}, "晚于当前时间"),
    ]
    for extra, words in cases:
        body = {"segment_id": spot.segment_id, "surface": "carriageway", **extra}
        response = post(client, inspector, **body)
        assert response.status_code == 422, response.text
        assert words in response.json()["message_zh"]
    assert post(client, inspector, segment_id=spot.segment_id, surface="road", grams_per_m2=3).status_code == 422
    assert post(client, inspector, segment_id=2**31 - 1, surface="footway", grams_per_m2=3).status_code == 404
    assert samples_of(conn, spot.segment_id) == 0


def test_the_segment_is_snapped_from_the_place(client, conn, spot, inspector):
    response = post(client, inspector, lon=spot.lon + 0.00002, lat=spot.lat, surface="carriageway",
                    grams_per_m2=2.5, sampler="张三")
    assert response.status_code == 201, response.text
    assert response.json()["segment_id"] == spot.segment_id
    assert response.json()["sampler"] == "张三" and response.json()["entered_by"] == "监督员甲"
    far = post(client, inspector, lon=spot.lon + 0.2, lat=spot.lat + 0.2, surface="carriageway", grams_per_m2=2)
    assert far.status_code == 422


def test_who_may_enter_samples(client, conn, spot):
    other_community = conn.execute(text("SELECT id FROM community WHERE id <> :c ORDER BY id LIMIT 1"),
                                   {"c": spot.community_id}).scalar_one()
    outsider = quick_user(conn, "dust_out", "inspector", community_id=other_community)
    viewer = quick_user(conn, "dust_view", "viewer")
    unit_user = quick_user(conn, "dust_unit", "unit_user", unit_id=spot.company_id)
    body = {"segment_id": spot.segment_id, "surface": "carriageway", "grams_per_m2": 3}
    assert client.post("/api/dust/samples", json=body).status_code == 401
    for headers in (outsider, viewer, unit_user):
        assert client.post("/api/dust/samples", json=body, headers=headers).status_code == 403
    # A chief on their own segment may, read-only account or not.
    chief = conn.execute(text("SELECT chief_id FROM segment_assignment WHERE segment_id = :s "
                              "AND valid_to IS NULL ORDER BY tier DESC LIMIT 1"), {"s": spot.segment_id}).scalar()
    if chief is not None:
        user_id = conn.execute(text("SELECT id FROM app_user WHERE username = 'dust_view'")).scalar_one()
        conn.execute(text("DELETE FROM chief_user WHERE chief_id = :c"), {"c": chief})
        conn.execute(text("INSERT INTO chief_user (user_id, chief_id) VALUES (:u, :c)"), {"u": user_id, "c": chief})
        assert client.post("/api/dust/samples", json=body, headers=viewer).status_code == 201
    assert samples_of(conn, spot.segment_id) == (1 if chief is not None else 0)


def test_the_admin_edits_the_limits(client, conn, spot, admin, inspector):
    limits = client.get("/api/dust/limits").json()
    inside = next(x for x in limits if x["surface"] == "carriageway" and x["zone"] == "inside")
    assert inside["limit_g_m2"] == 5 and inside["zone_label"] == "内环以内"
    assert client.patch(f"/api/dust/limits/{inside['id']}", json={"limit_g_m2": 10},
                        headers=inspector).status_code == 403
    assert client.patch(f"/api/dust/limits/{inside['id']}", json={"limit_g_m2": -1},
                        headers=admin).status_code == 422
    assert client.patch(f"/api/dust/limits/{inside['id']}", json={"limit_g_m2": 10},
                        headers=admin).status_code == 200
    found = post(client, inspector, segment_id=spot.segment_id, surface="carriageway", grams_per_m2=7).json()
    assert found["limit_g_m2"] == 10 and found["issue_id"] is None
    # A row for the segment's road class outranks the zone's row.
    road_class = conn.execute(text("SELECT coalesce(s.road_class, r.road_class) FROM road_segment s "
                                   "JOIN road r ON r.id = s.road_id WHERE s.id = :s"), {"s": spot.segment_id}).scalar()
    created = client.post("/api/dust/limits", json={"surface": "carriageway", "road_class": road_class,
                                                    "limit_g_m2": 3}, headers=admin)
    assert created.status_code == 201, created.text
    again = client.post("/api/dust/limits", json={"surface": "carriageway", "road_class": road_class,
                                                  "limit_g_m2": 4}, headers=admin)
    assert again.status_code == 409
    found = post(client, inspector, segment_id=spot.segment_id, surface="carriageway", grams_per_m2=3.5).json()
    assert found["limit_g_m2"] == 3 and found["verdict"] == "超标"


def test_outside_the_ring_road_the_carriageway_limit_is_8(client, conn, spot, inspector):
    conn.execute(text("DELETE FROM dust_ring_zone"))
    found = post(client, inspector, segment_id=spot.segment_id, surface="carriageway", grams_per_m2=7).json()
    assert found["limit_g_m2"] == 8 and found["verdict"] == "达标"


def csv_file(lines: list[str]):
    return {"file": ("samples.csv", ("\n".join(lines) + "\n").encode(), "text/csv")}


def test_a_sheet_is_imported_whole(client, conn, spot, inspector):
    rows = ["路段编号,路面,积尘量,检测时间,检测人",
            f"{spot.segment_id},车行道,3.2,2026-11-20 09:30,李四",
            f"{spot.segment_id},人行道,12,2026-11-20 09:40,李四",
            f"{spot.segment_id},车行道,6.1,2026-11-20 09:50,李四"]
    response = client.post("/api/dust/samples/import", files=csv_file(rows), headers=inspector)
    assert response.status_code == 201, response.text
    assert response.json()["imported"] == 3 and response.json()["over_limit"] == 1
    assert len(response.json()["cases"]) == 1
    listed = client.get("/api/dust/samples", params={"segment_id": spot.segment_id}).json()
    assert [s["grams_per_m2"] for s in listed] == [6.1, 12, 3.2]
    assert listed[0]["sampled_at"].startswith("2026-11-20T09:50:00+08:00") or "01:50:00" in listed[0]["sampled_at"]


def test_a_bad_sheet_names_rows_and_columns_and_writes_nothing(client, conn, spot, inspector):
    rows = ["segment_id,surface,grams_per_m2",
            f"{spot.segment_id},carriageway,3",
            f"{spot.segment_id},carriageway,-2",
            f"{2**31 - 2},footway,4",
            f"{spot.segment_id},马路,4"]
    response = client.post("/api/dust/samples/import", files=csv_file(rows), headers=inspector)
    assert response.status_code == 422, response.text
    rejects = [(r["row"], r["column"]) for r in response.json()["rejects"]]
    assert rejects == [(3, "grams_per_m2"), (4, "segment_id"), (5, "surface")]
    assert "第 3 行" in response.json()["message_zh"]
    assert samples_of(conn, spot.segment_id) == 0


def test_an_xlsx_sheet_with_places(client, conn, spot, inspector):
    book = Workbook()
    book.active.append(["经度", "纬度", "路面", "积尘量（克/平方米）", "检测时间"])
    book.active.append([spot.lon, spot.lat, "车行道", 4.5, datetime(2026, 11, 19, 10, 0)])
    data = io.BytesIO()
    book.save(data)
    files = {"file": ("samples.xlsx", data.getvalue(), "application/octet-stream")}
    response = client.post("/api/dust/samples/import", files=files, headers=inspector)
    assert response.status_code == 201, response.text
    assert samples_of(conn, spot.segment_id) == 1


def test_numbers_per_segment_and_company_and_the_report(client, conn, spot, inspector):
    week = [f"2026-11-1{d}T10:00:00+08:00" for d in (6, 7, 8, 9)]  # Monday 16 to Thursday 19
    for at, grams in zip(week, (3.0, 6.0, 4.0, 7.0), strict=True):
        assert post(client, inspector, segment_id=spot.segment_id, surface="carriageway",
                    grams_per_m2=grams, sampled_at=at).status_code == 201
    body = client.get("/api/dust/segments", params={"week": "2026-W47", "segment_id": spot.segment_id}).json()
    (row,) = body["segments"]
    assert (row["samples"], row["over_limit"], row["over_share"]) == (4, 2, 0.5)
    assert row["mean_g_m2"] == 5.0 and row["latest_g_m2"] == 7.0 and row["latest_verdict"] == "超标"
    company = next(c for c in client.get("/api/dust/companies", params={"week": "2026-W47"}).json()["companies"]
                   if c["unit_id"] == spot.company_id)
    assert company["samples"] >= 4 and company["rank"] >= 1
    conn.execute(text("DELETE FROM dust_sample WHERE segment_id <> :s"), {"s": spot.segment_id})
    figures = {f.key: f.value for f in report_figures(conn, date(2026, 11, 16), date(2026, 11, 23))}
    assert figures["dust_samples"] == 4
    assert figures["dust_mean_g_m2"] == 5.0
    assert figures["dust_over_share"] == 50.0
    empty = {f.key: f.value for f in report_figures(conn, date(2020, 1, 6), date(2020, 1, 13))}
    assert empty["dust_samples"] == 0 and empty["dust_mean_g_m2"] is None and empty["dust_over_share"] is None


def test_the_ranking_workbook(client, conn, spot, inspector):
    post(client, inspector, segment_id=spot.segment_id, surface="carriageway", grams_per_m2=6.0,
         sampled_at="2026-11-17T10:00:00+08:00")
    response = client.get("/api/dust/ranking.xlsx", params={"week": "2026-W47"})
    assert response.status_code == 200
    book = load_workbook(io.BytesIO(response.content))
    assert book.sheetnames == ["保洁单位排名", "路段积尘"]
    names = [row[1] for row in book["保洁单位排名"].iter_rows(min_row=2, values_only=True)]
    company = conn.execute(text("SELECT name FROM unit WHERE id = :u"), {"u": spot.company_id}).scalar()
    assert company in names


def test_the_admin_draws_the_ring_road_and_names_the_cleaners(client, conn, spot, admin, inspector):
    d = 0.001
    ring = [[spot.lon - d, spot.lat - d], [spot.lon + d, spot.lat - d], [spot.lon + d, spot.lat + d],
            [spot.lon - d, spot.lat + d], [spot.lon - d, spot.lat - d]]
    box = {"type": "Polygon", "coordinates": [ring]}
    bowtie = {"type": "Polygon", "coordinates": [[[0, 0], [1, 1], [1, 0], [0, 1], [0, 0]]]}
    assert client.put("/api/dust/ring-zone", json={"geometries": [box]}, headers=inspector).status_code == 403
    assert client.put("/api/dust/ring-zone", json={"geometries": [bowtie]}, headers=admin).status_code == 422
    zone = client.put("/api/dust/ring-zone", json={"geometries": [box]}, headers=admin)
    assert zone.status_code == 200 and len(zone.json()["features"]) == 1
    found = post(client, inspector, segment_id=spot.segment_id, surface="carriageway", grams_per_m2=6).json()
    assert found["verdict"] == "超标"

    other = conn.execute(text("SELECT id FROM unit WHERE kind = 'company' AND id <> :u ORDER BY id LIMIT 1"),
                         {"u": spot.company_id}).scalar_one()
    office = conn.execute(text("SELECT id FROM unit WHERE kind = 'sub_district_office' LIMIT 1")).scalar_one()
    body = {"segment_ids": [spot.segment_id], "unit_id": office}
    assert client.put("/api/dust/cleaners", json=body, headers=admin).status_code == 422
    assert client.put("/api/dust/cleaners", json=body | {"unit_id": other}, headers=inspector).status_code == 403
    assert client.put("/api/dust/cleaners", json=body | {"unit_id": other}, headers=admin).status_code == 200
    conn.execute(text("DELETE FROM dust_sample WHERE segment_id = :s"), {"s": spot.segment_id})
    found = post(client, admin, segment_id=spot.segment_id, surface="carriageway", grams_per_m2=6).json()
    assert client.get(f"/api/issues/{found['issue_id']}").json()["unit_id"] == other
