"""The demo's cases carry realistic histories through the case flow, and its users of every role
see the buttons their role allows."""

from sqlalchemy import text

from roads.demo.users import create_case_flow_users, unit_username
from roads.users import login


def scalar(conn, sql: str):
    return conn.execute(text(sql)).scalar_one()


def test_demo_cases_have_units_and_every_kind_of_history(conn):
    assert scalar(conn, "SELECT count(*) FROM issue WHERE status NOT IN ('reported', 'rejected') "
                        "AND unit_id IS NULL") < 10
    closed, on_time = conn.execute(text(
        "SELECT count(*) FILTER (WHERE status = 'closed'), count(*) FILTER (WHERE closed_on_time) "
        "FROM roadchief.issue_case")).one()
    assert on_time > closed / 2  # most closed on time
    assert scalar(conn, "SELECT count(*) FROM roadchief.issue_case WHERE overdue") > 0
    for action in ("rework", "approve_extension", "hold", "evaluate"):
        assert scalar(conn, f"SELECT count(*) FROM issue_event WHERE action = '{action}'") > 10
    assert scalar(conn, "SELECT count(*) FROM issue WHERE reject_reason = 'duplicate' "
                        "AND duplicate_of IS NOT NULL") > 0
    assert scalar(conn, "SELECT count(*) FROM issue WHERE status = 'on_hold'") > 0
    assert scalar(conn, "SELECT count(*) FROM issue WHERE due_override IS NOT NULL") > 10


def test_demo_flow_users_sign_in_and_see_their_buttons(client, conn):
    created = {u["username"]: u for u in create_case_flow_users(conn)}
    assert {"jiandu01", "shouli01", "paiqian01", "lingdao01", "unit_jingkai_huanwei"} <= set(created)
    assert create_case_flow_users(conn) == []
    case, unit_id, unit_name = conn.execute(text(
        "SELECT i.id, u.id, u.name FROM issue i JOIN unit u ON u.id = i.unit_id "
        "WHERE i.status = 'dispatched' ORDER BY i.id LIMIT 1")).one()
    username = unit_username(unit_id, unit_name)
    token, user = login(conn, username, created[username]["password"])
    assert user.role == "unit_user" and user.unit_id == unit_id
    shown = client.get(f"/api/issues/{case}", headers={"Authorization": f"Bearer {token}"}).json()
    assert "feedback" in [a["action"] for a in shown["actions"]]
    token, _ = login(conn, "lingdao01", created["lingdao01"]["password"])
    assert client.get(f"/api/issues/{case}",
                      headers={"Authorization": f"Bearer {token}"}).json()["actions"] == []


def test_every_demo_case_went_to_its_first_dispatch_suggestion(conn):
    """What a dispatcher would have picked: the unit at the top of the case's suggestions, and its
    name as the case's department; a case without a suggested unit keeps its category's department."""
    cases = conn.execute(text("""
        SELECT i.id, i.unit_id, i.department, s.unit_id AS first_unit, s.unit_name AS first_name,
               c.department AS category_department
        FROM issue AS i
        JOIN issue_category AS c ON c.code = i.category_code
        LEFT JOIN LATERAL (SELECT * FROM roadchief.suggest_units(i.id) LIMIT 1) AS s ON true
        WHERE EXISTS (SELECT 1 FROM issue_event AS e
                      WHERE e.issue_id = i.id AND e.action = 'dispatch' AND e.actor = '派遣员 何强')
    """)).all()
    assert len(cases) > 3000
    assert [c.id for c in cases if c.unit_id != c.first_unit] == []
    assert [c.id for c in cases if c.department != (c.first_name or c.category_department)] == []
