import pytest

from tests.helpers import current_holder, eligible_chief, first_area, segment_in


def put(client, seg, tier, chief, headers):
    return client.put(f"/api/segments/{seg}/chiefs/{tier}", json={"chief_id": chief}, headers=headers)


def test_writes_without_sign_in_are_401_and_change_nothing(client, conn):
    seg = segment_in(conn, tier=3, held=True)
    before = current_holder(conn, seg.segment_id, 3)
    response = put(client, seg.segment_id, 3, eligible_chief(conn, seg.segment_id, 3, exclude=before), {})
    assert response.status_code == 401
    assert current_holder(conn, seg.segment_id, 3) == before


def test_a_viewer_may_read_but_not_write(client, conn, headers):
    seg = segment_in(conn, tier=3, held=True)
    assert client.get(f"/api/segments/{seg.segment_id}", headers=headers["viewer"]).status_code == 200
    chief = eligible_chief(conn, seg.segment_id, 3, exclude=current_holder(conn, seg.segment_id, 3))
    assert put(client, seg.segment_id, 3, chief, headers["viewer"]).status_code == 403
    assert client.delete(f"/api/segments/{seg.segment_id}/chiefs/3", headers=headers["viewer"]).status_code == 403


@pytest.mark.parametrize("tier", [1, 2, 3])
def test_a_sub_district_admin_writes_every_tier_inside_its_sub_district(client, conn, headers, tier):
    area = first_area(conn)
    seg = segment_in(conn, sub_district_id=area.sub_district_id, tier=tier, held=True)
    chief = eligible_chief(conn, seg.segment_id, tier, exclude=current_holder(conn, seg.segment_id, tier))
    assert put(client, seg.segment_id, tier, chief, headers["sub"]).status_code == 200


def test_a_sub_district_admin_is_refused_outside(client, conn, headers):
    area = first_area(conn)
    seg = segment_in(conn, outside_sub_district=area.sub_district_id, tier=3, held=True)
    chief = eligible_chief(conn, seg.segment_id, 3, exclude=current_holder(conn, seg.segment_id, 3))
    response = put(client, seg.segment_id, 3, chief, headers["sub"])
    assert response.status_code == 403 and "jurisdiction" in response.json()["error"]


def test_a_community_admin_writes_tier3_in_its_community_only(client, conn, headers):
    area = first_area(conn)
    seg = segment_in(conn, community_id=area.community_id, tier=3, held=True)
    chief = eligible_chief(conn, seg.segment_id, 3, exclude=current_holder(conn, seg.segment_id, 3))
    assert put(client, seg.segment_id, 3, chief, headers["community"]).status_code == 200
    tier2 = eligible_chief(conn, seg.segment_id, 2)
    response = put(client, seg.segment_id, 2, tier2, headers["community"])
    assert response.status_code == 403 and "tier-3" in response.json()["error"]
    other = segment_in(conn, outside_sub_district=area.sub_district_id, tier=3, held=True)
    other_chief = eligible_chief(conn, other.segment_id, 3, exclude=current_holder(conn, other.segment_id, 3))
    assert put(client, other.segment_id, 3, other_chief, headers["community"]).status_code == 403


def test_a_bulk_request_crossing_the_jurisdiction_changes_nothing(client, conn, headers):
    area = first_area(conn)
    inside = segment_in(conn, community_id=area.community_id, tier=1, held=True)
    outside = segment_in(conn, outside_sub_district=area.sub_district_id, tier=1, held=True)
    response = client.post("/api/assignments", headers=headers["sub"], json={"items": [
        {"segment_id": inside.segment_id, "tier": 1, "chief_id": None},
        {"segment_id": outside.segment_id, "tier": 1, "chief_id": None}]})
    assert response.status_code == 403 and "item 2" in response.json()["error"]
    assert current_holder(conn, inside.segment_id, 1) is not None


def test_chief_creation_stays_inside_the_jurisdiction(client, conn, headers):
    area = first_area(conn)
    mine = {"name": "测试员", "phone": "13000000001", "community_id": area.community_id, "is_party_member": True}
    response = client.post("/api/chiefs", json=mine, headers=headers["community"])
    assert response.status_code == 201 and response.json()["sub_district_id"] == area.sub_district_id
    other_community = conn.execute(__import__("sqlalchemy").text(
        "SELECT id FROM community WHERE sub_district_id <> :sd LIMIT 1"), {"sd": area.sub_district_id}).scalar()
    theirs = {"name": "测试员", "phone": "13000000002", "community_id": other_community}
    assert client.post("/api/chiefs", json=theirs, headers=headers["sub"]).status_code == 403
    assert client.post("/api/chiefs", json=theirs, headers=headers["viewer"]).status_code == 403
    assert client.post("/api/chiefs", json=theirs, headers=headers["admin"]).status_code == 201


def test_chief_edits_stay_inside_the_jurisdiction(client, conn, headers):
    from sqlalchemy import text

    area = first_area(conn)
    mine = conn.execute(text("SELECT id FROM chief WHERE community_id = :c ORDER BY id LIMIT 1"),
                        {"c": area.community_id}).scalar()
    theirs = conn.execute(text("""
        SELECT ch.id FROM chief ch JOIN community c ON c.id = ch.community_id
        WHERE c.sub_district_id <> :sd ORDER BY ch.id LIMIT 1"""), {"sd": area.sub_district_id}).scalar()
    assert client.patch(f"/api/chiefs/{mine}", json={"position": "网格长"},
                        headers=headers["community"]).status_code == 200
    assert client.patch(f"/api/chiefs/{theirs}", json={"position": "网格长"},
                        headers=headers["community"]).status_code == 403
    assert client.patch(f"/api/chiefs/{theirs}", json={"position": "网格长"},
                        headers=headers["sub"]).status_code == 403
    moved = client.patch(f"/api/chiefs/{mine}", json={"community_id": conn.execute(text(
        "SELECT id FROM community WHERE sub_district_id <> :sd LIMIT 1"), {"sd": area.sub_district_id}).scalar()},
        headers=headers["sub"])
    assert moved.status_code == 403  # may not move a chief out of its own area
