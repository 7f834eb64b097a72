"""Vector tiles for every tile layer in layers.registry: the list, TileJSON 3.0 and the MVT tiles.

Generic over the registry: nothing here names a layer.
"""

import threading
from collections.abc import Mapping
from dataclasses import dataclass

import anyio.to_thread
from fastapi import APIRouter, Request, Response
from sqlalchemy.exc import DBAPIError
from sqlalchemy.exc import TimeoutError as PoolTimeout

from gis_service.db import Conn, DatabaseUnavailable, LazyConn
from gis_service.routes.layer_query import parse_layer_params, with_layer_query
from layers import tiles
from layers.cache import CachedTile, TileCache, TileStore
from layers.registry import TILE_LAYERS, LayerDef
from roads.district import get_district

MVT_TYPE = "application/vnd.mapbox-vector-tile"
# Browsers keep the tile but ask again each time (If-None-Match), so a write shows at once.
CACHE_CONTROL = "public, no-cache"
IMMUTABLE = "public, max-age=31536000, immutable"

router = APIRouter(tags=["tiles"])
_cache_lock = threading.Lock()


def tile_cache(request: Request) -> TileCache | TileStore:
    """The workers' shared store (made at start-up), or this app's own cache made on first use."""
    state = request.app.state
    store = getattr(state, "tile_store", None)
    if store is not None:
        return store
    with _cache_lock:
        if getattr(state, "tile_cache", None) is None:
            state.tile_cache = TileCache(state.settings.tile_cache_size)
    return state.tile_cache


