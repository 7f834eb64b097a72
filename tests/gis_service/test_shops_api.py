"""The shops API: CRUD for admins, flags one at a time and from a sheet (all or nothing), who may
flag, the rules, tallies, the 红黑榜 and the import of a shops layer."""

import io

import pytest
from openpyxl import Workbook
from sqlalchemy import text

from roads.shops.weeks import label
from tests.helpers import quick_user
from tests.roads.shops.conftest import weeks_ago


@pytest.fixture
def place(conn):
    """A point on a segment of 亚太社区 (the pilot, N = 2) and that community's admin."""
    return conn.execute(text("""
        SELECT c.id AS community_id, s.id AS segment_id, s.road_id,
               ST_X(ST_LineInterpolatePoint(s.geom, 0.5)) AS lon,
               ST_Y(ST_LineInterpolatePoint(s.geom, 0.5)) AS lat
        FROM community AS c JOIN road_segment AS s ON s.community_id = c.id
        WHERE c.name = '亚太社区' AND ST_Intersects(c.geom, ST_LineInterpolatePoint(s.geom, 0.5))
        ORDER BY s.id LIMIT 1
    """)).mappings().one()


@pytest.fixture
def shop(client, headers, place) -> dict:
    response = client.post("/api/shops", json={"name": "豫康大药房", "lon": place["lon"], "lat": place["lat"],
                                               "licence_no": "JY-API-1", "shop_type": "药店"},
                           headers=headers["admin"])
    assert response.status_code == 201, response.text
    return response.json()


def flag_count(conn) -> int:
    return conn.execute(text("SELECT count(*) FROM shop_flag")).scalar()


def test_an_admin_adds_a_shop_snapped_to_the_segment_in_front_of_it(client, shop, place):
    assert shop["segment_id"] == place["segment_id"]
    assert shop["community_id"] == place["community_id"]
    assert shop["suspended"] is False
    found = client.get(f"/api/shops?segment_id={place['segment_id']}").json()
    assert shop["id"] in [s["id"] for s in found]
    by_street = client.get(f"/api/shops?road_id={place['road_id']}&community_id={place['community_id']}").json()
    assert shop["id"] in [s["id"] for s in by_street]


def test_only_an_admin_changes_shops_and_a_point_outside_the_district_is_refused(client, headers, shop):
    assert client.post("/api/shops", json={"name": "x", "lon": 113.7, "lat": 34.7},
                       headers=headers["viewer"]).status_code == 403
    assert client.post("/api/shops", json={"name": "远方", "lon": 10.0, "lat": 10.0},
                       headers=headers["admin"]).status_code == 422
    assert client.patch(f"/api/shops/{shop['id']}", json={"name": "改名"},
                        headers=headers["community"]).status_code == 403


def test_moving_a_shop_snaps_it_again_and_deleting_removes_it(client, conn, headers, shop):
    other = conn.execute(text("""
        SELECT s.id, ST_X(ST_LineInterpolatePoint(s.geom, 0.5)) AS lon,
               ST_Y(ST_LineInterpolatePoint(s.geom, 0.5)) AS lat
        FROM road_segment AS s WHERE s.id <> :s AND s.length_m > 100 ORDER BY s.id DESC LIMIT 1
    """), {"s": shop["segment_id"]}).one()
    moved = client.patch(f"/api/shops/{shop['id']}", json={"lon": other.lon, "lat": other.lat, "name": "新药房"},
                         headers=headers["admin"]).json()
    assert (moved["segment_id"], moved["name"], moved["licence_no"]) == (other.id, "新药房", "JY-API-1")
    assert client.delete(f"/api/shops/{shop['id']}", headers=headers["admin"]).status_code == 204
    assert client.get(f"/api/shops/{shop['id']}").status_code == 404


def test_a_flag_entered_and_re_entered_keeps_one_row_and_its_audit(client, headers, shop):
    week = label(weeks_ago(1))
    body = {"shop_id": shop["id"], "week": week, "flag": "红旗", "order_score": 90, "hygiene_score": 95,
            "facade_score": 88, "inspector": "李娜"}
    first = client.post("/api/shop-flags", json=body, headers=headers["admin"])
    assert first.status_code == 200, first.text
    assert (first.json()["flag"], first.json()["week_label"]) == ("red", week)
    client.post("/api/shop-flags", json=body | {"flag": "black"}, headers=headers["admin"])
    history = client.get(f"/api/shops/{shop['id']}/flags").json()
    assert [f["flag"] for f in history["flags"]] == ["black"]
    assert [(a["before"] or {}).get("flag") for a in history["audit"]] == ["red", None]


