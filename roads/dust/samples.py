"""Dust samples (积尘检测): one weighing at a place on a segment, checked and written with the limit
in force; a sample over its limit opens a case (DU01) on the segment, or joins the segment's case
while that one is open."""

import math
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import Connection, text

from roads.dust.cleaners import cleaner_of
from roads.dust.limits import MAX_G_M2, SURFACES, check_surface
from roads.errors import Forbidden, InvalidInput, NotFound, Unauthorized
from roads.issues import flow
from roads.issues.repository import NewIssue, insert_issue
from roads.issues.workflow import Action, apply_action
from roads.users import User, in_case_scope

CATEGORY = "DU01"
CLOCK_SKEW = timedelta(minutes=5)
AREA_ROLES = ("sub_district_admin", "community_admin", "inspector")


@dataclass
class NewSample:
    surface: str
    grams_per_m2: float
    segment_id: int | None = None
    lon: float | None = None
    lat: float | None = None
    sampled_at: datetime | None = None
    sampler: str | None = None


def check_values(sample: NewSample, now: datetime) -> None:
    """The sample's own values: a surface, a weight in (0, MAX_G_M2], a time not in the future."""
    check_surface(sample.surface)
    grams = sample.grams_per_m2
    if grams is None or not math.isfinite(grams) or not 0 < grams <= MAX_G_M2:
        raise InvalidInput(f"grams_per_m2: more than 0 and at most {MAX_G_M2}, not {grams}",
                           f"积尘量须大于 0 且不超过 {MAX_G_M2} 克/平方米（填写的是 {grams}）")
    if sample.sampled_at is not None:
        if sample.sampled_at.tzinfo is None:
            raise InvalidInput("sampled_at: give the time with its offset (+08:00)",
                               "检测时间须带时区（如 +08:00）")
        if sample.sampled_at > now + CLOCK_SKEW:
            raise InvalidInput(f"sampled_at: {sample.sampled_at.isoformat()} is in the future",
                               f"检测时间 {sample.sampled_at.isoformat()} 晚于当前时间")
    if (sample.lon is None) != (sample.lat is None):
        raise InvalidInput("lon and lat: give both or neither", "经度和纬度须同时填写")
    if sample.segment_id is None and sample.lon is None:
        raise InvalidInput("give the segment_id or the place (lon, lat) of the sample",
                           "请选择路段，或提供检测地点（经纬度）")


def placed(conn: Connection, sample: NewSample, snap_distance_m: float):
    """The sample's segment (given, or snapped from its place) with its area and the place
    (given, or the segment's midpoint)."""
    if sample.segment_id is None:
        segment_id = conn.execute(text(
            "SELECT n.segment_id FROM roadchief.nearest_segments("
            "ST_SetSRID(ST_MakePoint(:lon, :lat), 4326), :m) AS n"),
            {"lon": sample.lon, "lat": sample.lat, "m": snap_distance_m}).scalar()
        if segment_id is None:
            raise InvalidInput(f"no segment within {snap_distance_m:g} m of ({sample.lon}, {sample.lat})",
                               f"检测地点 {snap_distance_m:g} 米内没有路段，请手动选择路段")
    else:
        segment_id = sample.segment_id
    row = conn.execute(text("""
        SELECT s.id, s.community_id, c.sub_district_id,
               coalesce(CAST(:lon AS float8), ST_X(ST_LineInterpolatePoint(s.geom, 0.5))) AS lon,
               coalesce(CAST(:lat AS float8), ST_Y(ST_LineInterpolatePoint(s.geom, 0.5))) AS lat,
               r.name AS road_name
        FROM public.road_segment AS s
        JOIN public.road AS r ON r.id = s.road_id
        LEFT JOIN public.community AS c ON c.id = s.community_id
        WHERE s.id = :s
        FOR UPDATE OF s
    """), {"s": segment_id, "lon": sample.lon, "lat": sample.lat}).mappings().first()
    if row is None:
        raise NotFound(f"segment {segment_id} does not exist", f"未找到编号为 {segment_id} 的路段")
    return row


