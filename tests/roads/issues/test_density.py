import json
from datetime import datetime, timedelta

from sqlalchemy import text

from roads.issues.window import CHINA_TZ
from tests.roads.issues.conftest import lonlat

T0 = datetime(2026, 11, 1, tzinfo=CHINA_TZ)  # the window is 1-10 November (Beijing), ten days


def add_issue(
    conn,
    segment_id: int,
    at: datetime,
    category: str = "T03.01",
    status: str = "reported",
    east_north: tuple[float, float] = (0, 0),
) -> None:
    x, y = lonlat(*east_north)
    conn.execute(
        text("""
        INSERT INTO issue (geom, category_code, status, reported_at, updated_at, segment_id)
        VALUES (ST_SetSRID(ST_MakePoint(:x, :y), 4326), :c, :s, :at, :at, :seg)
    """),
        {"x": x, "y": y, "c": category, "s": status, "at": at, "seg": segment_id},
    )


def ledger(conn, streets) -> None:
    """east: 3 issues in the window (one closed) and one before it; south: 1 (T07.01);
    lane (30 m, counted as 50 m): 1; west: none."""
    for day in (0, 4, 9):
        add_issue(
            conn,
            streets.east,
            T0 + timedelta(days=day, hours=10),
            status="closed" if day == 4 else "reported",
        )
    add_issue(conn, streets.east, T0 - timedelta(hours=1))
    add_issue(conn, streets.south, T0 + timedelta(days=2), category="T07.01")
    add_issue(conn, streets.lane, T0 + timedelta(days=9, hours=23, minutes=59))
    add_issue(conn, None, T0 + timedelta(days=3), east_north=(300, 300))  # unsnapped


def test_density_matches_the_hand_computed_figures(client, conn, streets):
    ledger(conn, streets)
    body = client.get("/api/density", params={"from": "2026-11-01", "to": "2026-11-10"}).json()
    rows = {item["segment_id"]: item for item in body["items"]}
    assert body["segments"] == 4 and body["issues"] == 5 and body["unsnapped_issues"] == 1
    east, lane, west = rows[streets.east], rows[streets.lane], rows[streets.west]
    assert abs(east["length_m"] - 200) < 1 and abs(lane["length_m"] - 30) < 1
    assert east["issue_count"] == 3
    assert abs(east["per_km"] - 3 / (east["length_m"] / 1000)) < 1e-9  # about 15 per km
    assert abs(east["per_km_30d"] - east["per_km"] * 3) < 1e-9  # a 10-day window, times 30/10
    assert lane["issue_count"] == 1 and lane["per_km"] == 20.0  # 1 issue over the 50 m floor
    assert lane["per_km_30d"] == 60.0
    assert west["issue_count"] == 0 and west["per_km"] == 0
    # Densest first: the lane (20/km), then east (~15/km), south (5/km), west (0).
    assert [i["segment_id"] for i in body["items"]] == [
        streets.lane,
        streets.east,
        streets.south,
        streets.west,
    ]


def test_density_filters_by_category_status_and_pages(client, conn, streets):
    ledger(conn, streets)
    window = {"from": "2026-11-01", "to": "2026-11-10"}
    by_task = client.get("/api/density", params={**window, "category": "T07"}).json()
    assert by_task["issues"] == 1 and by_task["items"][0]["segment_id"] == streets.south
    closed = client.get("/api/density", params={**window, "status": "closed"}).json()
    assert closed["issues"] == 1 and closed["items"][0]["segment_id"] == streets.east
    page2 = client.get("/api/density", params={**window, "page": 2, "page_size": 3}).json()
    assert [i["segment_id"] for i in page2["items"]] == [streets.west] and page2["segments"] == 4
    by_count = client.get("/api/density", params={**window, "sort": "issue_count"}).json()
    assert by_count["items"][0]["segment_id"] == streets.east


def test_density_as_geojson_by_format_or_accept(client, conn, streets):
    ledger(conn, streets)
    window = {"from": "2026-11-01", "to": "2026-11-10"}
    by_param = client.get("/api/density", params={**window, "format": "geojson"})
    by_accept = client.get(
        "/api/density", params=window, headers={"Accept": "application/geo+json"}
    )
    for response in (by_param, by_accept):
        assert response.headers["content-type"].startswith("application/geo+json")
        body = response.json()
        assert body["type"] == "FeatureCollection" and len(body["features"]) == 4
        first = body["features"][0]
        assert first["geometry"]["type"] == "LineString"
        assert first["properties"]["segment_id"] == streets.lane


def test_the_api_agrees_with_the_shared_sql_function(client, conn):
    body = client.get(
        "/api/density", params={"from": "2026-10-22", "to": "2026-11-20", "page_size": 5000}
    ).json()
    sql = dict(
        conn.execute(
            text("""
        SELECT segment_id, issue_count FROM roadchief.segment_density(
            '2026-10-22T00:00:00+08:00', '2026-11-21T00:00:00+08:00')
    """)
        ).all()
    )
    assert {i["segment_id"]: i["issue_count"] for i in body["items"]} == sql
    assert body["issues"] == sum(sql.values()) > 500


