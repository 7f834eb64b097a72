"""A construction site and a resettlement point of the demo district with their inspection history
wiped inside the test's rolled-back transaction, and a district admin to inspect them."""

from datetime import datetime, timedelta

import pytest
from sqlalchemy import text

from roads.inspections.checklists import active_items
from roads.inspections.recording import ItemResult, NewInspection, record_inspection
from roads.issues.window import CHINA_TZ
from roads.users import User

START = datetime(2026, 8, 3, 9, 0, tzinfo=CHINA_TZ)


def wipe(conn, kind: str, target_id: int) -> None:
    column = "site_id" if kind == "site" else "point_id"
    conn.execute(text(f"DELETE FROM inspection WHERE {column} = :id"), {"id": target_id})
    conn.execute(text("DELETE FROM demonstration_flag WHERE target_kind = :k AND target_id = :id"),
                 {"k": kind, "id": target_id})
    table, flag = ("construction_site", "is_green_demo") if kind == "site" else ("resettlement_point",
                                                                                 "is_safety_demo")
    conn.execute(text(f"UPDATE {table} SET {flag} = false WHERE id = :id"), {"id": target_id})


@pytest.fixture
def site(conn) -> int:
    site_id = conn.execute(text(
        "SELECT id FROM construction_site WHERE status = '在建' ORDER BY id LIMIT 1")).scalar_one()
    wipe(conn, "site", site_id)
    return site_id


@pytest.fixture
def point(conn) -> int:
    point_id = conn.execute(text("SELECT id FROM resettlement_point ORDER BY id LIMIT 1")).scalar_one()
    wipe(conn, "point", point_id)
    return point_id


@pytest.fixture
def admin(conn) -> User:
    return make_admin(conn)


def make_admin(conn) -> User:
    user_id = conn.execute(text("""
        INSERT INTO app_user (username, display_name, password_hash, role)
        VALUES ('t_insp_admin', '区检查员', 'x', 'district_admin') RETURNING id
    """)).scalar_one()
    return User(user_id, "t_insp_admin", "district_admin", display_name="区检查员")


def inspect(conn, user, kind, target_id, at, failed=(), note=""):
    """An inspection at `at` with every current item passed except the labels in `failed`."""
    results = [ItemResult(item["id"], item["label"] not in failed, note if item["label"] in failed else "")
               for item in active_items(conn, kind)]
    return record_inspection(conn, user, NewInspection(kind, target_id, results, inspected_at=at), 50.0)


def weekly(i: int) -> datetime:
    return START + timedelta(days=7 * i)
