"""Penalties (处罚): POST records one, GET lists them (published with the rankings)."""

from datetime import date
from typing import Annotated

from fastapi import APIRouter, Query
from pydantic import BaseModel, Field

from gis_service.auth import OptionalUser
from gis_service.db import Conn
from gis_service.params import Int32
from roads import penalties

router = APIRouter(prefix="/api", tags=["penalties"])


class PenaltyIn(BaseModel):
    target_kind: str = Field(description="shop (商户), company (公司) or unit (处置单位)")
    target_name: str = Field(max_length=200)
    unit_id: Int32 | None = Field(None, description="the unit penalised (needed for kind unit)")
    amount_yuan: float = Field(description="yuan, 0 or more")
    reason: str = Field(max_length=2000)
    issue_id: int | None = Field(None, ge=1, le=2**63 - 1, description="the case the penalty arose from")
    penalty_date: date | None = Field(None, description="default today (Beijing)")


@router.post("/penalties", status_code=201)
def record_penalty(conn: Conn, body: PenaltyIn, user: OptionalUser) -> dict:
    """Record a penalty (operators, dispatchers, admins); bad input is 422 and writes nothing."""
    return penalties.record_penalty(conn, user, body.model_dump())


@router.get("/penalties")
def list_penalties(
    conn: Conn,
    from_: Annotated[date | None, Query(alias="from")] = None,
    to: Annotated[date | None, Query(description="exclusive")] = None,
    unit_id: Int32 | None = None,
) -> list[dict]:
    """Penalties dated in [from, to), newest first."""
    return penalties.list_penalties(conn, from_, to, unit_id)
