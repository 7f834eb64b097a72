"""Input the database cannot hold is refused with 4xx before it reaches a query, and changes nothing
(each of these answered 500 before: integer out of range, NUL in text, NOT NULL, bad encodings)."""

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import text

from tests.helpers import role_headers

BIG = 2**33  # 8589934592
LATIN1_SHEET = "segment_id,tier,chief_name,chief_phone\n1,3,Jos\xe9,13800000000\n".encode("latin-1")

CASES = [
    ("GET", f"/api/chiefs/{BIG}", None, 422),
    ("GET", "/api/issues?page=1e17", None, 422),
    ("GET", "/api/issues?page=100000000000000000", None, 422),
    ("GET", "/ogc/collections/issues/items?offset=1e20", None, 422),
    ("GET", "/ogc/collections/issues/items?offset=100000000000000000000", None, 422),
    ("POST", "/api/chiefs", {"name": "超界", "sub_district_id": 3000000000}, 422),
    ("GET", f"/api/segments?community={BIG}", None, 422),
    ("GET", f"/api/issues?segment={BIG}", None, 422),
    ("PUT", "/api/segments/1/chiefs/3", {"chief_id": BIG}, 422),
    ("GET", "/api/roads?q=a%00b", None, 422),
    ("POST", "/api/auth/login", {"username": "a\u0000b", "password": "whatever"}, 422),
    ("POST", "/api/chiefs", {"name": "零\u0000字符"}, 422),
    ("PATCH", "/api/chiefs/7", {"active": None}, 422),
    ("PATCH", "/api/chiefs/7", {"name": None}, 422),
    ("GET", "/api/segments?bbox=nan,nan,nan,nan", None, 422),
    ("GET", "/api/segments?bbox=-inf,30,inf,40", None, 422),
    ("GET", "/api/issues?bbox=117,nan,118,37", None, 422),
    # OGC API - Features answers a bad parameter with 400, as it does for any malformed bbox.
    ("GET", "/ogc/collections/issues/items?bbox=nan,0,1,1", None, 400),
    ("POST", "/api/assignments/import", LATIN1_SHEET, 422),
]


def fingerprint(conn) -> tuple:
    """Counts and the chief that the PATCH cases target: any write would change one of them."""
    return conn.execute(text("""
        SELECT (SELECT count(*) FROM chief), (SELECT count(*) FROM segment_assignment),
               (SELECT count(*) FROM segment_assignment WHERE valid_to IS NULL),
               (SELECT count(*) FROM api_token), (SELECT count(*) FROM login_failure),
               (SELECT row(c.*)::text FROM chief c WHERE id = 7)
    """)).one()


@pytest.mark.parametrize(("method", "path", "body", "status"), CASES,
                         ids=[f"{m} {p}" + (" (body)" if b else "") for m, p, b, _ in CASES])
def test_bad_input_is_refused_and_changes_nothing(client, conn, method, path, body, status):
    headers = role_headers(conn)["admin"]
    before = fingerprint(conn)
    plain = TestClient(client.app, raise_server_exceptions=False)  # a 500 is an answer here
    if isinstance(body, bytes):
        response = plain.post(path, files={"file": ("sheet.csv", body)}, headers=headers)
    else:
        response = plain.request(method, path, json=body, headers=headers)
    assert response.status_code == status, response.text
    assert response.json()["status"] == status
    assert fingerprint(conn) == before


def test_a_gb18030_sheet_is_read_like_the_layer_import(client, conn):
    headers = role_headers(conn)["admin"]
    sheet = "路段,层级,路长,电话\n1,三级,无此人,13800000000\n".encode("gb18030")
    response = client.post("/api/assignments/import", params={"dry_run": "true"},
                           files={"file": ("表.csv", sheet)}, headers=headers)
    assert response.status_code == 200, response.text
    assert response.json()["unmatched"][0]["values"]["chief_name"] == "无此人"


@pytest.mark.parametrize("ids", ["²,3", "1,x", "99999999999"])
def test_segment_ids_that_are_not_ids_are_refused(client, ids):
    response = client.get("/api/segments", params={"ids": ids})
    assert response.status_code == 422 and "is not a segment id" in response.json()["error"]
    assert response.json()["message_zh"]