def tile_url(request: Request, layer: LayerDef, version: str | None) -> str:
    """The tiles URL template, carrying the layer's own query parameters along, and the current
    versions of its tables (`v`) when its tiles are cached."""
    url = str(request.url_for("get_tile", layer=layer.name, z=0, x=0, y=0))
    url = url.replace("/0/0/0.mvt", "/{z}/{x}/{y}.mvt")
    url = with_layer_query(url, layer, request.query_params)
    if version is None:
        return url
    return url + ("&" if "?" in url else "?") + "v=" + version


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
    district = get_district(conn)
    version = None
    if request.app.state.settings.tile_url_versions:
        version = tiles.layer_version(layer_def, current_versions(request, conn))
    return {
        "tilejson": "3.0.0",
        "name": layer_def.name,  # clients key on name and description: the district is attribution
        "description": layer_def.title,
        "attribution": f"{district.name} 路长制",
        "scheme": "xyz",
        "tiles": [tile_url(request, layer_def, version)],
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
async def get_tile(layer: str, z: int, x: int, y: int, request: Request, conn: LazyConn) -> Response:
    """A hit in this worker's memory is answered in the event loop (no thread, no database);
    otherwise a worker thread reads the shared files or renders the tile on a connection of the
    tile pool (one round trip). No file is touched in the event loop: each system call there
    gives the GIL away to the threads finishing their tiles, and the loop (every request's HTTP)
    waits to get it back (at cold start, 0.8 ms a request, more than the rest of its Python).
    Whatever else needs the database (parameters to check, counters to read) runs again, whole,
    in a worker thread."""
    if shared_versions_ready(request):
        try:
            found = find_tile(layer, z, x, y, request, NO_DATABASE, files=False)
        except NeedsDatabase:
            pass
        else:
            if isinstance(found, Response):
                return found
            return await anyio.to_thread.run_sync(file_or_render, found, request)
    return await anyio.to_thread.run_sync(serve_tile, layer, z, x, y, request, conn)


class NeedsDatabase(Exception):
    """Raised by NO_DATABASE: this request must go to a worker thread and the database."""


class NoDatabase:
    """Stands in for the connection while a tile is looked for in the caches."""

    def execute(self, *args, **kwargs):
        raise NeedsDatabase

    def __getattr__(self, name: str):
        raise NeedsDatabase


NO_DATABASE = NoDatabase()


def shared_versions_ready(request: Request) -> bool:
    state = request.app.state
    return getattr(state, "tile_versions", None) is not None and state.tile_listener.connected.is_set()


@dataclass
class Miss:
    """A tile to render: not in the caches under `key` (None: never cached)."""

    layer: LayerDef
    z: int
    x: int
    y: int
    params: dict
    key: tuple | None
    gzip_ok: bool
    headers: dict


def serve_tile(layer: str, z: int, x: int, y: int, request: Request, conn) -> Response:
    found = find_tile(layer, z, x, y, request, conn)
    if isinstance(found, Response):
        return found
    raw = tiles.render_tile(conn, found.layer, found.z, found.x, found.y, found.params)
    return miss_response(found, request, raw)


def file_or_render(miss: Miss, request: Request) -> Response:
    """The tile from the shared files, else rendered on the tile pool."""
    entry, source = request.app.state.tile_store.lookup_file(miss.key) if miss.key else (None, "")
    if entry is None:
        return render_miss(miss, request)
    return tile_response(entry, miss.gzip_ok, miss.headers | {"X-Tile-Cache": "hit",
                                                               "X-Tile-Store": source})


def render_miss(miss: Miss, request: Request) -> Response:
    """The miss rendered on the tile pool: no transaction, settings and query in one round trip."""
    engine = request.app.state.tile_engine
    args = (miss.layer, miss.z, miss.x, miss.y, miss.params)
    try:
        raw = render_on(engine, *args)
    except DBAPIError as exc:
        if not exc.connection_invalidated:
            raise
        raw = render_on(engine, *args)  # the server dropped the connection; the pool is renewed
    return miss_response(miss, request, raw)


def render_on(engine, *args) -> bytes:
    try:
        with engine.connect() as conn:
            return tiles.render_tile_autocommit(conn, *args)
    except PoolTimeout as exc:
        raise DatabaseUnavailable("the database is busy; try again in a moment",
                                  "数据库繁忙，请稍后重试") from exc


def find_tile(layer: str, z: int, x: int, y: int, request: Request, conn,
              files: bool = True) -> Response | Miss:
    """The response when the tile is cached (or the client has it: 304), else what to render.
    Not `files`: only this worker's memory is looked in."""
    layer_def = tiles.get_layer(layer)
    tiles.check_tile(z, x, y)
    params = parse_layer_params(conn, layer_def, request.query_params)
    # Counters first, tile second: a write landing in between makes the tile newer, never older.
    versions = current_versions(request, conn)
    key = tiles.tile_key(layer_def, z, x, y, params, versions)
    gzip_ok = accepts_gzip(request.headers.get("accept-encoding", ""))
    if key is None:  # a table without a change counter: always built, never cached
        return Miss(layer_def, z, x, y, params, None, gzip_ok,
                    {"Cache-Control": "no-store", "X-Tile-Cache": "bypass"})
    etag = tiles.etag_for(key)
    headers = {"ETag": etag, "Cache-Control": cache_control(request, layer_def, versions),
               "Vary": "Accept-Encoding"}
    if etag_matches(request.headers.get("if-none-match"), etag):
        return Response(status_code=304, headers=headers)
    cache = tile_cache(request)
    entry, source = cache.lookup(key) if files else cache.front.lookup(key)
    if entry is None:
        return Miss(layer_def, z, x, y, params, key, gzip_ok, headers | {"X-Tile-Cache": "miss"})
    # X-Tile-Store: "memory", this worker's; "shared", the workers' files
    return tile_response(entry, gzip_ok, headers | {"X-Tile-Cache": "hit", "X-Tile-Store": source})


def miss_response(miss: Miss, request: Request, raw: bytes) -> Response:
    if miss.key is None:
        return tile_response(CachedTile(raw), miss.gzip_ok, miss.headers)
    return tile_response(tile_cache(request).put(miss.key, raw), miss.gzip_ok, miss.headers)


def current_versions(request: Request, conn) -> Mapping[str, int]:
    """The shared counters (no round trip) while the listener is connected, else the database's."""
    if not shared_versions_ready(request):
        return tiles.table_versions(conn)
    return request.app.state.tile_versions.read()


def cache_control(request: Request, layer: LayerDef, versions: Mapping[str, int]) -> str:
    """A URL naming the current versions (`?v=`, from the TileJSON) never changes: a year, and
    nginx keeps it; any other (a plain URL, an old or a made-up `v`) is revalidated each time."""
    if request.query_params.get("v") == tiles.layer_version(layer, versions):
        return IMMUTABLE
    return CACHE_CONTROL


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
