"""Patrols: the rules, recording (phone batches or a GPX file), tracks, compliance, 未巡查."""

from datetime import date, datetime
from typing import Annotated, Literal

from fastapi import APIRouter, File, Form, Path, Query, Request, UploadFile
from pydantic import BaseModel, Field

from gis_service.auth import OptionalUser
from gis_service.db import Conn
from gis_service.params import Int32, Text
from gis_service.routes.imports import too_large
from roads.errors import InvalidInput
from roads.issues.filter import parse_period
from roads.issues.window import CHINA_TZ
from roads.patrols import compliance, queries, recording, rules
from roads.patrols.gpx import parse_gpx
from roads.patrols.route import patrol_route

router = APIRouter(prefix="/api", tags=["patrols"])
WindowFrom = Annotated[str | None, Query(alias="from", description="ISO date or datetime")]
WindowTo = Annotated[str | None, Query(description="ISO date (inclusive) or datetime")]
Week = Annotated[str | None, Query(description="An ISO week such as 2026-W47 (instead of from/to)")]
PatrolId = Annotated[int, Path(ge=1, le=2**63 - 1)]


class RuleIn(BaseModel):
    tier: Int32
    every_days: Int32
    min_minutes: Int32
    min_distance_m: Int32
    min_share: float = Field(gt=0, le=1, allow_inf_nan=False)




class PatrolStart(BaseModel):
    chief_id: Int32 | None = None
    started_at: datetime | None = None


class PointIn(BaseModel):
    t: datetime = Field(description="when the reading was taken (ISO datetime)")
    lon: float = Field(allow_inf_nan=False)
    lat: float = Field(allow_inf_nan=False)
    accuracy_m: float | None = Field(None, ge=0, le=1e6, allow_inf_nan=False)


class PointBatch(BaseModel):
    batch_id: Text = Field(description="made by the phone; a batch sent again is stored once")
    points: list[PointIn]


@router.get("/patrol-rules")
def get_rules(conn: Conn) -> list[dict]:
    return rules.list_rules(conn)


@router.put("/patrol-rules")
def put_rules(body: list[RuleIn], conn: Conn, user: OptionalUser) -> list[dict]:
    """Replace the rules of the tiers given (district admin)."""
    return rules.update_rules(conn, user, [rule.model_dump() for rule in body])


def window_of(start: str | None, end: str | None, week: str | None, default_days: float = 7):
    return parse_period(start, end, week, default_days)


@router.get("/patrols/compliance")
def get_compliance(
    conn: Conn,
    level: Literal["chief", "segment", "tier", "community", "sub_district", "district"] = "district",
    from_: WindowFrom = None, to: WindowTo = None, week: Week = None,
) -> dict:
    """Patrols due, done and the rate per unit; the last 7 days without from/to/week."""
    return compliance.compliance(conn, window_of(from_, to, week), level)


@router.get("/patrols/missing")
def get_missing(conn: Conn, day: Annotated[date | None, Query(alias="date")] = None) -> dict:
    """未巡查: chiefs with segments due on `date` (default today) and not patrolled."""
    day = day or datetime.now(CHINA_TZ).date()
    return {"date": day, "chiefs": compliance.missing(conn, day)}


@router.post("/patrols", status_code=201)
def start_patrol(body: PatrolStart, conn: Conn, user: OptionalUser) -> dict:
    """Start a patrol for the signed-in chief (a district admin may give chief_id)."""
    return {"id": recording.start_patrol(conn, user, body.chief_id, body.started_at)}


@router.post("/patrols/gpx", status_code=201)
def upload_gpx(
    request: Request, conn: Conn, user: OptionalUser,
    file: Annotated[UploadFile, File(description="a GPX track with <time> on its points")],
    chief_id: Annotated[Int32 | None, Form()] = None,
) -> dict:
    """Store and evaluate a track from another app; a bad file is refused with nothing written."""
    limit = request.app.state.settings.upload_max_bytes
    data = file.file.read(limit + 1)
    if len(data) > limit:
        raise too_large(limit)
    points = parse_gpx(data)
    with conn.begin_nested():
        patrol_id = recording.record_track(conn, user, chief_id, points)
    return queries.get_patrol(conn, patrol_id)


@router.get("/patrols")
def list_patrols(conn: Conn, chief: Int32 | None = None, from_: WindowFrom = None, to: WindowTo = None,
                 week: Week = None, limit: Annotated[Int32, Query(ge=1, le=5000)] = 200) -> list[dict]:
    """Patrols started in the window (last 7 days by default), newest first."""
    return queries.list_patrols(conn, window_of(from_, to, week), chief, limit)


@router.get("/patrols/{patrol_id}")
def get_patrol(patrol_id: PatrolId, conn: Conn) -> dict:
    """The track and the chief's segments it came near, as GeoJSON."""
    return queries.get_patrol(conn, patrol_id)


@router.post("/patrols/{patrol_id}/points")
def post_points(patrol_id: PatrolId, body: PointBatch, conn: Conn, user: OptionalUser) -> dict:
    points = [recording.Point(p.t if p.t.tzinfo else p.t.replace(tzinfo=CHINA_TZ), p.lon, p.lat, p.accuracy_m)
              for p in body.points]
    return recording.add_points(conn, user, patrol_id, body.batch_id, points)


@router.post("/patrols/{patrol_id}/end")
def end_patrol(patrol_id: PatrolId, conn: Conn, user: OptionalUser) -> dict:
    """End the patrol and evaluate it: the covered segments come back."""
    recording.end_patrol(conn, user, patrol_id)
    return queries.get_patrol(conn, patrol_id)


@router.get("/chiefs/{chief_id}/patrol-route")
def get_patrol_route(chief_id: Int32, conn: Conn,
                     lon: Annotated[float | None, Query(ge=-180, le=180)] = None,
                     lat: Annotated[float | None, Query(ge=-90, le=90)] = None) -> dict:
    """A suggested closed walk over the chief's segments from (lon, lat), as a GeoJSON Feature."""
    if (lon is None) != (lat is None):
        raise InvalidInput("give both lon and lat, or neither", "起点须同时给出经度和纬度，或都不填")
    return patrol_route(conn, chief_id, (lon, lat) if lon is not None else None)
