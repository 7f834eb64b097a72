"""Rankings (roadchief.area_rankings, GET /api/rankings) against issues written by hand."""

from datetime import datetime, timedelta, timezone

import pytest
from sqlalchemy import text

CN = timezone(timedelta(hours=8))
# A week before the demo ledger starts (it covers the 90 days up to 2026-11-20): only our issues.
WINDOW = {"from": "2026-01-05", "to": "2026-01-11"}


def at(day: int, hour: int) -> datetime:
    return datetime(2026, 1, day, hour, tzinfo=CN)


@pytest.fixture
def community(conn):
    """A community with road, and the issues of the hand-made fixture on its first segment."""
    row = conn.execute(
        text(
            "SELECT c.id, c.sub_district_id, min(s.id) AS segment_id FROM community AS c "
            "JOIN road_segment AS s ON s.community_id = c.id GROUP BY c.id ORDER BY c.id LIMIT 1"
        )
    ).one()
    cases = [  # (category, status, reported, last step, snapped)
        ("T03.01", "closed", at(5, 10), at(5, 12), True),  # 4 h deadline: closed on time
        ("T03.01", "closed", at(5, 10), at(5, 20), True),  # closed 10 h later: late
        ("T07.01", "handled", at(6, 9), at(6, 10), True),  # 15 days to go: open, not overdue
        ("T06.03", "dispatched", at(6, 9), at(6, 10), True),  # 4 h deadline: overdue
        ("T03.01", "reported", at(20, 9), at(20, 9), True),  # after the window
        ("T03.01", "reported", at(6, 9), at(6, 9), False),  # not snapped to a segment
    ]
    for code, status, reported, updated, snapped in cases:
        conn.execute(
            text(
                "INSERT INTO issue"
                " (geom, category_code, status, reported_at, updated_at, segment_id) "
                "SELECT ST_LineInterpolatePoint(geom, 0.5), :code, :status, :reported, :updated, "
                "CASE WHEN :snapped THEN id END FROM road_segment WHERE id = :segment"
            ),
            {
                "code": code,
                "status": status,
                "reported": reported,
                "updated": updated,
                "snapped": snapped,
                "segment": row.segment_id,
            },
        )
    return row


def rankings(client, **params) -> list[dict]:
    response = client.get("/api/rankings", params={**WINDOW, **params})
    assert response.status_code == 200, response.text
    return response.json()["rows"]


def test_community_counts_match_the_hand_made_issues(client, conn, community):
    rows = {row["area_id"]: row for row in rankings(client, level="community")}
    assert len(rows) == conn.execute(text("SELECT count(*) FROM community")).scalar()
    mine = rows[community.id]
    km = conn.execute(
        text("SELECT sum(length_m) / 1000 FROM road_segment WHERE community_id = :c"),
        {"c": community.id},
    ).scalar()
    assert mine["issues"] == 4
    assert mine["km"] == pytest.approx(km)
    assert mine["per_km"] == pytest.approx(4 / km)
    assert mine["per_km_30d"] == pytest.approx(4 / km * 30 / 7)
    assert (mine["closed"], mine["closed_on_time"], mine["open_overdue"]) == (2, 1, 1)
    assert mine["closed_share"] == pytest.approx(0.5)
    assert mine["closed_on_time_share"] == pytest.approx(0.25)
    assert mine["rank"] == 1  # the only community with issues in that week
    others = [row for area_id, row in rows.items() if area_id != community.id]
    assert all(row["issues"] == 0 and row["closed_share"] is None for row in others)


def test_sub_district_sums_its_communities(client, community):
    rows = {row["area_id"]: row for row in rankings(client, level="sub_district")}
    assert len(rows) == 6
    mine = rows[community.sub_district_id]
    assert (mine["issues"], mine["closed"], mine["closed_on_time"], mine["open_overdue"]) == (
        4,
        2,
        1,
        1,
    )
    communities = rankings(client, level="community")
    same = [r for r in communities if r["sub_district_name"] == mine["area_name"]]
    assert mine["segments"] == sum(r["segments"] for r in same)
    assert mine["km"] == pytest.approx(sum(r["km"] for r in same))


