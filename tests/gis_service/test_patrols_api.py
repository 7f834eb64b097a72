"""The patrol API: recording from the phone (an offline queue resending batches), GPX uploads
(good, malformed, empty, no times, not lon/lat, outside the district), rules, compliance, 未巡查."""

from datetime import datetime, timedelta

import pytest
from sqlalchemy import text

from roads.issues.window import CHINA_TZ
from roads.users import login
from tests.helpers import PASSWORD
from tests.roads.patrols.conftest import make_setup, there_and_back, walk

T0 = datetime(2026, 11, 17, 8, 0, tzinfo=CHINA_TZ)


@pytest.fixture
def patrol_setup(conn):
    return make_setup(conn)


def bearer(conn, username):
    return {"Authorization": f"Bearer {login(conn, username, PASSWORD)[0]}"}


def as_json(points):
    return [{"t": p.recorded_at.isoformat(), "lon": p.lon, "lat": p.lat, "accuracy_m": p.accuracy_m}
            for p in points]


def gpx(points, with_time=True) -> bytes:
    rows = "".join(
        f'<trkpt lat="{p.lat}" lon="{p.lon}">'
        + (f"<time>{p.recorded_at.astimezone(CHINA_TZ).isoformat()}</time>" if with_time else "")
        + "</trkpt>" for p in points)
    return (f'<?xml version="1.0"?><gpx version="1.1" creator="test" xmlns="http://www.topografix.com/GPX/1/1">'
            f"<trk><name>巡查</name><trkseg>{rows}</trkseg></trk></gpx>").encode()


def patrol_count(conn) -> int:
    return conn.execute(text("SELECT (SELECT count(*) FROM patrol) + (SELECT count(*) FROM patrol_point)")).scalar()


def test_a_phone_patrol_with_a_batch_sent_twice_stores_it_once(client, conn, patrol_setup):
    headers = bearer(conn, "p_chief")
    started = client.post("/api/patrols", json={"started_at": T0.isoformat()}, headers=headers)
    assert started.status_code == 201
    patrol_id = started.json()["id"]
    points = there_and_back(patrol_setup.a, T0)
    batches = [points[i:i + 60] for i in range(0, len(points), 60)]
    for n, batch in enumerate(batches):
        body = {"batch_id": f"phone-{n}", "points": as_json(batch)}
        first = client.post(f"/api/patrols/{patrol_id}/points", json=body, headers=headers)
        assert first.status_code == 200 and first.json()["stored"] == len(batch)
        if n == 2:  # the answer was lost: the phone's queue sends the batch again
            again = client.post(f"/api/patrols/{patrol_id}/points", json=body, headers=headers)
            assert again.json() == {**first.json(), "stored": 0, "duplicate": True}
    stored = conn.execute(text("SELECT count(*) FROM patrol_point WHERE patrol_id = :p"), {"p": patrol_id}).scalar()
    assert stored == len(points)

    ended = client.post(f"/api/patrols/{patrol_id}/end", headers=headers)
    assert ended.status_code == 200
    body = ended.json()
    assert body["patrol"]["points"] == len(points) and not body["patrol"]["too_fast"]
    assert body["features"][0]["geometry"]["type"] == "LineString"
    covered = [f["properties"]["segment_id"] for f in body["features"][1:] if f["properties"]["covered"]]
    assert covered == [patrol_setup.a.id]

    late = client.post(f"/api/patrols/{patrol_id}/points",
                       json={"batch_id": "late", "points": as_json(points[:2])}, headers=headers)
    assert late.status_code == 409 and late.json()["message_zh"]

    listed = client.get("/api/patrols", params={"chief": patrol_setup.chief_id, "week": "2026-W47"})
    assert [p["id"] for p in listed.json()] == [patrol_id]
    assert client.get(f"/api/patrols/{patrol_id}").json() == body


def test_only_the_chief_or_the_district_admin_records(client, conn, patrol_setup, headers):
    assert client.post("/api/patrols", json={}).status_code == 401
    other = client.post("/api/patrols", json={"chief_id": patrol_setup.chief_id}, headers=headers["sub"])
    assert other.status_code == 403 and other.json()["message_zh"]
    unlinked = client.post("/api/patrols", json={}, headers=headers["viewer"])
    assert unlinked.status_code == 422
    admin = client.post("/api/patrols", json={"chief_id": patrol_setup.chief_id}, headers=headers["admin"])
    assert admin.status_code == 201


def test_a_good_gpx_file_is_stored_and_evaluated(client, conn, patrol_setup):
    data = gpx(there_and_back(patrol_setup.a, T0))
    response = client.post("/api/patrols/gpx", files={"file": ("walk.gpx", data, "application/gpx+xml")},
                           headers=bearer(conn, "p_chief"))
    assert response.status_code == 201
    body = response.json()
    assert body["patrol"]["source"] == "gpx" and body["patrol"]["duration_s"] > 20 * 60
    assert [f["properties"]["segment_id"] for f in body["features"][1:] if f["properties"]["covered"]] \
        == [patrol_setup.a.id]


def shifted(points, dlon, dlat):
    return [p.__class__(p.recorded_at, p.lon + dlon, p.lat + dlat, p.accuracy_m) for p in points]


