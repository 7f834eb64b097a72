"""Handling units (处置单位): sub-district offices, outsourced companies and departments, the areas
and categories each handles, and the dispatch suggestion for an issue (roadchief.suggest_units)."""

from sqlalchemy import Connection, text
from sqlalchemy.exc import IntegrityError

from roads.errors import Conflict, InvalidInput, NotFound
from roads.notifications import check_webhook_kind
from roads.rows import refuse_by_constraint, write_row
from roads.users import User, require_district_admin

KINDS = {"sub_district_office": "办事处", "company": "市场化外包公司", "department": "职能部门"}
FIELDS = ("kind", "name", "contact", "phone", "webhook_url", "webhook_kind", "active")

LIST_UNITS = text("""
SELECT u.id, u.kind, u.name, u.contact, u.phone, u.webhook_url, u.webhook_kind, u.active,
       coalesce((SELECT json_agg(json_build_object(
                     'sub_district_id', ua.sub_district_id, 'community_id', ua.community_id,
                     'name', coalesce(cm.name, sd.name))
                     ORDER BY ua.sub_district_id NULLS LAST, ua.community_id)
                 FROM public.unit_area AS ua
                 LEFT JOIN public.community AS cm ON cm.id = ua.community_id
                 LEFT JOIN public.sub_district AS sd ON sd.id = ua.sub_district_id
                 WHERE ua.unit_id = u.id), '[]') AS areas,
       coalesce((SELECT json_agg(uc.category_code ORDER BY uc.category_code)
                 FROM public.unit_category AS uc WHERE uc.unit_id = u.id), '[]') AS categories
FROM public.unit AS u
WHERE (CAST(:id AS integer) IS NULL OR u.id = :id)
  AND (CAST(:kind AS text) IS NULL OR u.kind = :kind)
  AND (CAST(:active AS boolean) IS NULL OR u.active = :active)
ORDER BY array_position(ARRAY['sub_district_office', 'company', 'department'], u.kind), u.name
""")


def unit_out(row) -> dict:
    unit = dict(row)
    unit["kind_label"] = KINDS[unit["kind"]]
    unit["district_wide"] = not unit["areas"]
    return unit


def list_units(conn: Connection, kind: str | None = None, active: bool | None = None) -> list[dict]:
    """Every unit with its areas (none: the whole district) and categories."""
    if kind is not None:
        check_kind(kind)
    rows = conn.execute(LIST_UNITS, {"id": None, "kind": kind, "active": active}).mappings()
    return [unit_out(r) for r in rows]


def get_unit(conn: Connection, unit_id: int) -> dict:
    row = conn.execute(LIST_UNITS, {"id": unit_id, "kind": None, "active": None}).mappings().first()
    if row is None:
        raise NotFound(f"unit {unit_id} does not exist", f"未找到编号为 {unit_id} 的处置单位")
    return unit_out(row)


def check_kind(kind: str) -> None:
    if kind not in KINDS:
        raise InvalidInput(f"kind: one of {', '.join(KINDS)}, not {kind!r}",
                           f"单位类型须为{'、'.join(KINDS.values())}之一")


def check_fields(values: dict) -> dict:
    """The unit's own fields, trimmed and checked."""
    if "kind" in values:
        check_kind(values["kind"])
    if "name" in values:
        values["name"] = (values["name"] or "").strip()
        if not values["name"]:
            raise InvalidInput("a unit needs a name", "请填写处置单位名称")
    url = values.get("webhook_url")
    if url is not None and not url.startswith(("https://", "http://")):
        raise InvalidInput("webhook_url: an http or https address", "群机器人地址须以 http:// 或 https:// 开头")
    if "webhook_kind" in values:
        check_webhook_kind(values["webhook_kind"])
    return values


def check_categories(conn: Connection, codes: list[str]) -> None:
    known = set(conn.execute(text("SELECT code FROM public.issue_category WHERE code = ANY(:c)"),
                             {"c": codes}).scalars())
    unknown = sorted(set(codes) - known)
    if unknown:
        raise InvalidInput(f"unknown categories: {', '.join(unknown)}",
                           f"未知的问题类别：{'、'.join(unknown)}")


