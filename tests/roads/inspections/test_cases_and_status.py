"""A failed inspection opens one case per target in the 台账, not one per inspection; status,
overdue and the rules a district admin edits; bad input changes nothing."""

from datetime import datetime, timedelta

import pytest
from sqlalchemy import text

from roads.errors import Forbidden, InvalidInput
from roads.inspections import checklists, status
from roads.inspections.checklists import active_items
from roads.inspections.recording import ItemResult, NewInspection, record_inspection
from roads.issues.window import CHINA_TZ
from roads.users import User
from tests.roads.inspections.conftest import inspect, weekly


def case_of(conn, inspection_id):
    return conn.execute(text("""
        SELECT iss.id, iss.category_code, iss.status, iss.description, iss.community_id
        FROM inspection AS i JOIN issue AS iss ON iss.id = i.issue_id WHERE i.id = :id
    """), {"id": inspection_id}).first()


def test_failed_items_open_one_case_per_site_not_per_inspection(conn, admin, site):
    first = inspect(conn, admin, "site", site, weekly(0), failed=("围挡", "冲洗"), note="东侧围挡倒塌")
    second = inspect(conn, admin, "site", site, weekly(1), failed=("覆盖",))
    case = case_of(conn, first)
    assert case.category_code == "SI01" and case.status == "reported" and case.community_id is not None
    assert "围挡（东侧围挡倒塌）" in case.description and "冲洗" in case.description
    assert case_of(conn, second).id == case.id
    clean = inspect(conn, admin, "site", site, weekly(2))
    assert case_of(conn, clean) is None


def test_a_closed_case_lets_the_next_failure_open_a_new_one(conn, admin, point):
    first = inspect(conn, admin, "point", point, weekly(0), failed=("燃气安全",))
    case = case_of(conn, first)
    assert case.category_code == "SI02"
    conn.execute(text("UPDATE issue SET status = 'closed' WHERE id = :id"), {"id": case.id})
    second = inspect(conn, admin, "point", point, weekly(1), failed=("燃气安全",))
    assert case_of(conn, second).id != case.id


def test_cases_can_be_switched_off(conn, admin, site):
    checklists.update_rules(conn, admin, "site", {"open_cases": False})
    assert case_of(conn, inspect(conn, admin, "site", site, weekly(0), failed=("围挡",))) is None


def test_status_overdue_after_the_interval_and_never_inspected(conn, admin, site):
    at = datetime.now(CHINA_TZ) - timedelta(days=8)
    inspect(conn, admin, "site", site, at)
    [row] = [r for r in status.list_status(conn, "site") if r["target_id"] == site]
    assert row["overdue"] and row["status"] == "overdue" and row["status_label"] == "逾期未检"
    checklists.update_rules(conn, admin, "site", {"every_days": 10})
    [row] = [r for r in status.list_status(conn, "site") if r["target_id"] == site]
    assert not row["overdue"] and row["status"] == "clean"
    inspect(conn, admin, "site", site, at + timedelta(days=1), failed=("湿法作业",))
    assert status.target_status(conn, "site", site)["status"] == "failed"
    conn.execute(text("DELETE FROM inspection WHERE site_id = :id"), {"id": site})
    assert status.target_status(conn, "site", site)["status"] == "overdue"


def test_a_finished_site_is_not_due(conn):
    site_id = conn.execute(text("SELECT id FROM construction_site WHERE status = '完工' LIMIT 1")).scalar_one()
    row = status.target_status(conn, "site", site_id)
    assert row["status"] == "not_due" and not row["overdue"]


def test_an_inspection_keeps_the_items_it_was_made_with(conn, admin, site):
    first = inspect(conn, admin, "site", site, weekly(0))
    cover = next(i for i in active_items(conn, "site") if i["label"] == "覆盖")
    checklists.retire_item(conn, admin, cover["id"])
    checklists.add_item(conn, admin, "site", "雾炮喷淋", "配备雾炮并正常使用")
    labels = [r["label"] for r in status.get_inspection(conn, first)["results"]]
    assert "覆盖" in labels and "雾炮喷淋" not in labels
    second = inspect(conn, admin, "site", site, weekly(1))
    labels = [r["label"] for r in status.get_inspection(conn, second)["results"]]
    assert "覆盖" not in labels and "雾炮喷淋" in labels


def test_every_current_item_must_be_answered_once(conn, admin, site):
    items = active_items(conn, "site")
    partial = [ItemResult(i["id"], True) for i in items[:-1]]
    with pytest.raises(InvalidInput) as missing:
        record_inspection(conn, admin, NewInspection("site", site, partial, inspected_at=weekly(0)), 50)
    assert items[-1]["label"] in missing.value.message_zh
    twice = partial + [ItemResult(items[0]["id"], False)]
    with pytest.raises(InvalidInput):
        record_inspection(conn, admin, NewInspection("site", site, twice, inspected_at=weekly(0)), 50)
    future = [ItemResult(i["id"], True) for i in items]
    with pytest.raises(InvalidInput, match="future"):
        record_inspection(conn, admin, NewInspection("site", site, future,
                                                     inspected_at=datetime.now(CHINA_TZ) + timedelta(days=1)), 50)
    assert conn.execute(text("SELECT count(*) FROM inspection WHERE site_id = :id"), {"id": site}).scalar() == 0


def test_jurisdiction(conn, site):
    area = conn.execute(text("SELECT sub_district_id FROM construction_site WHERE id = :id"),
                        {"id": site}).scalar_one()
    other = conn.execute(text("SELECT id FROM sub_district WHERE id <> :a ORDER BY id LIMIT 1"),
                         {"a": area}).scalar_one()
    outsider = User(999001, "t_far", "sub_district_admin", sub_district_id=other)
    with pytest.raises(Forbidden):
        inspect(conn, outsider, "site", site, weekly(0))
    viewer = User(999002, "t_view", "viewer")
    with pytest.raises(Forbidden):
        inspect(conn, viewer, "site", site, weekly(0))
    local = User(999003, "t_near", "sub_district_admin", sub_district_id=area)
    assert inspect(conn, local, "site", site, weekly(0)) > 0


def test_rules_are_the_district_admins(conn, admin):
    sub = User(999004, "t_sub", "sub_district_admin", sub_district_id=1)
    with pytest.raises(Forbidden):
        checklists.update_rules(conn, sub, "site", {"every_days": 3})
    with pytest.raises(InvalidInput):
        checklists.update_rules(conn, admin, "site", {"every_days": 0})
    with pytest.raises(InvalidInput):
        checklists.update_rules(conn, admin, "site", {"case_category": "T02"})
    assert checklists.get_checklist(conn, "site")["every_days"] == 7
