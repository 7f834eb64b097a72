"""Handling units (处置单位) and the dispatch suggestion for an issue."""

from typing import Literal

from fastapi import APIRouter
from pydantic import BaseModel, Field

from gis_service.auth import OptionalUser
from gis_service.db import Conn
from gis_service.params import Int32
from roads import units

router = APIRouter(prefix="/api", tags=["units"])
PERSONAL = ("contact", "phone", "webhook_url")


class UnitArea(BaseModel):
    sub_district_id: Int32 | None = None
    community_id: Int32 | None = None


class UnitCreate(BaseModel):
    kind: Literal["sub_district_office", "company", "department"]
    name: str = Field(max_length=200)
    contact: str | None = Field(None, max_length=200)
    phone: str | None = Field(None, max_length=50)
    webhook_url: str | None = Field(None, max_length=2000)
    webhook_kind: Literal["wecom", "dingtalk"] = "wecom"
    active: bool = True
    areas: list[UnitArea] = Field(default_factory=list, max_length=500)
    categories: list[str] = Field(default_factory=list, max_length=500)


class UnitPatch(BaseModel):
    kind: Literal["sub_district_office", "company", "department"] | None = None
    name: str | None = Field(None, max_length=200)
    contact: str | None = Field(None, max_length=200)
    phone: str | None = Field(None, max_length=50)
    webhook_url: str | None = Field(None, max_length=2000)
    webhook_kind: Literal["wecom", "dingtalk"] | None = None
    active: bool | None = None
    areas: list[UnitArea] | None = Field(None, max_length=500)
    categories: list[str] | None = Field(None, max_length=500)


def visible(unit: dict, user) -> dict:
    """Contacts, phones and group webhooks are for signed-in users only."""
    if user is not None:
        return unit
    return unit | {field: None for field in PERSONAL}


def split(body: BaseModel) -> tuple[dict, list[dict] | None, list[str] | None]:
    values = body.model_dump(exclude_unset=True)
    areas = values.pop("areas", None)
    categories = values.pop("categories", None)
    return values, areas, categories


@router.get("/units")
def list_units(conn: Conn, user: OptionalUser, kind: str | None = None,
               active: bool | None = None) -> list[dict]:
    return [visible(unit, user) for unit in units.list_units(conn, kind, active)]


@router.get("/units/{unit_id}")
def get_unit(unit_id: Int32, conn: Conn, user: OptionalUser) -> dict:
    return visible(units.get_unit(conn, unit_id), user)


@router.post("/units", status_code=201)
def create_unit(body: UnitCreate, conn: Conn, user: OptionalUser) -> dict:
    values, areas, categories = split(body)
    values = {"kind": body.kind, "name": body.name, **values}
    return units.create_unit(conn, user, values, areas or [], categories or [])


@router.patch("/units/{unit_id}")
def update_unit(unit_id: Int32, body: UnitPatch, conn: Conn, user: OptionalUser) -> dict:
    values, areas, categories = split(body)
    return units.update_unit(conn, user, unit_id, values, areas, categories)


@router.get("/issues/{issue_id}/dispatch-suggestions")
def dispatch_suggestions(issue_id: Int32, conn: Conn) -> list[dict]:
    """The units to dispatch the issue to, most specific first (the area, then the category)."""
    return units.suggest_units(conn, issue_id)
