"""Chiefs: search (eligible for a segment and tier), create, edit."""

from fastapi import APIRouter
from pydantic import BaseModel

from gis_service.auth import OptionalUser, without_phones
from gis_service.db import Conn
from gis_service.params import Int32
from roads import chiefs

router = APIRouter(prefix="/api/chiefs", tags=["chiefs"])


class ChiefCreate(BaseModel):
    name: str
    phone: str | None = None
    organisation: str | None = None
    position: str | None = None
    is_party_member: bool = False
    sub_district_id: Int32 | None = None
    community_id: Int32 | None = None


class ChiefPatch(BaseModel):
    name: str | None = None
    phone: str | None = None
    organisation: str | None = None
    position: str | None = None
    is_party_member: bool | None = None
    sub_district_id: Int32 | None = None
    community_id: Int32 | None = None
    active: bool | None = None


@router.get("")
def list_chiefs(conn: Conn, user: OptionalUser, q: str | None = None, segment_id: Int32 | None = None,
                tier: Int32 | None = None,
                community: Int32 | None = None, sub_district: Int32 | None = None,
                active: bool | None = None, limit: Int32 = 50) -> list[dict]:
    """Anonymous users see no phone numbers and cannot search by one."""
    found = chiefs.list_chiefs(conn, q, segment_id, tier, community, sub_district, active, limit,
                               search_phone=user is not None)
    return without_phones(found, user)


@router.get("/{chief_id}")
def get_chief(chief_id: Int32, conn: Conn, user: OptionalUser) -> dict:
    return without_phones([chiefs.list_chiefs_by_id(conn, chief_id)], user)[0]


@router.post("", status_code=201)
def create_chief(body: ChiefCreate, conn: Conn, user: OptionalUser) -> dict:
    return chiefs.create_chief(conn, user, body.model_dump())


@router.patch("/{chief_id}")
def update_chief(chief_id: Int32, body: ChiefPatch, conn: Conn, user: OptionalUser) -> dict:
    return chiefs.update_chief(conn, user, chief_id, body.model_dump(exclude_unset=True))
