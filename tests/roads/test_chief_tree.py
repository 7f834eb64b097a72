"""The chief tree over a hand-made sub-district beside the demo district: two communities, a street
across both with its 街长 and three backing party members, chiefs at every tier, the district's
总路长 and 副总路长, and one patrol that gives the patrol rates."""

from dataclasses import dataclass
from datetime import datetime, timedelta

import pytest
from sqlalchemy import text

from roads.issues.window import CHINA_TZ
from roads.patrols.recording import record_track
from roads.users import add_user
from tests.roads.patrols.conftest import walk

WEEK = "2026-W46"  # 9 to 15 November 2026, no holiday


@dataclass
class Hand:
    sub_district: int
    communities: tuple[int, int]
    roads: dict[str, int]
    segments: dict[str, int]
    chiefs: dict[str, int]
    ends: dict[str, tuple]


def box(x0, y0, x1, y1) -> str:
    return f"SRID=4326;MULTIPOLYGON((({x0} {y0},{x1} {y0},{x1} {y1},{x0} {y1},{x0} {y0})))"


def chief(conn, name, party=False, general=False, rank=None, community=None, sub=None, position="干部") -> int:
    return conn.execute(text("""
        INSERT INTO chief (name, phone, organisation, position, is_party_member, general_chief, general_rank,
                           community_id, sub_district_id)
        VALUES (:n, '1380000' || lpad((floor(random() * 10000))::text, 4, '0'), '测试单位', :pos, :party, :g, :r,
                :c, :sd)
        RETURNING id
    """), {"n": name, "pos": position, "party": party, "g": general, "r": rank, "c": community, "sd": sub}).scalar_one()


@pytest.fixture
def hand(conn) -> Hand:
    x, y = conn.execute(text(
        "SELECT ST_XMax(ST_Extent(geom)) + 0.01, ST_YMin(ST_Extent(geom)) + 0.01 FROM sub_district")).one()
    sd = conn.execute(text(
        "INSERT INTO sub_district (code, name, geom) VALUES ('T-SD', '手工办事处', :g) RETURNING id"),
        {"g": box(x, y, x + 0.02, y + 0.01)}).scalar_one()
    add_community = text("""INSERT INTO community (code, name, sub_district_id, geom)
                            VALUES (:code, :name, :sd, :g) RETURNING id""")
    a, b = (conn.execute(add_community, {"code": code, "name": name, "sd": sd, "g": box(x0, y, x0 + 0.01, y + 0.01)}
                         ).scalar_one() for code, name, x0 in (("T-A", "甲社区", x), ("T-B", "乙社区", x + 0.01)))
    roads = {name: conn.execute(text("INSERT INTO road (name, road_class) VALUES (:n, '次干道') RETURNING id"),
                                {"n": name}).scalar_one() for name in ("手工甲路", "手工乙街")}
    mid = y + 0.005
    ends = {"a": ((x + 0.001, mid), (x + 0.0099, mid)), "b": ((x + 0.0101, mid), (x + 0.019, mid)),
            "c": ((x + 0.005, y + 0.001), (x + 0.005, y + 0.0045))}
    where = {"a": ("手工甲路", a), "b": ("手工甲路", b), "c": ("手工乙街", a)}
    segments = {key: conn.execute(text("""
        INSERT INTO road_segment (road_id, community_id, geom)
        VALUES (:r, :c, ST_SetSRID(ST_MakeLine(ST_MakePoint(:x0, :y0), ST_MakePoint(:x1, :y1)), 4326)) RETURNING id
    """), {"r": roads[where[key][0]], "c": where[key][1], "x0": ends[key][0][0], "y0": ends[key][0][1],
           "x1": ends[key][1][0], "y1": ends[key][1][1]}).scalar_one() for key in ends}
    chiefs = {
        "head": chief(conn, "区长甲", party=True, general=True, rank=1, position="区长"),
        "deputy": chief(conn, "副区长乙", party=True, general=True, rank=2, position="副区长"),
        "t1": chief(conn, "一级丙", party=True), "t2": chief(conn, "二级丁", sub=sd),
        "t3a": chief(conn, "三级戊", party=True, community=a), "t3b": chief(conn, "三级己", community=b),
        "street": chief(conn, "街长庚", party=True, community=a),
        **{f"p{i}": chief(conn, f"党员{i}", party=True, community=a) for i in (1, 2, 3, 4)},
        "nonparty": chief(conn, "群众辛", community=a),
    }
    # The demo's own general chiefs (if any) stay; ours are the ones with these names.
    since = datetime(2026, 11, 1, tzinfo=CHINA_TZ)
    for key, seg in segments.items():
        tier3 = chiefs["t3b"] if key == "b" else chiefs["t3a"]
        for tier, chief_id in ((1, chiefs["t1"]), (2, chiefs["t2"]), (3, tier3)):
            conn.execute(text("""INSERT INTO segment_assignment (segment_id, tier, chief_id, valid_from, assigned_by)
                                 VALUES (:s, :t, :c, :v, 'test')"""), {"s": seg, "t": tier, "c": chief_id, "v": since})
    return Hand(sd, (a, b), roads, segments, chiefs, ends)


def names(entries) -> list[tuple[str, str]]:
    return [(e["title"], e["name"]) for e in entries]


