"""CORS: a page on an origin the bureau allows (ROADCHIEF_CORS_ORIGINS) may fetch tiles and call
the API from the browser; other origins get no CORS headers; none are allowed by default."""

import pytest
from fastapi.testclient import TestClient

from gis_service.main import create_app

DASHBOARD = "https://dash.example.cn"
PREFLIGHT = {"Origin": DASHBOARD, "Access-Control-Request-Method": "GET",
             "Access-Control-Request-Headers": "authorization"}


@pytest.fixture
def cors_client(engine, settings):
    allowed = settings.model_copy(update={"cors_origins": f"{DASHBOARD}, http://10.0.0.5:8080/"})
    with TestClient(create_app(allowed, engine=engine)) as client:
        yield client


def test_the_origin_list_is_comma_separated(settings):
    allowed = settings.model_copy(update={"cors_origins": f"{DASHBOARD}, http://10.0.0.5:8080/"})
    assert allowed.cors_origin_list() == [DASHBOARD, "http://10.0.0.5:8080"]
    assert settings.cors_origin_list() == []


def test_a_preflight_from_an_allowed_origin_is_answered(cors_client):
    response = cors_client.options("/tiles/segments/14/13421/6468.mvt", headers=PREFLIGHT)
    assert response.status_code == 200
    assert response.headers["access-control-allow-origin"] == DASHBOARD
    assert "GET" in response.headers["access-control-allow-methods"]
    assert "authorization" in response.headers["access-control-allow-headers"].lower()


def test_a_request_from_an_allowed_origin_carries_the_header(cors_client):
    response = cors_client.get("/tiles/segments.json", headers={"Origin": DASHBOARD})
    assert response.status_code == 200
    assert response.headers["access-control-allow-origin"] == DASHBOARD


def test_another_origin_gets_no_cors_headers(cors_client):
    response = cors_client.options("/tiles/segments.json", headers={**PREFLIGHT, "Origin": "https://evil.example"})
    assert response.status_code == 400 and "access-control-allow-origin" not in response.headers
    response = cors_client.get("/tiles/segments.json", headers={"Origin": "https://evil.example"})
    assert "access-control-allow-origin" not in response.headers


def test_no_origin_is_allowed_by_default(client):
    response = client.options("/tiles/segments.json", headers=PREFLIGHT)
    assert "access-control-allow-origin" not in response.headers
    assert client.get("/tiles/segments.json", headers={"Origin": DASHBOARD}).headers.get(
        "access-control-allow-origin") is None
