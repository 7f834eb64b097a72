"""The chief tree: district → sub-district → community → road → segment, each node with its chiefs
(name, party badge, position, phone, patrol rate this week); and each street's 街长 with the party
members who back them (road_chief_role, migration 0016).

Who sits on which node: the district's 总路长/副总路长 (general chiefs) and its 一级路长, each
sub-district's 二级路长, each community's 三级路长 (those holding a segment there now), each road's
街长 and 包保党员, each segment's chiefs of the three tiers. The general chiefs also carry `recent`, their patrols over
their rule's last period (a half month), which a week does not hold."""

from collections import defaultdict
from datetime import datetime, timedelta

from sqlalchemy import Connection, text

from roads.district import get_district
from roads.errors import InvalidInput, NotFound
from roads.issues.window import CHINA_TZ, Window
from roads.patrols.rates import chief_rates
from roads.users import User, require_district_admin

DEPTHS = ("district", "sub_district", "community", "road", "segment")
MAX_BACKERS = 3
GENERAL_TITLES = {1: "总路长", 2: "副总路长"}
TIER_TITLES = {1: "一级路长", 2: "二级路长", 3: "三级路长"}
ROAD_TITLES = {"street_chief": "街长", "party_backer": "包保党员"}

SEGMENTS = text("""
SELECT sc.segment_id, sc.road_id, sc.road_name, sc.community_id, sc.sub_district_id, sc.length_m,
       sc.tier1_chief_id, sc.tier2_chief_id, sc.tier3_chief_id
FROM roadchief.segment_coverage AS sc
WHERE (CAST(:sub_district AS integer) IS NULL OR sc.sub_district_id = :sub_district)
  AND (CAST(:community AS integer) IS NULL OR sc.community_id = :community)
ORDER BY sc.sub_district_id, sc.community_id, sc.road_name, sc.segment_id
""")
AREAS = text("""
SELECT sd.id AS sub_district_id, sd.name AS sub_district_name, c.id AS community_id, c.name AS community_name
FROM public.sub_district AS sd
LEFT JOIN public.community AS c ON c.sub_district_id = sd.id
WHERE (CAST(:sub_district AS integer) IS NULL OR sd.id = :sub_district)
  AND (CAST(:community AS integer) IS NULL OR c.id = :community)
ORDER BY sd.code, sd.id, c.code, c.id
""")
CHIEFS = text("""
SELECT ch.id, ch.name, ch.phone, ch.position, ch.organisation, ch.is_party_member,
       ch.general_chief, ch.general_rank
FROM public.chief AS ch
WHERE ch.id = ANY (CAST(:ids AS integer[])) OR (ch.general_chief AND ch.active)
""")
GENERAL_PERIOD = text("""
SELECT c.chief_id, c.due, c.done
FROM roadchief.patrol_compliance(:start, :end) AS c
WHERE c.tier = 0
""")
ROAD_ROLES = text("""
SELECT rr.road_id, rr.chief_id, rr.role
FROM public.road_chief_role AS rr
WHERE rr.road_id = ANY (CAST(:roads AS integer[]))
ORDER BY rr.road_id, rr.role DESC, rr.chief_id
""")


def check_scope(conn: Connection, sub_district_id: int | None, community_id: int | None) -> None:
    for table, value, zh in (("sub_district", sub_district_id, "办事处"), ("community", community_id, "社区")):
        if value is not None and conn.execute(text(f"SELECT 1 FROM public.{table} WHERE id = :id"),
                                              {"id": value}).first() is None:
            raise NotFound(f"{table.replace('_', '-')} {value} does not exist", f"未找到编号为 {value} 的{zh}")


class TreeBuilder:
    """Chief entries for the nodes, from one read of the chiefs and of their weekly rates."""

    def __init__(self, chiefs: dict[int, dict], rates: dict[int, dict], show_phones: bool):
        self.chiefs, self.rates, self.show_phones = chiefs, rates, show_phones

    def entry(self, chief_id: int, title: str) -> dict:
        chief = self.chiefs[chief_id]
        rate = self.rates.get(chief_id, {})
        return {"id": chief_id, "name": chief["name"], "title": title, "position": chief["position"],
                "organisation": chief["organisation"], "party_member": chief["is_party_member"],
                "phone": chief["phone"] if self.show_phones else None,
                "patrol_rate": rate.get("rate"), "patrols_due": rate.get("due", 0),
                "patrols_done": rate.get("done", 0)}

    def entries(self, ids, title: str) -> list[dict]:
        ordered = sorted({i for i in ids if i is not None}, key=lambda i: (self.chiefs[i]["name"], i))
        return [self.entry(i, title) for i in ordered]


