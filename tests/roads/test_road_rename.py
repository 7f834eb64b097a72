"""PATCH /api/roads/{id}: a clerk renames a road (a generated 无名路 …); its segments, chiefs and
issues stay."""

from sqlalchemy import text

from tests.helpers import role_headers


def road_state(conn, road_id):
    return conn.execute(text("""
        SELECT array_agg(s.id ORDER BY s.id) AS segments,
               (SELECT array_agg(a.id ORDER BY a.id) FROM segment_assignment a
                JOIN road_segment x ON x.id = a.segment_id WHERE x.road_id = :r AND a.valid_to IS NULL) AS chiefs,
               (SELECT array_agg(i.id ORDER BY i.id) FROM issue i
                JOIN road_segment x ON x.id = i.segment_id WHERE x.road_id = :r) AS issues
        FROM road_segment s WHERE s.road_id = :r"""), {"r": road_id}).one()


def busy_road(conn) -> int:
    return conn.execute(text("""
        SELECT s.road_id FROM road_segment s JOIN issue i ON i.segment_id = s.id
        JOIN segment_assignment a ON a.segment_id = s.id AND a.valid_to IS NULL
        GROUP BY s.road_id ORDER BY count(*) DESC, s.road_id LIMIT 1""")).scalar()


def test_renaming_a_road_keeps_its_segments_chiefs_and_issues(client, conn):
    headers = role_headers(conn)
    road_id = busy_road(conn)
    before = road_state(conn, road_id)
    response = client.patch(f"/api/roads/{road_id}", json={"name": " 测试更名路 "}, headers=headers["admin"])
    assert response.status_code == 200, response.text
    assert response.json()["name"] == "测试更名路" and response.json()["segments"] == len(before.segments)
    assert road_state(conn, road_id) == before
    found = client.get("/api/roads", params={"q": "测试更名路"}).json()
    assert [r["id"] for r in found] == [road_id]
    segment = client.get(f"/api/segments/{before.segments[0]}").json()
    assert segment["road_name"] == "测试更名路"


def test_only_the_district_admin_renames_and_a_bad_name_is_refused(client, conn):
    headers = role_headers(conn)
    road_id = busy_road(conn)
    assert client.patch(f"/api/roads/{road_id}", json={"name": "新路"}).status_code == 401
    refused = client.patch(f"/api/roads/{road_id}", json={"name": "新路"}, headers=headers["community"])
    assert refused.status_code == 403 and "区级管理员" in refused.json()["message_zh"]
    empty = client.patch(f"/api/roads/{road_id}", json={"name": "  "}, headers=headers["admin"])
    assert empty.status_code == 422 and empty.json()["message_zh"] == "道路名称须为 1 至 100 个字"
    missing = client.patch("/api/roads/999999", json={"name": "新路"}, headers=headers["admin"])
    assert missing.status_code == 404 and "999999" in missing.json()["message_zh"]
