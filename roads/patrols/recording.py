"""Recording a patrol: start, batches of GPS points (idempotent), end (evaluated in SQL).

Only the chief themself (a user linked to the chief) records their patrols; a district admin may
record for any chief (uploads on a chief's behalf)."""

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Connection, text

from roads.district import district_extent
from roads.errors import Conflict, Forbidden, InvalidInput, NotFound, Unauthorized
from roads.users import User

MAX_BATCH = 5000
EXTENT_MARGIN_DEG = 0.02  # about 2 km: a patrol may start just outside the boundary


@dataclass(frozen=True)
class Point:
    recorded_at: datetime
    lon: float
    lat: float
    accuracy_m: float | None = None


def chief_of_user(conn: Connection, user: User) -> int | None:
    return conn.execute(text("SELECT chief_id FROM public.chief_user WHERE user_id = :u"), {"u": user.id}).scalar()


def recording_chief(conn: Connection, user: User | None, chief_id: int | None) -> int:
    """The chief a patrol is recorded for: the user's own, or any for the district admin."""
    if user is None:
        raise Unauthorized("sign in first: only a chief records their own patrols",
                           "请先登录：巡查记录须由路长本人上传")
    own = chief_of_user(conn, user)
    chief_id = chief_id if chief_id is not None else own
    if chief_id is None:
        raise InvalidInput(f"user {user.username} is not linked to a chief; give chief_id",
                           f"用户 {user.username} 未关联路长，请指定路长")
    if chief_id != own and user.role != "district_admin":
        raise Forbidden(f"user {user.username} may only record their own patrols",
                        f"用户 {user.username} 只能记录本人的巡查")
    active = conn.execute(text("SELECT active FROM public.chief WHERE id = :c"), {"c": chief_id}).scalar()
    if active is None:
        raise NotFound(f"chief {chief_id} does not exist", f"未找到编号为 {chief_id} 的路长")
    if not active:
        raise InvalidInput(f"chief {chief_id} is no longer active", f"路长 {chief_id} 已停用，不能记录巡查")
    return chief_id


def link_user_to_chief(conn: Connection, user_id: int, chief_id: int) -> None:
    """Make `user_id` the user who is chief `chief_id` (replacing an earlier link of either)."""
    if conn.execute(text("SELECT NOT EXISTS (SELECT 1 FROM public.chief WHERE id = :c)"), {"c": chief_id}).scalar():
        raise NotFound(f"chief {chief_id} does not exist", f"未找到编号为 {chief_id} 的路长")
    ids = {"c": chief_id, "u": user_id}
    conn.execute(text("DELETE FROM public.chief_user WHERE user_id = :u OR chief_id = :c"), ids)
    conn.execute(text("INSERT INTO public.chief_user (user_id, chief_id) VALUES (:u, :c)"), ids)


def start_patrol(conn: Connection, user: User | None, chief_id: int | None = None,
                 started_at: datetime | None = None, source: str = "phone") -> int:
    chief_id = recording_chief(conn, user, chief_id)
    return conn.execute(text("""
        INSERT INTO public.patrol (chief_id, source, started_at, recorded_by)
        VALUES (:c, :s, COALESCE(:t, clock_timestamp()), :by) RETURNING id
    """), {"c": chief_id, "s": source, "t": started_at, "by": user.username}).scalar_one()


def patrol_for_write(conn: Connection, user: User | None, patrol_id: int) -> dict:
    """The open patrol, locked, if `user` may record it."""
    row = conn.execute(text("SELECT id, chief_id, ended_at FROM public.patrol WHERE id = :p FOR UPDATE"),
                       {"p": patrol_id}).mappings().first()
    if row is None:
        raise NotFound(f"patrol {patrol_id} does not exist", f"未找到编号为 {patrol_id} 的巡查")
    recording_chief(conn, user, row["chief_id"])
    return dict(row)


def check_points(conn: Connection, points: Sequence[Point]) -> None:
    """Refuse a batch with coordinates that are not in the district (or not lon/lat at all)."""
    if len(points) > MAX_BATCH:
        raise InvalidInput(f"a batch holds at most {MAX_BATCH} points, not {len(points)}",
                           f"每批最多 {MAX_BATCH} 个定位点，本批有 {len(points)} 个")
    if any(not (-180 <= p.lon <= 180 and -90 <= p.lat <= 90) for p in points):
        raise InvalidInput("coordinates must be WGS84 longitude/latitude (EPSG:4326) in degrees",
                           "坐标须为 WGS84 经纬度（EPSG:4326，单位为度），未保存")
    extent = district_extent(conn)
    if extent is None:
        return
    west, south, east, north = extent
    m = EXTENT_MARGIN_DEG
    outside = sum(not (west - m <= p.lon <= east + m and south - m <= p.lat <= north + m) for p in points)
    if outside:
        raise InvalidInput(f"{outside} of {len(points)} points lie outside the district",
                           f"{len(points)} 个定位点中有 {outside} 个在本区范围之外，未保存", outside=outside)


