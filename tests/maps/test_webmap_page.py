"""The offline HTML map in a real Chromium: the segments Leaflet holds are the GeoJSON geopandas
would write, styled by their density class; and names are text, never template code."""

import numpy as np
import pytest
import shapely
from sqlalchemy import text

from maps.classes import class_colours, classify
from maps.query import segments
from maps.webmap import NO_ISSUE_COLOUR, escaped
from roads.areas import Area
from roads.issues.filter import IssueFilter
from roads.issues.window import parse_window
from tests.gis_service.browser import browser_page

WINDOW = {"from": "2026-10-22", "to": "2026-11-20"}

# Every line of the segment layer (the GeoJSON layer of LineStrings), as Leaflet holds it: its
# feature with the coordinates it draws (unrounded) and the style it was drawn with.
SEGMENT_LINES = """() => {
    const layers = Object.values(window).filter(v => v instanceof L.GeoJSON);
    const lines = layers.find(g => g.getLayers().some(l => l.feature.geometry.type === 'LineString'));
    return lines.getLayers().map(l => ({feature: l.toGeoJSON(false), color: l.options.color,
                                        weight: l.options.weight, opacity: l.options.opacity}));
}"""


def test_the_segments_are_the_geojson_geopandas_would_write_in_their_classes(client, conn, tmp_path):
    community_id = conn.execute(text("SELECT min(id) FROM community")).scalar_one()
    # An HTML name on a road of the area: the popups are HTML, so it must arrive escaped.
    conn.execute(text("""UPDATE road SET name = '路<b>&' WHERE id = (
        SELECT road_id FROM road_segment WHERE community_id = :c ORDER BY id LIMIT 1)"""),
                 {"c": community_id})
    response = client.get("/api/exports/heatmap.html", params={**WINDOW, "community_id": community_id})
    assert response.status_code == 200
    page_file = tmp_path / "heatmap.html"
    page_file.write_bytes(response.content)
    with browser_page() as page:
        page.goto(page_file.as_uri())
        page.wait_for_function("Object.values(window).some(v => v instanceof L.GeoJSON)")
        drawn = page.evaluate(SEGMENT_LINES)
        assert page.errors == []

    flt = IssueFilter(parse_window(WINDOW["from"], WINDOW["to"]), area=Area(community_id=community_id))
    frame = segments(conn, flt)
    assert len(frame) > 10 and len(drawn) == len(frame)
    columns = ["road_name", "segment_id", "issue_count", "length_m", "per_km", "per_km_30d"]
    reference = escaped(frame[[*columns, "geom"]], ["road_name"]).__geo_interface__["features"]
    classes, bins = classify(frame["per_km"].to_numpy(), "fisher_jenks", 5)
    colours = class_colours(len(bins))
    assert len(set(classes)) > 2  # several classes, so a wrong colour would show
    assert any(f["properties"]["road_name"] == "路&lt;b&gt;&amp;" for f in reference)
    for number, (line, theirs, cls) in enumerate(zip(drawn, reference, classes, strict=True)):
        ours = line["feature"]
        assert ours["id"] == str(number)
        properties = dict(ours["properties"])
        assert properties.pop("density_class") == cls
        expected = theirs["properties"]
        assert properties["road_name"] == expected["road_name"]
        assert properties["segment_id"] == expected["segment_id"]
        assert properties["issue_count"] == expected["issue_count"]
        assert properties["length_m"] == round(expected["length_m"])
        for key in ("per_km", "per_km_30d"):
            assert properties[key] == pytest.approx(round(expected[key], 2), abs=1e-12)
        assert set(properties) == set(columns)
        # Rounded to 1e-6 degrees, exactly the doubles the decimal text would give.
        assert np.asarray(ours["geometry"]["coordinates"]).tolist() == np.round(
            shapely.get_coordinates(frame.geometry.values[number]), 6).tolist()
        assert ours["geometry"]["type"] == theirs["geometry"]["type"] == "LineString"
        if cls >= 0:
            assert (line["color"], line["weight"]) == (colours[cls], 2 + cls)
        else:
            assert (line["color"], line["weight"]) == (NO_ISSUE_COLOUR, 1)
        assert line["opacity"] == 0.9


def test_names_like_template_code_stay_text(client, conn):
    """folium compiles an Element's text as a Jinja template: a name in it would run on the server
    (`{{ 7*7 }}` became 49, and Jinja reaches `os` from there)."""
    community_id = conn.execute(text("SELECT min(id) FROM community")).scalar_one()
    conn.execute(text("UPDATE community SET name = '{{ 7*7 }}社区' WHERE id = :c"), {"c": community_id})
    conn.execute(text("""UPDATE road SET name = '{{ 6*7 }}路' WHERE id = (
        SELECT road_id FROM road_segment WHERE community_id = :c ORDER BY id LIMIT 1)"""),
                 {"c": community_id})
    page = client.get("/api/exports/heatmap.html", params={**WINDOW, "community_id": community_id}).text
    assert "49社区" not in page and "42路" not in page
    assert "<title>" in page and "{{ 7*7 }}社区 问题密度" in page  # the title and its heading
    assert '"{{ 7*7 }}社区"' in page and '"{{ 6*7 }}路"' in page  # in the layers' data
