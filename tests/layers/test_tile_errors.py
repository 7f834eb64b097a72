"""Bad tile requests get a 4xx naming the problem, never a 500."""

import pytest


@pytest.mark.parametrize(("url", "status", "words"), [
    ("/tiles/roads/14/13369/6506.mvt", 404, "no layer 'roads'"),
    ("/tiles/roads.json", 404, "no layer 'roads'"),
    ("/tiles/segments/23/0/0.mvt", 404, "zoom 23 is outside 0..22"),
    ("/tiles/segments/3/8/0.mvt", 404, "x and y run 0..7"),
    ("/tiles/segments/3/0/-1.mvt", 404, "does not exist"),
    ("/tiles/segments/z/0/0.mvt", 422, "z"),
    ("/tiles/density/14/13369/6506.mvt?from=yesterday", 422, "'from' must be an ISO date"),
    ("/tiles/density/14/13369/6506.mvt?to=2026-13-01", 422, "'to'"),
    ("/tiles/density/14/13369/6506.mvt?from=2026-11-20&to=2026-11-01", 422, "must be before"),
    ("/tiles/density/14/13369/6506.mvt?from=2026-11-01&from=2026-11-02", 422, "once"),
    ("/tiles/density/14/13369/6506.mvt?to=9999-12-31", 422, "'to'"),
    ("/tiles/density/14/13369/6506.mvt?to=0001-01-01", 422, "30-day window"),
    ("/tiles/density/14/13369/6506.mvt?category=T99", 422, "unknown category T99"),
    ("/tiles/density/14/13369/6506.mvt?status=lost", 422, "unknown status lost"),
    ("/tiles/density.json?status=lost", 422, "unknown status lost"),
    ("/styles/satellite.json", 404, "no style 'satellite'"),
    ("/styles/density.json?category=T99", 422, "unknown category T99"),
])
def test_bad_requests_are_explained(client, url, status, words):
    response = client.get(url)
    assert response.status_code == status
    assert words in response.json()["error"]


def test_a_zoom_outside_a_layers_range_is_an_empty_tile(client):
    response = client.get("/tiles/construction_sites/5/26/12.mvt")
    assert response.status_code == 200 and response.content == b""
