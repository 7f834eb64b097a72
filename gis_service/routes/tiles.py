"""Vector tiles for every tile layer in layers.registry: the list, TileJSON 3.0 and the MVT tiles.

Generic over the registry: nothing here names a layer.
"""

import threading

from fastapi import APIRouter, Request, Response

from gis_service.db import Conn
from gis_service.routes.layer_query import parse_layer_params, with_layer_query
from layers import tiles
from layers.cache import CachedTile, TileCache
from layers.registry import TILE_LAYERS, LayerDef

MVT_TYPE = "application/vnd.mapbox-vector-tile"
# Browsers keep the tile but ask again each time (If-None-Match), so a write shows at once.
CACHE_CONTROL = "public, no-cache"

router = APIRouter(tags=["tiles"])
_cache_lock = threading.Lock()


def tile_cache(request: Request) -> TileCache:
    """The app's tile cache, made on first use with settings.tile_cache_size entries."""
    state = request.app.state
    with _cache_lock:
        if getattr(state, "tile_cache", None) is None:
            state.tile_cache = TileCache(state.settings.tile_cache_size)
    return state.tile_cache


def tile_url(request: Request, layer: LayerDef) -> str:
    """The tiles URL template, carrying the layer's own query parameters along."""
    url = str(request.url_for("get_tile", layer=layer.name, z=0, x=0, y=0))
    url = url.replace("/0/0/0.mvt", "/{z}/{x}/{y}.mvt")
    return with_layer_query(url, layer, request.query_params)


@router.get("/tiles", summary="The vector tile layers")
def list_layers(request: Request) -> dict:
    return {"layers": [
        {"name": layer.name, "title": layer.title, "geometry": layer.geometry,
         "minzoom": layer.minzoom, "maxzoom": layer.maxzoom,
         "tilejson": str(request.url_for("get_tilejson", layer=layer.name)),
         "parameters": list(layer.param_names)}
        for layer in TILE_LAYERS.values()
    ]}


@router.get("/tiles/{layer}.json", summary="TileJSON 3.0 for one layer")
def get_tilejson(layer: str, request: Request, conn: Conn) -> dict:
    layer_def = tiles.get_layer(layer)
    parse_layer_params(conn, layer_def, request.query_params)  # 422 now rather than on every tile
    west, south, east, north = tiles.bounds(conn)
    return {
        "tilejson": "3.0.0",
        "name": layer_def.name,
        "description": layer_def.title,
        "scheme": "xyz",
        "tiles": [tile_url(request, layer_def)],
        "minzoom": layer_def.minzoom,
        "maxzoom": layer_def.maxzoom,
        "bounds": [west, south, east, north],
        "center": [round((west + east) / 2, 6), round((south + north) / 2, 6), 12],
        "vector_layers": [{
            "id": layer_def.name, "description": layer_def.title, "fields": layer_def.fields,
            "minzoom": layer_def.minzoom, "maxzoom": layer_def.maxzoom,
        }],
    }


@router.get("/tiles/{layer}/{z}/{x}/{y}.mvt", summary="One Mapbox Vector Tile",
            response_class=Response, responses={200: {"content": {MVT_TYPE: {}}}})
def get_tile(layer: str, z: int, x: int, y: int, request: Request, conn: Conn) -> Response:
    layer_def = tiles.get_layer(layer)
    tiles.check_tile(z, x, y)
    params = parse_layer_params(conn, layer_def, request.query_params)
    # Counters first, tile second: a write landing in between makes the tile newer, never older.
    key = tiles.tile_key(layer_def, z, x, y, params, tiles.table_versions(conn))
    if key is None:  # a table without a change counter: always built, never cached
        entry = CachedTile(tiles.render_tile(conn, layer_def, z, x, y, params))
        return tile_response(entry, accepts_gzip(request.headers.get("accept-encoding", "")),
                             {"Cache-Control": "no-store", "X-Tile-Cache": "bypass"})
    etag = tiles.etag_for(key)
    headers = {"ETag": etag, "Cache-Control": CACHE_CONTROL, "Vary": "Accept-Encoding"}
    if etag_matches(request.headers.get("if-none-match"), etag):
        return Response(status_code=304, headers=headers)
    cache = tile_cache(request)
    entry = cache.get(key)
    headers["X-Tile-Cache"] = "miss" if entry is None else "hit"
    if entry is None:
        entry = cache.put(key, tiles.render_tile(conn, layer_def, z, x, y, params))
    return tile_response(entry, accepts_gzip(request.headers.get("accept-encoding", "")), headers)


def tile_response(entry: CachedTile, gzip_ok: bool, headers: dict) -> Response:
    if gzip_ok and entry.raw:
        return Response(entry.gzipped, media_type=MVT_TYPE,
                        headers={**headers, "Content-Encoding": "gzip"})
    return Response(entry.raw, media_type=MVT_TYPE, headers=headers)


def etag_matches(header: str | None, etag: str) -> bool:
    if not header:
        return False
    opaque = etag.removeprefix("W/")
    return any(tag.strip() == "*" or tag.strip().removeprefix("W/") == opaque
               for tag in header.split(","))


def accepts_gzip(header: str) -> bool:
    for part in header.lower().split(","):
        coding, _, quality = part.strip().partition(";")
        if coding.strip() in ("gzip", "*"):
            return quality.replace(" ", "") not in ("q=0", "q=0.0", "q=0.00", "q=0.000")
    return False
