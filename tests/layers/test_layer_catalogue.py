"""One layer catalogue: every layer is served by each service it declares, and only by those."""

import re
from pathlib import Path

import pytest

from layers.registry import FEATURE_LAYERS, LAYERS, LAYERS_DIR, TILE_LAYERS
from tests.layers.tile_helpers import decode, district_bounds, tiles_covering

STATIC = Path(__file__).resolve().parents[2] / "gis_service" / "static"


def test_the_services_list_the_catalogue_in_its_order(client):
    tiles = [layer["name"] for layer in client.get("/tiles").json()["layers"]]
    collections = [c["id"] for c in client.get("/ogc/collections").json()["collections"]]
    assert tiles == [name for name, layer in LAYERS.items() if layer.tiles]
    assert collections == [name for name, layer in LAYERS.items() if layer.features]
    assert set(tiles) | set(collections) == set(LAYERS)


def test_each_layer_has_the_sql_files_of_its_services_and_no_file_is_orphaned():
    expected = {f"{name}.sql" for name in TILE_LAYERS}
    expected |= {f"{name}.features.sql" for name in FEATURE_LAYERS}
    assert {path.name for path in LAYERS_DIR.glob("*.sql")} == expected


@pytest.mark.parametrize("name", list(TILE_LAYERS))
def test_a_tile_layer_has_tilejson_and_tiles_with_its_features(client, conn, name):
    layer = TILE_LAYERS[name]
    tilejson = client.get(f"/tiles/{name}.json")
    assert tilejson.status_code == 200
    assert tilejson.json()["description"] == layer.title
    found = []
    for z, x, y in tiles_covering(district_bounds(conn), max(layer.minzoom, 11)):
        response = client.get(f"/tiles/{name}/{z}/{x}/{y}.mvt")
        assert response.status_code == 200
        found += decode(response.content, name)
    assert found, f"no {name} features in the tiles over the district"
    assert set(found[0]["properties"]) <= set(layer.fields)


@pytest.mark.parametrize("name", list(FEATURE_LAYERS))
def test_a_feature_layer_is_an_ogc_collection_and_a_file_export(client, name):
    layer = FEATURE_LAYERS[name]
    collection = client.get(f"/ogc/collections/{name}").json()
    assert collection["title"] == layer.collection_title
    tiles_links = [link["href"] for link in collection["links"] if link["rel"] == "tiles"]
    assert tiles_links == ([f"http://testserver/tiles/{name}.json"] if layer.tiles else [])
    items = client.get(f"/ogc/collections/{name}/items?limit=1").json()
    assert items["numberMatched"] > 0
    export = client.get(f"/api/exports/layers/{name}.geojson")
    assert export.status_code == 200
    features = export.json()["features"]
    assert len(features) == items["numberMatched"]
    assert set(features[0]["properties"]) | {"id"} >= set(items["features"][0]["properties"])


def test_a_layer_is_not_served_where_it_does_not_take_part(client):
    for name, layer in LAYERS.items():
        if not layer.features:  # density, labels: tiles only
            assert client.get(f"/ogc/collections/{name}").status_code == 404
            assert client.get(f"/ogc/collections/{name}/items").status_code == 404
            assert client.get(f"/api/exports/layers/{name}.geojson").status_code == 404
        if not layer.tiles:
            assert client.get(f"/tiles/{name}.json").status_code == 404
            assert client.get(f"/tiles/{name}/0/0/0.mvt").status_code == 404


def test_the_web_map_draws_only_layers_the_tile_service_lists(client):
    """A name in the page that the catalogue lost would leave an empty layer or a dead toggle."""
    drawn = set(re.findall(r"tileLayer\('(\w+)'", (STATIC / "js" / "map.js").read_text()))
    toggles = set(re.findall(r'data-layer="(\w+)"', (STATIC / "index.html").read_text()))
    listed = {layer["name"] for layer in client.get("/tiles").json()["layers"]}
    assert drawn and drawn <= listed
    assert toggles and toggles <= drawn
