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


@pytest.mark.parametrize("name", ["coverage", "density"])
def test_a_style_opens_on_the_district(client, conn, name):
    from tests.layers.tile_helpers import district_bounds

    west, south, east, north = district_bounds(conn)
    style = client.get(f"/styles/{name}.json").json()
    lon, lat = style["center"]
    assert west < lon < east and south < lat < north
    # The demo district is about 16 km across: a city-district zoom, not the whole world.
    assert 10 <= style["zoom"] <= 13


def test_density_style_passes_its_window_and_category_to_the_issues_source(client):
    style = client.get("/styles/density.json?from=2026-11-01&category=T03").json()
    assert style["sources"]["issues"]["url"].endswith("/tiles/issues.json?from=2026-11-01&category=T03")


def test_without_a_window_the_density_styles_sources_share_the_default_one(client):
    from urllib.parse import parse_qs, urlsplit

    style = client.get("/styles/density.json?category=T03").json()
    density = parse_qs(urlsplit(style["sources"]["density"]["url"]).query)
    issues = parse_qs(urlsplit(style["sources"]["issues"]["url"]).query)
    assert density == issues and set(density) == {"category", "from", "to"}


def colours_in(expression) -> set[str]:
    if isinstance(expression, str):
        return {expression.lower()} if expression.startswith("#") else set()
    if isinstance(expression, list):
        return set().union(*(colours_in(part) for part in expression))
    if isinstance(expression, dict):
        return set().union(*(colours_in(part) for part in expression.values()))
    return set()


def rgb(colour: str) -> tuple[int, int, int]:
    return tuple(int(colour[i:i + 2], 16) for i in (1, 3, 5))


def test_context_layers_have_legend_entries_in_colours_apart_from_the_tiers(client):
    style = client.get("/styles/coverage.json").json()
    by_source = {}
    for layer in style["layers"]:
        by_source.setdefault(layer.get("source"), set()).update(colours_in(layer.get("paint", {})))
    tiers = by_source["segments"] - {"#999999"}
    legend = style["metadata"]["roadchief:legend"]
    for source, word in (("construction_sites", "施工"), ("resettlement_points", "安置"),
                         ("issues", "问题")):
        entries = [e for e in legend if word in e["label"]]
        assert entries, word
        for entry in entries:
            assert entry["color"].lower() in by_source[source]
            # Far from every tier colour in RGB, so a site, shelter or issue never reads as coverage.
            assert all(sum((a - b) ** 2 for a, b in zip(rgb(entry["color"]), rgb(tier), strict=True)) > 60 ** 2
                       for tier in tiers), (entry, tiers)
    assert {e["color"].lower() for e in legend if e["kind"] == "line"} == tiers


@pytest.mark.parametrize("name", ["coverage", "density"])
def test_at_the_opening_zoom_no_style_layer_hides_a_road_class(client, name):
    style = client.get(f"/styles/{name}.json").json()
    lines = [layer for layer in style["layers"]
             if layer.get("source") in ("segments", "density") and layer["type"] == "line"]
    assert lines
    for layer in lines:
        assert layer.get("minzoom", 0) <= style["zoom"], layer["id"]
        assert "road_class" not in gets(layer.get("filter", [])), layer["id"]
