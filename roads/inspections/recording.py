"""Entering an inspection: who may (district admins anywhere; sub-district and community admins
and inspectors in their area; a road chief in their sub-district), the checks on what is sent
(every item of the current checklist answered once, a time not in the future), then the flags
re-derived and, for a failed item, the target's one open case."""

import json
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from sqlalchemy import Connection, text

from roads.errors import Forbidden, InvalidInput, NotFound, Unauthorized
from roads.inspections.checklists import KINDS, active_items, check_kind, get_checklist
from roads.issues.flow import FINAL_STATUSES
from roads.issues.repository import NewIssue, insert_issue
from roads.users import User, require_writer

CLOCK_SKEW = timedelta(minutes=5)
ENTRY_ROLES = ("district_admin", "sub_district_admin", "community_admin", "inspector")


@dataclass
class ItemResult:
    item_id: int
    passed: bool
    note: str = ""


@dataclass
class NewInspection:
    target_kind: str
    target_id: int
    results: list[ItemResult]
    inspected_at: datetime | None = None
    inspector: str | None = None
    note: str = ""
    source: str = "api"
    photos: list = field(default_factory=list)


def get_target(conn: Connection, kind: str, target_id: int) -> dict:
    row = conn.execute(text("""
        SELECT t.target_kind, t.target_id, t.name, t.sub_district_id, t.community_id, t.active,
               ST_X(t.point) AS lon, ST_Y(t.point) AS lat
        FROM roadchief.inspection_target AS t
        WHERE t.target_kind = :k AND t.target_id = :id
    """), {"k": check_kind(kind), "id": target_id}).mappings().first()
    if row is None:
        raise NotFound(f"no {kind} {target_id}", f"未找到编号为 {target_id} 的{KINDS[kind]}")
    return dict(row)


def chief_area(conn: Connection, user: User) -> tuple[bool, int | None] | None:
    """(is a chief, their sub-district or None for the whole district), or None when not a chief."""
    row = conn.execute(text("""
        SELECT coalesce(ch.sub_district_id, c.sub_district_id) AS sub_district_id
        FROM public.chief_user AS cu
        JOIN public.chief AS ch ON ch.id = cu.chief_id AND ch.active
        LEFT JOIN public.community AS c ON c.id = ch.community_id
        WHERE cu.user_id = :u
    """), {"u": user.id}).first()
    return None if row is None else (True, row.sub_district_id)


def in_area(user: User, target: dict) -> bool:
    if user.role == "district_admin":
        return True
    if user.community_id is not None:
        return target["community_id"] == user.community_id
    if user.sub_district_id is not None:
        return target["sub_district_id"] == user.sub_district_id
    return user.role == "inspector"  # an inspector without an area works the whole district


def check_inspection_write(conn: Connection, user: User | None, target: dict) -> User:
    """Raise unless `user` may enter an inspection of `target`."""
    if user is not None and not user.can_write:
        chief = chief_area(conn, user)  # a chief signs in with a read-only account
        if chief is not None and (chief[1] is None or chief[1] == target["sub_district_id"]):
            return user
    user = require_writer(user)
    if user.role in ENTRY_ROLES and in_area(user, target):
        return user
    chief = chief_area(conn, user)
    if chief is not None and (chief[1] is None or chief[1] == target["sub_district_id"]):
        return user
    raise Forbidden(f"{target['target_kind']} {target['target_id']} is outside the jurisdiction of "
                    f"user {user.username}",
                    f"{target['name']}不在您的检查范围内，未做任何修改")


def inspection_scope(conn: Connection, user: User | None) -> dict:
    """The area whose targets `user` may inspect, as list_status filters: {} for the whole district."""
    if user is None:
        raise Unauthorized("sign in first", "请先登录")
    if user.can_write and user.role in ENTRY_ROLES:
        if user.role == "district_admin":
            return {}
        if user.community_id is not None:
            return {"community_id": user.community_id}
        if user.sub_district_id is not None:
            return {"sub_district_id": user.sub_district_id}
        if user.role == "inspector":
            return {}
    chief = chief_area(conn, user)
    if chief is not None:
        return {} if chief[1] is None else {"sub_district_id": chief[1]}
    raise Forbidden(f"user {user.username} does not inspect sites or resettlement points",
                    "您的账号不负责工地和安置点检查")


def check_results(conn: Connection, kind: str, results: list[ItemResult]) -> list[ItemResult]:
    """Every item of the kind's current checklist answered exactly once, nothing else."""
    items = {item["id"]: item for item in active_items(conn, kind)}
    seen: set[int] = set()
    for result in results:
        if result.item_id not in items:
            raise InvalidInput(f"item {result.item_id} is not on the current {kind} checklist",
                               f"检查项 {result.item_id} 不在当前的{KINDS[kind]}检查表中")
        if result.item_id in seen:
            raise InvalidInput(f"item {result.item_id} is answered twice",
                               f"检查项“{items[result.item_id]['label']}”重复填写")
        seen.add(result.item_id)
    missing = [items[i]["label"] for i in items if i not in seen]
    if missing:
        raise InvalidInput(f"items not answered: {', '.join(map(str, (i for i in items if i not in seen)))}",
                           f"以下检查项未填写：{'、'.join(missing)}")
    return results


