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


def merged(conn, wkt_lines: list[str], tolerance: float = 0) -> dict:
    """roadchief.merged_tile_lines over these lines (tile units): its pieces, its bytes and its points."""
    row = conn.execute(text("""
        WITH m AS (
            SELECT roadchief.merged_tile_lines(ST_Collect(ST_GeomFromText(w) ORDER BY n), :t) AS g
            FROM unnest(CAST(:lines AS text[])) WITH ORDINALITY AS l (w, n)
        )
        SELECT ST_NumGeometries(m.g) AS pieces, ST_AsBinary(m.g) AS wkb,
               ST_Equals(m.g, ST_Collect(ARRAY(SELECT ST_GeomFromText(w) FROM unnest(CAST(:lines AS text[])) AS w)))
                   AS same_lines,
               ARRAY(SELECT DISTINCT ST_AsText(d.geom) FROM ST_DumpPoints(m.g) AS d ORDER BY 1) AS points
        FROM m
    """), {"lines": wkt_lines, "t": tolerance}).one()
    return row._asdict()


CROSSING = ["LINESTRING(0 10,10 10)", "LINESTRING(10 10,20 10)", "LINESTRING(10 0,10 10)",
            "LINESTRING(10 10,10 20)"]
STAR = [f"LINESTRING(50 50,{x} {y})" for x, y in ((60, 50), (50, 60), (40, 50), (50, 40), (58, 58))]
T_AND_LANE = ["LINESTRING(0 30,10 30)", "LINESTRING(10 30,20 30)", "LINESTRING(10 30,10 40)",
              "LINESTRING(10 40,11 40)"]


def test_merged_lines_run_on_through_crossings(conn):
    """ST_LineMerge alone joins lines only where two meet: a crossing of four stays four pieces.
    Paired off at each node, four ends make two pieces, five make three (one ends there), a T
    with a lane off its stem two; every line and point drawn as given, none moved."""
    for lines, pieces in ((CROSSING, 2), (STAR, 3), (T_AND_LANE, 2), (CROSSING + STAR + T_AND_LANE, 7)):
        result = merged(conn, lines)
        assert result["pieces"] == pieces, lines
        assert result["same_lines"], lines
        given = conn.execute(text(
            "SELECT ARRAY(SELECT DISTINCT ST_AsText(d.geom) FROM unnest(CAST(:l AS text[])) AS w, "
            "ST_DumpPoints(ST_GeomFromText(w)) AS d ORDER BY 1)"), {"l": lines}).scalar_one()
        assert result["points"] == given
    only_merged = conn.execute(text(
        "SELECT ST_NumGeometries(ST_LineMerge(ST_Collect(ARRAY(SELECT ST_GeomFromText(w) "
        "FROM unnest(CAST(:l AS text[])) AS w))))"), {"l": CROSSING}).scalar_one()
    assert only_merged == 4


def test_merged_lines_are_the_same_bytes_in_any_order(conn):
    lines = CROSSING + STAR + T_AND_LANE + ["LINESTRING(100 100,110 100,110 110,100 110,100 100)"]
    first = merged(conn, lines)["wkb"]
    for shuffled in (lines[::-1], lines[3:] + lines[:3], sorted(lines)):
        assert merged(conn, shuffled)["wkb"] == first


def test_a_city_sized_merge_runs_through_its_crossings(conn):
    """On the demo's busiest z12 tile, merged at a lowered budget: fewer pieces than ST_LineMerge's
    joins alone would leave (8% fewer here, where colours change often; a quarter in a city's z10
    tile), the same length of line in every colour (checked above)."""
    layer = TILE_LAYERS["segments"]
    merging = replace(layer, constants={**layer.constants, "merge_over": 200})
    x, y = busiest_tile(conn, 12)
    features = decode(render_tile(conn, merging, 12, x, y, {}), "segments")
    pieces = sum(len(f["geometry"]["coordinates"]) if f["geometry"]["type"] == "MultiLineString" else 1
                 for f in features)
    by_line_merge = conn.execute(text("""
        WITH drawn AS (
            SELECT c.tiers_covered, c.road_class, c.tier1_party, c.tier2_party, c.tier3_party,
                   roadchief.tile_line(c.geom, ST_TileEnvelope(12, :x, :y), 4096, 64, :tol) AS geom
            FROM roadchief.segment_coverage AS c
            WHERE c.geom && ST_Transform(ST_TileEnvelope(12, :x, :y, margin => 64.0 / 4096), 4326)
        )
        SELECT sum(ST_NumGeometries(g)) FROM (
            SELECT ST_LineMerge(ST_Collect(part.geom)) AS g
            FROM drawn CROSS JOIN LATERAL ST_Dump(drawn.geom) AS part
            WHERE drawn.geom IS NOT NULL
            GROUP BY drawn.road_class, drawn.tier1_party, drawn.tier2_party, drawn.tier3_party,
                     drawn.tiers_covered
        ) AS m
    """), {"x": x, "y": y, "tol": layer.simplify_px * 40075016.685578488 / 2 ** 12 / 4096}).scalar_one()
    assert 0 < pieces < by_line_merge * 0.95
