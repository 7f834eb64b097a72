"""The demo district's whole chief hierarchy on day one: 总路长 and 副总路长 above the three tiers,
a 街长 with three 包保党员 on each main street, the general chiefs' half-monthly patrols, and a
phone user for a chief of each tier."""

from datetime import timedelta

import pytest
from sqlalchemy import text

from roads.demo.users import create_chief_users
from roads.issues.window import Window
from roads.patrols.compliance import compliance
from roads.users import login
from tests.conftest import DEMO_AS_OF

MAIN_STREETS = {"航海东路", "商都路", "前程大道", "九龙大道", "南三环"}


def titles(entries) -> list[str]:
    return [e["title"] for e in entries]


def test_the_head_and_the_deputy_stand_above_the_tiers(client):
    tree = client.get("/api/chief-tree", params={"depth": "district"}).json()
    head, deputy, *others = tree["chiefs"]
    assert (head["title"], head["position"]) == ("总路长", "管委会主任")
    assert (deputy["title"], deputy["position"]) == ("副总路长", "管委会副主任（分管城市管理）")
    assert head["party_member"] and deputy["party_member"]
    # every half month: nothing due in a week, so the tree gives their last half month too
    assert (head["patrols_due"], head["recent"]["days"], head["recent"]["due"]) == (0, 15, 1)
    assert set(titles(others)) == {"一级路长"} and len(others) == 6


def test_every_main_street_has_its_street_chief_and_three_party_backers(conn):
    rows = conn.execute(text("""
        SELECT r.name, rr.role, ch.id, ch.is_party_member, ch.active,
               EXISTS (SELECT 1 FROM segment_assignment a WHERE a.chief_id = ch.id AND a.valid_to IS NULL) AS holds,
               EXISTS (SELECT 1 FROM segment_assignment a JOIN road_segment s ON s.id = a.segment_id
                       WHERE a.chief_id = ch.id AND a.tier = 1 AND a.valid_to IS NULL AND s.road_id = r.id)
                   AS leads_it,
               EXISTS (SELECT 1 FROM road_segment s WHERE s.road_id = r.id AND s.community_id = ch.community_id)
                   AS lives_on_it
        FROM road_chief_role rr JOIN road r ON r.id = rr.road_id JOIN chief ch ON ch.id = rr.chief_id
    """)).mappings().all()
    assert {r["name"] for r in rows} == MAIN_STREETS
    for street in MAIN_STREETS:
        chiefs = [r for r in rows if r["name"] == street and r["role"] == "street_chief"]
        backers = [r for r in rows if r["name"] == street and r["role"] == "party_backer"]
        assert len(chiefs) == 1 and chiefs[0]["leads_it"]  # a district leader on the street
        assert len(backers) == 3
        assert all(b["is_party_member"] and b["active"] and not b["holds"] and b["lives_on_it"] for b in backers)
    backer_ids = [r["id"] for r in rows if r["role"] == "party_backer"]
    assert len(backer_ids) == len(set(backer_ids)) == 15  # nobody backs two streets


def test_a_community_on_a_main_street_shows_its_street_chief_and_backers(client, conn):
    community = conn.execute(text("""
        SELECT s.community_id FROM road_segment s JOIN road r ON r.id = s.road_id
        WHERE r.name = '航海东路' ORDER BY s.id LIMIT 1
    """)).scalar_one()
    tree = client.get("/api/chief-tree", params={"community": community}).json()
    roads = {r["name"]: r for r in tree["children"][0]["children"][0]["children"]}
    street = roads["航海东路"]["chiefs"]
    assert titles(street) == ["街长", "包保党员", "包保党员", "包保党员"]
    assert all(c["party_member"] for c in street)


def test_the_general_chiefs_patrol_every_half_month(conn):
    today = DEMO_AS_OF.replace(hour=0)
    sixty_days = Window(today - timedelta(days=60), today)
    chiefs = {u["name"]: u for u in compliance(conn, sixty_days, "chief")["units"]}
    general = dict(conn.execute(text("SELECT general_rank, name FROM chief WHERE general_chief")).all())
    head, deputy = chiefs[general[1]], chiefs[general[2]]
    assert (deputy["due"], deputy["done"]) == (4, 4)  # four half-months, none missed
    assert (head["due"], head["done"]) == (4, 3)
    tier0 = {u["id"]: u for u in compliance(conn, sixty_days, "tier")["units"]}[0]
    assert (tier0["due"], tier0["done"]) == (8, 7)


@pytest.fixture
def phone_users(conn) -> dict[str, dict]:
    return {u["username"]: u for u in create_chief_users(conn)}


def sign_in(conn, users, username) -> dict:
    token, _ = login(conn, username, users[username]["password"])
    return {"Authorization": f"Bearer {token}"}


def test_the_phone_demo_users_are_chiefs_of_each_tier(client, conn, phone_users):
    assert set(phone_users) == {"zongluzhang", "luzhang1", "luzhang2", "luzhang3"}
    assert {u["role"] for u in phone_users.values()} == {"viewer"}
    assert create_chief_users(conn) == []  # once
    me = client.get("/api/me", headers=sign_in(conn, phone_users, "zongluzhang")).json()
    assert me["chief"]["general_rank"] == 1
    for tier in (1, 2, 3):
        mine = client.get("/api/me/segments", headers=sign_in(conn, phone_users, f"luzhang{tier}")).json()
        assert mine["features"] and {f["properties"]["tier"] for f in mine["features"]} == {tier}
        assert "中烟社区" in {f["properties"]["community_name"] for f in mine["features"]}
    # a linked viewer reports from the phone
    answer = client.post("/api/issues", headers=sign_in(conn, phone_users, "luzhang3"), data={
        "lon": 113.75, "lat": 34.70, "category": "T03.01", "description": "巡查发现占道经营", "source": "patrol"})
    assert answer.status_code == 201, answer.text

