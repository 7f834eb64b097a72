"""Vector tiles: what a map client gets, checked against the database."""

import pytest
from shapely import wkt
from shapely.geometry import LineString, Point, shape
from sqlalchemy import text

from layers.registry import TILE_LAYERS
from tests.layers.tile_helpers import (
    decode,
    district_bounds,
    get_features,
    tile_of,
    tiles_covering,
    to_tile_px,
)

MVT = "application/vnd.mapbox-vector-tile"


def a_tile_with_segments(conn, z: int = 15) -> tuple[int, int, int]:
    lon, lat = conn.execute(text("""
        SELECT ST_X(p), ST_Y(p) FROM (
            SELECT ST_LineInterpolatePoint(s.geom, 0.5) AS p
            FROM road_segment s JOIN road r ON r.id = s.road_id
            WHERE r.road_class = '主干道' ORDER BY s.id LIMIT 1) AS x
    """)).one()
    return (z, *tile_of(lon, lat, z))


def test_the_list_names_every_layer_with_its_tilejson(client):
    body = client.get("/tiles").json()
    names = [layer["name"] for layer in body["layers"]]
    assert set(names) == {"segments", "density", "communities", "sub_districts",
                          "construction_sites", "resettlement_points", "issues", "labels", "patrols",
                          "road_labels", "dust", "shops"}
    for layer in body["layers"]:
        assert layer["tilejson"].endswith(f"/tiles/{layer['name']}.json")


@pytest.mark.parametrize("name", list(TILE_LAYERS))
def test_tilejson_describes_the_layer(client, conn, name):
    body = client.get(f"/tiles/{name}.json").json()
    assert body["tilejson"] == "3.0.0"
    assert body["tiles"] == [f"http://testserver/tiles/{name}/{{z}}/{{x}}/{{y}}.mvt"]
    west, south, east, north = body["bounds"]
    d_west, d_south, d_east, d_north = district_bounds(conn)
    assert west == pytest.approx(d_west, abs=1e-5) and north == pytest.approx(d_north, abs=1e-5)
    assert west < body["center"][0] < east and south < body["center"][1] < north
    [vector_layer] = body["vector_layers"]
    assert vector_layer["id"] == name
    assert vector_layer["fields"] == TILE_LAYERS[name].fields


def test_density_tilejson_carries_its_window_into_the_tile_url(client):
    body = client.get("/tiles/density.json?from=2026-11-01&to=2026-11-20&category=T03"
                      "&status=reported&other=1").json()
    assert body["tiles"][0].endswith(
        "/tiles/density/{z}/{x}/{y}.mvt?from=2026-11-01&to=2026-11-20&category=T03&status=reported")


def test_a_tile_is_mvt_gzipped_with_etag_and_cache_headers(client, conn):
    z, x, y = a_tile_with_segments(conn)
    response = client.get(f"/tiles/segments/{z}/{x}/{y}.mvt", headers={"Accept-Encoding": "gzip"})
    assert response.status_code == 200
    assert response.headers["content-type"] == MVT
    assert response.headers["content-encoding"] == "gzip"
    assert response.headers["etag"].startswith('W/"')
    assert "no-cache" in response.headers["cache-control"]
    assert decode(response.content, "segments")  # httpx has un-gzipped it

    plain = client.get(f"/tiles/segments/{z}/{x}/{y}.mvt", headers={"Accept-Encoding": "identity"})
    assert "content-encoding" not in plain.headers
    assert plain.content == response.content
    assert plain.headers["etag"] == response.headers["etag"]


def test_if_none_match_answers_304_until_the_data_changes(client, conn):
    z, x, y = a_tile_with_segments(conn)
    url = f"/tiles/segments/{z}/{x}/{y}.mvt"
    etag = client.get(url).headers["etag"]
    again = client.get(url, headers={"If-None-Match": etag})
    assert again.status_code == 304 and again.content == b""
    assert again.headers["etag"] == etag

    conn.execute(text("UPDATE chief SET name = name || '（代）' WHERE id = 1"))
    changed = client.get(url, headers={"If-None-Match": etag})
    assert changed.status_code == 200 and changed.headers["etag"] != etag


def inside_one_tile(conn, z: int):
    """A 次干道 segment of 80-200 m lying wholly inside one z tile, in that tile's pixels."""
    rows = conn.execute(text("""
        SELECT s.id, ST_AsText(ST_Transform(s.geom, 3857)) AS line,
               ST_X(ST_Centroid(s.geom)) AS lon, ST_Y(ST_Centroid(s.geom)) AS lat
        FROM road_segment s JOIN road r ON r.id = s.road_id
        WHERE r.road_class = '次干道' AND s.length_m BETWEEN 80 AND 200
        ORDER BY s.id LIMIT 50
    """)).all()
    for row in rows:
        x, y = tile_of(row.lon, row.lat, z)
        line = LineString([to_tile_px(mx, my, z, x, y) for mx, my in wkt.loads(row.line).coords])
        if all(0 < c < 4096 for px in line.coords for c in px):
            return row.id, (z, x, y), line
    raise AssertionError("no segment inside one tile")


def test_segment_coordinates_match_the_database(client, conn):
    segment_id, tile, expected = inside_one_tile(conn, 16)
    [feature] = [f for f in get_features(client, "segments", *tile)
                 if f["properties"]["segment_id"] == segment_id]
    got = shape(feature["geometry"])
    assert got.geom_type == "LineString"
    assert Point(got.coords[0]).distance(Point(expected.coords[0])) <= 1
    assert Point(got.coords[-1]).distance(Point(expected.coords[-1])) <= 1
    assert all(expected.distance(Point(px)) <= 1.5 for px in got.coords)
    assert got.length == pytest.approx(expected.length, abs=3)


