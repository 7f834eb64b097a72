"""One issue filter: the same bad value gets the same answer on every endpoint and command that
takes it, and `week` works wherever a window does."""

import pytest
from typer.testing import CliRunner

from gis_service.cli import app as cli_app

TILE = "/tiles/density/14/13369/6506.mvt"
# Every reader of the issue filter, over HTTP.
ENDPOINTS = ["/api/issues", "/api/density", TILE, "/tiles/density.json", "/api/exports/heatmap.png",
             "/api/exports/briefing.pdf", "/api/rankings", "/api/exports/rankings.xlsx"]
BAD = [
    ({"category": "T99"}, "unknown category T99"),
    ({"from": "yesterday"}, "'from' must be an ISO date"),
    ({"from": "2026-11-20", "to": "2026-11-01"}, "the time window is backwards"),
    ({"week": "garbage"}, "week must look like 2026-W47"),
    ({"week": "2026-W60"}, "week must look like 2026-W47"),
    ({"week": "2026-W47", "from": "2026-11-01"}, "give either week or from/to, not both"),
]


@pytest.mark.parametrize(("params", "words"), BAD, ids=[w for _, w in BAD])
def test_a_bad_value_gets_the_same_answer_everywhere(client, params, words):
    bodies = []
    for url in ENDPOINTS:
        response = client.get(url, params=params)
        assert response.status_code == 422, (url, response.status_code, response.text[:200])
        bodies.append((response.json()["error"], response.json()["message_zh"]))
    assert words in bodies[0][0]
    assert len(set(bodies)) == 1, bodies  # word for word, in English and in Chinese
    assert bodies[0][1]  # and a Chinese message for people


def test_the_cli_refuses_the_same_values_with_the_same_message(client, settings, tmp_path):
    out = tmp_path / "map.png"
    env = {"DATABASE_URL": settings.database_url}
    for params, words in BAD:
        options = [part for name, value in params.items()
                   for part in (f"--{name}", value)]
        result = CliRunner().invoke(cli_app, ["export", "heatmap", "--out", str(out), *options], env=env)
        assert result.exit_code == 1, (options, result.output)
        api = client.get("/api/issues", params=params).json()
        flat = " ".join(result.output.split())
        assert words in flat and " ".join(api["message_zh"].split()) in flat, (options, result.output)
    assert not out.exists()


def test_a_bad_status_or_area_is_refused_alike(client):
    for url in ("/api/issues", "/api/density", "/api/exports/heatmap.png"):
        status = client.get(url, params={"status": "lost"})
        assert status.status_code == 422 and "unknown status lost" in status.json()["error"]
        area = client.get(url, params={"community": 999999})
        assert area.status_code == 404 and "no community with id 999999" in area.json()["error"]
    tile = client.get(TILE, params={"status": "lost"})
    assert tile.status_code == 422 and "unknown status lost" in tile.json()["error"]


WEEK = "2026-W47"  # Monday 16 to Sunday 22 November 2026, Beijing time
FROM_TO = {"from": "2026-11-16", "to": "2026-11-22"}


def test_week_is_the_same_window_as_its_dates_on_every_reader(client):
    for url, key in (("/api/issues", "total"), ("/api/density", "issues")):
        by_week = client.get(url, params={"week": WEEK}).json()
        by_dates = client.get(url, params=FROM_TO).json()
        assert by_week[key] == by_dates[key] > 0
    rankings = client.get("/api/rankings", params={"week": WEEK}).json()
    assert (rankings["from"], rankings["to"]) == ("2026-11-16T00:00:00+08:00", "2026-11-23T00:00:00+08:00")
    assert rankings["total"] == client.get("/api/rankings", params=FROM_TO).json()["total"]


def test_week_names_every_export_file(client):
    for url in ("/api/exports/heatmap.png", "/api/exports/heatmap.html", "/api/exports/rankings.xlsx"):
        response = client.get(url, params={"week": WEEK, "size": "screen"})
        assert response.status_code == 200, (url, response.text[:200])
        assert "2026-W47" in response.headers["content-disposition"]


def test_week_reaches_the_density_tiles_and_their_urls(client):
    tilejson = client.get("/tiles/density.json", params={"week": WEEK}).json()
    assert "week=2026-W47" in tilejson["tiles"][0]
    by_week = client.get(TILE, params={"week": WEEK})
    by_dates = client.get(TILE, params=FROM_TO)
    assert by_week.status_code == 200 and by_week.content == by_dates.content
    style = client.get("/styles/density.json", params={"week": WEEK}).json()
    assert any("week=2026-W47" in source.get("url", "") for source in style["sources"].values())


def test_source_filters_the_ledger_and_density_alike(client):
    everything = client.get("/api/issues", params=FROM_TO).json()["total"]
    sources = {item["source"] for item in client.get("/api/issues", params={**FROM_TO, "page_size": 1000})
               .json()["items"]}
    source = sorted(sources)[0]
    listed = client.get("/api/issues", params={**FROM_TO, "source": source}).json()["total"]
    counted = client.get("/api/density", params={**FROM_TO, "source": source}).json()
    unsnapped = counted["unsnapped_issues"]
    assert 0 < listed <= everything
    assert counted["issues"] + unsnapped == listed
