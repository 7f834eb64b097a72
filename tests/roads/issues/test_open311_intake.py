"""Anonymous Open311 reports: a few a minute per client address (429 beyond), and unconfirmed
until a clerk accepts them (POST /api/issues/{id}/confirm, or the first step, 派遣)."""

import pytest

from roads.errors import TooManyRequests
from roads.issues.open311 import count_intake
from tests.helpers import make_user
from tests.roads.issues.conftest import lonlat


def report(client, **extra):
    lon, lat = lonlat(60, 0)
    return client.post("/open311/v2/requests.json",
                       data={"service_code": "T06.01", "lat": lat, "long": lon,
                             "description": "路面塌陷", **extra})


@pytest.fixture
def anonymous(client):
    signed_in = client.headers.pop("Authorization")
    yield client
    client.headers["Authorization"] = signed_in


def test_an_anonymous_client_past_its_limit_gets_429_with_retry_after(anonymous, streets):
    anonymous.app.state.settings.open311_requests_per_minute = 3
    for _ in range(3):
        assert report(anonymous).status_code == 201
    refused = report(anonymous)
    assert refused.status_code == 429
    assert 1 <= int(refused.headers["Retry-After"]) <= 60
    assert refused.json()[0]["code"] == 429 and "more than 3 reports a minute" in refused.json()[0]["description"]
    as_xml = anonymous.post("/open311/v2/requests.xml", data={"service_code": "T06.01"})
    assert as_xml.status_code == 429 and "Retry-After" in as_xml.headers


def test_a_signed_in_client_is_not_held_to_the_limit(client, streets):
    client.app.state.settings.open311_requests_per_minute = 1
    assert all(report(client).status_code == 201 for _ in range(3))


def test_each_client_address_has_its_own_count(conn):
    for _ in range(2):
        count_intake(conn, "10.0.0.1", 2)
    with pytest.raises(TooManyRequests) as refused:
        count_intake(conn, "10.0.0.1", 2)
    assert "每分钟最多 2 条" in refused.value.message_zh
    count_intake(conn, "10.0.0.2", 2)


def test_anonymous_reports_are_listed_unconfirmed_until_a_clerk_confirms(anonymous, conn, streets):
    issue_id = int(report(anonymous).json()[0]["service_request_id"])
    assert anonymous.get(f"/api/issues/{issue_id}").json()["confirmed"] is False
    listed = anonymous.get("/api/issues", params={"segment": streets.east}).json()["items"]
    assert [(i["id"], i["confirmed"]) for i in listed] == [(issue_id, False)]
    assert anonymous.post(f"/api/issues/{issue_id}/confirm").status_code == 401

    confirmed = anonymous.post(f"/api/issues/{issue_id}/confirm",
                               headers=make_user(conn, "t_clerk", "district_admin"))
    assert confirmed.status_code == 200, confirmed.text
    assert confirmed.json()["confirmed"] is True


def test_the_first_step_confirms_an_anonymous_report(anonymous, conn, streets):
    issue_id = int(report(anonymous).json()[0]["service_request_id"])
    step = anonymous.post(f"/api/issues/{issue_id}/events",
                          headers=make_user(conn, "t_clerk", "district_admin"),
                          json={"status": "dispatched", "actor": "t_clerk", "department": "市政"})
    assert step.status_code == 201, step.text
    assert step.json()["issue"]["confirmed"] is True


def test_a_report_outside_a_community_admins_area_is_not_theirs_to_confirm(anonymous, conn, streets):
    issue_id = int(report(anonymous).json()[0]["service_request_id"])
    issue = anonymous.get(f"/api/issues/{issue_id}").json()
    other = conn.exec_driver_sql(
        "SELECT id FROM community WHERE id <> %(c)s ORDER BY id LIMIT 1", {"c": issue["community_id"]}
    ).scalar_one()
    refused = anonymous.post(f"/api/issues/{issue_id}/confirm",
                             headers=make_user(conn, "t_other_comm", "community_admin",
                                               community_id=other))
    assert refused.status_code == 403
    assert "不在您的管辖范围内" in refused.json()["message_zh"]
    assert anonymous.get(f"/api/issues/{issue_id}").json()["confirmed"] is False
