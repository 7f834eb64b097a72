"""What the phone pages read and do for the signed-in chief: who they are (the user↔chief link),
their segments with today's patrol status, their cases, the segment a position snaps to, and who may
report issues (writers, and any user linked to a chief: reporting is a chief's daily work)."""

import json
from datetime import date

from sqlalchemy import Connection, text

from roads.errors import Forbidden, NotFound, Unauthorized
from roads.issues.repository import ISSUE_COLUMNS, ISSUE_JOINS, STATUS_LABELS
from roads.patrols.compliance import day_window
from roads.patrols.rates import this_week
from roads.patrols.recording import chief_of_user, link_user_to_chief
from roads.users import User, require_district_admin, require_writer

STATUS_TODAY = {"done": "今日已巡查", "due": "今日未巡查", "not_due": "今日无需巡查"}


def linked_chief(conn: Connection, user: User) -> dict | None:
    """The chief the user is (name, phone, organisation, position, party badge), or None."""
    row = conn.execute(text("""
        SELECT ch.id, ch.name, ch.phone, ch.organisation, ch.position, ch.is_party_member, ch.active,
               ch.general_chief, ch.general_rank
        FROM public.chief_user AS cu JOIN public.chief AS ch ON ch.id = cu.chief_id
        WHERE cu.user_id = :u
    """), {"u": user.id}).mappings().first()
    return None if row is None else dict(row)


def me(conn: Connection, user: User | None) -> dict:
    if user is None:
        raise Unauthorized("not signed in", "您尚未登录")
    return {**user.public(), "chief": linked_chief(conn, user)}


def require_user(conn: Connection, user_id: int) -> None:
    if conn.execute(text("SELECT 1 FROM public.app_user WHERE id = :u"), {"u": user_id}).first() is None:
        raise NotFound(f"user {user_id} does not exist", f"未找到编号为 {user_id} 的用户")


def link_chief(conn: Connection, admin: User | None, user_id: int, chief_id: int) -> dict:
    """Make user `user_id` chief `chief_id` (district admin); an earlier link of either is replaced."""
    require_district_admin(admin)
    require_user(conn, user_id)
    link_user_to_chief(conn, user_id, chief_id)
    return {"user_id": user_id, "chief_id": chief_id}


def unlink_chief(conn: Connection, admin: User | None, user_id: int) -> dict:
    require_district_admin(admin)
    require_user(conn, user_id)
    conn.execute(text("DELETE FROM public.chief_user WHERE user_id = :u"), {"u": user_id})
    return {"user_id": user_id, "chief_id": None}


def own_chief(conn: Connection, user: User | None) -> int:
    if user is None:
        raise Unauthorized("sign in first", "请先登录")
    chief_id = chief_of_user(conn, user)
    if chief_id is None:
        raise NotFound(f"user {user.username} is not linked to a chief",
                       f"账号 {user.username} 尚未关联路长，请联系区级管理员")
    return chief_id


def my_segments(conn: Connection, user: User | None, today: date) -> dict:
    """The chief's current segments as GeoJSON, each with today's patrol status and this week's
    patrols due and done (roadchief.patrol_compliance, as everywhere)."""
    chief_id = own_chief(conn, user)
    day, week = day_window(today), this_week()
    rows = conn.execute(text("""
        SELECT s.id, a.tier, r.name AS road_name, cm.name AS community_name, round(s.length_m::numeric, 1) AS length_m,
               ST_AsGeoJSON(s.geom, 6) AS geometry,
               COALESCE(d.due, 0) AS due_today, COALESCE(d.done, 0) AS done_today,
               COALESCE(w.due, 0) AS due_week, COALESCE(w.done, 0) AS done_week
        FROM public.segment_assignment AS a
        JOIN public.road_segment AS s ON s.id = a.segment_id
        JOIN public.road AS r ON r.id = s.road_id
        LEFT JOIN public.community AS cm ON cm.id = s.community_id
        LEFT JOIN roadchief.patrol_compliance(:d0, :d1) AS d
          ON d.chief_id = a.chief_id AND d.segment_id = a.segment_id AND d.tier = a.tier
        LEFT JOIN roadchief.patrol_compliance(:w0, :w1) AS w
          ON w.chief_id = a.chief_id AND w.segment_id = a.segment_id AND w.tier = a.tier
        WHERE a.chief_id = :c AND a.valid_to IS NULL
        ORDER BY r.name, s.id, a.tier
    """), {"c": chief_id, "d0": day.start, "d1": day.end, "w0": week.start, "w1": week.end}).mappings()
    features = []
    for row in rows:
        status = "done" if row["done_today"] else ("due" if row["due_today"] else "not_due")
        props = {k: row[k] for k in row if k not in ("geometry", "id")}
        props |= {"today": status, "today_label": STATUS_TODAY[status], "length_m": float(row["length_m"])}
        features.append({"type": "Feature", "id": row["id"], "geometry": json.loads(row["geometry"]),
                         "properties": props})
    return {"type": "FeatureCollection", "chief_id": chief_id, "date": today, "features": features}


