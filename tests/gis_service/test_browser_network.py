"""The whole network on the web map: every segment drawn at the opening view, on the demo district
and on a real OpenStreetMap import (Nanjing), road names along the roads, and the legend."""

import shutil
import tempfile
from pathlib import Path

import pytest
from sqlalchemy import text

from gis_service import migrate
from gis_service.db import make_engine
from gis_service.pg_cluster import PgCluster, free_port
from gis_service.settings import Settings
from roads.gisio.importer import import_file
from tests.gis_service.browser import SCREENSHOTS, browser_page, go_to, rendered, serve, wait_for_map
from tests.roads.gisio.helpers import NANJING_OSM, load_nanjing

DESKTOP = {"width": 1440, "height": 900}


@pytest.fixture(scope="module")
def demo_url(engine, cluster):
    with serve(Settings(database_url=cluster.url()), engine) as url:
        yield url


@pytest.fixture(scope="module")
def nanjing():
    """A cluster of its own holding only the Nanjing import (boundaries, then the OSM roads)."""
    workdir = Path(tempfile.mkdtemp(prefix="roadchief-nanjing-"))
    workdir.chmod(0o755)  # the server runs as the postgres user
    pg = PgCluster(data_dir=workdir / "pgdata", port=free_port())
    pg.start()
    engine = make_engine(pg.url())
    try:
        migrate.upgrade(engine)
        with engine.begin() as conn:
            load_nanjing(conn)
            import_file(conn, "roads", NANJING_OSM)
        with serve(Settings(database_url=pg.url()), engine) as url:
            yield url, engine
    finally:
        engine.dispose()
        pg.stop()
        shutil.rmtree(workdir, ignore_errors=True)


def segment_ids(engine) -> set[int]:
    with engine.connect() as conn:
        return set(conn.execute(text("SELECT id FROM road_segment")).scalars())


def open_map(page, url: str) -> None:
    page.goto(url + "/")
    wait_for_map(page)
    assert page.errors == [] and page.console_errors == []


def drawn_at_opening_view(page, engine, name: str) -> float:
    """Asserts every segment of the database is drawn; the view's zoom."""
    ids = set(page.evaluate("RC.debug.renderedSegmentIds()"))
    expected = segment_ids(engine)
    zoom = page.evaluate("RC.map.getView().getZoom()")
    page.screenshot(path=str(SCREENSHOTS / f"{name}-opening-view.png"))
    print(f"{name}: {len(ids & expected)} of {len(expected)} segments drawn at zoom {zoom:.2f}")
    assert len(expected) > 300
    assert expected - ids == set()
    return zoom


def test_every_demo_segment_is_drawn_at_the_opening_view(demo_url, engine):
    SCREENSHOTS.mkdir(exist_ok=True)
    with browser_page(DESKTOP) as page:
        open_map(page, demo_url)
        # The demo's overview is below zoom 14, where lanes (街巷) used to be hidden.
        assert drawn_at_opening_view(page, engine, "demo") < 14


def test_every_nanjing_segment_is_drawn_at_the_opening_view(nanjing):
    url, engine = nanjing
    SCREENSHOTS.mkdir(exist_ok=True)
    with browser_page(DESKTOP) as page:
        open_map(page, url)
        drawn_at_opening_view(page, engine, "nanjing")


def test_road_names_are_drawn_along_the_roads_at_zoom_16(demo_url, engine):
    with engine.connect() as conn:
        lon, lat, name = conn.execute(text("""
            SELECT ST_X(ST_LineInterpolatePoint(s.geom, 0.5)), ST_Y(ST_LineInterpolatePoint(s.geom, 0.5)), r.name
            FROM road_segment s JOIN road r ON r.id = s.road_id
            WHERE r.road_class = '主干道' ORDER BY s.length_m DESC, s.id LIMIT 1""")).one()
    with browser_page(DESKTOP) as page:
        open_map(page, demo_url)
        assert page.evaluate("RC.debug.renderedRoadLabels()") == []  # no names at the overview
        go_to(page, lon, lat, 16)
        page.screenshot(path=str(SCREENSHOTS / "demo-z16-labels.png"))
        labels = page.evaluate("RC.debug.renderedRoadLabels()")
        assert name in labels
        segments_in_view = page.evaluate("RC.layers.segments.getFeaturesInExtent("
                                         "RC.map.getView().calculateExtent(RC.map.getSize())).length")
        assert 0 < len(labels) < segments_in_view  # once per road, not once per segment
        assert any("/tiles/road_labels/" in u for u in page.requests)


def test_the_legend_names_the_context_layers_when_they_are_shown(demo_url):
    with browser_page(DESKTOP) as page:
        open_map(page, demo_url)
        legend = page.inner_text("#legend")
        assert "施工工地" not in legend and "问题" not in legend
        for layer in ("construction_sites", "resettlement_points", "issues"):
            page.check(f"input[data-layer='{layer}']")
        rendered(page)
        legend = page.inner_text("#legend")
        assert "施工工地" in legend and "临时安置点" in legend and "问题" in legend
        assert "三级路长" in legend
        page.screenshot(path=str(SCREENSHOTS / "demo-context-layers.png"))
