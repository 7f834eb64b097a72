"""MapLibre styles: every source resolves, every layer and attribute they use exists."""

import pytest

from layers.registry import TILE_LAYERS


def gets(expression) -> set[str]:
    """Attribute names read with ["get", name] anywhere in a style expression."""
    if isinstance(expression, list):
        is_get = expression[:1] == ["get"] and isinstance(expression[1], str)
        found = {expression[1]} if is_get else set()
        return found.union(*(gets(part) for part in expression))
    if isinstance(expression, dict):
        return set().union(*(gets(part) for part in expression.values()))
    return set()


@pytest.mark.parametrize("name", ["coverage", "density"])
def test_style_sources_and_attributes_exist(client, name):
    style = client.get(f"/styles/{name}.json").json()
    assert style["version"] == 8
    tilejsons = {}
    for source_id, source in style["sources"].items():
        response = client.get(source["url"].removeprefix("http://testserver"))
        assert response.status_code == 200, source_id
        tilejsons[source_id] = response.json()
    for layer in style["layers"]:
        if layer["type"] == "background":
            continue
        [vector_layer] = tilejsons[layer["source"]]["vector_layers"]
        assert layer["source-layer"] == vector_layer["id"]
        assert gets(layer) <= set(TILE_LAYERS[vector_layer["id"]].fields), layer["id"]
    labels = [layer for layer in style["layers"] if layer["type"] == "symbol"]
    assert {"road_name", "name"} & set().union(*(gets(layer) for layer in labels))


def test_density_style_passes_its_window_to_the_density_source(client):
    style = client.get("/styles/density.json?from=2026-11-01&category=T03").json()
    assert style["sources"]["density"]["url"].endswith(
        "/tiles/density.json?from=2026-11-01&category=T03")
    assert "?" not in style["sources"]["communities"]["url"]


def test_glyph_ranges_answer(client):
    style = client.get("/styles/coverage.json").json()
    url = style["glyphs"].replace("{fontstack}", "Noto Sans CJK SC Regular")
    url = url.replace("{range}", "0-255")
    assert client.get(url.removeprefix("http://testserver")).status_code == 200


def test_the_style_list(client):
    names = [s["name"] for s in client.get("/styles").json()["styles"]]
    assert {"coverage", "density"} <= set(names)
