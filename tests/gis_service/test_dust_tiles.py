"""The dust layer: a sampled segment coloured by its latest sample against its limit."""

from sqlalchemy import text

from tests.layers.tile_helpers import get_features, tile_of
from tests.roads.dust import conftest as dust_fixtures

spot, inspector = dust_fixtures.spot, dust_fixtures.inspector


def test_the_latest_sample_colours_the_segment(client, conn, spot, inspector):
    conn.execute(text("DELETE FROM dust_sample"))
    for grams, at in ((3.0, "2026-11-17T09:00:00+08:00"), (9.0, "2026-11-18T09:00:00+08:00")):
        body = {"segment_id": spot.segment_id, "surface": "carriageway", "grams_per_m2": grams, "sampled_at": at}
        assert client.post("/api/dust/samples", json=body, headers=inspector).status_code == 201
    z = 15
    features = get_features(client, "dust", z, *tile_of(spot.lon, spot.lat, z))
    (feature,) = [f for f in features if f["properties"]["segment_id"] == spot.segment_id]
    assert feature["properties"]["status"] == "超标"
    assert feature["properties"]["latest_g_m2"] == 9.0 and feature["properties"]["limit_g_m2"] == 5
    assert feature["properties"]["week_mean_g_m2"] == 6.0 and feature["properties"]["week_status"] == "超标"
    assert len(features) == 1  # unsampled segments are not drawn
    body = {"segment_id": spot.segment_id, "surface": "carriageway", "grams_per_m2": 2.0,
            "sampled_at": "2026-11-19T09:00:00+08:00"}
    assert client.post("/api/dust/samples", json=body, headers=inspector).status_code == 201
    (feature,) = get_features(client, "dust", z, *tile_of(spot.lon, spot.lat, z))
    assert feature["properties"]["status"] == "达标"
