import json

from sqlalchemy import text

from tests.helpers import first_area, segment_in


def test_eligible_chiefs_for_tier3_come_from_the_segment_community(client, conn):
    seg = segment_in(conn, tier=3)
    chiefs = client.get("/api/chiefs", params={"segment_id": seg.segment_id, "tier": 3}).json()
    assert chiefs and {c["community_id"] for c in chiefs} == {seg.community_id}
    assert all(c["active"] for c in chiefs)


def test_eligible_chiefs_for_tier2_come_from_the_sub_district(client, conn):
    seg = segment_in(conn, tier=2)
    chiefs = client.get("/api/chiefs", params={"segment_id": seg.segment_id, "tier": 2, "limit": 500}).json()
    assert chiefs and {c["sub_district_id"] for c in chiefs} == {seg.sub_district_id}


def test_chief_search_by_name_and_duplicate_is_409(client, conn, headers):
    name = conn.execute(text("SELECT name FROM chief ORDER BY id LIMIT 1")).scalar()
    found = client.get("/api/chiefs", params={"q": name}).json()
    assert found and all(name in c["name"] for c in found)
    body = {"name": "新路长", "phone": "13900000000"}
    assert client.post("/api/chiefs", json=body, headers=headers["admin"]).status_code == 201
    again = client.post("/api/chiefs", json=body, headers=headers["admin"])
    assert again.status_code == 409


def test_patch_marks_a_chief_party_member(client, conn, headers):
    chief = conn.execute(text("SELECT id FROM chief WHERE NOT is_party_member ORDER BY id LIMIT 1")).scalar()
    response = client.patch(f"/api/chiefs/{chief}", json={"is_party_member": True}, headers=headers["admin"])
    assert response.status_code == 200 and response.json()["is_party_member"] is True
    assert client.patch(f"/api/chiefs/{chief}", json={"name": " "}, headers=headers["admin"]).status_code == 422


def test_segments_geojson_filters(client, conn):
    area = first_area(conn)
    everything = client.get("/api/segments").json()
    total = conn.execute(text("SELECT count(*) FROM road_segment")).scalar()
    assert len(everything["features"]) == total
    community = client.get("/api/segments", params={"community": area.community_id}).json()["features"]
    assert community and {f["properties"]["community_id"] for f in community} == {area.community_id}
    missing3 = client.get("/api/segments", params={"uncovered": "3"}).json()["features"]
    assert missing3 and all(f["properties"]["tier3_chief_id"] is None for f in missing3)
    road = everything["features"][0]["properties"]["road_name"]
    by_road = client.get("/api/segments", params={"road": road}).json()["features"]
    assert by_road and {f["properties"]["road_name"] for f in by_road} == {road}
    lon, lat = everything["features"][0]["geometry"]["coordinates"][0]
    boxed = client.get("/api/segments", params={"bbox": f"{lon-0.001},{lat-0.001},{lon+0.001},{lat+0.001}"})
    assert 0 < len(boxed.json()["features"]) < total
    assert client.get("/api/segments", params={"bbox": "1,2,3"}).status_code == 422
    assert client.get("/api/segments", params={"uncovered": "5"}).status_code == 422


def test_segment_detail_lists_open_issues_only(client, conn):
    segment_id = conn.execute(text(
        "SELECT segment_id FROM issue WHERE status <> 'closed' AND segment_id IS NOT NULL LIMIT 1")).scalar()
    detail = client.get(f"/api/segments/{segment_id}").json()
    assert detail["open_issues"] and all(i["status"] != "closed" for i in detail["open_issues"])
    assert client.get("/api/segments/99999999").status_code == 404


def test_coverage_matches_the_segments(client, conn):
    district = client.get("/api/coverage").json()["units"][0]
    km = conn.execute(text("SELECT sum(length_m) / 1000 FROM road_segment")).scalar()
    km3 = conn.execute(text("SELECT sum(length_m) / 1000 FROM roadchief.segment_coverage "
                            "WHERE tier3_chief_id IS NOT NULL")).scalar()
    assert abs(district["total_km"] - km) < 0.01
    assert abs(district["tiers"]["3"]["km"] - km3) < 0.01
    assert 0.5 < district["tier3_party_share_by_people"] < 1


def test_coverage_by_sub_district_and_community_and_ranking(client, conn):
    subs = client.get("/api/coverage", params={"level": "sub_district"}).json()
    assert len(subs["units"]) == 6 and subs["ranking"][0]["rank"] == 1
    area = first_area(conn)
    one = client.get("/api/coverage", params={"level": "community", "id": area.community_id}).json()
    assert [u["id"] for u in one["units"]] == [area.community_id]
    shares = [r["tiers"]["3"]["share"] or 0 for r in subs["ranking"]]
    assert shares == sorted(shares, reverse=True)
    assert client.get("/api/coverage", params={"level": "city"}).status_code == 422
    assert client.get("/api/coverage", params={"level": "community", "id": 999999}).status_code == 404


def test_unassigning_shows_up_in_coverage_and_uncovered_list(client, conn, headers):
    seg = segment_in(conn, tier=3, held=True)
    before = client.get("/api/coverage", params={"level": "community", "id": seg.community_id}).json()
    client.delete(f"/api/segments/{seg.segment_id}/chiefs/3", headers=headers["admin"])
    after = client.get("/api/coverage", params={"level": "community", "id": seg.community_id}).json()
    assert after["units"][0]["tiers"]["3"]["km"] < before["units"][0]["tiers"]["3"]["km"]
    assert seg.segment_id in {s["segment_id"] for s in after["uncovered"]["segments"]}
    assert json.dumps(after)  # plain JSON


def test_road_search_puts_main_roads_first_and_gives_the_extent(client):
    roads = client.get("/api/roads", params={"q": "航海"}).json()
    assert roads[0]["name"] == "航海东路" and roads[0]["road_class"] == "主干道"
    west, south, east, north = roads[0]["extent"]
    assert west < east and south < north


def test_segments_of_one_chief(client, conn):
    chief = conn.execute(text(
        "SELECT chief_id FROM segment_assignment WHERE valid_to IS NULL AND tier = 3 LIMIT 1")).scalar()
    held = client.get("/api/segments", params={"chief": chief}).json()["features"]
    expected = conn.execute(text(
        "SELECT count(DISTINCT segment_id) FROM segment_assignment WHERE chief_id = :c AND valid_to IS NULL"),
        {"c": chief}).scalar()
    assert len(held) == expected > 0


def test_the_map_config_has_no_basemap_unless_set(client):
    config = client.get("/api/webmap/config").json()
    assert config["basemap_url"] is None and len(config["extent"]) == 4
    assert {"sub_district", "community"} == {label["kind"] for label in config["labels"]}
    client.app.state.settings.basemap_url = "http://127.0.0.1:9/{z}/{x}/{y}.png"
    assert client.get("/api/webmap/config").json()["basemap_url"].endswith("{y}.png")


def test_the_page_and_its_scripts_are_served_locally(client):
    page = client.get("/")
    assert page.status_code == 200 and "/static/vendor/ol/ol.js" in page.text
    assert "http" not in page.text.replace("http-equiv", "")
    assert client.get("/static/vendor/ol/ol.js").status_code == 200
