"""Over the limit opens one case per segment, not one per sample; a closed case lets the next
over-limit sample open a new one; under the limit opens none."""

from sqlalchemy import text

from tests.roads.issues.case_flow import act


def sample(client, headers, spot, grams, surface="carriageway", **extra):
    body = {"segment_id": spot.segment_id, "surface": surface, "grams_per_m2": grams, **extra}
    response = client.post("/api/dust/samples", json=body, headers=headers)
    assert response.status_code == 201, response.text
    return response.json()


def dust_cases(conn, segment_id):
    return conn.execute(text("SELECT id, status, unit_id FROM issue WHERE category_code = 'DU01' "
                             "AND segment_id = :s ORDER BY id"), {"s": segment_id}).all()


def test_three_samples_over_the_limit_open_one_case(client, conn, spot, inspector):
    found = [sample(client, inspector, spot, grams) for grams in (6.5, 9.0, 12.0)]
    cases = dust_cases(conn, spot.segment_id)
    assert len(cases) == 1
    assert {s["issue_id"] for s in found} == {cases[0].id}
    assert [s["verdict"] for s in found] == ["超标", "超标", "超标"]
    assert found[0]["limit_g_m2"] == 5  # a carriageway inside the ring road
    # An inspector may not file: the case waits in 上报 for the operator, naming the company.
    assert cases[0].status == "reported"
    description = client.get(f"/api/issues/{cases[0].id}").json()["description"]
    assert "12" not in description and "6.5" in description and "保洁单位" in description


def test_an_under_limit_sample_opens_no_case(client, conn, spot, inspector):
    found = sample(client, inspector, spot, 4.9)
    assert found["verdict"] == "达标" and found["issue_id"] is None
    footway = sample(client, inspector, spot, 19.0, surface="footway")  # ≤ 20 on footways
    assert footway["issue_id"] is None and footway["limit_g_m2"] == 20
    assert dust_cases(conn, spot.segment_id) == []


def test_the_admin_files_and_dispatches_to_the_cleaning_company(client, conn, spot, admin):
    found = sample(client, admin, spot, 7.0)
    case = client.get(f"/api/issues/{found['issue_id']}").json()
    assert case["status"] == "dispatched"
    assert case["unit_id"] == spot.company_id


def test_after_the_case_is_closed_a_new_sample_opens_a_new_case(client, conn, spot, admin):
    first = sample(client, admin, spot, 7.0)["issue_id"]
    for action in ("accept_task", "feedback", "verify", "close"):
        response = act(client, first, action, admin, spot.company_id)
        assert response.status_code == 201, response.text
    assert sample(client, admin, spot, 4.0)["issue_id"] is None
    second = sample(client, admin, spot, 8.0)["issue_id"]
    assert second is not None and second != first
    assert [c.id for c in dust_cases(conn, spot.segment_id)] == [first, second]
