"""Chiefs' phone numbers only for signed-in users (the health check's versions: tests/gis_service/test_health.py)."""

from sqlalchemy import text


def a_held_segment(conn):
    return conn.execute(text("""
        SELECT a.segment_id, ch.id AS chief_id, ch.phone FROM segment_assignment a
        JOIN chief ch ON ch.id = a.chief_id
        WHERE a.valid_to IS NULL AND a.tier = 3 AND ch.phone IS NOT NULL ORDER BY a.segment_id LIMIT 1
    """)).one()


def test_anonymous_users_see_no_phone_numbers(client, conn):
    held = a_held_segment(conn)
    listed = client.get("/api/chiefs", params={"limit": 500}).json()
    assert listed and all(chief["phone"] is None for chief in listed)
    assert client.get(f"/api/chiefs/{held.chief_id}").json()["phone"] is None
    detail = client.get(f"/api/segments/{held.segment_id}").json()
    assert detail["chiefs"]["3"]["id"] == held.chief_id and detail["chiefs"]["3"]["phone"] is None
    # Nor can a phone number be confirmed by searching for it.
    assert client.get("/api/chiefs", params={"q": held.phone}).json() == []


def test_signed_in_users_see_and_search_phone_numbers(client, conn, headers):
    held = a_held_segment(conn)
    viewer = headers["viewer"]
    assert client.get(f"/api/chiefs/{held.chief_id}", headers=viewer).json()["phone"] == held.phone
    detail = client.get(f"/api/segments/{held.segment_id}", headers=viewer).json()
    assert detail["chiefs"]["3"]["phone"] == held.phone
    found = client.get("/api/chiefs", params={"q": held.phone}, headers=viewer).json()
    assert [chief["id"] for chief in found] == [held.chief_id]
