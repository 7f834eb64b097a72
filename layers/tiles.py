"""Render a layer's tile from PostGIS, and what keys it: tile checks, change counters, ETags."""

from collections.abc import Mapping
from contextlib import ExitStack
from hashlib import sha1

from sqlalchemy import Connection, Engine, text
from sqlalchemy.dialects.postgresql import psycopg2 as pg_psycopg2
from sqlalchemy.exc import DBAPIError

from layers.registry import TILE_LAYERS, LayerDef
from layers.versions import table_versions  # noqa: F401 - the tile readers' one entry point
from roads.district import district_extent
from roads.errors import NotFound

EXTENT = 4096  # MVT coordinates per tile side
BUFFER = 64  # pixels of geometry kept beyond each tile edge, so lines and labels join up
MAX_ZOOM = 22
WORLD_M = 40075016.685578488  # Web Mercator's width in metres
WORLD_BOUNDS = (-180.0, -85.051129, 180.0, 85.051129)  # Web Mercator's, in EPSG:4326


class UnknownLayer(NotFound):
    """No layer by that name."""


class TileOutOfRange(NotFound):
    """z, x or y names no tile."""


def get_layer(name: str) -> LayerDef:
    try:
        return TILE_LAYERS[name]
    except KeyError:
        raise UnknownLayer(
            f"no layer {name!r}; layers: {', '.join(TILE_LAYERS)}",
            f"没有名为 {name} 的图层；可选：{'、'.join(TILE_LAYERS)}") from None


def check_tile(z: int, x: int, y: int) -> None:
    if not 0 <= z <= MAX_ZOOM:
        raise TileOutOfRange(f"zoom {z} is outside 0..{MAX_ZOOM}",
                             f"缩放级别 {z} 超出范围 0–{MAX_ZOOM}")
    last = 2 ** z - 1
    if not (0 <= x <= last and 0 <= y <= last):
        raise TileOutOfRange(f"tile {z}/{x}/{y} does not exist: at zoom {z}, x and y run 0..{last}",
                             f"瓦片 {z}/{x}/{y} 不存在：缩放级别 {z} 时 x、y 的范围为 0–{last}")


def bounds(conn: Connection) -> tuple[float, float, float, float]:
    """TileJSON bounds: the district's extent to 6 decimals, the whole world while it is empty."""
    extent = district_extent(conn)
    if extent is None:
        return WORLD_BOUNDS
    west, south, east, north = (round(v, 6) for v in extent)
    return west, south, east, north


def sql_params(layer: LayerDef, z: int, x: int, y: int, params: Mapping[str, object]) -> dict:
    """Everything a layer's SQL file binds: the tile, its resolution, its constants and params."""
    return {
        "z": z, "x": x, "y": y,
        "extent": EXTENT, "buffer": BUFFER, "margin": BUFFER / EXTENT,
        "tolerance": layer.simplify_px * WORLD_M / 2 ** z / EXTENT,
        **layer.constants,
        **params,
    }


def render_tile(conn: Connection, layer: LayerDef, z: int, x: int, y: int,
                params: Mapping[str, object]) -> bytes:
    """The tile as MVT bytes (empty when nothing is in it or the zoom is outside the layer's)."""
    if not layer.minzoom <= z <= layer.maxzoom:
        return b""
    apply_planner_settings(conn, layer.planner)
    data = conn.execute(text(layer.sql), sql_params(layer, z, x, y, params)).scalar()
    return bytes(data) if data else b""


def render_tile_autocommit(conn: Connection, layer: LayerDef, z: int, x: int, y: int,
                           params: Mapping[str, object]) -> bytes:
    """As render_tile, on an autocommit connection: the planner settings and the query in one
    round trip, with no BEGIN nor COMMIT (what a cold tile cost most besides the query itself)."""
    if not layer.minzoom <= z <= layer.maxzoom:
        return b""
    binds = sql_params(layer, z, x, y, params) | planner_binds(layer.planner)
    data = conn.exec_driver_sql(one_statement(layer), binds).scalar()
    return bytes(data) if data else b""


_statements: dict[str, str] = {}


def one_statement(layer: LayerDef) -> str:
    """The layer's planner settings, then its tile query, as one psycopg2 statement string.

    PostgreSQL runs a string of several statements as one implicit transaction, so on an
    autocommit connection the settings (set_config(..., true), i.e. SET LOCAL) hold for this
    query only. Compiled once a layer: the SQL files bind by name (:z), psycopg2 wants %(z)s."""
    statement = _statements.get(layer.fingerprint)
    if statement is None:
        query = str(text(layer.sql).compile(dialect=pg_psycopg2.dialect()))
        calls = ", ".join(f"set_config(%(planner_name{i})s, %(planner_value{i})s, true)"
                          for i in range(len(layer.planner)))
        statement = (f"SELECT {calls};\n" if calls else "") + query
        _statements[layer.fingerprint] = statement
    return statement


def planner_binds(settings: Mapping[str, str]) -> dict[str, str]:
    binds = {}
    for i, (name, value) in enumerate(settings.items()):
        binds |= {f"planner_name{i}": name, f"planner_value{i}": value}
    return binds


def warm_connections(engine: Engine, count: int) -> int:
    """Open `count` connections of `engine` at once and render on each every layer's top-left tile
    at its deepest zoom (empty: nowhere near a district), which loads into each backend what its
    first tile would (the catalogue, PostGIS, PROJ's transformations: some 30 ms of the
    database's CPU a connection). Returns the number of layers rendered on each."""
    rendered = 0
    with ExitStack() as stack:
        connections = [stack.enter_context(engine.connect()) for _ in range(count)]
        for layer in TILE_LAYERS.values():
            try:
                params = layer.parse_params(connections[0], {})
                for conn in connections:
                    render_tile_autocommit(conn, layer, layer.maxzoom, 0, 0, params)
            except DBAPIError:
                continue  # a layer whose parameters need more than the defaults: not warmed
            rendered += 1
    return rendered


def apply_planner_settings(conn: Connection, settings: Mapping[str, str]) -> None:
    """SET LOCAL (until the request's transaction ends) each setting, in one round trip."""
    if not settings:
        return
    calls = ", ".join(f"set_config(:name{i}, :value{i}, true)" for i in range(len(settings)))
    values = {}
    for i, (name, value) in enumerate(settings.items()):
        values |= {f"name{i}": name, f"value{i}": value}
    conn.execute(text("SELECT " + calls), values)


def tile_key(layer: LayerDef, z: int, x: int, y: int, params: Mapping[str, object],
             versions: Mapping[str, int]) -> tuple | None:
    """Names the tile's content: same key, same bytes. Counters first read, then the tile built.

    None when a table the layer reads has no change counter: such a tile is never cached."""
    if any(table not in versions for table in layer.tables):
        return None
    return (layer.name, layer.fingerprint, z, x, y, canonical(params),
            tuple(versions[table] for table in layer.tables))


def layer_version(layer: LayerDef, versions: Mapping[str, int]) -> str | None:
    """A name for the state of everything a layer's tiles show, for versioned tile URLs (`?v=`)."""
    if any(table not in versions for table in layer.tables):
        return None
    state = (layer.fingerprint, tuple(versions[table] for table in layer.tables))
    return sha1(repr(state).encode()).hexdigest()[:16]


def canonical(params: Mapping[str, object]) -> tuple:
    return tuple(sorted((name, repr(value)) for name, value in params.items()))


def etag_for(key: tuple) -> str:
    # Weak: the gzip and identity bodies differ in bytes but carry the same tile.
    return 'W/"' + sha1(repr(key).encode()).hexdigest()[:24] + '"'
