from sqlalchemy import text

from tests.helpers import current_holder, eligible_chief, first_area, segment_in


def test_assigning_a_tier3_chief_closes_the_old_row_and_audits(client, conn, headers):
    seg = segment_in(conn, tier=3, held=True)
    old = current_holder(conn, seg.segment_id, 3)
    new = eligible_chief(conn, seg.segment_id, 3, exclude=old)
    response = client.put(f"/api/segments/{seg.segment_id}/chiefs/3", json={"chief_id": new},
                          headers=headers["admin"])
    assert response.status_code == 200, response.text
    assert response.json()["action"] == "reassign" and response.json()["old_chief_id"] == old
    assert current_holder(conn, seg.segment_id, 3) == new
    history = client.get(f"/api/segments/{seg.segment_id}/history").json()
    tier3 = [a for a in history["assignments"] if a["tier"] == 3]
    assert tier3[0]["chief_id"] == new and tier3[0]["valid_to"] is None
    assert tier3[1]["chief_id"] == old and tier3[1]["valid_to"] is not None
    audit = history["audit"][0]
    assert (audit["action"], audit["old_chief_id"], audit["new_chief_id"], audit["username"]) == (
        "reassign", old, new, "t_admin")


def test_detail_shows_the_new_chief_at_each_tier(client, conn, headers):
    seg = segment_in(conn, tier=3, held=True)
    new = eligible_chief(conn, seg.segment_id, 3, exclude=current_holder(conn, seg.segment_id, 3))
    client.put(f"/api/segments/{seg.segment_id}/chiefs/3", json={"chief_id": new}, headers=headers["admin"])
    detail = client.get(f"/api/segments/{seg.segment_id}").json()
    assert detail["chiefs"]["3"]["id"] == new
    assert set(detail["chiefs"]) == {"1", "2", "3"} and detail["road_name"] and detail["length_m"] > 0


def test_a_tier3_chief_from_another_community_is_refused(client, conn, headers):
    seg = segment_in(conn, tier=3, held=True)
    stranger = conn.execute(text(
        "SELECT id FROM chief WHERE community_id <> :c AND active ORDER BY id LIMIT 1"),
        {"c": seg.community_id}).scalar_one()
    before = current_holder(conn, seg.segment_id, 3)
    response = client.put(f"/api/segments/{seg.segment_id}/chiefs/3", json={"chief_id": stranger},
                          headers=headers["admin"])
    assert response.status_code == 422 and "community" in response.json()["error"]
    assert current_holder(conn, seg.segment_id, 3) == before


def test_a_tier2_chief_from_another_sub_district_is_refused(client, conn, headers):
    seg = segment_in(conn, tier=2, held=True)
    stranger = conn.execute(text("""
        SELECT ch.id FROM chief ch WHERE ch.community_id IS NULL AND ch.sub_district_id <> :sd AND ch.active
        ORDER BY ch.id LIMIT 1"""), {"sd": seg.sub_district_id}).scalar_one()
    response = client.put(f"/api/segments/{seg.segment_id}/chiefs/2", json={"chief_id": stranger},
                          headers=headers["admin"])
    assert response.status_code == 422 and "sub-district" in response.json()["error"]


def test_the_database_refuses_an_ineligible_chief_too(conn):
    seg = segment_in(conn, tier=3, held=False)
    stranger = conn.execute(text("SELECT id FROM chief WHERE community_id <> :c ORDER BY id LIMIT 1"),
                            {"c": seg.community_id}).scalar_one()
    import pytest
    from sqlalchemy.exc import IntegrityError
    with pytest.raises(IntegrityError) as refused:
        with conn.begin_nested():
            conn.execute(text("INSERT INTO segment_assignment (segment_id, tier, chief_id) VALUES (:s, 3, :c)"),
                         {"s": seg.segment_id, "c": stranger})
    assert refused.value.orig.diag.constraint_name == "ck_segment_assignment_tier3_community"


def test_an_inactive_chief_cannot_be_assigned(client, conn, headers):
    seg = segment_in(conn, tier=3)
    gone = conn.execute(text("SELECT id FROM chief WHERE community_id = :c AND NOT active LIMIT 1"),
                        {"c": seg.community_id}).scalar_one()
    response = client.put(f"/api/segments/{seg.segment_id}/chiefs/3", json={"chief_id": gone},
                          headers=headers["admin"])
    assert response.status_code == 422 and "no longer active" in response.json()["error"]