def test_one_segments_daily_and_weekly_series(client, conn, streets):
    ledger(conn, streets)
    daily = client.get(
        f"/api/segments/{streets.east}/density", params={"from": "2026-11-01", "to": "2026-11-10"}
    ).json()
    assert len(daily["series"]) == 10 and daily["series"][0]["start"] == "2026-11-01"
    assert [d["issues"] for d in daily["series"]] == [1, 0, 0, 0, 1, 0, 0, 0, 0, 1]
    assert daily["issue_count"] == 3
    weekly = client.get(
        f"/api/segments/{streets.east}/density",
        params={"from": "2026-11-01", "to": "2026-11-10", "interval": "week"},
    ).json()
    # 1 November 2026 is a Sunday: its week starts on Monday 26 October.
    assert [(w["start"], w["issues"]) for w in weekly["series"]] == [
        ("2026-10-26", 1),
        ("2026-11-02", 1),
        ("2026-11-09", 1),
    ]
    assert client.get("/api/segments/999999/density").status_code == 404


def test_a_backwards_window_is_refused(client, streets):
    for url in ("/api/density", f"/api/segments/{streets.east}/density", "/api/issues"):
        response = client.get(url, params={"from": "2026-11-10", "to": "2026-11-01"})
        assert response.status_code == 422
        assert "backwards" in response.json()["error"]
    assert client.get("/api/density", params={"from": "yesterday"}).status_code == 422
    assert client.get("/api/density", params={"category": "T99"}).status_code == 422


AREA_TOTALS = """
    SELECT count(*) AS segments, coalesce(sum(n.issues), 0) AS issues,
           round(CAST(coalesce(sum(s.length_m), 0) / 1000.0 AS numeric), 3)::float8 AS km
    FROM road_segment AS s
    JOIN community AS c ON c.id = s.community_id
    LEFT JOIN LATERAL (
        SELECT count(*) AS issues
        FROM issue AS i
        WHERE i.segment_id = s.id
          AND i.reported_at >= '2026-10-22T00:00:00+08:00' AND i.reported_at < '2026-11-21T00:00:00+08:00'
    ) AS n ON true
    WHERE (CAST(:community AS integer) IS NULL OR s.community_id = :community)
      AND (CAST(:sub_district AS integer) IS NULL OR c.sub_district_id = :sub_district)
"""


def test_an_areas_totals_page_and_a_page_past_the_end(client, conn):
    """Counted here from the tables, not from roadchief.segment_density: the totals of the whole
    selection, every item in the area, and past the last page no items but the same totals."""
    community, sub_district = conn.execute(text("""
        SELECT c.id, c.sub_district_id FROM community AS c JOIN road_segment AS s ON s.community_id = c.id
        GROUP BY c.id ORDER BY count(*) DESC, c.id LIMIT 1
    """)).one()
    window = {"from": "2026-10-22", "to": "2026-11-20"}
    for area in ({"community": community}, {"sub_district": sub_district}):
        expected = conn.execute(text(AREA_TOTALS), {"community": None, "sub_district": None, **area}).one()
        body = client.get("/api/density", params={**window, **area, "page_size": 5000}).json()
        assert (body["segments"], body["issues"], body["km"]) == tuple(expected)
        assert body["issues"] > 0 and len(body["items"]) == body["segments"]
        key = "community_id" if "community" in area else "sub_district_id"
        assert {item[key] for item in body["items"]} == set(area.values())
        assert sum(item["issue_count"] for item in body["items"]) == body["issues"]
        past = client.get("/api/density", params={**window, **area, "page": 50, "page_size": 5000}).json()
        assert past["items"] == []
        assert {k: v for k, v in past.items() if k not in ("page", "items")} == {
            k: v for k, v in body.items() if k not in ("page", "items")}
    outside = client.get("/api/issues", params={**window, "community": community, "page_size": 1}).json()
    listed = client.get("/api/density", params={**window, "community": community}).json()
    assert listed["unsnapped_issues"] == outside["total"] - conn.execute(text("""
        SELECT count(*) FROM issue AS i WHERE i.community_id = :c AND i.segment_id IS NOT NULL
          AND i.reported_at >= '2026-10-22T00:00:00+08:00' AND i.reported_at < '2026-11-21T00:00:00+08:00'
    """), {"c": community}).scalar_one()


def test_the_density_rows_carry_their_segments_road_and_community(conn):
    mismatched = conn.execute(text("""
        SELECT count(*) FROM roadchief.segment_density(now() - interval '30 days', now()) AS d
        JOIN road_segment AS s ON s.id = d.segment_id
        WHERE d.road_id IS DISTINCT FROM s.road_id OR d.community_id IS DISTINCT FROM s.community_id
    """)).scalar_one()
    rows = conn.execute(text("SELECT count(*) FROM roadchief.segment_density(now(), now())")).scalar_one()
    assert mismatched == 0 and rows == conn.execute(text("SELECT count(*) FROM road_segment")).scalar_one()


def test_the_density_bodies_are_written_as_fastapi_would(client):
    """The route writes its JSON itself (and pastes PostGIS's GeoJSON geometries in as they are):
    the bytes are those of FastAPI's JSONResponse over the same values."""
    window = {"from": "2026-10-22", "to": "2026-11-20", "page_size": 300}
    for params in (window, {**window, "format": "geojson"}):
        response = client.get("/api/density", params=params)
        body = response.json()
        assert response.content == json.dumps(
            body, ensure_ascii=False, allow_nan=False, separators=(",", ":")).encode()
        assert len(body.get("items") or body["features"]) == 300
    assert body["numberReturned"] == 300 and body["features"][0]["geometry"]["type"] == "LineString"
    assert body["features"][0]["id"] == body["features"][0]["properties"]["segment_id"]
