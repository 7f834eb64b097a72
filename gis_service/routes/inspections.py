"""Inspections of construction sites and resettlement points: the checklists and their rules
(district admin), entering an inspection with photos (phone or API), status, overdue, history."""

from dataclasses import asdict
from datetime import datetime
from typing import Annotated, Literal

from fastapi import APIRouter, File, Form, Path, Query, Request, UploadFile
from fastapi.responses import FileResponse
from pydantic import BaseModel, Field, TypeAdapter, ValidationError

from gis_service.auth import OptionalUser
from gis_service.db import Conn
from gis_service.params import Int32, Text
from gis_service.routes.issues import beijing, read_uploads
from roads.errors import InvalidInput
from roads.inspections import checklists, recording, status
from roads.inspections import photos as photo_store
from roads.issues import photos as issue_photos
from roads.issues.window import parse_instant

router = APIRouter(prefix="/api", tags=["inspections"])
Kind = Literal["site", "point"]
InspectionId = Annotated[int, Path(ge=1, le=2**63 - 1)]
PhotoId = Annotated[int, Path(ge=1, le=2**63 - 1)]
Status = Literal["clean", "failed", "overdue", "demo", "not_due"]


class RulesIn(BaseModel):
    every_days: Int32 | None = None
    demo_after: Int32 | None = None
    case_category: Text | None = None
    open_cases: bool | None = None


class ItemIn(BaseModel):
    label: Text = Field(max_length=40)
    hint: Text = Field("", max_length=200)


class ResultIn(BaseModel):
    item_id: Int32
    passed: bool
    note: Text = Field("", max_length=500)


RESULTS = TypeAdapter(list[ResultIn])


@router.get("/inspection-checklists")
def get_checklists(conn: Conn) -> list[dict]:
    """Each kind's checklist: its rules (every_days, demo_after, case_category) and current items."""
    return beijing(checklists.list_checklists(conn))


@router.patch("/inspection-checklists/{kind}")
def patch_rules(kind: Kind, body: RulesIn, conn: Conn, user: OptionalUser) -> dict:
    """Change a checklist's rules (district admin)."""
    return beijing(checklists.update_rules(conn, user, kind, body.model_dump(exclude_none=True)))


@router.post("/inspection-checklists/{kind}/items", status_code=201)
def post_item(kind: Kind, body: ItemIn, conn: Conn, user: OptionalUser) -> dict:
    """Add an item to a checklist (district admin); inspections from now on must answer it."""
    return beijing(checklists.add_item(conn, user, kind, body.label, body.hint))


@router.delete("/inspection-checklist-items/{item_id}")
def retire_item(item_id: Int32, conn: Conn, user: OptionalUser) -> dict:
    """Retire an item (district admin); earlier inspections keep it."""
    return beijing(checklists.retire_item(conn, user, item_id))


def parse_results(raw: str) -> list[recording.ItemResult]:
    try:
        parsed = RESULTS.validate_json(raw)
    except ValidationError as exc:
        raise InvalidInput('results: a JSON list of {"item_id": 1, "passed": true, "note": ""}',
                           "检查结果格式有误：须为每个检查项的 item_id、passed（是否合格）和 note（说明）") from exc
    return [recording.ItemResult(r.item_id, r.passed, r.note) for r in parsed]


@router.post("/inspections", status_code=201)
def create_inspection(
    conn: Conn, request: Request, user: OptionalUser,
    target_kind: Annotated[Kind, Form(description="site (施工工地) or point (安置点)")],
    target_id: Annotated[Int32, Form()],
    results: Annotated[str, Form(description='JSON: [{"item_id": 1, "passed": true, "note": ""}, ...]')],
    inspected_at: Annotated[str | None, Form(description="ISO datetime (default now; not in the future)")] = None,
    inspector: Annotated[Text | None, Form(max_length=100)] = None,
    note: Annotated[Text, Form(max_length=1000)] = "",
    source: Annotated[Literal["phone", "api"], Form()] = "api",
    photos: Annotated[list[UploadFile], File(description="JPEG/PNG/WebP photos")] = [],  # noqa: B006
) -> dict:
    """Enter an inspection (multipart/form-data): every current item answered; a failed item
    opens the target's case (one open case per target)."""
    settings = request.app.state.settings
    checked = issue_photos.check_photos(read_uploads(photos), settings.upload_max_bytes)
    new = recording.NewInspection(
        target_kind=target_kind, target_id=target_id, results=parse_results(results),
        inspected_at=parse_instant(inspected_at, "inspected_at") if inspected_at else None,
        inspector=inspector, note=note, source=source)
    inspection_id = recording.record_inspection(conn, user, new, settings.snap_distance_m)
    written = photo_store.store_photos(conn, settings.photo_dir, inspection_id, checked)
    try:
        return inspection_out(conn, request, inspection_id)
    except Exception:
        photo_store.remove_files(written)
        raise


