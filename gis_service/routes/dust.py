"""Dust by the gram (以克论净): limits, the ring-road zone, cleaning companies, samples (one from the
phone or a sheet in bulk), the numbers per segment and company, the ranking workbook."""

from datetime import datetime
from typing import Annotated, Literal

from fastapi import APIRouter, File, Query, Request, UploadFile
from fastapi.responses import StreamingResponse
from pydantic import BaseModel, Field

from gis_service.auth import OptionalUser
from gis_service.db import Conn
from gis_service.params import Int32, Text
from gis_service.routes.exports import stream
from gis_service.upload_guard import too_large
from roads.dust import cleaners, limits, numbers, samples, sheet
from roads.issues.window import CHINA_TZ, Window
from roads.patrols.rates import patrol_window

router = APIRouter(prefix="/api/dust", tags=["dust"])
WindowFrom = Annotated[str | None, Query(alias="from", description="ISO date or datetime")]
WindowTo = Annotated[str | None, Query(description="ISO date (inclusive) or datetime")]
Week = Annotated[str | None, Query(description="An ISO week such as 2026-W47; default this week")]
Surface = Literal["carriageway", "footway"]
Grams = Annotated[float, Field(allow_inf_nan=False)]


class LimitIn(BaseModel):
    surface: Surface
    zone: Literal["inside", "outside"] | None = None
    road_class: Literal["主干道", "次干道", "支路", "街巷"] | None = None
    limit_g_m2: Grams


class LimitPatch(BaseModel):
    surface: Surface | None = None
    zone: Literal["inside", "outside"] | None = None
    road_class: Literal["主干道", "次干道", "支路", "街巷"] | None = None
    limit_g_m2: Grams | None = None


class RingZone(BaseModel):
    name: Text = Field("内环以内", max_length=100)
    geometries: list[dict] = Field(max_length=100, description="GeoJSON Polygons or MultiPolygons, WGS 84")


class CleanerIn(BaseModel):
    segment_ids: list[Int32] = Field(max_length=100_000)
    unit_id: Int32 | None = Field(description="an outsourced company (unit kind 'company'); null: none")


class SampleIn(BaseModel):
    surface: Surface
    grams_per_m2: Grams = Field(description="grams of dust per square metre; more than 0")
    segment_id: Int32 | None = None
    lon: float | None = Field(None, ge=-180, le=180, allow_inf_nan=False)
    lat: float | None = Field(None, ge=-90, le=90, allow_inf_nan=False)
    sampled_at: datetime | None = None
    sampler: Text | None = Field(None, max_length=200)


def window_of(from_: str | None, to: str | None, week: str | None) -> Window:
    return patrol_window(from_, to, week)


@router.get("/limits")
def get_limits(conn: Conn) -> list[dict]:
    """The limits in g/m² by surface, zone and road class; the most specific row applies."""
    return limits.list_limits(conn)


@router.post("/limits", status_code=201)
def create_limit(body: LimitIn, conn: Conn, user: OptionalUser) -> dict:
    return limits.save_limit(conn, user, body.model_dump())


@router.patch("/limits/{limit_id}")
def update_limit(limit_id: Int32, body: LimitPatch, conn: Conn, user: OptionalUser) -> dict:
    return limits.save_limit(conn, user, body.model_dump(exclude_unset=True), limit_id)


@router.delete("/limits/{limit_id}", status_code=204)
def delete_limit(limit_id: Int32, conn: Conn, user: OptionalUser) -> None:
    limits.delete_limit(conn, user, limit_id)


@router.get("/ring-zone")
def get_ring_zone(conn: Conn) -> dict:
    """The polygons inside the ring road (内环以内) as GeoJSON."""
    return limits.ring_zone(conn)


@router.put("/ring-zone")
def put_ring_zone(body: RingZone, conn: Conn, user: OptionalUser) -> dict:
    return limits.replace_ring_zone(conn, user, body.geometries, body.name)


@router.put("/cleaners")
def put_cleaners(body: CleanerIn, conn: Conn, user: OptionalUser) -> dict:
    """Make a company the cleaner of these segments (district admin)."""
    return cleaners.set_cleaner(conn, user, body.segment_ids, body.unit_id)


@router.post("/samples", status_code=201)
def create_sample(body: SampleIn, request: Request, conn: Conn, user: OptionalUser) -> dict:
    """One sample; over its limit it opens a DU01 case on the segment (or joins its open one)."""
    new = samples.NewSample(**body.model_dump())
    return samples.add_sample(conn, user, new, request.app.state.settings.snap_distance_m)


@router.get("/samples")
def list_samples(conn: Conn, segment_id: Int32 | None = None,
                 from_: WindowFrom = None, to: WindowTo = None, week: Week = None,
                 limit: Annotated[Int32, Query(ge=1, le=1000)] = 100,
                 offset: Annotated[Int32, Query(ge=0)] = 0) -> list[dict]:
    """Samples newest first; the window only when from/to/week is given."""
    window = window_of(from_, to, week) if (from_ or to or week) else None
    return samples.list_samples(conn, segment_id, window and window.start, window and window.end,
                                limit, offset)


@router.post("/samples/import", status_code=201)
def import_samples(request: Request, conn: Conn, user: OptionalUser,
                   file: Annotated[UploadFile, File(description="CSV or XLSX")]) -> dict:
    """A sheet of samples (surface, grams_per_m2, segment_id or lon/lat, sampled_at, sampler),
    all or nothing."""
    limit = request.app.state.settings.upload_max_bytes
    data = file.file.read(limit + 1)
    if len(data) > limit:
        raise too_large(limit)
    return sheet.import_samples(conn, user, data, file.filename or "upload.csv",
                                request.app.state.settings.snap_distance_m)


def window_out(window: Window) -> dict:
    return {"from": window.start.astimezone(CHINA_TZ).isoformat(),
            "to": window.end.astimezone(CHINA_TZ).isoformat()}


@router.get("/segments")
def get_segments(conn: Conn, from_: WindowFrom = None, to: WindowTo = None, week: Week = None,
                 segment_id: Int32 | None = None) -> dict:
    """Per segment sampled in the window (this week by default): samples, mean, share over the
    limit, the latest sample; worst first."""
    window = window_of(from_, to, week)
    return {**window_out(window), "segments": numbers.segment_numbers(conn, window, segment_id)}


@router.get("/companies")
def get_companies(conn: Conn, from_: WindowFrom = None, to: WindowTo = None, week: Week = None) -> dict:
    """Per cleaning company, ranked best first, and the district's totals."""
    window = window_of(from_, to, week)
    return {**window_out(window), "totals": numbers.totals(conn, window),
            "companies": numbers.company_ranking(conn, window)}


@router.get("/ranking.xlsx")
def ranking_xlsx(conn: Conn, from_: WindowFrom = None, to: WindowTo = None,
                 week: Week = None) -> StreamingResponse:
    window = window_of(from_, to, week)
    day = window.start.astimezone(CHINA_TZ).date().isoformat()
    return stream(numbers.ranking_workbook(conn, window), "xlsx", f"dust-ranking-{day}", f"以克论净排名-{day}")
