from tests.webmap.helpers import role_headers


def test_health_reports_database_versions_and_row_counts(client, conn):
    # The versions are for the district admin only (tests/webmap/test_personal_data.py).
    response = client.get("/api/health", headers=role_headers(conn)["admin"])
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