def inspection_out(conn, request: Request, inspection_id: int) -> dict:
    out = status.get_inspection(conn, inspection_id)
    out["photos"] = [{**p, "url": str(request.url_for("get_inspection_photo", inspection_id=inspection_id,
                                                      photo_id=p["id"]))}
                     for p in photo_store.list_photos(conn, inspection_id)]
    out["target"] = status.target_status(conn, out["target_kind"], out["target_id"])
    return beijing(out)


@router.get("/inspections/{inspection_id}")
def get_inspection(inspection_id: InspectionId, conn: Conn, request: Request) -> dict:
    """One inspection: each item's result (with items since retired), photos, the target's status."""
    return inspection_out(conn, request, inspection_id)


@router.get("/inspections/{inspection_id}/photos/{photo_id}", name="get_inspection_photo")
def get_photo(inspection_id: InspectionId,
              photo_id: PhotoId, conn: Conn, request: Request) -> FileResponse:
    path, content_type = photo_store.photo_file(conn, request.app.state.settings.photo_dir, inspection_id, photo_id)
    return FileResponse(path, media_type=content_type)


@router.get("/inspection-targets")
def list_targets(
    conn: Conn,
    kind: Kind | None = None,
    status_: Annotated[Status | None, Query(alias="status")] = None,
    sub_district_id: Int32 | None = None,
    community_id: Int32 | None = None,
    lon: Annotated[float | None, Query(ge=-180, le=180)] = None,
    lat: Annotated[float | None, Query(ge=-90, le=90)] = None,
    limit: Annotated[Int32, Query(ge=1, le=5000)] = 1000,
) -> list[dict]:
    """Sites and points with their status (last inspection, result, due, overdue, flag); nearest
    first with lon/lat, else overdue and failed first. status=overdue is the overdue list."""
    if (lon is None) != (lat is None):
        raise InvalidInput("give both lon and lat, or neither", "位置须同时给出经度和纬度，或都不填")
    near = (lon, lat) if lon is not None and lat is not None else None
    return beijing(status.list_status(conn, kind, status_, sub_district_id, community_id, near, limit=limit))


@router.get("/me/inspection-targets")
def my_targets(
    conn: Conn, user: OptionalUser,
    lon: Annotated[float | None, Query(ge=-180, le=180)] = None,
    lat: Annotated[float | None, Query(ge=-90, le=90)] = None,
    limit: Annotated[Int32, Query(ge=1, le=500)] = 50,
) -> list[dict]:
    """The sites and points I may inspect (my jurisdiction), nearest first with lon/lat, else
    overdue and failed first: the phone's 巡检 list."""
    if (lon is None) != (lat is None):
        raise InvalidInput("give both lon and lat, or neither", "位置须同时给出经度和纬度，或都不填")
    near = (lon, lat) if lon is not None and lat is not None else None
    scope = recording.inspection_scope(conn, user)
    return beijing(status.list_status(conn, near=near, limit=limit, **scope))


@router.get("/inspection-targets/{kind}/{target_id}")
def get_target(kind: Kind, target_id: Int32, conn: Conn) -> dict:
    """A site or point: its status, inspections and the history of its demonstration flag."""
    return beijing(status.target_history(conn, kind, target_id))


@router.get("/inspection-figures")
def get_figures(conn: Conn,
                from_: Annotated[str, Query(alias="from", description="first day, ISO date")],
                to: Annotated[str, Query(description="the day after the last, ISO date")]) -> list[dict]:
    """The report figures of [from, to): inspections, clean share, overdue, flags earned and lost."""
    start, end = parse_day(from_, "from"), parse_day(to, "to")
    return [asdict(figure) for figure in status.report_figures(conn, start, end)]


def parse_day(value: str, name: str):
    try:
        return datetime.strptime(value.strip(), "%Y-%m-%d").date()
    except ValueError as exc:
        raise InvalidInput(f"{name}: an ISO date such as 2026-11-20", f"日期“{name}”格式有误，如 2026-11-20") from exc
