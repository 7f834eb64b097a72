"""One party-member share (党员占比), by people and by length, read alike by the web map's
statistics, the rankings API and the workbook (roadchief.party_share)."""

import io

import pytest
from openpyxl import load_workbook
from sqlalchemy import text

WINDOW = {"from": "2026-10-22", "to": "2026-11-20"}


@pytest.fixture
def hand_made(conn):
    """One community with exactly this tier-3 picture: party member A holds segments 1 and 2, non-member
    B holds segment 3, the rest of the community's road has no tier-3 chief."""
    community = conn.execute(text("""
        SELECT community_id FROM road_segment WHERE community_id IS NOT NULL
        GROUP BY community_id HAVING count(*) >= 4 ORDER BY community_id LIMIT 1""")).scalar_one()
    segments = conn.execute(text("SELECT id, length_m FROM road_segment WHERE community_id = :c ORDER BY id"),
                            {"c": community}).all()
    conn.execute(text("""
        UPDATE segment_assignment SET valid_to = now() - interval '1 hour', ended_by = 'test'
        WHERE tier = 3 AND valid_to IS NULL AND segment_id IN (SELECT id FROM road_segment WHERE community_id = :c)
    """), {"c": community})
    a, b = (conn.execute(text("""
        INSERT INTO chief (name, phone, is_party_member, community_id) VALUES (:n, :p, :party, :c) RETURNING id
    """), {"n": name, "p": phone, "party": party, "c": community}).scalar_one()
        for name, phone, party in (("党员甲", "13900000001", True), ("群众乙", "13900000002", False)))
    for segment, chief in ((segments[0], a), (segments[1], a), (segments[2], b)):
        conn.execute(text("""
            INSERT INTO segment_assignment (segment_id, tier, chief_id, valid_from, assigned_by)
            VALUES (:s, 3, :c, now() - interval '1 minute', 'test')"""), {"s": segment.id, "c": chief})
    total = sum(s.length_m for s in segments)
    return {"community": community, "by_people": 1 / 2,  # A and B, A counted once for two segments
            "by_length": (segments[0].length_m + segments[1].length_m) / total}


def test_the_sql_definition_counts_people_once_and_length_over_all_road(conn, hand_made):
    row = conn.execute(text("SELECT * FROM roadchief.party_share('community') WHERE area_id = :c"),
                       {"c": hand_made["community"]}).one()
    assert (row.tier3_chiefs, row.tier3_party_chiefs) == (2, 1)
    assert row.by_people == pytest.approx(0.5)
    assert row.by_length == pytest.approx(hand_made["by_length"])


def test_the_map_statistics_the_rankings_and_the_workbook_agree(client, hand_made):
    community = hand_made["community"]
    unit = client.get("/api/coverage", params={"level": "community", "id": community}).json()["units"][0]
    assert (unit["tier3_chiefs"], unit["tier3_party_chiefs"]) == (2, 1)
    assert unit["tier3_party_share_by_people"] == pytest.approx(0.5)
    assert unit["tier3_party_share_by_length"] == pytest.approx(hand_made["by_length"], abs=1e-4)
    assert unit["meets_party_target"] is False  # 50% < 80%
    rows = client.get("/api/rankings", params={**WINDOW, "level": "community"}).json()["rows"]
    mine = next(r for r in rows if r["area_id"] == community)
    assert mine["tier3_party_share_by_people"] == pytest.approx(0.5)
    assert mine["tier3_party_share_by_length"] == pytest.approx(hand_made["by_length"])
    sheet = load_workbook(io.BytesIO(client.get("/api/exports/rankings.xlsx", params=WINDOW).content))["社区排名"]
    headers = [cell.value for cell in sheet[1]]
    people, length = headers.index("三级路长党员占比（按人数）"), headers.index("三级路长党员占比（按长度）")
    row = next(r for r in sheet.iter_rows(min_row=2, values_only=True) if r[headers.index("名称")] == mine["area_name"])
    assert row[people] == pytest.approx(0.5) and row[length] == pytest.approx(hand_made["by_length"])
    definitions = {r[0]: r[1] for r in load_workbook(io.BytesIO(
        client.get("/api/exports/rankings.xlsx", params=WINDOW).content))["说明"].iter_rows(values_only=True)}
    assert "一人负责多段只计一次" in definitions["三级路长党员占比（按人数）"]


def test_the_district_counts_each_chief_once_across_communities(conn):
    """The district's by-people share is over distinct chiefs, not an average of communities."""
    row = conn.execute(text("SELECT * FROM roadchief.party_share('district')")).one()
    chiefs = conn.execute(text("""
        SELECT count(DISTINCT a.chief_id), count(DISTINCT a.chief_id) FILTER (WHERE ch.is_party_member)
        FROM segment_assignment a JOIN chief ch ON ch.id = a.chief_id WHERE a.tier = 3 AND a.valid_to IS NULL
    """)).one()
    assert (row.area_id, row.tier3_chiefs, row.tier3_party_chiefs) == (0, chiefs[0], chiefs[1])
