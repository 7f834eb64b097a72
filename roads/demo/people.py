"""Road chiefs at three tiers and their assignments for the demo district.

Tier 1 is a district leader per sub-district, tier 2 sub-district office leaders, tier 3
community cadres (about 80% party members). Some roads are left uncovered at some tier on
purpose, as in a real roll-out: two communities have no tier-3 chiefs yet, a few roads miss one.
"""

import math
from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone

import numpy as np

from roads.demo import names

CAMPAIGN_START = datetime(2025, 3, 1, 9, 0, tzinfo=timezone(timedelta(hours=8)))


@dataclass
class Segment:
    id: int
    road_id: int
    community_id: int
    sub_district_id: int
    length_m: float


@dataclass
class Chief:
    id: int
    name: str
    phone: str
    organisation: str
    position: str
    is_party_member: bool
    sub_district_id: int | None
    community_id: int | None
    active: bool = True


@dataclass
class Assignment:
    segment_id: int
    tier: int
    chief_id: int
    valid_from: datetime
    valid_to: datetime | None
    assigned_by: str


class PeopleFactory:
    """Unique, deterministic names and phone numbers."""

    def __init__(self, rng: np.random.Generator):
        self.rng = rng
        self.chiefs: list[Chief] = []
        self._phones: set[str] = set()

    def add(self, organisation, position, party_share, sub_district_id, community_id, active=True) -> Chief:
        name = self.rng.choice(names.SURNAMES) + "".join(
            self.rng.choice(names.GIVEN, size=self.rng.choice([1, 2], p=[0.35, 0.65])))
        phone = self._unique_phone()
        chief = Chief(len(self.chiefs) + 1, name, phone, organisation, position,
                      bool(self.rng.random() < party_share), sub_district_id, community_id, active)
        self.chiefs.append(chief)
        return chief

    def reserve_phones(self, phones) -> None:
        """Numbers already given out (chiefs written before this factory)."""
        self._phones.update(phones)

    def _unique_phone(self) -> str:
        while True:
            phone = f"1{self.rng.choice([3, 5, 8])}{self.rng.integers(0, 10**9):09d}"
            if phone not in self._phones:
                self._phones.add(phone)
                return phone


def chiefs_and_assignments(segments: list[Segment], sub_districts: dict[int, str],
                           communities: dict[int, tuple[str, int]], rng: np.random.Generator):
    people = PeopleFactory(rng)
    assignments: list[Assignment] = []

    def assign_groups(groups: dict, tier: int, pick_chief, skip: set) -> None:
        for key, members in groups.items():
            if key in skip:
                continue
            chief = pick_chief(key)
            since = CAMPAIGN_START + timedelta(days=int(rng.integers(0, 120)))
            if tier == 3 and rng.random() < 0.12:  # an earlier chief, replaced: history to show
                earlier = pick_chief(key)
                if earlier.id != chief.id:
                    before = since - timedelta(days=int(rng.integers(60, 200)))
                    assignments.extend(Assignment(s.id, tier, earlier.id, before, since, "demo") for s in members)
            assignments.extend(Assignment(s.id, tier, chief.id, since, None, "demo") for s in members)

    by_sub: dict[tuple[int, int], list[Segment]] = defaultdict(list)
    by_community: dict[tuple[int, int], list[Segment]] = defaultdict(list)
    km_by_sub: dict[int, float] = defaultdict(float)
    km_by_community: dict[int, float] = defaultdict(float)
    for s in segments:
        by_sub[(s.road_id, s.sub_district_id)].append(s)
        by_community[(s.road_id, s.community_id)].append(s)
        km_by_sub[s.sub_district_id] += s.length_m / 1000
        km_by_community[s.community_id] += s.length_m / 1000

    tier1 = {sd: people.add("经开区管委会", names.TIER1_POSITIONS[i % 6], 1.0, sd, None)
             for i, sd in enumerate(sorted(sub_districts))}
    tier2 = {sd: [people.add(sub_districts[sd], names.TIER2_POSITIONS[i % 6], 0.9, sd, None)
                  for i in range(max(4, math.ceil(km_by_sub[sd] / 40)))]
             for sd in sorted(sub_districts)}
    tier3 = {}
    for community_id in sorted(communities):
        community_name, sd = communities[community_id]
        organisation = community_name + ("村委会" if community_name.endswith("村") else "居委会")
        cadres = max(3, math.ceil(km_by_community[community_id] / 8))
        tier3[community_id] = [people.add(organisation, names.TIER3_POSITIONS[min(i, 5)], 0.8, sd, community_id)
                               for i in range(cadres)]
        for _ in range(2):  # eligible people not yet holding a segment, and one who left
            people.add(organisation, "网格员", 0.8, sd, community_id)
        people.add(organisation, "网格员", 0.5, sd, community_id, active=False)

    road_ids = sorted({s.road_id for s in segments})
    community_ids = sorted(communities)
    not_yet_tier3 = set(rng.choice(community_ids, 2, replace=False).tolist())
    uncovered = {tier: set(rng.choice(road_ids, int(len(road_ids) * share), replace=False).tolist())
                 for tier, share in ((1, 0.01), (2, 0.04), (3, 0.05))}

    assign_groups(by_sub, 1, lambda key: tier1[key[1]],
                  {k for k in by_sub if k[0] in uncovered[1]})
    turn = defaultdict(int)

    def next_tier2(key):
        turn[key[1]] += 1
        return tier2[key[1]][turn[key[1]] % len(tier2[key[1]])]

    assign_groups(by_sub, 2, next_tier2, {k for k in by_sub if k[0] in uncovered[2]})
    assign_groups(by_community, 3, lambda key: tier3[key[1]][rng.integers(len(tier3[key[1]]))],
                  {k for k in by_community if k[0] in uncovered[3] or k[1] in not_yet_tier3})
    return people.chiefs, assignments
