"""A city-sized low-zoom line tile merges its lines by colour: the map draws the same colours over
the same lines, in fewer bytes. The demo district is too small to reach the budget, so these tests
lower it; at its own budget every demo tile keeps its segment ids."""

import math
from collections import Counter
from dataclasses import replace

import pytest
from sqlalchemy import text

from layers.registry import TILE_LAYERS
from layers.tiles import render_tile
from tests.layers.tile_helpers import decode, district_bounds, tile_of, tiles_covering

COLOUR = {
    "segments": ("road_class", "tier1_party", "tier2_party", "tier3_party", "tiers_covered"),
    "density": ("road_class", "per_km_30d"),
    "patrols": ("road_class", "status"),
}
DENSITY_STEPS = (0.01, 2, 5, 10, 20)  # layers/styles/density.json


def density_class(value: float) -> float:
    lower = [0, *DENSITY_STEPS]
    return lower[sum(value >= step for step in DENSITY_STEPS)]


def length(geometry: dict) -> float:
    lines = geometry["coordinates"]
    if geometry["type"] == "LineString":
        lines = [lines]
    return sum(math.dist(a, b) for line in lines for a, b in zip(line, line[1:], strict=False))


def drawn(features: list[dict], layer: str) -> Counter:
    """Length drawn in each colour (tile units)."""
    totals: Counter = Counter()
    for feature in features:
        props = feature["properties"]
        colour = tuple(props.get(name) for name in COLOUR[layer])
        if layer == "density":
            colour = (props.get("road_class"), density_class(props["per_km_30d"]))
        totals[colour] += length(feature["geometry"])
    return totals


def busiest_tile(conn, z: int) -> tuple[int, int]:
    lon, lat = conn.execute(text(
        "SELECT ST_X(c), ST_Y(c) FROM (SELECT ST_Centroid(ST_Extent(geom)) AS c FROM road_segment) AS e"
    )).one()
    return tile_of(lon, lat, z)


def params_of(conn, layer):
    return layer.parse_params(conn, {})


@pytest.mark.parametrize("name", ["segments", "density", "patrols"])
def test_a_tile_over_the_budget_draws_the_same_colours_in_fewer_bytes(conn, name):
    layer = TILE_LAYERS[name]
    merging = replace(layer, constants={**layer.constants, "merge_over": 200})
    x, y = busiest_tile(conn, 12)
    params = params_of(conn, layer)
    whole = render_tile(conn, layer, 12, x, y, params)
    merged = render_tile(conn, merging, 12, x, y, params)
    whole_features, merged_features = decode(whole, name), decode(merged, name)
    assert len(whole_features) > 200
    assert len(merged_features) < len(whole_features) / 10
    assert len(merged) < len(whole) / 2
    assert all("segment_id" not in f["properties"] and not f.get("id") for f in merged_features)
    assert not any(name.endswith("_chief_id") for f in merged_features for name in f["properties"])
    before, after = drawn(whole_features, name), drawn(merged_features, name)
    assert set(before) == set(after)
    for colour, total in before.items():
        assert after[colour] == pytest.approx(total, rel=0.03), colour


def test_every_demo_tile_keeps_its_segment_ids(conn):
    layer = TILE_LAYERS["segments"]
    biggest = 0
    for z, x, y in tiles_covering(district_bounds(conn), 10):
        features = decode(render_tile(conn, layer, z, x, y, {}), "segments")
        biggest = max(biggest, len(features))
        assert all(f["id"] == f["properties"]["segment_id"] for f in features)
    assert 0 < biggest <= layer.constants["merge_over"]