@pytest.mark.parametrize("change, status", [
    ({"week": "2999-W01"}, 422),  # a week in the future
    ({"shop_id": 2_000_000_000}, 404),  # an unknown shop
    ({"flag": "green"}, 422),
    ({"order_score": 101}, 422),
    ({"week": "last week"}, 422),
])
def test_bad_flags_are_refused_and_nothing_is_written(client, conn, headers, shop, change, status):
    before = flag_count(conn)
    body = {"shop_id": shop["id"], "week": label(weeks_ago(1)), "flag": "red"} | change
    response = client.post("/api/shop-flags", json=body, headers=headers["admin"])
    assert response.status_code == status, response.text
    assert flag_count(conn) == before


def test_two_blacks_in_the_pilot_put_the_shop_under_rectification_with_one_case(client, conn, headers, shop):
    for n in (3, 2):
        response = client.post("/api/shop-flags", json={"shop_id": shop["id"], "week": label(weeks_ago(n)),
                                                        "flag": "black"}, headers=headers["admin"])
    assert response.json()["suspension"]["since_week"] == weeks_ago(2).isoformat()
    issue_id = response.json()["suspension"]["issue_id"]
    case = client.get(f"/api/issues/{issue_id}").json()
    assert case["category_code"] == "SH01"
    assert client.get(f"/api/shops/{shop['id']}").json()["suspended"] is True


def test_who_may_flag_a_shop(client, conn, headers, shop, place):
    week = label(weeks_ago(1))
    body = {"shop_id": shop["id"], "week": week, "flag": "red"}
    assert client.post("/api/shop-flags", json=body).status_code == 401
    other = conn.execute(text("SELECT id FROM community WHERE id <> :c ORDER BY id LIMIT 1"),
                         {"c": place["community_id"]}).scalar()
    outsider = quick_user(conn, "t_shop_other", "community_admin", community_id=other)
    assert client.post("/api/shop-flags", json=body, headers=outsider).status_code == 403
    own = quick_user(conn, "t_shop_own", "community_admin", community_id=place["community_id"])
    assert client.post("/api/shop-flags", json=body, headers=own).status_code == 200
    # A chief (a read-only user linked to them) holding the segment in front of the shop.
    chief_id = conn.execute(text("""
        SELECT chief_id FROM segment_assignment WHERE segment_id = :s AND valid_to IS NULL ORDER BY tier DESC LIMIT 1
    """), {"s": place["segment_id"]}).scalar_one()
    chief_headers = quick_user(conn, "t_shop_chief", "viewer")
    user_id = conn.execute(text("SELECT id FROM app_user WHERE username = 't_shop_chief'")).scalar_one()
    conn.execute(text("DELETE FROM chief_user WHERE chief_id = :c"), {"c": chief_id})
    conn.execute(text("INSERT INTO chief_user (user_id, chief_id) VALUES (:u, :c)"), {"u": user_id, "c": chief_id})
    assert client.post("/api/shop-flags", json=body | {"flag": "black"}, headers=chief_headers).status_code == 200
    mine = client.get("/api/shop-flags/mine", headers=chief_headers).json()
    assert shop["id"] in [s["id"] for s in mine["shops"]]


def sheet_csv(rows: list[list]) -> bytes:
    return "\n".join(",".join(str(v) for v in row) for row in rows).encode()


def test_a_sheet_of_flags_is_written_all_at_once(client, conn, headers, shop):
    rows = [["商户编号", "周次", "评比结果", "秩序", "卫生", "立面", "检查人"],
            [shop["id"], label(weeks_ago(3)), "黑旗", 50, 40, 60, "王伟"],
            [shop["id"], label(weeks_ago(2)), "黑旗", 55, 45, 60, "王伟"]]
    response = client.post("/api/shop-flags/import", files={"file": ("flags.csv", sheet_csv(rows))},
                           headers=headers["admin"])
    assert response.status_code == 200, response.text
    assert response.json()["written"] == 2 and response.json()["suspended"] == [shop["id"]]


def test_an_xlsx_sheet_by_licence_number(client, headers, shop):
    book = Workbook()
    book.active.append(["licence_no", "week", "flag", "秩序"])
    book.active.append(["JY-API-1", weeks_ago(1).isoformat(), "red", 95])
    data = io.BytesIO()
    book.save(data)
    response = client.post("/api/shop-flags/import", files={"file": ("flags.xlsx", data.getvalue())},
                           headers=headers["admin"])
    assert response.status_code == 200, response.text
    assert client.get(f"/api/shops/{shop['id']}/flags").json()["flags"][0]["order_score"] == 95


