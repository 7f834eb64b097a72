"""The demo's 以克论净: a ring-road zone around the district's centre, a cleaning company for every
segment (the company of its sub-district), and six weeks of samples on a share of the segments,
a few over the limit with their cases (one per segment while it is open, as the rule opens them)."""

import json
from dataclasses import dataclass
from datetime import datetime, timedelta

import numpy as np
from sqlalchemy import Connection, text

from roads.bulk import copy_rows
from roads.dust.samples import CATEGORY

WEEKS = 6
SHARE_SAMPLED = 0.12
FOOTWAY_SHARE = 0.25
SAMPLERS = ["监督员 高峰", "监督员 孙悦", "监督员 马骏", "监督员 田甜"]
CLOSED_AFTER = timedelta(days=1, hours=3)  # how long a demo dust case takes to close
RECENT = timedelta(days=4)  # cases opened in the last days are still being handled


@dataclass
class Spot:
    segment_id: int
    community_id: int | None
    lon: float
    lat: float
    road_name: str
    limits: dict[str, float]


def write_dust(conn: Connection, as_of: datetime, rng: np.random.Generator) -> int:
    """Write the zone, the cleaners and the samples with their cases; returns the samples written."""
    write_ring_zone(conn)
    write_cleaners(conn)
    spots = sampled_spots(conn, rng)
    rows = sample_rows(spots, as_of, rng)
    cases = open_cases(conn, spots, rows, as_of)
    copy_rows(conn, "dust_sample", ["segment_id", "geom", "sampled_at", "surface", "grams_per_m2",
                                    "limit_g_m2", "sampler", "entered_by", "issue_id"],
              ([r[0], f"SRID=4326;POINT({r[1]} {r[2]})", r[3].isoformat(), r[4], r[5], r[6], r[7],
                "演示数据", cases.get(i)] for i, r in enumerate(rows)))
    return len(rows)


def write_ring_zone(conn: Connection) -> None:
    """内环以内: the middle of the district, a box half its width and height (replacing an older one)."""
    conn.execute(text("DELETE FROM public.dust_ring_zone"))
    conn.execute(text("""
        INSERT INTO public.dust_ring_zone (name, geom)
        SELECT '内环以内', ST_Multi(ST_MakeEnvelope(
                   ST_XMin(e) + (ST_XMax(e) - ST_XMin(e)) * 0.25, ST_YMin(e) + (ST_YMax(e) - ST_YMin(e)) * 0.25,
                   ST_XMax(e) - (ST_XMax(e) - ST_XMin(e)) * 0.25, ST_YMax(e) - (ST_YMax(e) - ST_YMin(e)) * 0.25,
                   4326))
        FROM (SELECT ST_Extent(geom) AS e FROM public.sub_district) AS x
    """))


def write_cleaners(conn: Connection) -> None:
    """Each segment to the company whose contract covers its sub-district; the companies and the
    sanitation department handle DU01 cases."""
    conn.execute(text("""
        INSERT INTO public.segment_cleaner (segment_id, unit_id)
        SELECT DISTINCT ON (s.id) s.id, u.id
        FROM public.road_segment AS s
        JOIN public.community AS c ON c.id = s.community_id
        JOIN public.unit_area AS ua ON ua.sub_district_id = c.sub_district_id
        JOIN public.unit AS u ON u.id = ua.unit_id AND u.kind = 'company'
        ORDER BY s.id, u.id
    """))
    conn.execute(text("""
        INSERT INTO public.unit_category (unit_id, category_code)
        SELECT u.id, :cat FROM public.unit AS u
        WHERE u.kind = 'company' OR u.name = '经开区环境卫生管理处'
        ON CONFLICT DO NOTHING
    """), {"cat": CATEGORY})


def sampled_spots(conn: Connection, rng: np.random.Generator) -> list[Spot]:
    ids = conn.execute(text("SELECT id FROM public.road_segment ORDER BY id")).scalars().all()
    count = max(1, int(len(ids) * SHARE_SAMPLED))
    chosen = sorted(int(i) for i in rng.choice(ids, size=min(count, len(ids)), replace=False))
    rows = conn.execute(text("""
        SELECT s.id, s.community_id, r.name,
               ST_X(ST_LineInterpolatePoint(s.geom, 0.5)) AS lon, ST_Y(ST_LineInterpolatePoint(s.geom, 0.5)) AS lat,
               CAST(roadchief.dust_limit_for(s.id, 'carriageway') AS float8) AS carriageway,
               CAST(roadchief.dust_limit_for(s.id, 'footway') AS float8) AS footway
        FROM public.road_segment AS s JOIN public.road AS r ON r.id = s.road_id
        WHERE s.id = ANY(:ids) ORDER BY s.id
    """), {"ids": chosen}).all()
    return [Spot(r.id, r.community_id, r.lon, r.lat, r.name, {"carriageway": r.carriageway, "footway": r.footway})
            for r in rows]


