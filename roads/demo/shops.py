"""Demo shops along the streets and their past weeks of red/black flags (红黑旗评比).

About SHOPS_PER_SCALE shops a scale along STREETS_PER_SCALE commercial streets, each a few metres
beside a segment (side and place along it drawn), named like real street shops; FLAG_WEEKS weeks
of flags up to `as_of`'s week (half the shops judged in that last week). 亚太社区 plays the pilot
(two blacks in a row → 停业整顿, a flag_rule override), where a couple of shops are given two
black weeks in a row so that the ledger has their SH01 cases: one reopens with red flags, the
other stays closed (no flags while under 停业整顿).
"""

from datetime import datetime, timedelta

import numpy as np
from sqlalchemy import Connection, text

from roads.bulk import copy_rows
from roads.demo import names
from roads.shops.rules import apply_rule, reach_weeks
from roads.shops.weeks import this_monday

SHOPS_PER_SCALE = 300
STREETS_PER_SCALE = 24  # shops line a few commercial streets, a dozen or so each
FLAG_WEEKS = 8
PILOT = "亚太社区"
PILOT_SUSPENDED = 2
OFFSET_DEG = 0.00012  # about 11-13 m beside the road's centre line

OWNERS = ["老王", "老李", "张记", "刘记", "陈记", "小杨", "黄家", "赵氏", "周记", "阿吴", "徐记", "孙家"]
PLACES = ["经开", "航海", "明湖", "潮河", "前程", "九龙", "京航", "滨河", "中原", "郑州", "豫", "百姓"]
TRADES = [  # (type, name endings)
    ("餐饮", ["烩面馆", "胡辣汤", "牛肉拉面", "饺子馆", "黄焖鸡米饭", "包子铺", "烧烤", "火锅店"]),
    ("零售", ["便利店", "超市", "烟酒店", "水果店", "粮油店", "日用百货"]),
    ("药店", ["大药房", "医药连锁店"]),
    ("美容美发", ["理发店", "美发沙龙", "美甲店"]),
    ("维修", ["手机维修", "汽修店", "电动车维修", "五金店"]),
    ("服务", ["干洗店", "快递驿站", "打印复印", "彩票站"]),
]


def shop_name(rng: np.random.Generator, trade: int) -> str:
    kind, endings = TRADES[trade]
    prefix = OWNERS if rng.random() < 0.5 else PLACES
    return str(prefix[rng.integers(len(prefix))]) + str(endings[rng.integers(len(endings))])


def week_flags(rng: np.random.Generator, weeks: list, pilot: bool) -> list[str]:
    """A shop's flags over the weeks: a good or poor shop by its own draw; the pilot's rare
    blacks stay apart (two in a row there is for the chosen shops)."""
    black = rng.choice([0.04, 0.1, 0.25], p=[0.6, 0.3, 0.1])
    red = rng.choice([0.2, 0.45, 0.7], p=[0.3, 0.4, 0.3])
    flags = []
    for _ in weeks:
        draw = rng.random()
        flag = "black" if draw < black else ("red" if draw < black + red else "none")
        if pilot and flag == "black" and flags and flags[-1] == "black":
            flag = "none"
        flags.append(flag)
    return flags


def scores(rng: np.random.Generator, flag: str) -> tuple[int, int, int]:
    low, high = {"red": (85, 100), "black": (35, 65), "none": (65, 86)}[flag]
    return tuple(int(v) for v in rng.integers(low, high, size=3))


def write_shops(conn: Connection, scale: float, as_of: datetime, rng: np.random.Generator,
                snap_distance_m: float) -> int:
    """Write the shops, their flags and the pilot's rule; returns the shops written."""
    conn.execute(text("""
        INSERT INTO public.flag_rule (consecutive_black) SELECT 3
        WHERE NOT EXISTS (SELECT 1 FROM public.flag_rule WHERE community_id IS NULL AND sub_district_id IS NULL)
    """))  # a reset demo truncated the rules with the communities
    pilot_id = conn.execute(text("SELECT id FROM public.community WHERE name = :n"), {"n": PILOT}).scalar()
    if pilot_id is not None:
        conn.execute(text("""
            INSERT INTO public.flag_rule (community_id, consecutive_black) VALUES (:c, 2)
            ON CONFLICT (coalesce(sub_district_id, 0), coalesce(community_id, 0)) DO NOTHING
        """), {"c": pilot_id})
    segments = conn.execute(text("""
        SELECT s.id, s.road_id, s.community_id,
               ST_X(ST_StartPoint(s.geom)) AS x0, ST_Y(ST_StartPoint(s.geom)) AS y0,
               ST_X(ST_EndPoint(s.geom)) AS x1, ST_Y(ST_EndPoint(s.geom)) AS y1
        FROM public.road_segment AS s JOIN public.road AS r ON r.id = s.road_id
        WHERE r.road_class IN ('次干道', '支路') AND s.length_m > 40
        ORDER BY s.id
    """)).all()
    if not segments:
        return 0
    count = max(1, round(SHOPS_PER_SCALE * scale))
    streets = pick_streets(segments, max(3, round(STREETS_PER_SCALE * scale)), pilot_id, rng)
    on_streets = [i for i, s in enumerate(segments) if s.road_id in streets]
    pilot_segments = [i for i in on_streets if segments[i].community_id == pilot_id]
    picks = [on_streets[k] for k in rng.integers(len(on_streets), size=count)]
    picks[:min(len(pilot_segments), 12)] = pilot_segments[:12]  # the pilot has shops to judge
    rows = []
    for number, index in enumerate(picks, start=1):
        s = segments[index]
        dx, dy = s.x1 - s.x0, s.y1 - s.y0
        length = max((dx * dx + dy * dy) ** 0.5, 1e-9)
        t, side = 0.25 + 0.5 * rng.random(), 1 if rng.random() < 0.5 else -1
        lon = s.x0 + t * dx - side * dy / length * OFFSET_DEG
        lat = s.y0 + t * dy + side * dx / length * OFFSET_DEG
        trade = int(rng.integers(len(TRADES)))
        rows.append((shop_name(rng, trade), f"JY4101{710000 + number:07d}", TRADES[trade][0],
                     f"SRID=4326;POINT({lon:.7f} {lat:.7f})", f"demo:{number}"))
    write_shop_rows(conn, rows, snap_distance_m)
    write_flags(conn, as_of, rng, pilot_id)
    for table in ("shop", "shop_flag", "shop_suspension"):
        conn.execute(text(f"ANALYZE public.{table}"))
    return count