@pytest.mark.parametrize("bad_row, row, column", [
    (["{shop}", "2999-W01", "red", 90], 3, "week"),
    (["{shop}", "{week}", "purple", 90], 3, "flag"),
    (["{shop}", "{week}", "red", -5], 3, "order_score"),
    ([1999999999, "{week}", "red", 90], 3, "shop_id"),
])
def test_one_bad_row_refuses_the_whole_sheet_naming_row_and_column(client, conn, headers, shop, bad_row, row,
                                                                   column):
    week = label(weeks_ago(1))
    fill = {"{shop}": shop["id"], "{week}": week}
    rows = [["shop_id", "week", "flag", "order_score"], [shop["id"], label(weeks_ago(2)), "red", 80],
            [fill.get(v, v) if isinstance(v, str) else v for v in bad_row]]
    before = flag_count(conn)
    response = client.post("/api/shop-flags/import", files={"file": ("flags.csv", sheet_csv(rows))},
                           headers=headers["admin"])
    assert response.status_code == 422, response.text
    assert (response.json()["row"], response.json()["column"]) == (row, column)
    assert f"第 {row} 行" in response.json()["message_zh"]
    assert flag_count(conn) == before


def test_rules_are_data_an_admin_edits(client, headers, place):
    default = [r for r in client.get("/api/flag-rules").json() if r["scope"] == "district"]
    assert default[0]["consecutive_black"] == 3
    assert client.put("/api/flag-rules", json={"consecutive_black": 4, "community_id": place["community_id"]},
                      headers=headers["community"]).status_code == 403
    rules = client.put("/api/flag-rules", json={"consecutive_black": 4, "community_id": place["community_id"]},
                       headers=headers["admin"]).json()["rules"]
    mine = [r for r in rules if r["community_id"] == place["community_id"]]
    assert mine[0]["consecutive_black"] == 4
    assert client.delete(f"/api/flag-rules/{default[0]['id']}", headers=headers["admin"]).status_code == 404
    assert client.put("/api/flag-rules", json={"consecutive_black": 0}, headers=headers["admin"]).status_code == 422


def test_tallies_rank_streets_by_red_share(client):
    body = client.get(f"/api/shop-flags/tallies?week={label(weeks_ago(1))}").json()
    shares = [s["red_share_pct"] for s in body["streets"]]
    assert shares == sorted(shares, reverse=True) and body["totals"]["shops"] > 0
    assert [s["rank"] for s in body["streets"]][:3] == [1, 2, 3]
    assert client.get("/api/shop-flags/tallies?week=2999-W01").status_code == 422


def test_the_red_black_list_is_a_pdf_and_a_workbook(client):
    week = label(weeks_ago(1))
    pdf = client.get(f"/api/exports/red-black-list.pdf?week={week}")
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")
    assert week in pdf.headers["content-disposition"]
    xlsx = client.get(f"/api/exports/red-black-list.xlsx?week={week}")
    assert xlsx.status_code == 200 and xlsx.content.startswith(b"PK")


def test_shops_import_as_a_layer_from_csv_and_xlsx(client, conn, headers, place):
    csv = sheet_csv([["名称", "许可证号", "业态", "lon", "lat"],
                     ["郑州烩面馆", "JY-IMP-1", "餐饮", place["lon"], place["lat"]]])
    response = client.post("/api/imports/shops", files={"file": ("shops.csv", csv)}, data={"crs": "EPSG:4326"},
                           headers=headers["admin"])
    assert response.status_code == 200, response.text
    assert response.json()["created"] == 1
    row = conn.execute(text("SELECT segment_id, community_id, shop_type FROM shop WHERE licence_no = 'JY-IMP-1'")).one()
    assert (row.segment_id, row.community_id, row.shop_type) == (place["segment_id"], place["community_id"], "餐饮")
    book = Workbook()
    book.active.append(["name", "licence_no", "lon", "lat"])
    book.active.append(["郑州烩面馆（新址）", "JY-IMP-1", place["lon"], place["lat"]])
    data = io.BytesIO()
    book.save(data)
    again = client.post("/api/imports/shops", files={"file": ("shops.xlsx", data.getvalue())},
                        data={"crs": "EPSG:4326"}, headers=headers["admin"]).json()
    assert (again["created"], again["updated"]) == (0, 1)  # upserted by its licence number