def test_passing_the_length_limit_warns_but_assigns(client, conn, headers):
    client.app.state.settings.chief_length_limit_m = 1.0
    seg = segment_in(conn, tier=3, held=True)
    new = eligible_chief(conn, seg.segment_id, 3, exclude=current_holder(conn, seg.segment_id, 3))
    response = client.put(f"/api/segments/{seg.segment_id}/chiefs/3", json={"chief_id": new},
                          headers=headers["admin"])
    assert response.status_code == 200 and "more than the limit" in response.json()["warning"]
    assert current_holder(conn, seg.segment_id, 3) == new


def test_no_warning_under_the_limit(client, conn, headers):
    seg = segment_in(conn, tier=3, held=True)
    new = eligible_chief(conn, seg.segment_id, 3, exclude=current_holder(conn, seg.segment_id, 3))
    response = client.put(f"/api/segments/{seg.segment_id}/chiefs/3", json={"chief_id": new},
                          headers=headers["admin"])
    assert response.json()["warning"] is None


def test_unassign_ends_the_row_and_a_second_unassign_is_404(client, conn, headers):
    seg = segment_in(conn, tier=1, held=True)
    response = client.delete(f"/api/segments/{seg.segment_id}/chiefs/1", headers=headers["admin"])
    assert response.status_code == 200 and response.json()["action"] == "unassign"
    assert current_holder(conn, seg.segment_id, 1) is None
    again = client.delete(f"/api/segments/{seg.segment_id}/chiefs/1", headers=headers["admin"])
    assert again.status_code == 404


def test_bulk_assignment_is_all_or_nothing(client, conn, headers):
    area = first_area(conn)
    ids = conn.execute(text("SELECT id FROM road_segment WHERE community_id = :c ORDER BY id LIMIT 3"),
                       {"c": area.community_id}).scalars().all()
    chief = eligible_chief(conn, ids[0], 3)
    before = [current_holder(conn, i, 3) for i in ids]
    outsider = segment_in(conn, outside_sub_district=area.sub_district_id).segment_id
    response = client.post("/api/assignments", headers=headers["admin"], json={
        "segment_ids": ids + [outsider], "tier": 3, "chief_id": chief})
    assert response.status_code == 422 and "item 4" in response.json()["error"]
    assert [current_holder(conn, i, 3) for i in ids] == before
    response = client.post("/api/assignments", headers=headers["admin"], json={
        "segment_ids": ids, "tier": 3, "chief_id": chief})
    assert response.status_code == 200
    assert [current_holder(conn, i, 3) for i in ids] == [chief] * 3


def test_bad_tier_and_unknown_segment_and_chief(client, conn, headers):
    seg = segment_in(conn)
    assert client.put(f"/api/segments/{seg.segment_id}/chiefs/4", json={"chief_id": 1},
                      headers=headers["admin"]).status_code == 422
    assert client.put("/api/segments/99999999/chiefs/3", json={"chief_id": 1},
                      headers=headers["admin"]).status_code == 404
    assert client.put(f"/api/segments/{seg.segment_id}/chiefs/3", json={"chief_id": 99999999},
                      headers=headers["admin"]).status_code == 404


def test_a_write_is_committed_before_its_response_is_sent(engine, cluster):
    """Over a real server, a new TCP connection per request as a browser may use: a read right
    after a write sees it (the commit happens before the response is sent)."""
    import httpx

    from gis_service.settings import Settings
    from tests.gis_service.browser import BROWSER_PASSWORD, BROWSER_USER, serve, undo_writes

    with undo_writes(engine), serve(Settings(database_url=cluster.url()), engine) as url, \
            httpx.Client(base_url=url, limits=httpx.Limits(max_keepalive_connections=0)) as api:
        credentials = {"username": BROWSER_USER, "password": BROWSER_PASSWORD}
        token = api.post("/api/auth/login", json=credentials).json()["token"]
        auth = {"Authorization": f"Bearer {token}"}
        with engine.connect() as conn:
            seg = segment_in(conn, tier=3, held=False)
            chief = eligible_chief(conn, seg.segment_id, 3)
        seen = []
        for _ in range(10):
            api.put(f"/api/segments/{seg.segment_id}/chiefs/3", json={"chief_id": chief}, headers=auth)
            seen.append(api.get(f"/api/segments/{seg.segment_id}").json()["chiefs"]["3"])
            api.delete(f"/api/segments/{seg.segment_id}/chiefs/3", headers=auth)
            seen.append(api.get(f"/api/segments/{seg.segment_id}").json()["chiefs"]["3"])
    assert [c and c["id"] for c in seen] == [chief, None] * 10