def node(level: str, node_id: int, name: str, chiefs: list[dict], segments: list) -> dict:
    return {"level": level, "id": node_id, "name": name, "chiefs": chiefs, "segments": len(segments),
            "km": round(sum(s.length_m for s in segments) / 1000, 3)}


def chief_tree(conn: Connection, window: Window, show_phones: bool, sub_district_id: int | None = None,
               community_id: int | None = None, depth: str = "segment") -> dict:
    """The tree for the whole district, or below one sub-district or community, down to `depth`."""
    if depth not in DEPTHS:
        raise InvalidInput(f"depth must be one of {', '.join(DEPTHS)}", f"层级须为 {'、'.join(DEPTHS)} 之一")
    check_scope(conn, sub_district_id, community_id)
    scope = {"sub_district": sub_district_id, "community": community_id}
    segments = conn.execute(SEGMENTS, scope).all()
    road_ids = sorted({s.road_id for s in segments})
    roles = conn.execute(ROAD_ROLES, {"roads": road_ids}).all()
    ids = {c for s in segments for c in (s.tier1_chief_id, s.tier2_chief_id, s.tier3_chief_id) if c}
    ids |= {r.chief_id for r in roles}
    chiefs = {row["id"]: dict(row) for row in conn.execute(CHIEFS, {"ids": sorted(ids)}).mappings()}
    build = TreeBuilder(chiefs, chief_rates(conn, window), show_phones)
    general = sorted((c for c in chiefs.values() if c["general_chief"]),
                     key=lambda c: (c["general_rank"] or 1, c["name"], c["id"]))
    recent = general_recent(conn, window)
    district_chiefs = [build.entry(c["id"], GENERAL_TITLES[c["general_rank"] or 1]) | {"recent": recent.get(c["id"])}
                       for c in general]
    district_chiefs += build.entries((s.tier1_chief_id for s in segments), TIER_TITLES[1])
    root = node("district", 0, get_district(conn).name, district_chiefs, segments)
    root["window"] = {"from": window.start, "to": window.end, "label": window.label()}
    if depth != "district":
        root["children"] = sub_district_nodes(conn.execute(AREAS, scope).all(), segments, roles, build,
                                              DEPTHS.index(depth))
    return root


def general_recent(conn: Connection, window: Window) -> dict[int, dict]:
    """The general chiefs' patrols due and done over their rule's last period (a half month by
    default) up to the window's end: a week holds no whole half month, so over the week they read
    as not assessed."""
    every = conn.execute(text("SELECT every_days FROM public.patrol_rule WHERE tier = 0")).scalar()
    if every is None:
        return {}
    end = min(window.end, datetime.now(CHINA_TZ))
    rows = conn.execute(GENERAL_PERIOD, {"start": end - timedelta(days=every), "end": end})
    return {r.chief_id: {"days": every, "due": r.due, "done": r.done,
                         "rate": round(r.done / r.due, 4) if r.due else None} for r in rows}


def sub_district_nodes(areas, segments, roles, build: TreeBuilder, depth: int) -> list[dict]:
    by_sub, by_community = defaultdict(list), defaultdict(list)
    for s in segments:
        by_sub[s.sub_district_id].append(s)
        by_community[s.community_id].append(s)
    communities = defaultdict(list)
    names = {}
    for a in areas:
        names[a.sub_district_id] = a.sub_district_name
        if a.community_id is not None:
            communities[a.sub_district_id].append((a.community_id, a.community_name))
    out = []
    for sub_id, sub_name in names.items():
        own = by_sub[sub_id]
        sub = node("sub_district", sub_id, sub_name, build.entries((s.tier2_chief_id for s in own), TIER_TITLES[2]),
                   own)
        if depth >= DEPTHS.index("community"):
            sub["children"] = [community_node(cid, cname, by_community[cid], roles, build, depth)
                               for cid, cname in communities[sub_id]]
        out.append(sub)
    return out


