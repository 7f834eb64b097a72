"""The issue ledger API: intake (with photos), listing with filters, one issue, the case flow's
actions (and the old status steps), duplicates at filing."""

import tempfile
from datetime import datetime
from pathlib import Path
from typing import Annotated

from fastapi import APIRouter, Depends, File, Form, Query, Request, UploadFile
from fastapi.encoders import jsonable_encoder
from fastapi.responses import FileResponse, JSONResponse
from pydantic import BaseModel, Field

from gis_service.auth import OptionalUser
from gis_service.db import Conn
from gis_service.filters import MAX_PAGE, ledger_filter
from gis_service.params import Int32
from gis_service.upload_guard import too_large
from roads.chief_work import require_reporter
from roads.errors import InvalidInput
from roads.issues import flow, repository, workflow
from roads.issues import photos as photo_store
from roads.issues.filter import IssueFilter
from roads.issues.importer import import_issues
from roads.issues.window import CHINA_TZ, parse_instant
from roads.users import ROLE_LABELS, User, require_district_admin, require_writer

router = APIRouter(prefix="/api", tags=["issues"])
GEOJSON = "application/geo+json"


def wants_geojson(request: Request, fmt: str | None) -> bool:
    if fmt is not None:
        if fmt not in ("json", "geojson"):
            raise InvalidInput("format: json or geojson",
                               "format 须为 json 或 geojson")
        return fmt == "geojson"
    return GEOJSON in request.headers.get("accept", "")


def beijing(value):
    """Times as Beijing time (+08:00), in dicts and lists too: what the bureau reads."""
    if isinstance(value, datetime) and value.tzinfo is not None:
        return value.astimezone(CHINA_TZ)
    if isinstance(value, dict):
        return {k: beijing(v) for k, v in value.items()}
    if isinstance(value, list):
        return [beijing(v) for v in value]
    return value


def issue_out(issue: dict, request: Request) -> dict:
    out = {k: beijing(v) for k, v in issue.items() if k != "first_photo_id"}
    out["status_label"] = repository.STATUS_LABELS[issue["status"]]
    out["url"] = str(request.url_for("get_issue", issue_id=issue["id"]))
    return out


def feature(issue: dict) -> dict:
    props = {k: v for k, v in issue.items() if k not in ("lon", "lat")}
    return {
        "type": "Feature",
        "id": issue["id"],
        "geometry": {"type": "Point", "coordinates": [issue["lon"], issue["lat"]]},
        "properties": props,
    }


@router.get("/issue-categories")
def categories(conn: Conn) -> list[dict]:
    """The ten major tasks and their coded sub-items, with deadlines and default departments."""
    return repository.list_categories(conn)


@router.post("/issues", status_code=201)
def create_issue(
    conn: Conn,
    request: Request,
    user: OptionalUser,
    lon: Annotated[float, Form(description="Longitude, WGS84")],
    lat: Annotated[float, Form(description="Latitude, WGS84")],
    category: Annotated[str, Form(description="A sub-item code such as T03.01")],
    description: Annotated[str, Form()] = "",
    reporter: Annotated[str | None, Form()] = None,
    reported_at: Annotated[str | None, Form(description="When it was found (default now)")] = None,
    source: Annotated[str, Form()] = "api",
    photos: Annotated[list[UploadFile], File(description="JPEG/PNG/WebP photos")] = [],  # noqa: B006
) -> dict:
    """Log an issue (multipart/form-data); it is snapped to its nearest segment at once."""
    require_reporter(conn, user)  # a writer, or a chief reporting from the phone
    settings = request.app.state.settings
    checked = photo_store.check_photos(read_uploads(photos), settings.upload_max_bytes)
    issue = repository.NewIssue(
        lon=lon,
        lat=lat,
        category_code=category.strip(),
        description=description.strip(),
        reporter=(reporter or "").strip() or None,
        source=source.strip() or "api",
        reported_at=parse_instant(reported_at, "reported_at") if reported_at else None,
    )
    issue_id = repository.insert_issue(conn, issue, settings.snap_distance_m)
    written = photo_store.store_photos(conn, settings.photo_dir, issue_id, checked)
    try:
        return detail(conn, request, issue_id, user)
    except Exception:
        photo_store.remove_files(written)
        raise


def read_uploads(uploads: list[UploadFile]) -> list[photo_store.Photo]:
    return [photo_store.Photo(u.filename or "photo", u.file.read()) for u in uploads if u.filename]