def check_time(at: datetime | None) -> datetime | None:
    if at is not None and at > datetime.now(UTC) + CLOCK_SKEW:
        raise InvalidInput(f"inspected_at: {at.isoformat()} is in the future",
                           f"检查时间 {at.isoformat()} 晚于当前时间")
    return at


def record_inspection(conn: Connection, user: User | None, new: NewInspection, snap_distance_m: float) -> int:
    """Validate and store the inspection with its results; re-derive the target's flag and open
    (or reuse) its case when an item failed. Returns the inspection's id."""
    target = get_target(conn, new.target_kind, new.target_id)
    author = check_inspection_write(conn, user, target)
    lock_target(conn, new.target_kind, new.target_id)
    check_results(conn, new.target_kind, new.results)
    check_time(new.inspected_at)
    clean = all(r.passed for r in new.results)
    inspection_id = conn.execute(text("""
        INSERT INTO public.inspection (target_kind, site_id, point_id, inspected_at, inspector, entered_by,
                                       source, note, clean)
        VALUES (:kind, :site, :point, coalesce(:at, now()), :inspector, :by, :source, :note, :clean)
        RETURNING id
    """), {"kind": new.target_kind, "site": new.target_id if new.target_kind == "site" else None,
           "point": new.target_id if new.target_kind == "point" else None, "at": new.inspected_at,
           "inspector": (new.inspector or "").strip()[:100] or author.display_name or author.username,
           "by": author.username, "source": new.source, "note": new.note.strip()[:1000],
           "clean": clean}).scalar_one()
    conn.execute(text("""
        INSERT INTO public.inspection_result (inspection_id, item_id, passed, note)
        SELECT :id, r.item_id, r.passed, r.note
        FROM jsonb_to_recordset(CAST(:results AS jsonb)) AS r (item_id integer, passed boolean, note text)
    """), {"id": inspection_id, "results": results_json(new.results)})
    conn.execute(text("SELECT roadchief.refresh_demonstration_flags(:kind, ARRAY[:id])"),
                 {"kind": new.target_kind, "id": new.target_id})
    if not clean:
        open_case(conn, target, inspection_id, new.results, snap_distance_m)
    return inspection_id


def lock_target(conn: Connection, kind: str, target_id: int) -> None:
    """Inspections of one target one at a time: two failing at once must not open two cases."""
    if kind == "site":
        conn.execute(text("SELECT 1 FROM public.construction_site WHERE id = :id FOR UPDATE"), {"id": target_id})
    else:
        conn.execute(text("SELECT 1 FROM public.resettlement_point WHERE id = :id FOR UPDATE"), {"id": target_id})


def results_json(results: list[ItemResult]) -> str:
    return json.dumps([{"item_id": r.item_id, "passed": r.passed, "note": r.note.strip()[:500]}
                       for r in results], ensure_ascii=False)


def open_case_of(conn: Connection, kind: str, target_id: int) -> int | None:
    """The target's case still open in the ledger, from an earlier failed inspection."""
    return conn.execute(text("""
        SELECT i.issue_id
        FROM public.inspection AS i
        JOIN public.issue AS iss ON iss.id = i.issue_id
        WHERE i.target_kind = :k AND coalesce(i.site_id, i.point_id) = :id
          AND iss.status <> ALL (CAST(:final AS text[]))
        ORDER BY i.issue_id
        LIMIT 1
    """), {"k": kind, "id": target_id, "final": list(FINAL_STATUSES)}).scalar()


def open_case(conn: Connection, target: dict, inspection_id: int, results: list[ItemResult],
              snap_distance_m: float) -> int | None:
    """One open case per target: a failed inspection opens it, or joins the one already open."""
    checklist = get_checklist(conn, target["target_kind"])
    if not checklist["open_cases"]:
        return None
    issue_id = open_case_of(conn, target["target_kind"], target["target_id"])
    if issue_id is None:
        labels = {item["id"]: item["label"] for item in checklist["items"]}
        failed = "、".join(labels[r.item_id] + (f"（{r.note.strip()}）" if r.note.strip() else "")
                          for r in results if not r.passed)
        issue_id = insert_issue(conn, NewIssue(
            lon=target["lon"], lat=target["lat"], category_code=checklist["case_category"],
            description=f"{target['name']}检查不合格：{failed}", reporter="巡检",
            source="inspection",
            address=target["name"]), snap_distance_m)
    conn.execute(text("UPDATE public.inspection SET issue_id = :issue WHERE id = :id"),
                 {"issue": issue_id, "id": inspection_id})
    return issue_id

