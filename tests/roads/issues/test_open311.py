"""Open311 GeoReport v2, fed with the 50 real Chicago 311 requests in tests/fixtures/open311 (moved into our
district, since Chicago is not in it)."""

import json
from pathlib import Path

import pytest

from tests.roads.issues.conftest import count

SAMPLE = Path(__file__).parents[2] / "fixtures" / "open311" / "chicago_open311_requests.json"
CHICAGO_BOX = (-87.810, 41.733, -87.568, 42.000)
DISTRICT_BOX = (113.700, 34.670, 113.800, 34.740)  # inside the demo district


@pytest.fixture(scope="module")
def chicago() -> list[dict]:
    return json.loads(SAMPLE.read_text())


def moved(record: dict) -> tuple[float, float]:
    fx = (record["long"] - CHICAGO_BOX[0]) / (CHICAGO_BOX[2] - CHICAGO_BOX[0])
    fy = (record["lat"] - CHICAGO_BOX[1]) / (CHICAGO_BOX[3] - CHICAGO_BOX[1])
    return (
        DISTRICT_BOX[0] + fx * (DISTRICT_BOX[2] - DISTRICT_BOX[0]),
        DISTRICT_BOX[1] + fy * (DISTRICT_BOX[3] - DISTRICT_BOX[1]),
    )


def test_services_are_our_categories(client):
    services = client.get("/open311/v2/services.json").json()
    assert len(services) >= 30
    road_damage = next(s for s in services if s["service_code"] == "T06.01")
    assert road_damage["service_name"] == "道路破损" and road_damage["group"] == "基础设施建设"
    assert road_damage["metadata"] is False and road_damage["type"] == "realtime"


def test_chicagos_requests_are_accepted_with_their_service_codes_mapped(client, conn, chicago):
    expected = {
        "Building Violation": "T07.01",
        "Pothole in Street": "T06.01",
        "Street Light Out": "T06.04",
        "Pavement Cave-In Survey": "T06.01",
        "Traffic Signal Out": "T04.03",
        "Street Cut Complaints": "T06.01",
        "Abandoned Vehicle": "T04.01",
    }
    ids = {}
    for record in chicago:
        lon, lat = moved(record)
        response = client.post(
            "/open311/v2/requests.json",
            data={
                "service_code": record["service_code"],
                "lat": lat,
                "long": lon,
                "address_string": record["address"],
                "description": record.get("status_notes") or "",
                "requested_datetime": record["requested_datetime"],
                "api_key": "demo",
            },
        )
        assert response.status_code == 201, response.text
        ids[response.json()[0]["service_request_id"]] = expected[record["service_name"]]
    assert len(ids) == 50
    fetched = client.get(
        "/open311/v2/requests.json", params={"service_request_id": ",".join(ids), "status": "open"}
    ).json()
    assert {r["service_request_id"]: r["service_code"] for r in fetched} == ids
    one = client.get(f"/open311/v2/requests/{next(iter(ids))}.json").json()[0]
    assert one["status"] == "open" and one["address"] == chicago[0]["address"]
    assert one["requested_datetime"].startswith("2014-05-10T")  # 19:02 in Chicago, 08:02 here
    assert (
        count(
            conn,
            "SELECT count(*) FROM issue WHERE source = 'open311' AND id = ANY(:ids)",
            ids=[int(i) for i in ids],
        )
        == 50
    )


def test_listing_by_service_and_status(client, conn):
    closed = client.get(
        "/open311/v2/requests.json",
        params={
            "status": "closed",
            "service_code": "T03",
            "start_date": "2026-08-01",
            "end_date": "2026-11-20",
        },
    )
    assert closed.status_code == 200
    body = closed.json()
    assert body and all(
        r["status"] == "closed" and r["service_code"].startswith("T03.") for r in body
    )


def test_bad_requests_get_georeport_errors_and_write_nothing(client, conn, chicago):
    before = count(conn, "SELECT count(*) FROM issue")
    raw = chicago[0]
    outside = client.post(
        "/open311/v2/requests.json",
        data={"service_code": raw["service_code"], "lat": raw["lat"], "long": raw["long"]},
    )
    assert outside.status_code == 422
    assert "outside the district" in outside.json()[0]["description"]
    lon, lat = moved(raw)
    unknown = client.post(
        "/open311/v2/requests.json", data={"service_code": "nope", "lat": lat, "long": lon}
    )
    assert unknown.status_code == 422 and unknown.json()[0]["code"] == 422
    assert (
        client.post("/open311/v2/requests.json", data={"service_code": "T06.01"}).status_code == 422
    )
    assert count(conn, "SELECT count(*) FROM issue") == before
    assert client.get("/open311/v2/requests/abc.json").status_code == 404
    backwards = client.get(
        "/open311/v2/requests.json", params={"start_date": "2026-11-02", "end_date": "2026-10-30"}
    )
    assert backwards.status_code == 422


def test_xml_as_well(client, chicago):
    from xml.etree.ElementTree import fromstring

    services = fromstring(client.get("/open311/v2/services.xml").content)
    assert services.tag == "services" and len(services.findall("service")) >= 30
    lon, lat = moved(chicago[1])
    created = client.post("/open311/v2/requests.xml", data={"service_code": "T06.04", "lat": lat,
                                                            "long": lon})
    assert created.status_code == 201 and created.headers["content-type"].startswith("application/xml")
    request_id = fromstring(created.content).find("request/service_request_id").text
    one = fromstring(client.get(f"/open311/v2/requests/{request_id}.xml").content)
    assert one.find("request/service_name").text == "路灯不亮"
    error = client.post("/open311/v2/requests.xml", data={"service_code": "nope", "lat": lat, "long": lon})
    assert error.status_code == 422 and fromstring(error.content).find("error/code").text == "422"
    assert client.get("/open311/v2/services.csv").status_code == 404


def test_open311_errors_keep_the_georeport_format_in_json_and_xml(client):
    from xml.etree.ElementTree import fromstring

    response = client.get("/open311/v2/requests/abc.json")
    assert response.status_code == 404
    assert response.json() == [{"code": 404, "description": "no service request 'abc'"}]
    as_xml = client.get("/open311/v2/requests/abc.xml")
    assert as_xml.status_code == 404 and as_xml.headers["content-type"].startswith("application/xml")
    errors = fromstring(as_xml.content)
    assert errors.tag == "errors"
    assert errors.find("error/code").text == "404"
    assert errors.find("error/description").text == "no service request 'abc'"
