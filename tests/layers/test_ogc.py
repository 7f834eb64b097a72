"""OGC API - Features Part 1 core: landing page, conformance, collections, items, one item."""

from urllib.parse import parse_qs, urlparse

from sqlalchemy import text

CORE = "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/core"


def rels(body) -> dict:
    return {link["rel"]: link["href"] for link in body["links"]}


def test_landing_page_and_conformance(client):
    landing = client.get("/ogc").json()
    assert {"self", "service-desc", "conformance", "data"} <= set(rels(landing))
    conformance = client.get(rels(landing)["conformance"]).json()
    assert CORE in conformance["conformsTo"]


def test_collections_list_the_layers_with_extents_and_tile_links(client):
    body = client.get("/ogc/collections").json()
    ids = [c["id"] for c in body["collections"]]
    assert ids == [
        "segments",
        "communities",
        "sub_districts",
        "construction_sites",
        "resettlement_points",
        "shops",
        "issues",
    ]
    segments = body["collections"][0]
    minx, miny, maxx, maxy = segments["extent"]["spatial"]["bbox"][0]
    assert 113.6 < minx < maxx < 113.9 and 34.6 < miny < maxy < 34.8
    assert rels(segments)["tiles"].endswith("/tiles/segments.json")
    issues = client.get("/ogc/collections/issues").json()
    assert issues["extent"]["temporal"]["interval"][0][0].startswith("2026-")


def test_items_page_with_next_links_until_the_end(client, conn):
    total = conn.execute(text("SELECT count(*) FROM community")).scalar()
    url, seen = "/ogc/collections/communities/items?limit=25", []
    while url:
        page = client.get(url)
        assert page.headers["content-type"].startswith("application/geo+json")
        body = page.json()
        assert body["numberMatched"] == total
        seen += [f["id"] for f in body["features"]]
        url = rels(body).get("next")
    assert len(seen) == total == len(set(seen))


def test_items_bbox_filters_like_postgis(client, conn):
    bbox = (113.70, 34.66, 113.74, 34.70)
    expected = conn.execute(
        text(
            "SELECT count(*) FROM road_segment WHERE ST_Intersects(geom, ST_MakeEnvelope(:a, :b, :c, :d, 4326))"
        ),
        dict(zip("abcd", bbox, strict=True)),
    ).scalar()
    body = client.get(
        "/ogc/collections/segments/items", params={"bbox": ",".join(map(str, bbox)), "limit": 10000}
    ).json()
    assert body["numberMatched"] == body["numberReturned"] == expected > 0
    feature = body["features"][0]
    assert feature["geometry"]["type"] == "LineString"
    assert {"road_name", "community_name", "tier1_chief_name", "tiers_covered"} <= set(
        feature["properties"]
    )


def test_items_datetime_interval_on_issues(client, conn):
    expected = conn.execute(
        text(
            "SELECT count(*) FROM issue WHERE reported_at >= '2026-11-01T00:00:00Z' "
            "AND reported_at <= '2026-11-08T00:00:00Z'"
        )
    ).scalar()
    body = client.get(
        "/ogc/collections/issues/items",
        params={"datetime": "2026-11-01T00:00:00Z/2026-11-08T00:00:00Z", "limit": 5},
    ).json()
    assert body["numberMatched"] == expected > 0 and body["numberReturned"] == 5
    next_query = parse_qs(urlparse(rels(body)["next"]).query)
    assert next_query["offset"] == ["5"] and next_query["datetime"] == [
        "2026-11-01T00:00:00Z/2026-11-08T00:00:00Z"
    ]
    open_ended = client.get(
        "/ogc/collections/issues/items", params={"datetime": "../2026-11-08T00:00:00Z", "limit": 1}
    ).json()
    assert open_ended["numberMatched"] >= expected


def test_one_item_and_missing_ones(client, conn):
    segment_id, road = conn.execute(
        text(
            "SELECT s.id, r.name FROM road_segment s JOIN road r ON r.id = s.road_id ORDER BY s.id LIMIT 1"
        )
    ).one()
    feature = client.get(f"/ogc/collections/segments/items/{segment_id}").json()
    assert feature["id"] == segment_id and feature["properties"]["road_name"] == road
    assert client.get("/ogc/collections/segments/items/999999999").status_code == 404
    assert client.get("/ogc/collections/segments/items/abc").status_code == 404
    assert client.get("/ogc/collections/chiefs").status_code == 404


def test_bad_parameters_are_400(client):
    response = client.get("/ogc/collections/segments/items", params={"bbox": "1,2,3"})
    assert response.status_code == 400 and "bbox" in response.json()["error"]
    response = client.get("/ogc/collections/issues/items", params={"datetime": "yesterday"})
    assert response.status_code == 400 and "RFC 3339" in response.json()["error"]
    response = client.get("/ogc/collections/segments/items", params={"limit": 0})
    assert response.status_code == 400 and "limit" in response.json()["error"]
    response = client.get("/ogc/collections/segments/items", params={"offset": -1})
    assert response.status_code == 400


def test_a_limit_above_the_maximum_is_served_as_the_maximum(client):
    body = client.get("/ogc/collections/segments/items", params={"limit": 50000}).json()
    assert body["numberReturned"] == min(10000, body["numberMatched"])