def pick_streets(segments: list, count: int, pilot_id: int | None, rng: np.random.Generator) -> set[int]:
    """The shopping streets: the pilot community's first two streets, then drawn ones."""
    roads = sorted({s.road_id for s in segments})
    pilot_roads = sorted({s.road_id for s in segments if s.community_id == pilot_id})[:2]
    others = [r for r in roads if r not in pilot_roads]
    drawn = rng.choice(len(others), size=min(count, len(others)), replace=False)
    return set(pilot_roads) | {others[int(k)] for k in drawn}


def write_shop_rows(conn: Connection, rows: list[tuple], snap_distance_m: float) -> None:
    conn.execute(text("""
        INSERT INTO public.shop (name, licence_no, shop_type, geom, segment_id, snap_distance_m,
                                 community_id, source_key)
        SELECT v.name, v.licence_no, v.shop_type, p.geom, n.segment_id, n.distance_m,
               (SELECT c.id FROM public.community AS c WHERE ST_Intersects(c.geom, p.geom)
                ORDER BY c.id LIMIT 1), v.source_key
        FROM unnest(CAST(:names AS text[]), CAST(:licences AS text[]), CAST(:types AS text[]),
                    CAST(:geoms AS text[]), CAST(:keys AS text[]))
             AS v (name, licence_no, shop_type, ewkt, source_key)
        CROSS JOIN LATERAL (SELECT ST_GeomFromEWKT(v.ewkt) AS geom) AS p
        LEFT JOIN LATERAL roadchief.nearest_segments(p.geom, :snap_m) AS n ON true
    """), {"names": [r[0] for r in rows], "licences": [r[1] for r in rows], "types": [r[2] for r in rows],
           "geoms": [r[3] for r in rows], "keys": [r[4] for r in rows], "snap_m": snap_distance_m})


def write_flags(conn: Connection, as_of: datetime, rng: np.random.Generator, pilot_id: int | None) -> None:
    current = this_monday(as_of.date())  # half its shops judged so far, the rest left to the phone
    weeks = [current - timedelta(days=7 * k) for k in range(FLAG_WEEKS - 1, -1, -1)]
    shops = conn.execute(text("""
        SELECT id, community_id, roadchief.consecutive_black_for(community_id) AS n
        FROM public.shop WHERE source_key LIKE 'demo:%' ORDER BY id
    """)).all()
    chosen = [s.id for s in shops if s.community_id == pilot_id][:PILOT_SUSPENDED]
    inspectors = [f"{names.SURNAMES[i]}{names.GIVEN[(i * 7) % len(names.GIVEN)]}" for i in range(12)]
    flag_rows, to_judge = [], []
    for shop in shops:
        flags = week_flags(rng, weeks, shop.community_id == pilot_id)
        if shop.id in chosen:  # two black weeks in a row, a few weeks back, then better
            start = 2 + chosen.index(shop.id)
            flags[start:start + 2] = ["black", "black"]
            # The first reopens with red flags; the second stays closed: no flags while under 停业整顿.
            flags[start + 2:] = ["red"] * len(flags[start + 2:]) if shop.id == chosen[0] else []
        inspector = inspectors[shop.id % len(inspectors)]
        if rng.random() < 0.5 and shop.id not in chosen:
            flags = flags[:-1]
        for week, flag in zip(weeks, flags, strict=False):
            order, hygiene, facade = scores(rng, flag)
            entered_at = min(as_of, datetime.combine(week + timedelta(days=4), datetime.min.time(),
                                                     as_of.tzinfo) + timedelta(hours=16))
            flag_rows.append((shop.id, week.isoformat(), flag, order, hygiene, facade, inspector, "demo",
                              entered_at.isoformat()))
        if reach_weeks(list(zip(weeks, flags, strict=False)), shop.n):
            to_judge.append(shop.id)
    copy_rows(conn, "shop_flag", ["shop_id", "week", "flag", "order_score", "hygiene_score", "facade_score",
                                  "inspector", "entered_by", "entered_at"], flag_rows)
    for shop_id in to_judge:
        apply_rule(conn, shop_id, "demo", 50.0, reported_at=as_of - timedelta(days=2))