def insert_points(conn: Connection, patrol_id: int, points: Sequence[Point]) -> int:
    """Store the points once each: a reading already stored (same instant) is skipped."""
    if not points:
        return 0
    return conn.execute(text("""
        INSERT INTO public.patrol_point (patrol_id, recorded_at, lon, lat, accuracy_m)
        SELECT :p, t, x, y, a
        FROM unnest(CAST(:t AS timestamptz[]), CAST(:x AS float8[]), CAST(:y AS float8[]),
                    CAST(:a AS real[])) AS u (t, x, y, a)
        ON CONFLICT ON CONSTRAINT pk_patrol_point DO NOTHING
    """), {"p": patrol_id, "t": [p.recorded_at for p in points], "x": [p.lon for p in points],
           "y": [p.lat for p in points], "a": [p.accuracy_m for p in points]}).rowcount


def add_points(conn: Connection, user: User | None, patrol_id: int, batch_id: str,
               points: Sequence[Point]) -> dict:
    """Store a batch from the phone; the same batch sent again is stored once."""
    patrol = patrol_for_write(conn, user, patrol_id)
    if not batch_id.strip() or len(batch_id) > 100:
        raise InvalidInput("batch_id must be 1 to 100 characters", "批次编号须为 1 至 100 个字符")
    seen = conn.execute(text("SELECT points FROM public.patrol_batch WHERE patrol_id = :p AND batch_id = :b"),
                        {"p": patrol_id, "b": batch_id}).scalar()
    if seen is not None:
        return {"patrol_id": patrol_id, "batch_id": batch_id, "stored": 0, "duplicate": True}
    if patrol["ended_at"] is not None:
        raise Conflict(f"patrol {patrol_id} has ended; start a new one",
                       f"巡查 {patrol_id} 已结束，请开始新的巡查")
    check_points(conn, points)
    stored = insert_points(conn, patrol_id, points)
    conn.execute(text("INSERT INTO public.patrol_batch (patrol_id, batch_id, points) VALUES (:p, :b, :n)"),
                 {"p": patrol_id, "b": batch_id, "n": stored})
    return {"patrol_id": patrol_id, "batch_id": batch_id, "stored": stored, "duplicate": False}


def evaluate(conn: Connection, patrol_ids: Sequence[int]) -> int:
    return conn.execute(text("SELECT roadchief.evaluate_patrols(CAST(:ids AS bigint[]))"),
                        {"ids": list(patrol_ids)}).scalar_one()


def end_patrol(conn: Connection, user: User | None, patrol_id: int) -> None:
    """Close the patrol at the last point (or now) and evaluate it; ending twice changes nothing."""
    patrol = patrol_for_write(conn, user, patrol_id)
    if patrol["ended_at"] is not None:
        return
    conn.execute(text("""
        UPDATE public.patrol SET ended_at = GREATEST(started_at, COALESCE(
            (SELECT max(recorded_at) FROM public.patrol_point WHERE patrol_id = :p), clock_timestamp()))
        WHERE id = :p
    """), {"p": patrol_id})
    evaluate(conn, [patrol_id])


def record_track(conn: Connection, user: User | None, chief_id: int | None, points: Sequence[Point],
                 source: str = "gpx") -> int:
    """A whole track at once (a GPX file): stored and evaluated, or refused with nothing written."""
    if len(points) < 2:
        raise InvalidInput("the track has fewer than 2 points with a time",
                           "轨迹中带时间的定位点少于 2 个，未保存")
    ordered = sorted(points, key=lambda p: p.recorded_at)
    chief_id = recording_chief(conn, user, chief_id)
    for start in range(0, len(ordered), MAX_BATCH):
        check_points(conn, ordered[start:start + MAX_BATCH])
    patrol_id = start_patrol(conn, user, chief_id, ordered[0].recorded_at, source)
    for start in range(0, len(ordered), MAX_BATCH):
        insert_points(conn, patrol_id, ordered[start:start + MAX_BATCH])
    conn.execute(text("UPDATE public.patrol SET ended_at = :t WHERE id = :p"),
                 {"t": ordered[-1].recorded_at, "p": patrol_id})
    evaluate(conn, [patrol_id])
    return patrol_id