@router.get("/issues")
def list_issues(
    conn: Conn,
    request: Request,
    where: Annotated[IssueFilter, Depends(ledger_filter)],
    page: Annotated[Int32, Query(ge=1, le=MAX_PAGE)] = 1,
    page_size: Annotated[Int32, Query(ge=1, le=1000)] = 100,
    format: Annotated[
        str | None, Query(description="json or geojson (or Accept: application/geo+json)")
    ] = None,
):
    """Issues, newest first, one page at a time, as JSON or GeoJSON."""
    geojson = wants_geojson(request, format)
    total, rows = repository.list_issues(conn, where, page_size, (page - 1) * page_size)
    items = [issue_out(r, request) for r in rows]
    if geojson:
        body = {
            "type": "FeatureCollection",
            "numberMatched": total,
            "numberReturned": len(items),
            "page": page,
            "page_size": page_size,
            "features": [feature(i) for i in items],
        }
        return JSONResponse(jsonable_encoder(body), media_type=GEOJSON)
    return {"total": total, "page": page, "page_size": page_size, "items": items}


def step_out(event: dict) -> dict:
    return beijing({
        "status": event["to_status"],
        "label": repository.STATUS_LABELS[event["to_status"]],
        "action": event["action"],
        "action_label": flow.ACTION_LABELS.get(event["action"], event["action"]),
        "at": event["at"],
        "actor": event["actor"],
        "role": event["role"],
        "role_label": ROLE_LABELS.get(event["role"]) if event["role"] else None,
        "unit_id": event["unit_id"],
        "unit_name": event["unit_name"],
        "department": event["department"],
        "note": event["note"],
        "reason": event["reason"],
        "data": event["data"],
        "rework": event["action"] == "rework",
    })


def detail(conn, request: Request, issue_id: Int32, user: User | None = None) -> dict:
    """One case: the issue, its timeline, stages and deadline, photos, and the actions `user`
    may take now."""
    issue = repository.get_issue(conn, issue_id)
    reported = {
        "status": "reported",
        "label": "上报",
        "action": "report",
        "action_label": "上报",
        "at": beijing(issue["reported_at"]),
        "actor": issue["reporter"] or issue["source"],
        "role": None,
        "role_label": None,
        "unit_id": None,
        "unit_name": None,
        "department": None,
        "note": None,
        "reason": None,
        "data": None,
        "rework": False,
    }
    steps = [reported] + [step_out(e) for e in repository.list_events(conn, issue_id)]
    photos = [
        {**beijing(p), "url": str(request.url_for("get_photo", issue_id=issue_id, photo_id=p["id"]))}
        for p in repository.list_photos(conn, issue_id)
    ]
    return {
        **issue_out(issue, request),
        "steps": steps,
        "timeline": steps,
        "rework_count": sum(s["action"] == "rework" for s in steps),
        "return_count": sum(s["action"] == "return" for s in steps),
        "stages": beijing(repository.case_stages(conn, issue_id)),
        "time_left_work_hours": repository.working_hours_left(conn, issue["due_at"])
        if issue["overdue"] is not None and issue["status"] not in flow.FINAL_STATUSES else None,
        "photos": photos,
        "actions": workflow.available_actions(conn, issue_id, user),
    }


@router.get("/issues/{issue_id}", name="get_issue")
def get_issue(conn: Conn, request: Request, issue_id: Int32, user: OptionalUser) -> dict:
    """One case: its timeline (who, role, unit, when in Beijing time), stages with their deadlines,
    due_at, working hours left, overdue, photos, and `actions`: what the signed-in user may do now."""
    return detail(conn, request, issue_id, user)


class StepIn(BaseModel):
    status: str = Field(
        description="The status to move to: dispatched, handled, verified or closed"
    )
    actor: str | None = Field(
        None, description="Optional: the step is recorded under the signed-in user; if given, it "
                          "must be that user's username or display name")
    department: str | None = Field(None, description="Required for a dispatch (派遣)")
    note: str | None = None
    at: str | None = Field(None, description="When (default now); within 5 minutes of now, "
                                             "not before the last step")


@router.post("/issues/{issue_id}/events", status_code=201)
def add_step(conn: Conn, request: Request, issue_id: Int32, step: StepIn, user: OptionalUser) -> dict:
    """The old form of a step (a status to move to), mapped onto the action that leads there;
    as the signed-in user, within their jurisdiction (403 outside it); 409 from a wrong stage."""
    event = workflow.advance(
        conn,
        issue_id,
        workflow.Step(
            to_status=step.status,
            claimed_actor=step.actor,
            department=step.department,
            note=step.note,
            at=parse_instant(step.at, "at") if step.at else None,
        ),
        require_writer(user),
    )
    return {"event": beijing(event), "issue": detail(conn, request, issue_id, user)}


