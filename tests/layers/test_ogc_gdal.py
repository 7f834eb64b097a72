"""GDAL/OGR (the library under QGIS) reads our OGC API - Features from a live server."""

import os
import subprocess
import sys
import time
import urllib.request

import pyogrio
import pytest
from sqlalchemy import text

from gis_service.pg_cluster import free_port


@pytest.fixture
def live_url(engine, cluster):
    """The service in its own process (GDAL holds the GIL while it fetches), on the test database."""
    port = free_port()
    env = {**os.environ, "DATABASE_URL": cluster.url()}
    server = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "uvicorn",
            "gis_service.main:create_app",
            "--factory",
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
            "--log-level",
            "warning",
        ],
        env=env,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                urllib.request.urlopen(f"{url}/ogc", timeout=1).read()
                break
            except OSError:
                if time.monotonic() > deadline or server.poll() is not None:
                    raise
                time.sleep(0.2)
        yield url
    finally:
        server.terminate()
        server.wait(timeout=10)


def test_gdal_lists_and_reads_our_collections(live_url, engine):
    source = f"OAPIF:{live_url}/ogc"
    layers = dict(pyogrio.list_layers(source))
    assert layers["segments"] == "LineString" and layers["communities"] == "MultiPolygon"
    communities = pyogrio.read_dataframe(source, layer="communities")
    with engine.connect() as conn:
        names = set(conn.execute(text("SELECT name FROM community")).scalars())
    assert len(communities) == 64 and set(communities["name"]) == names
    assert communities.crs.to_epsg() == 4326
