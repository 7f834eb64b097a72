"""What a selection of segments would be assigned as: the part inside the user's jurisdiction,
grouped by the area whose chiefs are eligible at the tier, each group with those chiefs; the
rest is out of reach. The web map shows this before anything is sent, so a community cadre who
selects a whole road through thirteen communities assigns only their own part, without a 403."""

from sqlalchemy import Connection, text

from roads.assignments import check_tier
from roads.chiefs import list_chiefs
from roads.errors import Forbidden, InvalidInput, NotFound, Unauthorized
from roads.users import User, check_segment_write

MAX_SEGMENTS = 5000

PLACES = text("""
SELECT s.id AS segment_id, r.name AS road_name, s.community_id, c.name AS community_name,
       c.sub_district_id, sd.name AS sub_district_name, s.length_m
FROM public.road_segment AS s
JOIN public.road AS r ON r.id = s.road_id
LEFT JOIN public.community AS c ON c.id = s.community_id
LEFT JOIN public.sub_district AS sd ON sd.id = c.sub_district_id
WHERE s.id = ANY(:ids)
ORDER BY s.id
""")


def places(conn: Connection, segment_ids: list[int]) -> list[dict]:
    if not segment_ids:
        raise InvalidInput("no segments selected", "未选择路段")
    if len(segment_ids) > MAX_SEGMENTS:
        raise InvalidInput(f"at most {MAX_SEGMENTS} segments at once", f"一次最多 {MAX_SEGMENTS} 段路段")
    rows = [dict(r) for r in conn.execute(PLACES, {"ids": sorted(set(segment_ids))}).mappings()]
    missing = sorted(set(segment_ids) - {r["segment_id"] for r in rows})
    if missing:
        raise NotFound(f"segment {missing[0]} does not exist", f"未找到编号为 {missing[0]} 的路段")
    return rows


def refusal(user: User | None, tier: int, place: dict) -> Forbidden | Unauthorized | None:
    """Why `user` may not change this segment's chief at `tier` (roads.users decides), or None.
    Without a user nothing is out of reach yet: the map shows the groups, writing needs sign-in."""
    if user is None:
        return None
    try:
        check_segment_write(user, tier, place["community_id"], place["sub_district_id"], place["segment_id"])
    except (Forbidden, Unauthorized) as exc:
        return exc
    return None


def eligibility_area(tier: int, place: dict) -> tuple[str, int | None, str]:
    """The area whose chiefs may hold the segment at `tier` (the rules of roads.assignments)."""
    if tier == 3:
        return "community", place["community_id"], place["community_name"] or "（不属于任何社区）"
    if tier == 2:
        return "sub_district", place["sub_district_id"], place["sub_district_name"] or "（不属于任何办事处）"
    return "district", 0, "全区"


def eligible(conn: Connection, tier: int, group: dict, q: str | None) -> list[dict]:
    if group["area"]["id"] is None:
        return []  # a segment outside every community has no tier-3 (or tier-2) chief to offer
    return list_chiefs(conn, q, group["segment_ids"][0], tier, limit=100)


def preview(conn: Connection, user: User | None, segment_ids: list[int], tier: int,
            q: str | None = None) -> dict:
    """{groups: [{area, segment_ids, length_m, eligible_chiefs}], out_of_reach: [...]}."""
    check_tier(tier)
    groups: dict[tuple, dict] = {}
    out_of_reach = []
    for place in places(conn, segment_ids):
        refused = refusal(user, tier, place)
        if refused is not None:
            out_of_reach.append({"segment_id": place["segment_id"], "road_name": place["road_name"],
                                 "community_name": place["community_name"],
                                 "reason": refused.public_message, "reason_zh": refused.message_zh})
            continue
        kind, area_id, name = eligibility_area(tier, place)
        group = groups.setdefault((kind, area_id), {
            "area": {"kind": kind, "id": area_id, "name": name}, "segment_ids": [], "length_m": 0.0})
        group["segment_ids"].append(place["segment_id"])
        group["length_m"] += place["length_m"]
    ordered = sorted(groups.values(), key=lambda g: (g["area"]["id"] is None, g["area"]["name"]))
    for group in ordered:
        group["length_m"] = round(group["length_m"], 1)
        group["eligible_chiefs"] = eligible(conn, tier, group, q)
    return {"tier": tier, "signed_in": user is not None, "groups": ordered, "out_of_reach": out_of_reach}
