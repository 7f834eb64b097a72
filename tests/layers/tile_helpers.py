"""Tile arithmetic and decoding for the tile tests (Web Mercator XYZ, as MapLibre asks)."""

import math

import mapbox_vector_tile
from sqlalchemy import text

WORLD_M = 40075016.685578488
HALF = WORLD_M / 2


def tile_of(lon: float, lat: float, z: int) -> tuple[int, int]:
    n = 2 ** z
    x = int((lon + 180.0) / 360.0 * n)
    y = int((1.0 - math.asinh(math.tan(math.radians(lat))) / math.pi) / 2.0 * n)
    return x, y


def tile_bounds_m(z: int, x: int, y: int) -> tuple[float, float, float, float]:
    size = WORLD_M / 2 ** z
    return (-HALF + x * size, HALF - (y + 1) * size, -HALF + (x + 1) * size, HALF - y * size)


def to_tile_px(mx: float, my: float, z: int, x: int, y: int,
               extent: int = 4096) -> tuple[float, float]:
    """Metres in EPSG:3857 -> tile coordinates (origin top left, y down)."""
    xmin, _, xmax, ymax = tile_bounds_m(z, x, y)
    size = xmax - xmin
    return (mx - xmin) / size * extent, (ymax - my) / size * extent


def tiles_covering(bounds: tuple[float, float, float, float], z: int) -> list[tuple[int, int, int]]:
    west, south, east, north = bounds
    x0, y0 = tile_of(west, north, z)
    x1, y1 = tile_of(east, south, z)
    return [(z, x, y) for x in range(x0, x1 + 1) for y in range(y0, y1 + 1)]


def district_bounds(conn) -> tuple[float, float, float, float]:
    row = conn.execute(text(
        "SELECT ST_XMin(e), ST_YMin(e), ST_XMax(e), ST_YMax(e) "
        "FROM (SELECT ST_Extent(geom) AS e FROM sub_district) AS x")).one()
    return tuple(row)


def decode(content: bytes, layer: str) -> list[dict]:
    """The features of `layer`, in raw tile coordinates (y down)."""
    if not content:
        return []
    tile = mapbox_vector_tile.decode(content, default_options={"y_coord_down": True})
    return tile.get(layer, {}).get("features", [])


def get_features(client, layer: str, z: int, x: int, y: int, query: str = "") -> list[dict]:
    response = client.get(f"/tiles/{layer}/{z}/{x}/{y}.mvt{query}")
    assert response.status_code == 200, response.text
    return decode(response.content, layer)
