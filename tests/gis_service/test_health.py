import tempfile
from pathlib import Path

from fastapi.testclient import TestClient

from gis_service.db import make_engine
from gis_service.main import create_app
from gis_service.settings import Settings


def test_health_reports_database_versions_and_row_counts(client):
    response = client.get("/api/health")
    assert response.status_code == 200
    body = response.json()
    assert body["database"]["postgis"].startswith("3.")
    assert body["database"]["revision"]
    assert body["rows"]["sub_district"] == 6 and body["rows"]["community"] == 64
    assert body["rows"]["road_segment"] > 2000


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