def test_segment_attributes_are_the_coverage_views(client, conn):
    z, x, y = a_tile_with_segments(conn)
    features = get_features(client, "segments", z, x, y)
    by_id = {f["properties"]["segment_id"]: f["properties"] for f in features}
    rows = conn.execute(
        text("SELECT * FROM roadchief.segment_coverage WHERE segment_id = ANY(:ids)"),
        {"ids": list(by_id)}).mappings().all()
    assert len(rows) == len(by_id) > 0
    for row in rows:
        props = by_id[row["segment_id"]]
        for field in ("road_name", "road_class", "community_name", "tier1_chief_name",
                      "tier3_chief_id", "tier3_party", "tiers_covered"):
            assert props.get(field) == row[field], field


def test_a_segment_appears_in_every_tile_it_intersects(client, conn):
    z = 17
    segment_id, lon0, lat0, lon1, lat1 = conn.execute(text("""
        SELECT s.id, ST_XMin(s.geom), ST_YMin(s.geom), ST_XMax(s.geom), ST_YMax(s.geom)
        FROM road_segment s JOIN road r ON r.id = s.road_id
        WHERE r.road_class = '主干道' AND s.length_m > 400 ORDER BY s.id LIMIT 1
    """)).one()
    candidates = tiles_covering((lon0, lat0, lon1, lat1), z)
    crossed = [t for t in candidates if conn.execute(text("""
        SELECT ST_Intersects(ST_Transform(geom, 3857), ST_TileEnvelope(:z, :x, :y))
        FROM road_segment WHERE id = :id"""),
        {"z": t[0], "x": t[1], "y": t[2], "id": segment_id}).scalar()]
    assert len(crossed) >= 3
    for tile in crossed:
        ids = {f["properties"]["segment_id"] for f in get_features(client, "segments", *tile)}
        assert segment_id in ids, tile


@pytest.mark.parametrize("name", ["segments", "density", "patrols"])
@pytest.mark.parametrize("z", [10, 12, 13, 14])
def test_every_segment_is_in_the_tiles_at_low_zoom(client, conn, name, z):
    """The whole network at the opening view: lanes (街巷) and segments shorter than a tile
    pixel too, none thinned out."""
    ids = set()
    for tile in tiles_covering(district_bounds(conn), z):
        ids |= {f["properties"]["segment_id"] for f in get_features(client, name, *tile)}
    expected = set(conn.execute(text("SELECT id FROM road_segment")).scalars())
    assert ids == expected
    assert conn.execute(text("SELECT count(*) FROM road_segment WHERE length_m < 2")).scalar() > 0


def test_low_zoom_segments_carry_what_their_colour_needs_and_details_come_at_14(client, conn):
    z, x, y = a_tile_with_segments(conn, 13)
    [low] = [f for f in get_features(client, "segments", z, x, y)
             if f["properties"].get("tier3_chief_id")][:1]
    assert set(low["properties"]) <= {"segment_id", "road_class", "tiers_covered",
                                      "tier1_chief_id", "tier1_party", "tier2_chief_id",
                                      "tier2_party", "tier3_chief_id", "tier3_party"}
    assert low["id"] == low["properties"]["segment_id"]
    assert {"road_class", "tiers_covered", "tier3_party"} <= set(low["properties"])
    z, x, y = a_tile_with_segments(conn, 14)
    classes = {f["properties"]["road_class"] for f in get_features(client, "segments", z, x, y)}
    assert "街巷" in classes
    assert all("road_name" in f["properties"] for f in get_features(client, "segments", z, x, y))


def test_road_labels_are_one_line_per_road_and_tile(client, conn):
    z, x, y = a_tile_with_segments(conn, 15)
    labels = get_features(client, "road_labels", z, x, y)
    segments = get_features(client, "segments", z, x, y)
    road_ids = [f["properties"]["road_id"] for f in labels]
    assert len(road_ids) == len(set(road_ids)) > 0
    assert len(labels) < len(segments)
    names = dict(conn.execute(text("SELECT id, name FROM road WHERE id = ANY(:ids)"),
                              {"ids": road_ids}).all())
    assert {f["properties"]["road_id"]: f["properties"]["road_name"] for f in labels} == names
    assert {f["properties"]["road_name"] for f in labels} == {
        f["properties"]["road_name"] for f in segments}
    assert get_features(client, "road_labels", 13, *tile_of(*lonlat_of_tile(z, x, y), 13)) == []


def lonlat_of_tile(z: int, x: int, y: int) -> tuple[float, float]:
    import math

    n = 2 ** z
    lon = (x + 0.5) / n * 360.0 - 180.0
    lat = math.degrees(math.atan(math.sinh(math.pi * (1 - 2 * (y + 0.5) / n))))
    return lon, lat


@pytest.mark.parametrize("name", list(TILE_LAYERS))
def test_no_tile_exceeds_500_kb(client, conn, name):
    """Every tile over the district from zoom 0 to 14 (from 14 on every feature is drawn and
    tiles only get smaller), plus zoom 15 and 16 over the middle of the district."""
    bounds = district_bounds(conn)
    west, south, east, north = bounds
    middle = ((west + east) / 2 - 0.01, (south + north) / 2 - 0.01,
              (west + east) / 2 + 0.01, (south + north) / 2 + 0.01)
    tiles = [t for z in range(0, 15) for t in tiles_covering(bounds, z)]
    tiles += [t for z in (15, 16) for t in tiles_covering(middle, z)]
    biggest = max(len(client.get(f"/tiles/{name}/{z}/{x}/{y}.mvt",
                                 headers={"Accept-Encoding": "identity"}).content)
                  for z, x, y in tiles)
    assert 0 < biggest <= 500 * 1024
