"""The top of the demo district's chief hierarchy: the 总路长 (the head of the zone's 管委会) and
the 副总路长 (the deputy in charge of urban management) as general chiefs, and a 街长 for each main
street backed by three party members (包保党员, 中烟社区's model), so the tree shows every level on
the first day.

The 街长 of a main street is the district leader (一级路长) holding most of its length; the backers
are party members of the communities it crosses who hold no segment (the 网格员 on the bench),
one from each community in turn, the longest stretch first. Everything is chosen in SQL order,
with a random generator of its own, so the chiefs and issues drawn before stay as they were."""

from collections import defaultdict

import numpy as np
from sqlalchemy import Connection, text

from roads.demo.people import PeopleFactory

# (rank, position): 1 总路长, 2 副总路长 (migration 0016)
GENERAL_CHIEFS = [(1, "管委会主任"), (2, "管委会副主任（分管城市管理）")]
MAIN_STREET_CLASS = "主干道"
BACKERS_PER_STREET = 3


def write_hierarchy(conn: Connection, rng: np.random.Generator) -> None:
    """Add the general chiefs and the main streets' 街长 and 包保党员 to a loaded district."""
    write_general_chiefs(conn, rng)
    for road_id, chief_id, backer_ids in street_roles(conn):
        rows = [{"r": road_id, "c": b, "role": "party_backer"} for b in backer_ids]
        rows.append({"r": road_id, "c": chief_id, "role": "street_chief"})
        conn.execute(text("INSERT INTO public.road_chief_role (road_id, chief_id, role) "
                          "VALUES (:r, :c, :role)"), rows)


def write_general_chiefs(conn: Connection, rng: np.random.Generator) -> list[int]:
    people = PeopleFactory(rng)
    people.reserve_phones(conn.execute(text("SELECT phone FROM public.chief WHERE phone IS NOT NULL")).scalars())
    ids = []
    for rank, position in GENERAL_CHIEFS:
        chief = people.add("经开区管委会", position, 1.0, None, None)
        ids.append(conn.execute(text("""
            INSERT INTO public.chief (name, phone, organisation, position, is_party_member,
                                      general_chief, general_rank)
            VALUES (:name, :phone, :org, :position, true, true, :rank)
            RETURNING id
        """), {"name": chief.name, "phone": chief.phone, "org": chief.organisation,
               "position": position, "rank": rank}).scalar_one())
    return ids


def street_roles(conn: Connection) -> list[tuple[int, int, list[int]]]:
    """(road, 街长, 包保党员) for each main street that has a district leader on it."""
    leaders = conn.execute(text("""
        SELECT s.road_id, a.chief_id, sum(s.length_m) AS held_m
        FROM public.road AS r
        JOIN public.road_segment AS s ON s.road_id = r.id
        JOIN public.segment_assignment AS a ON a.segment_id = s.id AND a.tier = 1 AND a.valid_to IS NULL
        JOIN public.chief AS ch ON ch.id = a.chief_id AND ch.active
        WHERE r.road_class = :main
        GROUP BY s.road_id, a.chief_id
        ORDER BY s.road_id, held_m DESC, a.chief_id
    """), {"main": MAIN_STREET_CLASS}).all()
    street_chief: dict[int, int] = {}
    taken: set[int] = set()
    for row in leaders:  # one street each where there are leaders enough
        if row.road_id not in street_chief and row.chief_id not in taken:
            street_chief[row.road_id] = row.chief_id
            taken.add(row.chief_id)
    for row in leaders:
        street_chief.setdefault(row.road_id, row.chief_id)
    bench = party_members_along(conn, sorted(street_chief))
    used: set[int] = set()
    return [(road_id, street_chief[road_id], pick_backers(bench[road_id], used))
            for road_id in sorted(street_chief)]


def party_members_along(conn: Connection, road_ids: list[int]) -> dict[int, list[list[int]]]:
    """road → for each community it crosses (longest stretch first), its active party members who
    hold no segment now."""
    rows = conn.execute(text("""
        WITH stretch AS (
            SELECT s.road_id, s.community_id, sum(s.length_m) AS length_m
            FROM public.road_segment AS s
            WHERE s.road_id = ANY (:roads)
            GROUP BY s.road_id, s.community_id
        )
        SELECT st.road_id, st.community_id, ch.id AS chief_id
        FROM stretch AS st
        JOIN public.chief AS ch ON ch.community_id = st.community_id
        WHERE ch.active AND ch.is_party_member AND NOT ch.general_chief
          AND NOT EXISTS (SELECT 1 FROM public.segment_assignment AS a
                          WHERE a.chief_id = ch.id AND a.valid_to IS NULL)
        ORDER BY st.road_id, st.length_m DESC, st.community_id, ch.id
    """), {"roads": road_ids}).all()
    by_road: dict[int, dict[int, list[int]]] = defaultdict(dict)
    for row in rows:
        by_road[row.road_id].setdefault(row.community_id, []).append(row.chief_id)
    return {road_id: list(by_road[road_id].values()) for road_id in road_ids}


def pick_backers(communities: list[list[int]], used: set[int]) -> list[int]:
    """Up to three backers, one per community in turn; nobody backs two streets."""
    picked: list[int] = []
    for depth in range(max((len(c) for c in communities), default=0)):
        for members in communities:
            if len(picked) < BACKERS_PER_STREET and depth < len(members) and members[depth] not in used:
                picked.append(members[depth])
                used.add(members[depth])
    return picked

