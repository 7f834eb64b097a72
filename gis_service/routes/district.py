"""The district's name and settings: read by anyone, set by the district admin."""

from fastapi import APIRouter
from pydantic import BaseModel, Field

from gis_service.auth import OptionalUser
from gis_service.db import Conn
from roads.district import get_district, set_district
from roads.users import require_district_admin

router = APIRouter(prefix="/api", tags=["district"])


class DistrictIn(BaseModel):
    """Fields left out keep their value."""

    name: str | None = Field(None, description="full name shown in titles (郑州经开区)")
    short_name: str | None = Field(None, description="short name in exports and file names (经开区)")
    code: str | None = Field(None, description="administrative division code (410171)")
    timezone: str | None = Field(None, description="time zone of the times people read (Asia/Shanghai)")
    epsg: int | None = Field(None, description="projected CRS in metres (4547)")


@router.get("/district")
def read_district(conn: Conn) -> dict:
    return get_district(conn).as_dict()


@router.put("/district")
def write_district(body: DistrictIn, conn: Conn, user: OptionalUser) -> dict:
    """Set the district's fields given (district admin), e.g. after importing its boundaries."""
    require_district_admin(user)
    return set_district(conn, **body.model_dump()).as_dict()
