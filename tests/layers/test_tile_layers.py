"""The other layers: issues clustered at low zoom, density matching its SQL function, boundaries."""

import pytest
from sqlalchemy import text

from tests.layers.tile_helpers import district_bounds, get_features, tile_of, tiles_covering


def test_issue_clusters_add_up_to_the_whole_ledger(client, conn):
    total = conn.execute(text("SELECT count(*) FROM issue")).scalar()
    tiles = tiles_covering(district_bounds(conn), 11)
    counts = [f["properties"]["count"] for t in tiles for f in get_features(client, "issues", *t)]
    assert sum(counts) == total
    assert len(counts) < total / 2  # clustered, not one point each


def test_issues_are_points_with_their_fields_from_zoom_15(client, conn):
    issue = conn.execute(text("""
        SELECT id, category_code, status, ST_X(geom) AS lon, ST_Y(geom) AS lat
        FROM issue ORDER BY id LIMIT 1""")).one()
    features = get_features(client, "issues", 15, *tile_of(issue.lon, issue.lat, 15))
    [props] = [f["properties"] for f in features if f["properties"].get("id") == issue.id]
    assert props["category_code"] == issue.category_code and props["status"] == issue.status
    assert props["reported_at"].endswith("+08:00") and "count" not in props


def test_density_tile_counts_are_the_density_functions(client, conn):
    z, x, y = 14, *tile_of(*conn.execute(text(
        "SELECT ST_X(ST_Centroid(geom)), ST_Y(ST_Centroid(geom)) FROM issue "
        "WHERE segment_id IS NOT NULL ORDER BY id LIMIT 1")).one(), 14)
    query = "?from=2026-11-01&to=2026-11-19&category=T03&status=reported&status=dispatched"
    features = get_features(client, "density", z, x, y, query)
    expected = dict(conn.execute(text("""
        SELECT segment_id, issue_count FROM roadchief.segment_density(
            '2026-11-01T00:00+08:00', '2026-11-20T00:00+08:00', ARRAY['T03'],
            ARRAY['dispatched', 'reported'])""")).all())
    assert any(f["properties"]["issue_count"] > 0 for f in features)
    for feature in features:
        assert feature["properties"]["issue_count"] == expected[feature["properties"]["segment_id"]]


INSPECTION = {"inspection_status", "last_inspected_at", "overdue"}


@pytest.mark.parametrize(("layer", "table", "fields"), [
    ("communities", "community",
     {"id", "code", "name", "kind", "sub_district_id", "sub_district_name"}),
    ("sub_districts", "sub_district", {"id", "code", "name"}),
    ("construction_sites", "construction_site", {"id", "name", "status", "is_green_demo", *INSPECTION}),
    ("resettlement_points", "resettlement_point", {"id", "name", "households", "is_safety_demo", *INSPECTION}),
])
def test_district_layers_hold_every_feature_at_zoom_12(client, conn, layer, table, fields):
    ids = set()
    for tile in tiles_covering(district_bounds(conn), 12):
        for feature in get_features(client, layer, *tile):
            assert set(feature["properties"]) <= fields
            ids.add(feature["properties"]["id"])
    assert ids == set(conn.execute(text(f"SELECT id FROM {table}")).scalars())


def test_each_area_is_labelled_once(client, conn):
    """Inside the tiles proper (not their buffers) each community and sub-district has one label."""
    seen = []
    for tile in tiles_covering(district_bounds(conn), 13):
        for feature in get_features(client, "labels", *tile):
            px, py = feature["geometry"]["coordinates"]
            if 0 <= px < 4096 and 0 <= py < 4096:
                seen.append((feature["properties"]["level"], feature["properties"]["id"]))
    communities = set(conn.execute(text("SELECT id FROM community")).scalars())
    sub_districts = set(conn.execute(text("SELECT id FROM sub_district")).scalars())
    assert sorted(seen) == sorted([("community", i) for i in communities]
                                  + [("sub_district", i) for i in sub_districts])


def test_issue_tiles_take_the_window_and_category(client, conn):
    """The issue points of the density style match its lines: same window, same categories."""
    tiles = tiles_covering(district_bounds(conn), 11)
    query = "?from=2026-11-01&to=2026-11-20&category=T03"
    counts = [f["properties"]["count"] for t in tiles for f in get_features(client, "issues", *t, query)]
    expected = conn.execute(text("""
        SELECT count(*) FROM roadchief.counted_issues('2026-11-01+08', '2026-11-21+08', ARRAY['T03'],
                                                      area_of => 'issue')""")).scalar()
    assert 0 < sum(counts) == expected < conn.execute(text("SELECT count(*) FROM issue")).scalar()
