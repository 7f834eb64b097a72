import tempfile
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import text

from gis_service.db import make_engine
from gis_service.main import create_app
from gis_service.settings import Settings
from roads.users import add_user, login

PASSWORD = "health-check-1"


@pytest.fixture
def committed_headers(engine):
    """Health reads through its own pool (it must answer while every request connection is taken),
    so the users it recognises are committed ones: made here, removed afterwards."""
    headers = {}
    with engine.begin() as conn:
        for role in ("district_admin", "sub_district_admin", "viewer"):
            area = {"sub_district_id": 1} if role == "sub_district_admin" else {}
            add_user(conn, f"t_health_{role}", PASSWORD, role, **area)
            token, _user = login(conn, f"t_health_{role}", PASSWORD)
            headers[role] = {"Authorization": f"Bearer {token}"}
    yield headers
    with engine.begin() as conn:
        conn.execute(text("DELETE FROM public.app_user WHERE username LIKE 't_health_%'"))


def test_health_reports_database_versions_and_row_counts(client, committed_headers):
    response = client.get("/api/health", headers=committed_headers["district_admin"])
    assert response.status_code == 200
    body = response.json()
    assert body["database"]["postgis"].startswith("3.")
    assert body["database"]["revision"]
    assert body["rows"]["sub_district"] == 6 and body["rows"]["community"] == 64
    assert body["rows"]["road_segment"] > 2000


def test_health_shows_versions_to_the_district_admin_only(client, committed_headers):
    for who in (None, "viewer", "sub_district_admin"):
        body = client.get("/api/health", headers=committed_headers.get(who)).json()
        assert body["status"] == "ok" and body["database"] == {"connected": True}, who
    admin = client.get("/api/health", headers=committed_headers["district_admin"]).json()
    assert admin["database"]["postgis"].startswith("3.")


def test_unknown_paths_answer_json_404(client):
    response = client.get("/api/nothing-here")
    assert response.status_code == 404
    assert response.json()["error"]


def test_openapi_docs_are_served(client):
    assert client.get("/openapi.json").json()["info"]["title"] == "roadchief"
    assert client.get("/docs").status_code == 200


def test_a_database_that_went_away_is_503_with_retry_after():
    """The pool cannot reach the server: the client is told to come back, not shown a 500."""
    url = "postgresql+psycopg2://nobody:secret@127.0.0.1:1/none"
    settings = Settings(database_url=url, data_dir=Path(tempfile.gettempdir()) / "unused")
    app = create_app(settings, engine=make_engine(url))
    response = TestClient(app).get("/api/health")  # no lifespan: the app started while the database was up
    assert response.status_code == 503
    assert response.headers["retry-after"] == "5"
    assert response.json() == {"error": "the database is unavailable; try again shortly",
                               "message_zh": "数据库暂时无法连接，请稍后再试", "status": 503}
