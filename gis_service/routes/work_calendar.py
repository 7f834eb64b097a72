"""The work calendar (holidays, make-up working days, working hours) and deadlines over it."""

from datetime import date, datetime

from fastapi import APIRouter, Query
from pydantic import BaseModel, Field

from gis_service.auth import OptionalUser
from gis_service.db import Conn
from roads import work_calendar
from roads.issues.window import CHINA_TZ, parse_instant

router = APIRouter(prefix="/api", tags=["work calendar"])


class CalendarDay(BaseModel):
    is_workday: bool
    name: str = Field(max_length=100)


class WorkInterval(BaseModel):
    starts: str = Field(max_length=8, description="08:30")
    ends: str = Field(max_length=8, description="12:00")


@router.get("/work-calendar")
def get_calendar(conn: Conn, year: int | None = Query(None, ge=1, le=9999)) -> dict:
    """The exceptions of a year (default this year) to Monday-Friday working, and the working hours."""
    return work_calendar.list_calendar(conn, year or datetime.now(CHINA_TZ).year)


@router.put("/work-calendar/{day}")
def put_day(day: date, body: CalendarDay, conn: Conn, user: OptionalUser) -> dict:
    return work_calendar.set_day(conn, user, day, body.is_workday, body.name)


@router.delete("/work-calendar/{day}", status_code=204)
def delete_day(day: date, conn: Conn, user: OptionalUser) -> None:
    work_calendar.remove_day(conn, user, day)


@router.put("/work-hours")
def put_work_hours(body: list[WorkInterval], conn: Conn, user: OptionalUser) -> list[dict]:
    return work_calendar.set_work_hours(conn, user, [i.model_dump() for i in body[:20]])


@router.get("/deadline")
def get_deadline(conn: Conn, start: str = Query(..., alias="from", max_length=40),
                 amount: float = Query(..., ge=0, le=100_000),
                 unit: str = Query(..., max_length=20)) -> dict:
    """When `amount` `unit`s (work_hour, work_day, hour) from `from` run out."""
    moment = parse_instant(start, "from")
    return {"from": moment, "amount": amount, "unit": unit,
            "due_at": work_calendar.deadline(conn, moment, amount, unit)}
