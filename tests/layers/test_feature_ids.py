"""Feature ids for clients: MVT features carry their row's id (MapLibre's promoteId and
feature-state), OGC items carry `id` as the feature id and as a property (GDAL's OAPIF reader),
and the OpenAPI document advertises `limit`'s maximum (GDAL pages by it)."""

import pytest
from sqlalchemy import text

from tests.layers.tile_helpers import get_features, tile_of

CENTRE = ("SELECT ST_X(ST_Centroid(geom)), ST_Y(ST_Centroid(geom)) FROM issue "
          "WHERE segment_id IS NOT NULL ORDER BY id LIMIT 1")


@pytest.mark.parametrize("layer, key", [("segments", "segment_id"), ("density", "segment_id"),
                                        ("communities", "id"), ("sub_districts", "id")])
def test_tile_features_carry_their_id_as_the_feature_id(client, conn, layer, key):
    lon, lat = conn.execute(text(CENTRE)).one()
    features = get_features(client, layer, 15, *tile_of(lon, lat, 15))
    assert features
    assert all(f["id"] == f["properties"][key] for f in features)


def test_issue_points_carry_their_id_and_clusters_none(client, conn):
    lon, lat = conn.execute(text(CENTRE)).one()
    points = get_features(client, "issues", 16, *tile_of(lon, lat, 16))
    assert points and all(f["id"] == f["properties"]["id"] for f in points)
    clusters = get_features(client, "issues", 11, *tile_of(lon, lat, 11))
    assert clusters and all(not f.get("id") for f in clusters)


def test_segment_ids_in_a_tile_are_the_segments_in_the_database(client, conn):
    lon, lat = conn.execute(text(CENTRE)).one()
    z, x, y = 16, *tile_of(lon, lat, 16)
    ids = {f["id"] for f in get_features(client, "segments", z, x, y)}
    in_db = set(conn.execute(text(
        "SELECT id FROM road_segment WHERE ST_Intersects(ST_Transform(geom, 3857), ST_TileEnvelope(:z, :x, :y))"),
        {"z": z, "x": x, "y": y}).scalars())
    assert in_db <= ids


@pytest.mark.parametrize("collection", ["segments", "issues", "communities"])
def test_ogc_items_carry_id_as_feature_id_and_property(client, collection):
    page = client.get(f"/ogc/collections/{collection}/items", params={"limit": 5}).json()
    assert len(page["features"]) == 5
    assert all(f["id"] == f["properties"]["id"] for f in page["features"])
    one = page["features"][0]
    item = client.get(f"/ogc/collections/{collection}/items/{one['id']}").json()
    assert item["id"] == item["properties"]["id"] == one["id"]


def test_openapi_advertises_the_limit_maximum_and_a_larger_limit_is_served_as_it(client):
    operation = client.get("/openapi.json").json()["paths"]["/ogc/collections/{collection_id}/items"]["get"]
    [limit] = [p for p in operation["parameters"] if p["name"] == "limit"]
    assert limit["schema"]["maximum"] == 10_000 and limit["schema"]["minimum"] == 1
    page = client.get("/ogc/collections/issues/items", params={"limit": 20_000})
    assert page.status_code == 200
    assert page.json()["numberReturned"] == min(10_000, page.json()["numberMatched"])
    assert "limit=10000" in page.json()["links"][0]["href"]
