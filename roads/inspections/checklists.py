"""The checklist of each target kind and its rules (how often, how many clean inspections in a row
earn the flag, the case category), and its items: added and retired by a district admin; a retired
item stays with the inspections made with it."""

from sqlalchemy import Connection, text
from sqlalchemy.exc import IntegrityError

from roads.errors import InvalidInput, NotFound
from roads.issues.repository import check_category
from roads.users import User, require_district_admin

KINDS = {"site": "施工工地", "point": "群众临时安置点"}
FLAG_LABELS = {"site": "绿色示范工地", "point": "安全生产示范点"}
RULE_FIELDS = ("every_days", "demo_after", "case_category", "open_cases")


def check_kind(kind: str) -> str:
    if kind not in KINDS:
        raise InvalidInput(f"target_kind must be site or point, not {kind!r}",
                           f"检查对象类型须为 site（施工工地）或 point（安置点），而不是 {kind}")
    return kind


def active_items(conn: Connection, kind: str) -> list[dict]:
    rows = conn.execute(text("""
        SELECT id, label, hint, sort_order
        FROM public.inspection_checklist_item
        WHERE target_kind = :k AND retired_at IS NULL
        ORDER BY sort_order, id
    """), {"k": kind}).mappings()
    return [dict(r) for r in rows]


def get_checklist(conn: Connection, kind: str) -> dict:
    row = conn.execute(text("""
        SELECT target_kind, name, every_days, demo_after, case_category, open_cases, updated_at, updated_by
        FROM public.inspection_checklist WHERE target_kind = :k
    """), {"k": check_kind(kind)}).mappings().one()
    return {**row, "kind_label": KINDS[kind], "flag_label": FLAG_LABELS[kind],
            "items": active_items(conn, kind)}


def list_checklists(conn: Connection) -> list[dict]:
    return [get_checklist(conn, kind) for kind in KINDS]


def update_rules(conn: Connection, user: User | None, kind: str, changes: dict) -> dict:
    """Change the given rules of a kind's checklist (district admin)."""
    admin = require_district_admin(user)
    check_kind(kind)
    current = get_checklist(conn, kind)
    rules = {field: changes.get(field, current[field]) for field in RULE_FIELDS}
    check_category(conn, rules["case_category"])
    try:
        with conn.begin_nested():
            conn.execute(text("""
                UPDATE public.inspection_checklist
                SET every_days = :every_days, demo_after = :demo_after, case_category = :case_category,
                    open_cases = :open_cases, updated_at = now(), updated_by = :by
                WHERE target_kind = :kind
            """), {**rules, "kind": kind, "by": admin.username})
    except IntegrityError as exc:
        raise InvalidInput("every_days must be 1-366 and demo_after 1-100",
                           "检查周期须为 1-366 天，示范所需连续合格次数须为 1-100 次") from exc
    return get_checklist(conn, kind)


def add_item(conn: Connection, user: User | None, kind: str, label: str, hint: str = "") -> dict:
    require_district_admin(user)
    check_kind(kind)
    label = label.strip()
    if not 1 <= len(label) <= 40:
        raise InvalidInput("label: 1 to 40 characters", "检查项名称须为 1-40 个字")
    try:
        with conn.begin_nested():
            conn.execute(text("""
                INSERT INTO public.inspection_checklist_item (target_kind, label, hint, sort_order)
                SELECT :k, :label, :hint, coalesce(max(sort_order), 0) + 1
                FROM public.inspection_checklist_item WHERE target_kind = :k
            """), {"k": kind, "label": label, "hint": hint.strip()[:200]})
    except IntegrityError as exc:
        raise InvalidInput(f"the checklist already has an item {label!r}",
                           f"检查表中已有检查项“{label}”") from exc
    return get_checklist(conn, kind)


def retire_item(conn: Connection, user: User | None, item_id: int) -> dict:
    """Take an item off the checklist; inspections made with it keep it."""
    require_district_admin(user)
    kind = conn.execute(text("""
        SELECT target_kind FROM public.inspection_checklist_item WHERE id = :id AND retired_at IS NULL
    """), {"id": item_id}).scalar()
    if kind is None:
        raise NotFound(f"no active checklist item {item_id}", f"未找到编号为 {item_id} 的在用检查项")
    if len(active_items(conn, kind)) == 1:
        raise InvalidInput("a checklist keeps at least one item", "检查表至少保留一个检查项")
    conn.execute(text("UPDATE public.inspection_checklist_item SET retired_at = now() WHERE id = :id"),
                 {"id": item_id})
    return get_checklist(conn, kind)