def sample_rows(spots: list[Spot], as_of: datetime, rng: np.random.Generator) -> list[tuple]:
    """(segment, lon, lat, sampled_at, surface, grams, limit, sampler), in time order per segment.
    A weighing is mostly around half its limit; about one in twenty-five is over it."""
    rows = []
    start = as_of - timedelta(weeks=WEEKS)
    for spot in spots:
        days = sorted(rng.choice(WEEKS * 7, size=int(rng.integers(WEEKS, 2 * WEEKS + 1)), replace=False))
        for day in days:
            at = (start + timedelta(days=int(day))).replace(hour=8, minute=30) + timedelta(
                minutes=int(rng.integers(0, 180)))
            if at >= as_of:
                continue
            surface = "footway" if rng.random() < FOOTWAY_SHARE else "carriageway"
            limit = spot.limits[surface]
            grams = round(float(limit * rng.lognormal(np.log(0.55), 0.33)), 1)
            rows.append((spot.segment_id, round(spot.lon + rng.normal(0, 2e-5), 6),
                         round(spot.lat + rng.normal(0, 2e-5), 6), at, surface, max(grams, 0.1), limit,
                         SAMPLERS[int(rng.integers(len(SAMPLERS)))]))
    return rows


def open_cases(conn: Connection, spots: list[Spot], rows: list[tuple], as_of: datetime) -> dict[int, int]:
    """Row index → case: an over-limit sample opens a case unless its segment's case is still open
    then; cases older than RECENT closed after CLOSED_AFTER. The case records are completed as the
    ledger's demo cases are (roadchief.complete_issue_records)."""
    by_id = {spot.segment_id: spot for spot in spots}
    opened: dict[int, list[int]] = {}  # the row that opened a case → the rows linked to it
    open_until: dict[int, tuple[int, datetime]] = {}  # segment → (opening row, when its case closes)
    closing: dict[int, datetime] = {}  # opening row → when its case closes
    for index, (segment_id, _lon, _lat, at, _surface, grams, limit, _sampler) in enumerate(rows):
        if grams <= limit:
            continue
        current = open_until.get(segment_id)
        if current is not None and at < current[1]:
            opened[current[0]].append(index)
            continue
        closes = at + CLOSED_AFTER if at < as_of - RECENT else datetime.max.replace(tzinfo=at.tzinfo)
        opened[index] = [index]
        open_until[segment_id] = (index, closes)
        closing[index] = closes
    if not opened:
        return {}
    cases = []
    for index in opened:
        segment_id, lon, lat, at, surface, grams, limit, sampler = rows[index]
        closes = closing[index]
        closed = closes < as_of
        road = by_id[segment_id].road_name
        cases.append({"lon": lon, "lat": lat, "who": sampler, "at": at, "s": segment_id,
                      "status": "closed" if closed else "dispatched",
                      "updated": closes if closed else at + timedelta(minutes=40),
                      "d": f"以克论净检测超标：{road}{'人行道' if surface == 'footway' else '车行道'}"
                           f"积尘 {grams:g} 克/平方米，限值 {limit:g} 克/平方米。"})
    ids = conn.execute(text("SELECT nextval(pg_get_serial_sequence('public.issue', 'id')) "
                            "FROM generate_series(1, :n)"), {"n": len(cases)}).scalars().all()
    for case, issue_id in zip(cases, ids, strict=True):
        case["id"] = issue_id
    # At the sample's place, snapped as every issue is (a re-snap changes nothing); the community
    # its point lies in comes with the case records.
    conn.execute(text("""
        INSERT INTO public.issue (id, geom, category_code, description, reporter, source, reported_at,
                                  updated_at, segment_id, snap_distance_m, status)
        SELECT c.id, p.geom, :cat, c.d, c.who, 'dust', c.at, c.updated,
               coalesce(n.segment_id, c.s), n.distance_m, c.status
        FROM jsonb_to_recordset(CAST(:cases AS jsonb)) AS c(id bigint, lon float8, lat float8, d text,
             who text, at timestamptz, updated timestamptz, s integer, status text)
        CROSS JOIN LATERAL (SELECT ST_SetSRID(ST_MakePoint(c.lon, c.lat), 4326) AS geom) AS p
        LEFT JOIN LATERAL roadchief.nearest_segments(p.geom, 50) AS n ON true
    """), {"cat": CATEGORY, "cases": json.dumps(cases, default=str)})
    case_of = dict(zip(opened, ids, strict=True))
    conn.execute(text("SELECT roadchief.complete_issue_records()"))
    return {linked: case_of[index] for index, rows_linked in opened.items() for linked in rows_linked}
