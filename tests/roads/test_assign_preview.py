"""POST /api/assignments/preview: a selection split by jurisdiction and by eligible chiefs."""

from sqlalchemy import text

from tests.helpers import make_user


def road_through_communities(conn, name="经南四路"):
    """The road's segments and a community it crosses that holds active tier-3 chiefs."""
    ids = conn.execute(text("""
        SELECT s.id FROM road_segment s JOIN road r ON r.id = s.road_id WHERE r.name = :n ORDER BY s.id
    """), {"n": name}).scalars().all()
    community = conn.execute(text("""
        SELECT s.community_id FROM road_segment s JOIN road r ON r.id = s.road_id
        WHERE r.name = :n AND EXISTS (SELECT 1 FROM chief ch WHERE ch.community_id = s.community_id AND ch.active)
        GROUP BY s.community_id ORDER BY count(*) DESC, s.community_id LIMIT 1
    """), {"n": name}).scalar_one()
    return ids, community


def test_a_community_cadre_gets_only_their_communitys_segments_with_its_chiefs(client, conn):
    ids, community = road_through_communities(conn)
    own = set(conn.execute(text("SELECT id FROM road_segment WHERE id = ANY(:ids) AND community_id = :c"),
                           {"ids": ids, "c": community}).scalars())
    assert 0 < len(own) < len(ids)  # the road crosses other communities too
    headers = make_user(conn, "t_cadre", "community_admin", community_id=community)
    response = client.post("/api/assignments/preview", json={"segment_ids": ids, "tier": 3}, headers=headers)
    assert response.status_code == 200, response.text
    body = response.json()
    assert [g["area"]["id"] for g in body["groups"]] == [community]
    assert set(body["groups"][0]["segment_ids"]) == own
    assert {s["segment_id"] for s in body["out_of_reach"]} == set(ids) - own
    assert all("管辖范围" in s["reason_zh"] for s in body["out_of_reach"])
    homes = {c["community_id"] for c in body["groups"][0]["eligible_chiefs"]}
    assert homes == {community} and all(c["active"] for c in body["groups"][0]["eligible_chiefs"])


def test_a_district_admin_sees_every_community_as_a_group(client, conn, headers):
    ids, _ = road_through_communities(conn)
    communities = set(conn.execute(text("SELECT community_id FROM road_segment WHERE id = ANY(:ids)"),
                                   {"ids": ids}).scalars())
    body = client.post("/api/assignments/preview", json={"segment_ids": ids, "tier": 3},
                       headers=headers["admin"]).json()
    assert body["out_of_reach"] == []
    assert {g["area"]["id"] for g in body["groups"]} == communities
    assert sorted(s for g in body["groups"] for s in g["segment_ids"]) == sorted(ids)
    for group in body["groups"]:
        assert {c["community_id"] for c in group["eligible_chiefs"]} <= {group["area"]["id"]}


def test_at_tier_2_the_groups_are_sub_districts_and_a_cadre_reaches_nothing(client, conn):
    ids, community = road_through_communities(conn)
    headers = make_user(conn, "t_cadre", "community_admin", community_id=community)
    body = client.post("/api/assignments/preview", json={"segment_ids": ids, "tier": 2}, headers=headers).json()
    assert body["groups"] == [] and len(body["out_of_reach"]) == len(ids)
    assert "三级路长" in body["out_of_reach"][0]["reason_zh"]


def test_anonymous_sees_the_groups_without_phones_and_writes_nothing(client, conn):
    ids, _ = road_through_communities(conn)
    before = conn.execute(text("SELECT count(*) FROM segment_assignment")).scalar()
    body = client.post("/api/assignments/preview", json={"segment_ids": ids, "tier": 3}).json()
    assert body["signed_in"] is False and body["out_of_reach"] == []
    assert all(c["phone"] is None for g in body["groups"] for c in g["eligible_chiefs"])
    assert conn.execute(text("SELECT count(*) FROM segment_assignment")).scalar() == before


def test_an_unknown_segment_is_404_with_its_chinese_reason(client, headers):
    response = client.post("/api/assignments/preview", json={"segment_ids": [999999], "tier": 3},
                           headers=headers["admin"])
    assert response.status_code == 404 and "999999" in response.json()["message_zh"]