def check_areas(areas: list[dict]) -> None:
    for area in areas:
        if (area.get("sub_district_id") is None) == (area.get("community_id") is None):
            raise InvalidInput("each area names a sub_district_id or a community_id, not both",
                               "每个负责区域须填写办事处或社区其中之一")


def save_unit(conn: Connection, values: dict, areas: list[dict] | None,
              categories: list[str] | None, unit_id: int | None = None) -> dict:
    """INSERT or UPDATE the unit; given areas or categories replace the unit's old ones."""
    columns = [c for c in FIELDS if c in values]  # code constants only, never user text
    try:
        with conn.begin_nested():
            unit_id = write_row(conn, "unit", columns, values, unit_id)
            if areas is not None:
                replace_areas(conn, unit_id, areas)
            if categories is not None:
                replace_categories(conn, unit_id, categories)
    except IntegrityError as exc:
        no_area = InvalidInput("that community or sub-district does not exist", "所填的社区或办事处不存在")
        refuse_by_constraint(exc, {
            "uq_unit_name": Conflict(f"a unit named {values.get('name')} already exists",
                                     f"已有名为 {values.get('name')} 的处置单位，未重复添加"),
            "fk_unit_area_community": no_area,
            "fk_unit_area_sub_district": no_area,
        })
    return get_unit(conn, unit_id)


def replace_areas(conn: Connection, unit_id: int, areas: list[dict]) -> None:
    conn.execute(text("DELETE FROM public.unit_area WHERE unit_id = :u"), {"u": unit_id})
    for area in {(a.get("sub_district_id"), a.get("community_id")) for a in areas}:
        conn.execute(text("INSERT INTO public.unit_area (unit_id, sub_district_id, community_id) "
                          "VALUES (:u, :s, :c)"), {"u": unit_id, "s": area[0], "c": area[1]})


def replace_categories(conn: Connection, unit_id: int, codes: list[str]) -> None:
    conn.execute(text("DELETE FROM public.unit_category WHERE unit_id = :u"), {"u": unit_id})
    conn.execute(text("INSERT INTO public.unit_category (unit_id, category_code) "
                      "SELECT :u, code FROM unnest(CAST(:c AS text[])) AS code"),
                 {"u": unit_id, "c": sorted(set(codes))})


def create_unit(conn: Connection, user: User | None, values: dict, areas: list[dict],
                categories: list[str]) -> dict:
    require_district_admin(user)
    for needed in ("kind", "name"):
        if values.get(needed) is None:
            raise InvalidInput(f"{needed}: a unit needs its {needed}", "请填写单位类型和名称")
    check_areas(areas)
    check_categories(conn, categories)
    return save_unit(conn, check_fields(values), areas, categories)


def update_unit(conn: Connection, user: User | None, unit_id: int, values: dict,
                areas: list[dict] | None, categories: list[str] | None) -> dict:
    require_district_admin(user)
    conn.execute(text("SELECT id FROM public.unit WHERE id = :id FOR UPDATE"), {"id": unit_id})
    get_unit(conn, unit_id)
    for needed in ("kind", "name", "active", "webhook_kind"):
        if needed in values and values[needed] is None:
            raise InvalidInput(f"{needed} cannot be empty", "单位类型、名称和启用状态不能为空")
    if areas is not None:
        check_areas(areas)
    if categories is not None:
        check_categories(conn, categories)
    return save_unit(conn, check_fields(values), areas, categories, unit_id)


def suggest_units(conn: Connection, issue_id: int) -> list[dict]:
    """The units to dispatch the issue to, most specific first."""
    exists = conn.execute(text("SELECT 1 FROM public.issue WHERE id = :id"), {"id": issue_id}).scalar()
    if exists is None:
        raise NotFound(f"issue {issue_id} does not exist", f"未找到编号为 {issue_id} 的问题")
    rows = conn.execute(text("SELECT * FROM roadchief.suggest_units(:id)"), {"id": issue_id}).mappings()
    return [dict(r) | {"kind_label": KINDS[r["kind"]]} for r in rows]