def holds_segment(conn: Connection, user: User, segment_id: int) -> bool:
    """Whether the user is an active chief who holds the segment now (at any tier)."""
    return bool(conn.execute(text("""
        SELECT 1 FROM public.chief_user AS cu
        JOIN public.chief AS ch ON ch.id = cu.chief_id AND ch.active
        JOIN public.segment_assignment AS a ON a.chief_id = ch.id AND a.valid_to IS NULL
        WHERE cu.user_id = :u AND a.segment_id = :s
    """), {"u": user.id, "s": segment_id}).first())


def check_sampler(conn: Connection, user: User | None, segment) -> User:
    """Samples are entered by the district admin, by area admins and inspectors within their area,
    and by chiefs on their own segments."""
    if user is None:
        raise Unauthorized("sign in first: entering a dust sample needs a user",
                           "请先登录：录入积尘检测需要账号")
    if user.role == "district_admin":
        return user
    if user.role in AREA_ROLES and in_case_scope(user, segment["community_id"], segment["sub_district_id"], None):
        return user
    if holds_segment(conn, user, segment["id"]):
        return user
    raise Forbidden(f"segment {segment['id']} is outside what user {user.username} may sample",
                    f"路段 {segment['id']} 不在您的管辖范围内（或不是您负责的路段），未录入检测")


def limit_for(conn: Connection, segment_id: int, surface: str) -> float:
    limit = conn.execute(text("SELECT roadchief.dust_limit_for(:s, :f)"), {"s": segment_id, "f": surface}).scalar()
    if limit is None:
        raise InvalidInput(f"no dust limit applies to segment {segment_id} on the {surface}",
                           f"路段 {segment_id} 的{SURFACES[surface]}没有适用的积尘限值，请先设置限值")
    return float(limit)


def add_sample(conn: Connection, user: User | None, sample: NewSample, snap_distance_m: float) -> dict:
    """Check and write one sample; over its limit it opens or joins the segment's case."""
    now = conn.execute(text("SELECT now()")).scalar_one()
    check_values(sample, now)
    segment = placed(conn, sample, snap_distance_m)
    user = check_sampler(conn, user, segment)
    return write_sample(conn, user, sample, segment, now)


def write_sample(conn: Connection, user: User, sample: NewSample, segment, now: datetime) -> dict:
    limit = limit_for(conn, segment["id"], sample.surface)
    entered_by = user.display_name.strip() or user.username
    sampler = (sample.sampler or "").strip() or entered_by
    sample_id = conn.execute(text("""
        INSERT INTO public.dust_sample (segment_id, geom, sampled_at, surface, grams_per_m2, limit_g_m2,
                                        sampler, entered_by, user_id)
        VALUES (:s, ST_SetSRID(ST_MakePoint(:lon, :lat), 4326), coalesce(:at, :now), :surface, :g, :limit,
                :sampler, :entered_by, :u)
        RETURNING id
    """), {"s": segment["id"], "lon": segment["lon"], "lat": segment["lat"], "at": sample.sampled_at,
           "now": now, "surface": sample.surface, "g": sample.grams_per_m2, "limit": limit,
           "sampler": sampler, "entered_by": entered_by, "u": user.id}).scalar_one()
    if sample.grams_per_m2 > limit:
        open_or_join_case(conn, user, sample_id, sample, segment, limit, sampler)
    return get_sample(conn, sample_id)


def open_case_of(conn: Connection, segment_id: int) -> int | None:
    """The segment's dust case that is still open (neither closed nor rejected), if any."""
    return conn.execute(text("""
        SELECT i.id FROM public.dust_sample AS d JOIN public.issue AS i ON i.id = d.issue_id
        WHERE d.segment_id = :s AND i.category_code = :cat AND NOT (i.status = ANY(:final))
        ORDER BY i.id DESC LIMIT 1
    """), {"s": segment_id, "cat": CATEGORY, "final": list(flow.FINAL_STATUSES)}).scalar()


def open_or_join_case(conn: Connection, user: User, sample_id: int, sample: NewSample, segment,
                      limit: float, sampler: str) -> int:
    # The segment row is locked (placed: FOR UPDATE), so two over-limit samples entered at once
    # on one segment cannot both open a case.
    issue_id = open_case_of(conn, segment["id"])
    if issue_id is None:
        issue_id = open_case(conn, user, sample, segment, limit, sampler)
    conn.execute(text("UPDATE public.dust_sample SET issue_id = :i WHERE id = :d"),
                 {"i": issue_id, "d": sample_id})
    return issue_id