def my_cases(conn: Connection, user: User | None, limit: int = 50) -> list[dict]:
    """Cases on the chief's current segments or dispatched to the user's unit (a 处置单位 user
    need not be a chief), newest first."""
    if user is None:
        raise Unauthorized("sign in first", "请先登录")
    chief_id = own_chief(conn, user) if user.unit_id is None else chief_of_user(conn, user)
    rows = conn.execute(text(
        "SELECT" + ISSUE_COLUMNS + " FROM public.issue AS i" + ISSUE_JOINS + """
        WHERE i.segment_id IN (SELECT a.segment_id FROM public.segment_assignment AS a
                               WHERE a.chief_id = :c AND a.valid_to IS NULL)
           OR i.unit_id = :unit
           OR (i.unit_id IS NULL
               AND i.department = (SELECT ch.organisation FROM public.chief AS ch WHERE ch.id = :c))
        ORDER BY i.reported_at DESC, i.id DESC
        LIMIT :limit
    """), {"c": chief_id, "unit": user.unit_id, "limit": limit}).mappings()
    return [{**{k: v for k, v in row.items() if k != "first_photo_id"},
             "status_label": STATUS_LABELS.get(row["status"], row["status"])} for row in rows]


def snap(conn: Connection, lon: float, lat: float, max_m: float) -> dict:
    """The segment a report at (lon, lat) will be snapped to (roadchief.nearest_segments, as intake)."""
    row = conn.execute(text("""
        SELECT n.segment_id, round(n.distance_m::numeric, 1) AS distance_m, r.name AS road_name,
               cm.name AS community_name
        FROM roadchief.nearest_segments(ST_SetSRID(ST_MakePoint(:lon, :lat), 4326), :m) AS n
        JOIN public.road_segment AS s ON s.id = n.segment_id
        JOIN public.road AS r ON r.id = s.road_id
        LEFT JOIN public.community AS cm ON cm.id = s.community_id
    """), {"lon": lon, "lat": lat, "m": max_m}).mappings().first()
    if row is None:
        return {"lon": lon, "lat": lat, "segment_id": None, "max_distance_m": max_m}
    return {"lon": lon, "lat": lat, **row, "distance_m": float(row["distance_m"]), "max_distance_m": max_m}


def require_reporter(conn: Connection, user: User | None) -> User:
    """Writers report issues; so does a read-only user linked to an active chief. A chief who has
    left (deactivated) keeps their account but reports no more, as they record no patrols."""
    if user is not None and not user.can_write:
        active = conn.execute(text("""
            SELECT ch.active FROM public.chief_user AS cu JOIN public.chief AS ch ON ch.id = cu.chief_id
            WHERE cu.user_id = :u
        """), {"u": user.id}).scalar()
        if active:
            return user
        if active is False:
            raise Forbidden(f"user {user.username} is linked to a chief who is no longer active",
                            f"账号 {user.username} 关联的路长已停用，不能上报问题")
    return require_writer(user)