def test_the_district_total_counts_every_segment(client, conn, community):
    """The total line is the whole district, also segments outside every community."""
    conn.execute(
        text(
            "INSERT INTO road_segment (road_id, community_id, geom) SELECT road_id, NULL, "
            "ST_Translate(geom, 1, 1) FROM road_segment WHERE id = :s"
        ),
        {"s": community.segment_id},
    )  # far outside the district's communities
    body = client.get("/api/rankings", params={**WINDOW, "level": "sub_district"}).json()
    total, rows = body["total"], body["rows"]
    assert total["area_name"] == "全区合计" and total["rank"] is None
    assert (total["issues"], total["closed"], total["closed_on_time"], total["open_overdue"]) == (
        4,
        2,
        1,
        1,
    )
    all_km, all_segments = conn.execute(
        text("SELECT sum(length_m) / 1000, count(*) FROM road_segment")
    ).one()
    assert total["segments"] == all_segments > sum(r["segments"] for r in rows)
    assert total["km"] == pytest.approx(all_km)
    assert total["per_km_30d"] == pytest.approx(4 / all_km * 30 / 7)
    assert total["closed_share"] == pytest.approx(0.5)


def test_coverage_shares_are_by_length(client, conn, community):
    mine = next(r for r in rankings(client, level="community") if r["area_id"] == community.id)
    expected = conn.execute(
        text("""
        SELECT sum(s.length_m) FILTER (WHERE t3.chief_id IS NOT NULL) / sum(s.length_m) AS tier3,
               sum(s.length_m) FILTER (WHERE ch.is_party_member) / sum(s.length_m) AS party
        FROM road_segment AS s
        LEFT JOIN segment_assignment AS t3
               ON t3.segment_id = s.id AND t3.tier = 3 AND t3.valid_to IS NULL
        LEFT JOIN chief AS ch ON ch.id = t3.chief_id
        WHERE s.community_id = :c
    """),
        {"c": community.id},
    ).one()
    assert mine["tier3_share"] == pytest.approx(expected.tier3 or 0)
    assert mine["tier3_party_share_by_length"] == pytest.approx(expected.party or 0)
    assert (
        0
        <= mine["all_tiers_share"]
        <= min(mine["tier1_share"], mine["tier2_share"], mine["tier3_share"])
    )


def test_category_filter_counts_only_those_issues(client, community):
    rows = rankings(client, level="community", category="T06")
    assert sum(r["issues"] for r in rows) == 1


@pytest.mark.parametrize(
    "params, message",
    [
        ({"level": "street"}, "level"),
        ({"level": "community", "from": "2026-02-01", "to": "2026-01-01"}, "backwards"),
        ({"level": "community", "from": "yesterday"}, "from"),
        ({"level": "community", "category": "T99"}, "T99"),
    ],
)
def test_bad_input_is_422(client, params, message):
    response = client.get("/api/rankings", params=params)
    assert response.status_code == 422
    assert message in response.json()["error"]


def test_default_window_is_the_last_30_days(client):
    body = client.get("/api/rankings", params={"level": "sub_district"}).json()
    start, end = datetime.fromisoformat(body["from"]), datetime.fromisoformat(body["to"])
    assert end - start == timedelta(days=30)
    assert len(body["rows"]) == 6


def test_on_time_and_overdue_are_counted_in_working_time(client, conn, community):
    """道路不洁 (5 working hours) reported Fri 16 Jan 17:00 is due Mon 19 Jan 15:00 (1 h on Friday,
    3.5 h on Monday morning, 0.5 h after lunch), so closing it at 14:00 that Monday is on time;
    暴露垃圾 (1 working day) reported Fri 10:00 is due Mon 10:00, not overdue at the window's end
    (Mon 00:00). In calendar hours both would have been late."""
    for code, status, reported, updated in [
        ("T03.03", "closed", at(16, 17), at(19, 14)),
        ("T03.02", "dispatched", at(16, 10), at(16, 11)),
    ]:
        conn.execute(
            text(
                "INSERT INTO issue (geom, category_code, status, reported_at, updated_at, segment_id) "
                "SELECT ST_LineInterpolatePoint(geom, 0.5), :code, :status, :reported, :updated, id "
                "FROM road_segment WHERE id = :segment"
            ),
            {"code": code, "status": status, "reported": reported, "updated": updated,
             "segment": community.segment_id},
        )
    rows = {r["area_id"]: r for r in rankings(client, level="community", **{"from": "2026-01-12",
                                                                            "to": "2026-01-18"})}
    mine = rows[community.id]
    assert (mine["issues"], mine["closed"], mine["closed_on_time"], mine["open_overdue"]) == (2, 1, 1, 0)
