"""The reports that write themselves: GET /api/reports lists them, /api/reports/{id}/pdf and /xlsx
download them (open like the other exports), POST /api/reports writes one now (district admin,
leader)."""

from datetime import date, datetime
from datetime import date as Day  # the body's field is called `date`
from typing import Annotated, Literal

from fastapi import APIRouter, Query, Request
from fastapi import Path as PathParam
from fastapi.responses import StreamingResponse
from pydantic import BaseModel, Field

from gis_service.auth import OptionalUser
from gis_service.db import Conn
from gis_service.routes.exports import stream
from maps.period_report import write_report
from roads.district import get_district
from roads.errors import NotFound
from roads.reports import store
from roads.reports.access import require_report_writer
from roads.reports.periods import KINDS, asked_period

router = APIRouter(prefix="/api", tags=["reports"])


def links(row: dict) -> dict:
    return row | {"pdf_url": f"/api/reports/{row['id']}/pdf", "xlsx_url": f"/api/reports/{row['id']}/xlsx"}


@router.get("/reports")
def list_reports(
    conn: Conn,
    kind: Annotated[str | None, Query(description="daily, weekly or dekad")] = None,
    from_: Annotated[date | None, Query(alias="from", description="periods ending after this day")] = None,
    to: Annotated[date | None, Query(description="periods starting before this day (exclusive)")] = None,
) -> dict:
    """The reports written, newest period first (at most 100)."""
    rows = store.list_reports(conn, kind, from_, to)
    return {"kinds": KINDS, "reports": [links(row) for row in rows]}


class ReportIn(BaseModel):
    kind: Literal["daily", "weekly", "dekad"]
    date: Day | None = Field(None, description="a day of the period; default: the last complete one")


@router.post("/reports", status_code=201)
def post_report(conn: Conn, body: ReportIn, user: OptionalUser, request: Request) -> dict:
    """Write (or write again) the report of the period containing `date`; a period that has not
    ended is 422."""
    writer = require_report_writer(user)
    today = datetime.now(get_district(conn).zone).date()
    period = asked_period(body.kind, body.date, today)
    settings = request.app.state.settings
    row, _wrote = write_report(conn, period, settings.report_dir, writer.username, settings.photo_dir, again=True)
    return links(row)


@router.get("/reports/{report_id}/{fmt}")
def download_report(conn: Conn, report_id: Annotated[int, PathParam(ge=1, le=2**63 - 1)], fmt: str,
                    request: Request) -> StreamingResponse:
    """The report's PDF or workbook as written."""
    if fmt not in ("pdf", "xlsx"):
        raise NotFound(f"no report format {fmt!r}; use pdf or xlsx", f"不支持 {fmt} 格式的报告，可选 pdf 或 xlsx")
    row = store.get_report(conn, report_id)
    path = store.report_file(request.app.state.settings.report_dir, row, fmt)
    stem = f"{row['kind']}-{row['period_start']:%Y%m%d}"
    chinese = f"{get_district(conn).short_name}路长制{row['kind_label']}-{row['period_start']:%Y%m%d}"
    return stream(path.read_bytes(), fmt, stem, chinese)
