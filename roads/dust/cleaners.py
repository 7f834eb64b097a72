"""Who cleans each segment: `segment_cleaner` maps a segment to an outsourced company (a unit of
kind 'company', roads/units.py). Edited by the district admin, a list of segments at a time."""

from sqlalchemy import Connection, text

from roads.errors import InvalidInput
from roads.users import User, require_district_admin


def cleaner_of(conn: Connection, segment_id: int) -> dict | None:
    """The active company that cleans the segment (id, name), or None."""
    row = conn.execute(text("""
        SELECT u.id, u.name
        FROM public.segment_cleaner AS c JOIN public.unit AS u ON u.id = c.unit_id
        WHERE c.segment_id = :s AND u.active
    """), {"s": segment_id}).mappings().first()
    return None if row is None else dict(row)


def check_company(conn: Connection, unit_id: int) -> None:
    kind = conn.execute(text("SELECT kind FROM public.unit WHERE id = :u AND active"),
                        {"u": unit_id}).scalar()
    if kind != "company":
        raise InvalidInput(f"unit_id: {unit_id} is not an active outsourced company",
                           f"编号为 {unit_id} 的单位不是在用的市场化外包保洁公司")


def set_cleaner(conn: Connection, user: User | None, segment_ids: list[int], unit_id: int | None) -> dict:
    """Make `unit_id` the cleaning company of these segments (None: no company any more)."""
    require_district_admin(user)
    ids = sorted(set(segment_ids))
    if not ids:
        raise InvalidInput("segment_ids: name at least one segment", "请至少选择一个路段")
    known = set(conn.execute(text("SELECT id FROM public.road_segment WHERE id = ANY(:ids)"),
                             {"ids": ids}).scalars())
    missing = [i for i in ids if i not in known]
    if missing:
        shown = "、".join(str(i) for i in missing[:10])
        raise InvalidInput(f"no segments {shown}", f"未找到路段 {shown}，未做任何修改")
    if unit_id is None:
        conn.execute(text("DELETE FROM public.segment_cleaner WHERE segment_id = ANY(:ids)"), {"ids": ids})
        return {"segment_ids": ids, "unit_id": None}
    check_company(conn, unit_id)
    conn.execute(text("""
        INSERT INTO public.segment_cleaner (segment_id, unit_id)
        SELECT unnest(CAST(:ids AS integer[])), :u
        ON CONFLICT (segment_id) DO UPDATE SET unit_id = excluded.unit_id
    """), {"ids": ids, "u": unit_id})
    return {"segment_ids": ids, "unit_id": unit_id}
