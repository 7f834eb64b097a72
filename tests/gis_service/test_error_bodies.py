"""Every refusal carries a Chinese message for the bureau's staff beside the English one."""

from sqlalchemy import text

from tests.helpers import current_holder, eligible_chief, first_area, segment_in


def test_an_unknown_segment_is_404_in_both_languages(client):
    response = client.get("/api/segments/99999999")
    assert response.status_code == 404
    assert response.json() == {
        "error": "segment 99999999 does not exist",
        "message_zh": "未找到编号为 99999999 的路段",
        "status": 404,
    }


def test_a_backwards_window_on_the_issue_list_is_422_in_chinese(client):
    response = client.get("/api/issues", params={"from": "2026-11-20", "to": "2026-11-01"})
    assert response.status_code == 422
    body = response.json()
    assert body["error"].startswith("the time window is backwards")
    assert body["message_zh"] == "时间范围有误：开始时间须早于结束时间"


def test_a_write_outside_the_jurisdiction_is_403_in_chinese(client, conn, headers):
    area = first_area(conn)
    seg = segment_in(conn, outside_sub_district=area.sub_district_id, tier=3, held=True)
    chief = eligible_chief(conn, seg.segment_id, 3, exclude=current_holder(conn, seg.segment_id, 3))
    response = client.put(f"/api/segments/{seg.segment_id}/chiefs/3", json={"chief_id": chief},
                          headers=headers["sub"])
    assert response.status_code == 403
    assert response.json()["message_zh"] == f"路段 {seg.segment_id} 不在您的管辖范围内，未做任何修改"


def test_a_step_the_workflow_does_not_allow_is_409_in_chinese(client, conn, headers):
    issue_id = conn.execute(text("SELECT id FROM issue WHERE status = 'reported' LIMIT 1")).scalar_one()
    response = client.post(f"/api/issues/{issue_id}/events", json={"status": "closed", "actor": "王科长"},
                           headers=headers["admin"])
    assert response.status_code == 409
    body = response.json()
    assert body["current_status"] == "reported"
    assert body["message_zh"] == f"问题 {issue_id} 处于“上报”环节，不能转到“结案”；下一步可为：派遣，未做任何修改"


def test_a_write_without_sign_in_is_401_with_a_bearer_challenge(client, conn):
    seg = segment_in(conn, tier=3, held=True)
    response = client.delete(f"/api/segments/{seg.segment_id}/chiefs/3")
    assert response.status_code == 401
    assert response.headers["www-authenticate"] == "Bearer"
    assert response.json()["message_zh"] == "请先登录：此项修改需要有编辑权限的账号"


def test_fastapis_own_validation_errors_name_the_field_in_chinese(client):
    response = client.get("/api/issues", params={"page": "two"})
    assert response.status_code == 422
    body = response.json()
    assert body["error"].startswith("invalid request: query.page")
    assert body["message_zh"] == "请求参数有误：page 须为整数"


def test_a_wrong_path_is_404_in_chinese(client):
    response = client.get("/api/no-such-thing")
    assert response.status_code == 404
    assert response.json()["message_zh"] == "未找到所请求的地址"


def test_a_missing_or_broken_json_body_is_explained_in_chinese(client, conn, headers):
    seg = segment_in(conn, tier=3, held=True)
    url = f"/api/segments/{seg.segment_id}/chiefs/3"
    missing = client.put(url, json={}, headers=headers["admin"])
    assert missing.status_code == 422 and missing.json()["message_zh"] == "请求参数有误：chief_id 为必填项"
    broken = client.put(url, content=b"{not json", headers={**headers["admin"], "Content-Type": "application/json"})
    assert broken.status_code == 422 and broken.json()["message_zh"] == "请求参数有误：请求内容不是有效的 JSON"
