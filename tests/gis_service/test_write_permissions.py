"""Every write needs a signed-in user with a write role; district-wide imports need the district admin."""

import io
import json

import pytest

from tests.helpers import role_headers

ISSUE_FORM = {"lon": "113.7598", "lat": "34.7052", "category": "T03.01", "description": "占道经营"}
ROAD_FILE = json.dumps({"type": "FeatureCollection", "features": [{
    "type": "Feature", "properties": {"name": "测试路"},
    "geometry": {"type": "LineString", "coordinates": [[113.759, 34.705], [113.761, 34.705]]}}]})


def post_issue(client, headers=None):
    return client.post("/api/issues", data=ISSUE_FORM, headers=headers or {})


def upload_roads(client, headers=None):
    files = {"file": ("roads.geojson", io.BytesIO(ROAD_FILE.encode()), "application/geo+json")}
    return client.post("/api/imports/roads", files=files, data={"dry_run": "true"}, headers=headers or {})


def issue_count(conn) -> int:
    from sqlalchemy import text

    return conn.execute(text("SELECT count(*) FROM issue")).scalar()


def test_logging_an_issue_needs_a_signed_in_writer(client, conn):
    before = issue_count(conn)
    assert post_issue(client).status_code == 401
    headers = role_headers(conn)
    assert post_issue(client, headers["viewer"]).status_code == 403
    assert issue_count(conn) == before
    assert post_issue(client, headers["community"]).status_code == 201
    assert issue_count(conn) == before + 1


@pytest.mark.parametrize("role, status", [(None, 401), ("viewer", 403), ("sub", 403), ("admin", 200)])
def test_importing_into_a_layer_is_for_the_district_admin(client, conn, role, status):
    headers = role_headers(conn)[role] if role else None
    response = upload_roads(client, headers)
    assert response.status_code == status, response.text