BAD_FILES = {
    "malformed": lambda pts: b"<gpx><trk><trkseg><trkpt lat='34.7'",
    "empty": lambda pts: b"",
    "no points": lambda pts: gpx([]),
    "no timestamps": lambda pts: gpx(pts, with_time=False),
    "not lon/lat": lambda pts: gpx([p.__class__(p.recorded_at, 38_400_000.0 + i, 3_840_000.0, None)
                                    for i, p in enumerate(pts)]),
    "outside the district": lambda pts: shifted(pts, 2.0, 1.0),
    "not gpx": lambda pts: b"<kml><Document/></kml>",
}


@pytest.mark.parametrize("kind", BAD_FILES)
def test_a_bad_gpx_file_is_refused_with_nothing_written(client, conn, patrol_setup, kind):
    points = walk(patrol_setup.a.start, patrol_setup.a.end, T0)
    made = BAD_FILES[kind](points)
    data = made if isinstance(made, bytes) else gpx(made)
    before = patrol_count(conn)
    response = client.post("/api/patrols/gpx", files={"file": ("walk.gpx", data, "application/gpx+xml")},
                           headers=bearer(conn, "p_chief"))
    assert response.status_code == 422, response.text
    body = response.json()
    assert body["error"] and body["message_zh"] and "未" in body["message_zh"]
    assert patrol_count(conn) == before


def test_rules_are_the_district_admins_to_edit(client, conn, headers):
    rules = client.get("/api/patrol-rules").json()
    assert [(r["tier"], r["every_days"], r["label"]) for r in rules] == [
        (0, 15, "总路长/副总路长"), (1, 7, "一级路长"), (2, 1, "二级路长"), (3, 1, "三级路长")]
    changed = [{**rules[3], "min_minutes": 30}]
    assert client.put("/api/patrol-rules", json=changed, headers=headers["sub"]).status_code == 403
    assert client.put("/api/patrol-rules", json=changed, headers=headers["admin"]).json()[3]["min_minutes"] == 30
    wrong = client.put("/api/patrol-rules", json=[{**rules[3], "min_share": 1.5}], headers=headers["admin"])
    assert wrong.status_code == 422 and wrong.json()["message_zh"]


def test_compliance_and_missing_answer_for_a_week_and_a_day(client, conn, patrol_setup):
    client.post("/api/patrols/gpx", files={"file": ("w.gpx", gpx(there_and_back(patrol_setup.a, T0)), "x")},
                headers=bearer(conn, "p_chief"))
    chiefs = client.get("/api/patrols/compliance", params={"level": "chief", "week": "2026-W47"}).json()
    ours = next(u for u in chiefs["units"] if u["id"] == patrol_setup.chief_id)
    assert (ours["due"], ours["done"], ours["segments_not_patrolled"]) == (14, 1, 1)
    district = client.get("/api/patrols/compliance", params={"week": "2026-W47"}).json()["units"]
    assert len(district) == 1 and 0 <= district[0]["rate"] <= 1
    day = client.get("/api/patrols/missing", params={"date": "2026-11-17"}).json()
    ours = [c for c in day["chiefs"] if c["chief_id"] == patrol_setup.chief_id]
    assert [c["segment_ids"] for c in ours] == [[patrol_setup.b.id]]
    bad = client.get("/api/patrols/compliance", params={"week": "2026-W99"})
    assert bad.status_code == 422 and bad.json()["message_zh"]
    assert (T0 + timedelta(days=1)).date().isoformat() == "2026-11-18"


def test_the_patrols_layer_shows_a_segment_patrolled_today(client, conn, patrol_setup):
    from tests.layers.tile_helpers import get_features, tile_of

    now = datetime.now(CHINA_TZ).replace(microsecond=0)
    start = max(now - timedelta(hours=1), now.replace(hour=0, minute=1, second=0))  # today, whenever run
    seg = patrol_setup.a
    client.post("/api/patrols/gpx", files={"file": ("w.gpx", gpx(there_and_back(seg, start)), "x")},
                headers=bearer(conn, "p_chief"))
    mid = ((seg.start[0] + seg.end[0]) / 2, (seg.start[1] + seg.end[1]) / 2)
    features = get_features(client, "patrols", 15, *tile_of(*mid, 15))
    status = {f["properties"]["segment_id"]: f["properties"]["status"] for f in features}
    assert status[seg.id] == "today"
    assert status.get(patrol_setup.b.id, "none") == "none"
    assert set(status.values()) <= {"today", "week", "none"}


def test_a_route_suggestion_covers_every_own_segment(client, conn, patrol_setup):
    a, b = patrol_setup.a, patrol_setup.b
    route = client.get(f"/api/chiefs/{patrol_setup.chief_id}/patrol-route",
                       params={"lon": a.start[0], "lat": a.start[1]})
    assert route.status_code == 200, route.text
    props = route.json()["properties"]
    assert props["covers_all"] and {s["segment_id"] for s in props["segments"] if s["own"]} == {a.id, b.id}
    coords = route.json()["geometry"]["coordinates"]
    assert coords[0] == coords[-1]  # a closed walk, back to the start
    assert abs(coords[0][0] - a.start[0]) < 1e-4 and abs(coords[0][1] - a.start[1]) < 1e-4
    assert props["length_m"] >= props["own_length_m"] > 0.9 * (a.length_m + b.length_m)
    half = client.get(f"/api/chiefs/{patrol_setup.chief_id}/patrol-route", params={"lon": a.start[0]})
    assert half.status_code == 422 and half.json()["message_zh"]
    assert client.get("/api/chiefs/999999/patrol-route").status_code == 404
