"""At 立案, open cases of the same category within the duplicate radius (50 m) are offered as
duplicates, nearest first; 不予立案 as a duplicate links the two."""

import pytest

from tests.helpers import quick_user
from tests.roads.issues.case_flow import a_unit, act
from tests.roads.issues.conftest import lonlat


@pytest.fixture
def admin(conn) -> dict:
    return quick_user(conn, "t_dup_admin", "district_admin")


def report_at(client, headers, north_m: float, category: str = "T03.01") -> int:
    x, y = lonlat(50, north_m)
    response = client.post("/api/issues", data={"lon": x, "lat": y, "category": category},
                           headers=headers)
    assert response.status_code == 201, response.text
    return response.json()["id"]


def test_the_same_category_at_49_m_is_offered_not_at_51_m_nor_another_category(
        client, conn, streets, admin):
    new = report_at(client, admin, 0)
    near = report_at(client, admin, 49)
    far = report_at(client, admin, -51)
    nearer = report_at(client, admin, 20)
    report_at(client, admin, 10, category="T03.02")  # another category, closer still
    offered = client.get(f"/api/issues/{new}/duplicates").json()
    assert offered["radius_m"] == 50
    assert [d["id"] for d in offered["items"]] == [nearer, near]
    assert offered["items"][1]["distance_m"] == pytest.approx(49, abs=0.5)
    assert far not in [d["id"] for d in offered["items"]]


def test_filing_a_likely_duplicate_needs_force_or_is_rejected_as_one(client, conn, streets, admin):
    unit = a_unit(conn)
    first = report_at(client, admin, 0)
    again = report_at(client, admin, 30)
    refused = act(client, again, "file", admin, unit, force=False)
    assert refused.status_code == 409
    assert [d["id"] for d in refused.json()["duplicates"]] == [first]
    assert client.get(f"/api/issues/{again}").json()["status"] == "reported"
    no_link = act(client, again, "reject", admin, unit, reason="duplicate")
    assert no_link.status_code == 422
    rejected = act(client, again, "reject", admin, unit, reason="duplicate", duplicate_of=first)
    assert rejected.status_code == 201
    body = rejected.json()["issue"]
    assert body["status"] == "rejected" and body["reject_reason"] == "duplicate"
    assert body["duplicate_of"] == first
    # A rejected case is finished: it is offered as nobody's duplicate.
    third = report_at(client, admin, 31)
    assert [d["id"] for d in client.get(f"/api/issues/{third}/duplicates").json()["items"]] == [first]
    assert act(client, third, "file", admin, unit, force=True).status_code == 201
    unknown_reason = act(client, report_at(client, admin, 5), "reject", admin, unit, reason="因为")
    assert unknown_reason.status_code == 422
