"""The web map at `/`: static files from gis_service/static (OpenLayers vendored, no CDN) and its config."""

from pathlib import Path

from fastapi import APIRouter, Request
from fastapi.responses import FileResponse
from sqlalchemy import text

from gis_service.db import Conn
from roads.coverage import PARTY_TARGET
from roads.users import ROLE_LABELS

STATIC_DIR = Path(__file__).resolve().parents[1] / "static"
router = APIRouter(tags=["web map"])


@router.get("/", include_in_schema=False)
def index() -> FileResponse:
    return FileResponse(STATIC_DIR / "index.html", headers={"Cache-Control": "no-cache"})


@router.get("/api/webmap/config")
def config(request: Request, conn: Conn) -> dict:
    """What the page needs at start: the district's extent, the optional basemap, labels."""
    extent = conn.execute(text("""
        SELECT ST_XMin(e), ST_YMin(e), ST_XMax(e), ST_YMax(e)
        FROM (SELECT ST_Extent(geom) AS e FROM sub_district) AS x
    """)).one()
    settings = request.app.state.settings
    # One label point per area: tiles would repeat a polygon's label in every tile it crosses.
    labels = conn.execute(text("""
        SELECT 'sub_district' AS kind, name, ST_X(p) AS lon, ST_Y(p) AS lat
        FROM (SELECT name, ST_PointOnSurface(geom) AS p FROM sub_district) AS s
        UNION ALL
        SELECT 'community', name, ST_X(p), ST_Y(p)
        FROM (SELECT name, ST_PointOnSurface(geom) AS p FROM community) AS c
    """)).mappings().all()
    return {
        "labels": [dict(label) for label in labels],
        "extent": None if extent[0] is None else list(extent),
        "basemap_url": settings.basemap_url,
        "chief_length_limit_m": settings.chief_length_limit_m,
        "party_target": PARTY_TARGET,
        "roles": ROLE_LABELS,
    }
