"""OGC API - Features (Part 1 core, GeoJSON) at /ogc, so QGIS and GDAL/OGR can add our layers."""

from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.responses import JSONResponse

from gis_service.db import Conn
from gis_service.errors import NotFound, RoadchiefError
from gis_service.params import Int32
from roads.gisio import ogc
from roads.gisio.catalog import LAYERS, Layer

router = APIRouter(prefix="/ogc", tags=["OGC API - Features"])


def base_url(request: Request) -> str:
    return str(request.base_url).rstrip("/")


def layer_or_404(collection_id: str) -> Layer:
    if collection_id not in LAYERS:
        raise NotFound(f"no collection {collection_id!r}; one of {', '.join(LAYERS)}")
    return LAYERS[collection_id]


def geojson(body: dict) -> JSONResponse:
    return JSONResponse(body, media_type=ogc.GEOJSON)


@router.get("")
def landing(request: Request) -> dict:
    return ogc.landing(base_url(request))


@router.get("/conformance")
def conformance() -> dict:
    return ogc.conformance()


@router.get("/collections")
def collections(request: Request, conn: Conn) -> dict:
    return ogc.collections(conn, base_url(request))


@router.get("/collections/{collection_id}")
def collection(collection_id: str, request: Request, conn: Conn) -> dict:
    return ogc.collection(conn, base_url(request), layer_or_404(collection_id))


@router.get("/collections/{collection_id}/items")
def items(
    collection_id: str,
    request: Request,
    conn: Conn,
    limit: Annotated[Int32, Query(description="1 to 10,000 (more is served as 10,000)")] = 100,
    offset: Int32 = 0,
    bbox: Annotated[str | None, Query(description="minx,miny,maxx,maxy in CRS84")] = None,
    datetime: Annotated[
        str | None, Query(description="RFC 3339 instant or interval (issues)")
    ] = None,
) -> JSONResponse:
    layer = layer_or_404(collection_id)
    try:
        body = ogc.items(conn, base_url(request), layer, limit, offset, bbox, datetime)
    except ogc.BadQuery as exc:
        raise RoadchiefError(str(exc), 400) from exc
    return geojson(body)


@router.get("/collections/{collection_id}/items/{fid}")
def item(collection_id: str, fid: str, request: Request, conn: Conn) -> JSONResponse:
    layer = layer_or_404(collection_id)
    known = fid.isdigit() and len(fid) < 10
    feature = ogc.item(conn, base_url(request), layer, int(fid)) if known else None
    if feature is None:
        raise NotFound(f"no feature {fid} in {collection_id}")
    return geojson(feature)
