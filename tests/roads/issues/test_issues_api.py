import struct
import zlib

from tests.roads.issues.conftest import count, lonlat

CHICAGO = (-87.6536, 41.7469)


def tiny_png() -> bytes:
    def chunk(kind: bytes, data: bytes) -> bytes:
        return (
            struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
        )

    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", struct.pack(">IIBBBBB", 1, 1, 8, 2, 0, 0, 0))
        + chunk(b"IDAT", zlib.compress(b"\x00\xff\x00\x00"))
        + chunk(b"IEND", b"")
    )


def post(client, east_north=(50, 0), files=None, **fields):
    x, y = lonlat(*east_north)
    return client.post(
        "/api/issues", data={"lon": x, "lat": y, "category": "T06.01", **fields}, files=files
    )


def test_an_issue_with_photos_is_stored_and_served(client, conn, streets, settings):
    x, y = lonlat(60, 0)
    response = client.post(
        "/api/issues",
        data={
            "lon": x,
            "lat": y,
            "category": "T06.03",
            "description": "井盖缺失",
            "reporter": "李路长",
        },
        files=[("photos", ("well.png", tiny_png(), "image/png"))],
    )
    assert response.status_code == 201
    issue = response.json()
    assert issue["category_name"] == "井盖缺失破损" and issue["status"] == "reported"
    assert issue["segment_id"] == streets.east and abs(issue["snap_distance_m"] - 10) < 0.5
    assert issue["community_name"] and issue["sub_district_name"].endswith("办事处")
    [photo] = issue["photos"]
    assert photo["content_type"] == "image/png"
    served = client.get(photo["url"])
    assert served.status_code == 200 and served.content == tiny_png()
    assert len(list((settings.photo_dir).rglob("*.png"))) == 1
    assert client.get(issue["url"]).json()["id"] == issue["id"]


def test_bad_input_gets_422_and_writes_nothing(client, conn, streets, settings):
    before = count(conn, "SELECT count(*) FROM issue")
    outside = client.post(
        "/api/issues", data={"lon": CHICAGO[0], "lat": CHICAGO[1], "category": "T06.01"}
    )
    assert outside.status_code == 422 and "outside the district" in outside.json()["error"]
    unknown = post(client, category="T99.01")
    assert unknown.status_code == 422 and "unknown category" in unknown.json()["error"]
    task = post(client, category="T06")
    assert task.status_code == 422 and "sub-items" in task.json()["error"]
    not_a_photo = post(client, files=[("photos", ("notes.txt", b"hello", "image/png"))])
    assert not_a_photo.status_code == 422
    assert post(client, reported_at="soon").status_code == 422
    assert post(client, reported_at="2099-01-01").status_code == 422
    assert client.post("/api/issues", data={"lat": 34.7, "category": "T06.01"}).status_code == 422
    assert count(conn, "SELECT count(*) FROM issue") == before
    assert not settings.photo_dir.exists() or not any(settings.photo_dir.rglob("*.*"))


def test_listing_filters_and_pages(client, conn, streets):
    post(client, category="T06.01", reported_at="2026-11-02T09:00:00")
    post(client, category="T03.01", reported_at="2026-11-05T09:00:00")
    post(client, (300, 300), category="T03.02", reported_at="2026-11-08T09:00:00")  # unsnapped
    everything = client.get("/api/issues").json()
    assert everything["total"] == 3
    assert [i["category_code"] for i in everything["items"]] == [
        "T03.02",
        "T03.01",
        "T06.01",
    ]  # newest first
    assert client.get("/api/issues", params={"category": "T03"}).json()["total"] == 2
    assert client.get("/api/issues", params={"segment": streets.east}).json()["total"] == 2
    window = client.get("/api/issues", params={"from": "2026-11-03", "to": "2026-11-05"}).json()
    assert [i["category_code"] for i in window["items"]] == [
        "T03.01"
    ]  # 'to' as a date: the whole day
    x1, y1 = lonlat(40, -10)
    x2, y2 = lonlat(60, 10)
    assert client.get("/api/issues", params={"bbox": f"{x1},{y1},{x2},{y2}"}).json()["total"] == 2
    community = everything["items"][0]["community_id"]
    sub_district = everything["items"][0]["sub_district_id"]
    assert client.get("/api/issues", params={"community": community}).json()["total"] >= 1
    assert client.get("/api/issues", params={"sub_district": sub_district}).json()["total"] >= 1
    assert client.get("/api/issues", params={"status": "closed"}).json()["total"] == 0
    page = client.get("/api/issues", params={"page": 2, "page_size": 2}).json()
    assert page["total"] == 3 and len(page["items"]) == 1
    assert client.get("/api/issues", params={"bbox": "1,2,3"}).status_code == 422
    assert client.get("/api/issues", params={"status": "lost"}).status_code == 422


def test_listing_as_geojson(client, streets):
    post(client)
    body = client.get("/api/issues", headers={"Accept": "application/geo+json"}).json()
    assert body["type"] == "FeatureCollection" and body["numberMatched"] == 1
    x, y = lonlat(50, 0)
    assert body["features"][0]["geometry"] == {"type": "Point", "coordinates": [x, y]}
    assert client.get("/api/issues", params={"format": "geojson"}).json()["features"][0]["id"] > 0


def test_categories_list_the_ten_tasks_and_their_sub_items(client):
    categories = client.get("/api/issue-categories").json()
    assert len([c for c in categories if c["parent_code"] is None]) == 10
    assert len([c for c in categories if c["parent_code"]]) >= 30
    assert all(c["department"] for c in categories)


def test_unknown_issue_is_404(client):
    assert client.get("/api/issues/987654321").status_code == 404
