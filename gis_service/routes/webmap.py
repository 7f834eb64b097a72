"""The web map at `/`: static files from gis_service/static (OpenLayers vendored, no CDN) and its config."""

from pathlib import Path

from fastapi import APIRouter, Request
from fastapi.responses import FileResponse

from gis_service.db import Conn
from roads.coverage import PARTY_TARGET
from roads.district import area_labels, district_extent, get_district
from roads.users import ROLE_LABELS

STATIC_DIR = Path(__file__).resolve().parents[1] / "static"
router = APIRouter(tags=["web map"])


@router.get("/", include_in_schema=False)
def index() -> FileResponse:
    return FileResponse(STATIC_DIR / "index.html", headers={"Cache-Control": "no-cache"})


@router.get("/ledger.html", include_in_schema=False)
def ledger() -> FileResponse:
    """The 台账 page: the filtered ledger list, its map and each case (ledger.html#/issues/123)."""
    return FileResponse(STATIC_DIR / "ledger.html", headers={"Cache-Control": "no-cache"})


@router.get("/api/webmap/config")
def config(request: Request, conn: Conn) -> dict:
    """What the page needs at start: the district's extent, the optional basemap, labels."""
    settings = request.app.state.settings
    extent = district_extent(conn)
    return {
        # name, short_name, code, timezone, epsg: the page's title and the zone its times are in
        "district": get_district(conn).as_dict(),
        # One label point per area: tiles would repeat a polygon's label in every tile it crosses.
        "labels": area_labels(conn),
        "extent": None if extent is None else list(extent),
        "basemap_url": settings.basemap_url,
        "chief_length_limit_m": settings.chief_length_limit_m,
        "party_target": PARTY_TARGET,
        "roles": ROLE_LABELS,
    }
