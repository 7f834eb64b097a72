"""Security headers on every response, in the test client and in a real uvicorn."""

import httpx
import pytest

from gis_service.security_headers import basemap_origin
from gis_service.settings import Settings
from tests.gis_service.browser import serve

COMMON = {"x-content-type-options": "nosniff", "x-frame-options": "SAMEORIGIN",
          "referrer-policy": "same-origin"}


@pytest.mark.parametrize("path", ["/", "/static/js/map.js", "/api/health", "/api/no-such-thing",
                                  "/api/webmap/config"])
def test_every_response_carries_the_security_headers(client, path):
    response = client.get(path)
    for name, value in COMMON.items():
        assert response.headers[name] == value, (path, name)
    policy = response.headers["content-security-policy"]
    assert "default-src 'self'" in policy and "script-src 'self';" in policy
    assert "unsafe-inline" not in policy.split("script-src")[1].split(";")[0]


def test_the_folium_export_is_a_sandboxed_download(client):
    response = client.get("/api/exports/heatmap.html")
    assert response.status_code == 200
    assert response.headers["content-disposition"].startswith("attachment;")
    assert response.headers["content-security-policy"].startswith("sandbox allow-scripts;")
    assert response.headers["x-content-type-options"] == "nosniff"


def test_the_basemap_origin_is_allowed_for_images_only():
    assert basemap_origin("https://{a-c}.tile.example.org/{z}/{x}/{y}.png") == " https://*.tile.example.org"
    assert basemap_origin("http://10.1.2.3:8080/tiles/{z}/{x}/{y}.png") == " http://10.1.2.3:8080"
    assert basemap_origin(None) == ""


def test_a_real_server_names_no_server_software(engine, cluster):
    with serve(Settings(database_url=cluster.url(), basemap_url="https://tiles.example.org/{z}/{x}/{y}.png"),
               engine) as url:
        response = httpx.get(url + "/")
    assert response.status_code == 200
    assert "server" not in response.headers
    policy = response.headers["content-security-policy"]
    assert "img-src 'self' data: blob: https://tiles.example.org;" in policy