def open_case(conn: Connection, user: User, sample: NewSample, segment, limit: float, sampler: str) -> int:
    """A DU01 case on the segment; filed and dispatched to its cleaning company at once when the
    user may take that step (立案并派遣), else reported for the operator to file."""
    company = cleaner_of(conn, segment["id"])
    surface = SURFACES[sample.surface]
    description = (f"以克论净检测超标：{segment['road_name']}{surface}积尘 {sample.grams_per_m2:g} 克/平方米，"
                   f"限值 {limit:g} 克/平方米。" + (f"保洁单位：{company['name']}。" if company else ""))
    issue_id = insert_issue(conn, NewIssue(
        lon=segment["lon"], lat=segment["lat"], category_code=CATEGORY, description=description,
        reporter=sampler, source="dust"), snap_distance_m=50.0)
    # The case belongs to the sampled segment, whichever segment lies nearest to the point.
    conn.execute(text("UPDATE public.issue SET segment_id = :s WHERE id = :i"), {"s": segment["id"], "i": issue_id})
    if company is not None and may_dispatch(user, segment):
        apply_action(conn, issue_id, Action("file_and_dispatch", unit_id=company["id"],
                                            note="以克论净检测超标，派遣保洁单位"), user)
    return issue_id


def may_dispatch(user: User, segment) -> bool:
    return (user.can_write and flow.may(user.role, "file_and_dispatch")
            and in_case_scope(user, segment["community_id"], segment["sub_district_id"], None))


SAMPLE_COLUMNS = """
    SELECT d.id, d.segment_id, r.name AS road_name, cm.name AS community_name,
           ST_X(d.geom) AS lon, ST_Y(d.geom) AS lat, d.sampled_at, d.surface,
           CAST(d.grams_per_m2 AS float8) AS grams_per_m2, CAST(d.limit_g_m2 AS float8) AS limit_g_m2,
           d.grams_per_m2 > d.limit_g_m2 AS over_limit, d.sampler, d.entered_by, d.entered_at,
           d.issue_id, i.status AS issue_status
    FROM public.dust_sample AS d
    JOIN public.road_segment AS s ON s.id = d.segment_id
    JOIN public.road AS r ON r.id = s.road_id
    LEFT JOIN public.community AS cm ON cm.id = s.community_id
    LEFT JOIN public.issue AS i ON i.id = d.issue_id
"""


def sample_out(row) -> dict:
    sample = dict(row)
    return sample | {"surface_label": SURFACES[sample["surface"]],
                     "verdict": "超标" if sample["over_limit"] else "达标",
                     "issue_status_label": flow.STATUS_LABELS.get(sample["issue_status"])}


def get_sample(conn: Connection, sample_id: int) -> dict:
    row = conn.execute(text(SAMPLE_COLUMNS + " WHERE d.id = :id"), {"id": sample_id}).mappings().first()
    if row is None:
        raise NotFound(f"dust sample {sample_id} does not exist", f"未找到编号为 {sample_id} 的积尘检测")
    return sample_out(row)


def list_samples(conn: Connection, segment_id: int | None, from_ts: datetime | None,
                 to_ts: datetime | None, limit: int, offset: int) -> list[dict]:
    """Samples, newest first, of one segment or all, in [from_ts, to_ts) when given."""
    rows = conn.execute(text(SAMPLE_COLUMNS + """
        WHERE (CAST(:s AS integer) IS NULL OR d.segment_id = :s)
          AND (CAST(:f AS timestamptz) IS NULL OR d.sampled_at >= :f)
          AND (CAST(:t AS timestamptz) IS NULL OR d.sampled_at < :t)
        ORDER BY d.sampled_at DESC, d.id DESC LIMIT :limit OFFSET :offset
    """), {"s": segment_id, "f": from_ts, "t": to_ts, "limit": limit, "offset": offset}).mappings()
    return [sample_out(r) for r in rows]


