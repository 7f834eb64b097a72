"""MapLibre styles for the map's views, pointing at this server's TileJSON; empty glyph ranges."""

from fastapi import APIRouter, Request, Response

from gis_service.db import Conn
from gis_service.routes.layer_query import parse_layer_params, with_layer_query
from layers import style_docs
from layers.registry import TILE_LAYERS

router = APIRouter(tags=["tiles"])


@router.get("/styles", summary="The MapLibre styles")
def list_styles(request: Request) -> dict:
    return {"styles": [{"name": name, "url": str(request.url_for("get_style", name=name))}
                       for name in style_docs.style_names()]}


@router.get("/styles/{name}.json", summary="A MapLibre style document")
def get_style(name: str, request: Request, conn: Conn) -> dict:
    """Query parameters (the density window) are checked and passed on to the layers taking them."""
    for layer in style_docs.source_layers(name):
        parse_layer_params(conn, TILE_LAYERS[layer], request.query_params)

    def tilejson_url(layer: str) -> str:
        url = str(request.url_for("get_tilejson", layer=layer))
        return with_layer_query(url, TILE_LAYERS[layer], request.query_params)

    glyphs = str(request.url_for("get_glyphs", fontstack="F", range="R")).removesuffix("/F/R.pbf")
    return style_docs.build_style(name, tilejson_url, glyphs)


@router.get("/styles/glyphs/{fontstack}/{range}.pbf", summary="Glyphs (none: CJK is drawn locally)")
def get_glyphs(fontstack: str, range: str) -> Response:
    """An empty glyph set: MapLibre draws Chinese labels with the browser's own fonts
    (localIdeographFontFamily) and only asks here for other characters, which the labels avoid."""
    return Response(b"", media_type="application/x-protobuf",
                    headers={"Cache-Control": "public, max-age=86400"})
