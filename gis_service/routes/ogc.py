"""OGC API - Features (Part 1 core, GeoJSON) at /ogc, so QGIS and GDAL/OGR can add our layers."""

from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.responses import JSONResponse

from gis_service.db import Conn
from gis_service.params import Int32
from layers import ogc
from layers.registry import FEATURE_LAYERS, LayerDef
from roads.district import get_district
from roads.errors import NotFound

router = APIRouter(prefix="/ogc", tags=["OGC API - Features"])


def base_url(request: Request) -> str:
    return str(request.base_url).rstrip("/")


def layer_or_404(collection_id: str) -> LayerDef:
    if collection_id not in FEATURE_LAYERS:
        raise NotFound(f"no collection {collection_id!r}; one of {', '.join(FEATURE_LAYERS)}",
                       f"没有名为 {collection_id} 的图层集合；可选：{'、'.join(FEATURE_LAYERS)}")
    return FEATURE_LAYERS[collection_id]


def geojson(body: dict) -> JSONResponse:
    return JSONResponse(body, media_type=ogc.GEOJSON)


@router.get("")
def landing(request: Request, conn: Conn) -> dict:
    return ogc.landing(base_url(request), get_district(conn).name)


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
    # `maximum` advertised, not enforced: GDAL pages by it, a larger limit is served as the maximum.
    limit: Annotated[Int32, Query(description="1 to 10,000 (more is served as 10,000)",
                                  json_schema_extra={"minimum": 1, "maximum": ogc.MAX_LIMIT})] = 100,
    offset: Int32 = 0,
    bbox: Annotated[str | None, Query(description="minx,miny,maxx,maxy in CRS84")] = None,
    datetime: Annotated[
        str | None, Query(description="RFC 3339 instant or interval (issues)")
    ] = None,
) -> JSONResponse:
    layer = layer_or_404(collection_id)
    return geojson(ogc.items(conn, base_url(request), layer, limit, offset, bbox, datetime))


@router.get("/collections/{collection_id}/items/{fid}")
def item(collection_id: str, fid: str, request: Request, conn: Conn) -> JSONResponse:
    layer = layer_or_404(collection_id)
    known = fid.isdigit() and len(fid) < 10
    feature = ogc.item(conn, base_url(request), layer, int(fid)) if known else None
    if feature is None:
        raise NotFound(f"no feature {fid} in {collection_id}",
                       f"{collection_id} 中没有编号为 {fid} 的要素")
    return geojson(feature)