def test_the_tree_of_a_hand_made_sub_district(client, conn, hand, headers):
    street = client.put(f"/api/roads/{hand.roads['手工甲路']}/street-chief", headers=headers["admin"], json={
        "chief_id": hand.chiefs["street"], "party_backer_ids": [hand.chiefs[p] for p in ("p1", "p2", "p3")]})
    assert street.status_code == 200, street.text
    tree = client.get("/api/chief-tree", params={"sub_district": hand.sub_district, "week": WEEK}).json()
    assert tree["level"] == "district" and tree["segments"] == 3
    titles = names(tree["chiefs"])
    assert ("一级路长", "一级丙") in titles
    assert titles.index(("总路长", "区长甲")) < titles.index(("副总路长", "副区长乙"))
    (sub,) = tree["children"]
    assert sub["name"] == "手工办事处" and sub["segments"] == 3 and names(sub["chiefs"]) == [("二级路长", "二级丁")]
    a, b = sub["children"]
    assert (a["name"], a["segments"], b["name"], b["segments"]) == ("甲社区", 2, "乙社区", 1)
    assert names(a["chiefs"]) == [("三级路长", "三级戊")] and names(b["chiefs"]) == [("三级路长", "三级己")]
    roads = {r["name"]: r for r in a["children"]}
    assert set(roads) == {"手工甲路", "手工乙街"}
    assert names(roads["手工甲路"]["chiefs"]) == [("街长", "街长庚"), ("包保党员", "党员1"), ("包保党员", "党员2"),
                                                 ("包保党员", "党员3")]
    assert all(c["party_member"] for c in roads["手工甲路"]["chiefs"])
    # The street chief and backers are the street's, in each community it crosses.
    assert names(b["children"][0]["chiefs"])[0] == ("街长", "街长庚")
    (segment,) = roads["手工甲路"]["children"]
    assert segment["id"] == hand.segments["a"]
    assert names(segment["chiefs"]) == [("一级路长", "一级丙"), ("二级路长", "二级丁"), ("三级路长", "三级戊")]
    assert all(c["phone"] is None for c in segment["chiefs"])  # anonymous: no phone numbers
    signed_in = client.get("/api/chief-tree", params={"community": hand.communities[0]},
                           headers=headers["viewer"]).json()
    assert all(c["phone"] for c in signed_in["children"][0]["children"][0]["chiefs"])
    shallow = client.get("/api/chief-tree", params={"sub_district": hand.sub_district, "depth": "sub_district"}).json()
    assert "children" not in shallow["children"][0]


def test_patrol_rates_in_the_tree_are_those_of_the_compliance_api(client, conn, hand):
    start, end = hand.ends["a"]
    out = walk(start, end, datetime(2026, 11, 10, 9, 0, tzinfo=CHINA_TZ), speed_mps=1.1)
    back = walk(end, start, out[-1].recorded_at + timedelta(seconds=5), speed_mps=1.1)  # over 20 minutes
    admin = add_user(conn, "tree_admin", "correct horse battery", "district_admin")
    record_track(conn, admin, hand.chiefs["t3a"], out + back)
    tree = client.get("/api/chief-tree", params={"community": hand.communities[0], "week": WEEK}).json()
    community = tree["children"][0]["children"][0]
    (t3a,) = community["chiefs"]
    compliance = {u["id"]: u for u in client.get("/api/patrols/compliance",
                                                params={"level": "chief", "week": WEEK}).json()["units"]}
    expected = compliance[hand.chiefs["t3a"]]
    # 三级戊 holds segments a and c, daily: 14 due, a patrolled on one day.
    assert (t3a["patrols_due"], t3a["patrols_done"]) == (expected["due"], expected["done"]) == (14, 1)
    assert t3a["patrol_rate"] == expected["rate"] == round(1 / 14, 4)


@pytest.mark.parametrize("backers, status", [
    (("p1", "p2", "p3", "p4"), 422),  # at most three
    (("nonparty",), 422),  # a party member backs a street chief
    (("street",), 422),  # not the street chief themself
])
def test_street_chief_refusals(client, hand, headers, backers, status):
    answer = client.put(f"/api/roads/{hand.roads['手工甲路']}/street-chief", headers=headers["admin"], json={
        "chief_id": hand.chiefs["street"], "party_backer_ids": [hand.chiefs[b] for b in backers]})
    assert answer.status_code == status and answer.json()["message_zh"]


def test_street_chief_needs_the_district_admin_and_a_real_road(client, hand, headers):
    body = {"chief_id": hand.chiefs["street"], "party_backer_ids": []}
    assert client.put(f"/api/roads/{hand.roads['手工甲路']}/street-chief", json=body,
                      headers=headers["sub"]).status_code == 403
    assert client.put("/api/roads/99999999/street-chief", json=body, headers=headers["admin"]).status_code == 404
    assert client.put(f"/api/roads/{hand.roads['手工甲路']}/street-chief", headers=headers["admin"],
                      json={"chief_id": 99999999}).status_code == 404
    assert client.get("/api/chief-tree", params={"community": 99999999}).status_code == 404


def test_the_district_admin_names_the_general_chiefs(client, hand, headers):
    chief_id = hand.chiefs["t1"]
    answer = client.put(f"/api/chiefs/{chief_id}/general", json={"rank": 2}, headers=headers["admin"])
    assert answer.status_code == 200 and answer.json()["title"] == "副总路长"
    tree = client.get("/api/chief-tree", params={"sub_district": hand.sub_district, "depth": "district"}).json()
    assert ("副总路长", "一级丙") in names(tree["chiefs"])
    assert client.put(f"/api/chiefs/{chief_id}/general", json={"rank": 3}, headers=headers["admin"]).status_code == 422
    assert client.put(f"/api/chiefs/{chief_id}/general", json={"rank": 1}, headers=headers["sub"]).status_code == 403
    assert client.put("/api/chiefs/99999999/general", json={"rank": 1}, headers=headers["admin"]).status_code == 404
    client.put(f"/api/chiefs/{chief_id}/general", json={"rank": None}, headers=headers["admin"])
    tree = client.get("/api/chief-tree", params={"sub_district": hand.sub_district, "depth": "district"}).json()
    assert ("副总路长", "一级丙") not in names(tree["chiefs"])
