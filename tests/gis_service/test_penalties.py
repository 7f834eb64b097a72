"""Penalties (处罚): recorded by the roles that may, refused with bad input and nothing written."""

import pytest
from sqlalchemy import text

from tests.helpers import quick_user


def penalties(conn) -> int:
    return conn.execute(text("SELECT count(*) FROM penalty")).scalar_one()


@pytest.fixture
def operator(conn) -> dict:
    return quick_user(conn, "t_pen_operator", "operator", display_name="受理员 小刘")


GOOD = {"target_kind": "shop", "target_name": "老王烧烤", "amount_yuan": 200,
        "reason": "占道经营，多次劝导不改"}


@pytest.mark.parametrize("bad, status", [
    ({"amount_yuan": -50}, 422),
    ({"amount_yuan": "很多"}, 422),
    ({"issue_id": 987654321}, 422),
    ({"target_kind": "person"}, 422),
    ({"target_name": "  "}, 422),
    ({"reason": ""}, 422),
    ({"target_kind": "unit"}, 422),  # a unit penalty names the unit
    ({"target_kind": "unit", "unit_id": 999999}, 422),
])
def test_bad_penalties_are_refused_and_nothing_is_written(client, conn, operator, bad, status):
    before = penalties(conn)
    response = client.post("/api/penalties", json={**GOOD, **bad}, headers=operator)
    assert response.status_code == status, response.text
    assert response.json()["message_zh"]
    assert penalties(conn) == before


def test_only_roles_with_the_right_record_penalties(client, conn, operator):
    before = penalties(conn)
    for role in ("viewer", "leader", "inspector"):
        headers = quick_user(conn, f"t_pen_{role}", role)
        assert client.post("/api/penalties", json=GOOD, headers=headers).status_code == 403
    assert client.post("/api/penalties", json=GOOD).status_code == 401
    assert penalties(conn) == before
    made = client.post("/api/penalties", json=GOOD, headers=operator)
    assert made.status_code == 201
    body = made.json()
    assert body["recorder"] == "受理员 小刘" and body["amount_yuan"] == 200.0
    assert body["target_kind_label"] == "商户"
    listed = client.get("/api/penalties").json()
    assert listed[0]["id"] == body["id"] and listed[0]["reason"] == GOOD["reason"]
