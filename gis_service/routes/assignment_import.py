"""POST /api/assignments/import: a CSV/XLSX sheet, dry run by default, applied all or nothing."""

from typing import Annotated

from fastapi import APIRouter, File, Form, Request, UploadFile

from gis_service.auth import OptionalUser
from gis_service.db import Conn
from gis_service.upload_guard import too_large
from roads.assign_import import apply_import, plan_import, read_sheet
from roads.users import require_writer

router = APIRouter(prefix="/api/assignments", tags=["segments"])


@router.post("/import")
def import_sheet(request: Request, conn: Conn, user: OptionalUser,
                 file: Annotated[UploadFile, File(description="CSV or XLSX")],
                 dry_run: Annotated[bool, Form()] = True) -> dict:
    require_writer(user)
    limit = request.app.state.settings.upload_max_bytes
    data = file.file.read(limit + 1)
    if len(data) > limit:
        raise too_large(limit)
    rows = read_sheet(data, file.filename or "upload.csv")
    if dry_run:
        return plan_import(conn, user, rows) | {"dry_run": True}
    return apply_import(conn, user, rows, request.app.state.settings.chief_length_limit_m) | {"dry_run": False}
