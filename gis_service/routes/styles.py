"""MapLibre styles for the map's views, pointing at this server's TileJSON, and their glyphs."""

from functools import lru_cache

from fastapi import APIRouter, Request, Response
from starlette.datastructures import QueryParams

from gis_service.db import Conn
from gis_service.routes.layer_query import parse_layer_params, with_layer_query
from layers import glyphs, style_docs
from layers.registry import TILE_LAYERS
from roads.district import district_extent

WINDOW_NAMES = ("from", "to", "week")

router = APIRouter(tags=["tiles"])


@router.get("/styles", summary="The MapLibre styles")
def list_styles(request: Request) -> dict:
    return {"styles": [{"name": name, "url": str(request.url_for("get_style", name=name))}
                       for name in style_docs.style_names()]}


@router.get("/styles/{name}.json", summary="A MapLibre style document")
def get_style(name: str, request: Request, conn: Conn) -> dict:
    """Query parameters (the density window) are checked and passed on to the layers taking them."""
    query = request.query_params
    parsed = [parse_layer_params(conn, TILE_LAYERS[layer], query)
              for layer in style_docs.source_layers(name)]
    query = with_default_window(query, parsed)

    def tilejson_url(layer: str) -> str:
        url = str(request.url_for("get_tilejson", layer=layer))
        return with_layer_query(url, TILE_LAYERS[layer], query)

    glyphs = str(request.url_for("get_glyphs", fontstack="F", range="R")).removesuffix("/F/R.pbf")
    return style_docs.build_style(name, tilejson_url, glyphs, district_extent(conn))


def with_default_window(query: QueryParams, parsed: list[dict]) -> QueryParams:
    """Without from/to/week, the window a source chose by default (density's last 30 days) is
    written out, so every source of the style (the issue points too) shows the same period."""
    if any(name in query for name in WINDOW_NAMES):
        return query
    windows = [p for p in parsed if p.get("from_ts") is not None]
    if not windows:
        return query
    items = list(query.multi_items()) + [("from", windows[0]["from_ts"].isoformat()),
                                         ("to", windows[0]["to_ts"].isoformat())]
    return QueryParams(items)


@router.get("/styles/glyphs/{fontstack}/{range}.pbf", summary="Glyphs: signed distance fields")
def get_glyphs(fontstack: str, range: str, request: Request) -> Response:
    """The glyphs of code points range (e.g. 0-255, 38400-38655) for MapLibre labels, from the
    installed CJK font whatever the fontstack; built on first request, then read from disk."""
    start = glyphs.parse_range(range)
    data = glyphs.glyph_range(installed_font(), start, request.app.state.settings.glyph_cache_dir)
    return Response(data, media_type="application/x-protobuf",
                    headers={"Cache-Control": "public, max-age=86400"})


@lru_cache(maxsize=1)
def installed_font() -> glyphs.Font:
    return glyphs.find_font()