def community_node(community_id: int, name: str, segments, roles, build: TreeBuilder, depth: int) -> dict:
    out = node("community", community_id, name,
               build.entries((s.tier3_chief_id for s in segments), TIER_TITLES[3]), segments)
    if depth < DEPTHS.index("road"):
        return out
    by_road = defaultdict(list)
    for s in segments:
        by_road[(s.road_name, s.road_id)].append(s)
    roles_of = defaultdict(list)
    for r in roles:
        roles_of[r.road_id].append(r)
    out["children"] = []
    for (road_name, road_id), own in sorted(by_road.items()):
        chiefs = [build.entry(r.chief_id, ROAD_TITLES[r.role]) for r in roles_of[road_id]]
        road = node("road", road_id, road_name, chiefs, own)
        if depth >= DEPTHS.index("segment"):
            road["children"] = [segment_node(s, build) for s in own]
        out["children"].append(road)
    return out


def segment_node(s, build: TreeBuilder) -> dict:
    chiefs = [build.entry(chief_id, TIER_TITLES[tier]) for tier, chief_id in
              ((1, s.tier1_chief_id), (2, s.tier2_chief_id), (3, s.tier3_chief_id)) if chief_id]
    return {"level": "segment", "id": s.segment_id, "name": f"{s.road_name} #{s.segment_id}",
            "chiefs": chiefs, "length_m": round(s.length_m, 1)}


def set_street_chief(conn: Connection, user: User | None, road_id: int, chief_id: int | None,
                     backer_ids: list[int]) -> dict:
    """Replace a road's 街长 and backing party members (district admin); None and [] clear them."""
    require_district_admin(user)
    if conn.execute(text("SELECT 1 FROM public.road WHERE id = :r FOR UPDATE"), {"r": road_id}).first() is None:
        raise NotFound(f"road {road_id} does not exist", f"未找到编号为 {road_id} 的道路")
    backers = sorted(set(backer_ids))
    if len(backers) > MAX_BACKERS:
        raise InvalidInput(f"a street chief is backed by at most {MAX_BACKERS} party members, not {len(backers)}",
                           f"每位街长至多由 {MAX_BACKERS} 名党员包保，所填为 {len(backers)} 名")
    if chief_id is not None and chief_id in backers:
        raise InvalidInput("the street chief cannot also be one of their backers", "街长本人不能同时作为包保党员")
    people = conn.execute(text("SELECT id, name, is_party_member, active FROM public.chief WHERE id = ANY (:ids)"),
                          {"ids": backers + ([chief_id] if chief_id else [])}).mappings().all()
    known = {p["id"]: p for p in people}
    for wanted in backers + ([chief_id] if chief_id else []):
        if wanted not in known:
            raise NotFound(f"chief {wanted} does not exist", f"未找到编号为 {wanted} 的路长")
        if not known[wanted]["active"]:
            raise InvalidInput(f"chief {wanted} is no longer active", f"路长 {known[wanted]['name']} 已停用")
    for backer in backers:
        if not known[backer]["is_party_member"]:
            raise InvalidInput(f"chief {backer} is not a party member", f"{known[backer]['name']} 不是党员，不能包保")
    conn.execute(text("DELETE FROM public.road_chief_role WHERE road_id = :r"), {"r": road_id})
    rows = [{"r": road_id, "c": b, "role": "party_backer"} for b in backers]
    if chief_id is not None:
        rows.append({"r": road_id, "c": chief_id, "role": "street_chief"})
    if rows:
        conn.execute(text("INSERT INTO public.road_chief_role (road_id, chief_id, role) VALUES (:r, :c, :role)"), rows)
    return {"road_id": road_id, "street_chief_id": chief_id, "party_backer_ids": backers}


def set_general_rank(conn: Connection, user: User | None, chief_id: int, rank: int | None) -> dict:
    """Make a chief 总路长 (1) or 副总路长 (2) of the district, or neither (None); district admin."""
    require_district_admin(user)
    if rank not in (None, 1, 2):
        raise InvalidInput("rank must be 1 (总路长), 2 (副总路长) or null", "级别须为 1（总路长）、2（副总路长）或空")
    row = conn.execute(text("""
        UPDATE public.chief SET general_chief = :general, general_rank = :rank WHERE id = :c
        RETURNING id, name, general_chief, general_rank
    """), {"c": chief_id, "general": rank is not None, "rank": rank}).mappings().first()
    if row is None:
        raise NotFound(f"chief {chief_id} does not exist", f"未找到编号为 {chief_id} 的路长")
    return {**row, "title": GENERAL_TITLES.get(rank)}
