"""Chiefs: search (optionally only those eligible for a segment and tier), create, edit."""

from sqlalchemy import Connection, text
from sqlalchemy.exc import IntegrityError

from roads.errors import Conflict, InvalidInput, NotFound
from roads.rows import refuse_by_constraint, write_row
from roads.segments import get_place
from roads.users import User, check_chief_write

EDITABLE = ("name", "phone", "organisation", "position", "is_party_member", "sub_district_id",
            "community_id", "active")

LIST_CHIEFS = text("""
SELECT ch.id, ch.name, ch.phone, ch.organisation, ch.position, ch.is_party_member, ch.active,
       ch.community_id, cm.name AS community_name,
       COALESCE(ch.sub_district_id, cm.sub_district_id) AS sub_district_id, sd.name AS sub_district_name,
       COALESCE(load.segments, 0) AS segments, COALESCE(load.length_m, 0) AS assigned_length_m
FROM public.chief ch
LEFT JOIN public.community cm ON cm.id = ch.community_id
LEFT JOIN public.sub_district sd ON sd.id = COALESCE(ch.sub_district_id, cm.sub_district_id)
LEFT JOIN LATERAL (
    SELECT count(*) AS segments, sum(s.length_m) AS length_m
    FROM public.segment_assignment a JOIN public.road_segment s ON s.id = a.segment_id
    WHERE a.chief_id = ch.id AND a.valid_to IS NULL
) AS load ON true
WHERE (CAST(:q AS text) IS NULL OR ch.name ILIKE '%' || :q || '%'
       OR (:search_phone AND ch.phone LIKE '%' || :q || '%')
       OR ch.organisation ILIKE '%' || :q || '%')
  AND (CAST(:community AS integer) IS NULL OR ch.community_id = :community)
  AND (CAST(:sub_district AS integer) IS NULL
       OR COALESCE(ch.sub_district_id, cm.sub_district_id) = :sub_district)
  AND (CAST(:only_district AS boolean) IS NULL OR ch.community_id IS NULL)
  AND (CAST(:active AS boolean) IS NULL OR ch.active = :active)
  AND (CAST(:id AS integer) IS NULL OR ch.id = :id)
ORDER BY ch.is_party_member DESC, load.length_m NULLS FIRST, ch.name, ch.id
LIMIT :limit
""")


def list_chiefs(conn: Connection, q: str | None = None, segment_id: int | None = None,
                tier: int | None = None, community_id: int | None = None,
                sub_district_id: int | None = None, active: bool | None = None,
                limit: int = 50, chief_id: int | None = None, search_phone: bool = True) -> list[dict]:
    """Chiefs matching `q` (in the name, or the phone if `search_phone`); with segment_id and
    tier, only the active ones eligible there.

    Eligible: tier 3 from the segment's community, tier 2 from its sub-district, tier 1 the
    leaders not tied to a community. Party members and the least loaded come first.
    """
    only_district = None
    if segment_id is not None:
        if tier not in (1, 2, 3):
            raise InvalidInput("give tier 1, 2 or 3 with segment_id to list eligible chiefs",
                               "查询可指派的路长时，请同时给出级别（1、2 或 3）和路段编号")
        place = get_place(conn, segment_id)
        active = True
        if tier == 3:
            community_id = place.community_id
        elif tier == 2:
            sub_district_id = place.sub_district_id
        else:
            only_district = True
    rows = conn.execute(LIST_CHIEFS, {
        "q": (q or "").strip() or None, "community": community_id, "sub_district": sub_district_id,
        "only_district": only_district, "active": active, "id": chief_id, "limit": max(1, min(limit, 500)),
        "search_phone": search_phone,
    }).mappings()
    return [dict(r) | {"assigned_length_m": round(float(r["assigned_length_m"]), 1)} for r in rows]


def get_chief_row(conn: Connection, chief_id: int) -> dict:
    row = conn.execute(text("SELECT * FROM public.chief WHERE id = :id"), {"id": chief_id}).mappings().first()
    if row is None:
        raise NotFound(f"chief {chief_id} does not exist",
                       f"未找到编号为 {chief_id} 的路长")
    return dict(row)


def community_sub_district(conn: Connection, community_id: int | None) -> int | None:
    if community_id is None:
        return None
    sub = conn.execute(text("SELECT sub_district_id FROM public.community WHERE id = :c"), {"c": community_id}).scalar()
    if sub is None:
        raise InvalidInput(f"community {community_id} does not exist",
                           f"未找到编号为 {community_id} 的社区")
    return sub


def save_chief(conn: Connection, values: dict, chief_id: int | None = None) -> dict:
    """INSERT or UPDATE, with the constraint errors mapped to messages."""
    columns = [c for c in EDITABLE if c in values]  # code constants only, never user text
    try:
        with conn.begin_nested():
            chief_id = write_row(conn, "chief", columns, values, chief_id)
    except IntegrityError as exc:
        no_area = InvalidInput("that community or sub-district does not exist", "所填的社区或办事处不存在")
        refuse_by_constraint(exc, {
            "uq_chief_name_phone": Conflict(f"a chief named {values.get('name')} with that phone already exists",
                                            f"已有名为 {values.get('name')}、电话相同的路长，未重复添加"),
            "fk_chief_community": no_area,
            "fk_chief_sub_district": no_area,
        })
    return list_chiefs_by_id(conn, chief_id)


def list_chiefs_by_id(conn: Connection, chief_id: int) -> dict:
    rows = list_chiefs(conn, chief_id=chief_id, limit=1)
    if not rows:
        raise NotFound(f"chief {chief_id} does not exist",
                       f"未找到编号为 {chief_id} 的路长")
    return rows[0]


def create_chief(conn: Connection, user: User | None, values: dict) -> dict:
    if not (values.get("name") or "").strip():
        raise InvalidInput("a chief needs a name",
                           "请填写路长姓名")
    values = {k: values.get(k) for k in EDITABLE if k in values}
    values["name"] = values["name"].strip()
    if values.get("community_id") is not None:
        values["sub_district_id"] = community_sub_district(conn, values["community_id"])
    check_chief_write(user, values.get("community_id"), values.get("sub_district_id"))
    return save_chief(conn, values)


CHIEF_FIELD_ZH = {"name": "姓名", "is_party_member": "是否党员", "active": "是否在岗"}

def update_chief(conn: Connection, user: User | None, chief_id: int, values: dict) -> dict:
    old = get_chief_row(conn, chief_id)
    check_chief_write(user, old["community_id"], old["sub_district_id"])
    values = {k: values[k] for k in EDITABLE if k in values}
    for key in ("name", "is_party_member", "active"):  # NOT NULL columns: null is no value to set
        if key in values and values[key] is None:
            raise InvalidInput(f"{key} must not be null", f"{CHIEF_FIELD_ZH[key]}不能为空")
    if "name" in values and not (values["name"] or "").strip():
        raise InvalidInput("a chief needs a name",
                           "请填写路长姓名")
    if values.get("community_id") is not None:
        values["sub_district_id"] = community_sub_district(conn, values["community_id"])
    new_community = values.get("community_id", old["community_id"])
    check_chief_write(user, new_community, values.get("sub_district_id", old["sub_district_id"]))
    return save_chief(conn, values, chief_id)