class ActionIn(BaseModel):
    action: str = Field(description="file, reject, file_and_dispatch, dispatch, accept_task, "
                                    "feedback, verify, rework, close, evaluate, request_extension, "
                                    "approve_extension, refuse_extension, return, hold, resume")
    note: str | None = None
    reason: str | None = Field(None, description="reject: duplicate | outside | not_ours | invalid; "
                                                 "return, hold, request_extension: the reason")
    unit_id: Int32 | None = Field(None, description="dispatch: the unit (GET /api/units)")
    duplicate_of: int | None = Field(None, ge=1, le=2**63 - 1,
                                     description="reject as duplicate: the case it repeats")
    due_at: str | None = Field(None, description="request_extension: the new deadline")
    amount: float | None = Field(None, gt=0, le=1000, description="request_extension: or this many ...")
    amount_unit: str | None = Field(None, description="... work_hour or work_day")
    evaluation: str | int | None = Field(None, description="evaluate: 1-5, 满意, 基本满意 or 不满意")
    force: bool = Field(False, description="file: although likely duplicates exist")
    at: str | None = None
    actor: str | None = None


@router.post("/issues/{issue_id}/actions", status_code=201)
def take_action(conn: Conn, request: Request, issue_id: Int32, body: ActionIn,
                user: OptionalUser) -> dict:
    """Take one action of the case flow as the signed-in user: 403 for a role or a place the user
    may not act for, 409 at the wrong stage (with the allowed next actions), 422 for bad input."""
    event = workflow.apply_action(conn, issue_id, workflow.Action(
        action=body.action.strip(), note=body.note, reason=body.reason, unit_id=body.unit_id,
        duplicate_of=body.duplicate_of,
        due_at=parse_instant(body.due_at, "due_at") if body.due_at else None,
        amount=body.amount, amount_unit=body.amount_unit, evaluation=body.evaluation,
        force=body.force, at=parse_instant(body.at, "at") if body.at else None,
        claimed_actor=body.actor,
    ), user, request.app.state.settings.duplicate_radius_m)
    return {"event": beijing(event), "issue": detail(conn, request, issue_id, user)}


@router.get("/issues/{issue_id}/duplicates")
def duplicates(conn: Conn, request: Request, issue_id: Int32) -> dict:
    """Open cases of the same category within the duplicate radius, nearest first (at 立案)."""
    radius = request.app.state.settings.duplicate_radius_m
    found = workflow.duplicate_candidates(conn, issue_id, radius)
    return {"radius_m": radius, "items": beijing(found)}


@router.post("/issues/{issue_id}/confirm")
def confirm_issue(conn: Conn, request: Request, issue_id: int, user: OptionalUser) -> dict:
    """Accept an anonymous report (Open311) as a case (受理); the first step does the same."""
    workflow.confirm(conn, issue_id, user)
    return detail(conn, request, issue_id, user)


@router.post("/issues/{issue_id}/photos", status_code=201)
def add_photos(
    conn: Conn, request: Request, issue_id: Int32, photos: Annotated[list[UploadFile], File()],
    user: OptionalUser,
    stage: Annotated[str, Form(description="before (处置前) or after (处置后, the feedback)")] = "after",
) -> dict:
    """Add photos to an issue: the handler's feedback photos (反馈, stage after) or more photos of
    the problem (stage before)."""
    require_writer(user)
    settings = request.app.state.settings
    photo_store.check_stage(stage)
    checked = photo_store.check_photos(read_uploads(photos), settings.upload_max_bytes)
    repository.get_issue(conn, issue_id)
    written = photo_store.store_photos(conn, settings.photo_dir, issue_id, checked, stage)
    try:
        return detail(conn, request, issue_id, user)
    except Exception:
        photo_store.remove_files(written)
        raise


@router.get("/issues/{issue_id}/photos/{photo_id}", name="get_photo")
def get_photo(conn: Conn, request: Request, issue_id: Int32, photo_id: Int32) -> FileResponse:
    path, content_type = photo_store.photo_file(
        conn, request.app.state.settings.photo_dir, issue_id, photo_id
    )
    return FileResponse(path, media_type=content_type)


@router.post("/issues/import")
def import_issue_file(
    conn: Conn,
    request: Request,
    user: OptionalUser,
    file: Annotated[UploadFile, File(description="CSV (lon/lat or wkt), XLSX or GeoJSON")],
    skip_bad: Annotated[bool, Form(description="Import the good rows, report the bad")] = False,
    source: Annotated[str, Form()] = "import",
) -> dict:
    """The bulk import over HTTP: all or nothing (422 listing the rejected rows) unless skip_bad."""
    require_district_admin(user)
    settings = request.app.state.settings
    data = file.file.read(settings.upload_max_bytes + 1)
    if len(data) > settings.upload_max_bytes:
        raise too_large(settings.upload_max_bytes)
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / (Path(file.filename or "upload").name or "upload")
        path.write_bytes(data)
        result = import_issues(conn, path, settings.snap_distance_m, skip_bad=skip_bad,
                               source=source.strip() or "import")
    return {"rows": result.rows, "inserted": result.inserted, "snapped": result.snapped,
            "unsnapped": result.unsnapped,
            "rejects": [{"row": r.row, "reason": r.reason} for r in result.rejects]}
