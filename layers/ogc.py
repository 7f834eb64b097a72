"""OGC API - Features Part 1 (core, GeoJSON) over the catalogue's feature layers, framework-free.

Every function takes the service's base URL so links are absolute, as the standard wants.
"""

import json
from datetime import datetime
from urllib.parse import urlencode

from sqlalchemy import Connection, text

from layers.registry import FEATURE_LAYERS, LayerDef
from roads.errors import BadRequest

CONFORMANCE = [
    "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/core",
    "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/geojson",
    "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/oas30",
]
CRS84 = "http://www.opengis.net/def/crs/OGC/1.3/CRS84"
GEOJSON = "application/geo+json"
MAX_LIMIT = 10_000


class BadQuery(BadRequest):
    """An invalid query parameter (OGC API answers 400)."""


def landing(base: str) -> dict:
    return {
        "title": "roadchief 路长制 GIS",
        "description": "道路分段、三级路长、问题台账等图层 (OGC API - Features)",
        "links": [
            {"href": f"{base}/ogc", "rel": "self", "type": "application/json", "title": "本页"},
            {
                "href": f"{base}/openapi.json",
                "rel": "service-desc",
                "type": "application/vnd.oai.openapi+json;version=3.0",
                "title": "OpenAPI",
            },
            {
                "href": f"{base}/docs",
                "rel": "service-doc",
                "type": "text/html",
                "title": "API 文档",
            },
            {"href": f"{base}/ogc/conformance", "rel": "conformance", "type": "application/json"},
            {"href": f"{base}/ogc/collections", "rel": "data", "type": "application/json"},
        ],
    }


def conformance() -> dict:
    return {"conformsTo": CONFORMANCE}


def collection(conn: Connection, base: str, layer: LayerDef) -> dict:
    url = f"{base}/ogc/collections/{layer.name}"
    extent = conn.execute(
        text(
            f"SELECT ST_XMin(e), ST_YMin(e), ST_XMax(e), ST_YMax(e) FROM (SELECT ST_Extent(t.geom) AS e "
            f"FROM ({layer.features_sql}) AS t) AS x"
        )
    ).one()
    body = {
        "id": layer.name,
        "title": layer.collection_title,
        "itemType": "feature",
        "crs": [CRS84],
        "links": [
            {"href": url, "rel": "self", "type": "application/json"},
            {"href": f"{url}/items", "rel": "items", "type": GEOJSON, "title": layer.collection_title},
        ],
    }
    if layer.tiles:
        body["links"].append({
            "href": f"{base}/tiles/{layer.name}.json",
            "rel": "tiles",
            "type": "application/json",
            "title": "矢量瓦片 (TileJSON)",
        })
    if extent[0] is not None:
        body["extent"] = {"spatial": {"bbox": [list(extent)], "crs": CRS84}}
    if layer.datetime_column:
        first, last = conn.execute(
            text(
                f"SELECT min(t.{layer.datetime_column}), max(t.{layer.datetime_column}) "
                f"FROM ({layer.features_sql}) AS t"
            )
        ).one()
        body.setdefault("extent", {})["temporal"] = {
            "interval": [
                [first.isoformat() if first else None, last.isoformat() if last else None]
            ],
            "trs": "http://www.opengis.net/def/uom/ISO-8601/0/Gregorian",
        }
    return body


def collections(conn: Connection, base: str) -> dict:
    return {
        "links": [{"href": f"{base}/ogc/collections", "rel": "self", "type": "application/json"}],
        "collections": [collection(conn, base, layer) for layer in FEATURE_LAYERS.values()],
    }


def parse_bbox(value: str | None) -> list[float] | None:
    if value is None:
        return None
    try:
        numbers = [float(v) for v in value.split(",")]
    except ValueError as exc:
        raise BadQuery(f"bbox must be four numbers minx,miny,maxx,maxy, not {value!r}",
                       f"bbox 须为四个数字 minx,miny,maxx,maxy，而不是 {value!r}") from exc
    if len(numbers) == 6:
        numbers = [numbers[0], numbers[1], numbers[3], numbers[4]]
    if len(numbers) != 4 or numbers[0] > numbers[2] or numbers[1] > numbers[3]:
        raise BadQuery(f"bbox must be four numbers minx,miny,maxx,maxy, not {value!r}",
                       f"bbox 须为四个数字 minx,miny,maxx,maxy，而不是 {value!r}")
    return numbers


def parse_datetime(value: str | None) -> tuple[datetime | None, datetime | None] | None:
    """An RFC 3339 instant or interval (`a/b`, `../b`, `a/..`) as inclusive bounds."""
    if value is None:
        return None

    def instant(part: str) -> datetime | None:
        if part in ("", ".."):
            return None
        try:
            return datetime.fromisoformat(part.replace("Z", "+00:00"))
        except ValueError as exc:
            raise BadQuery(
                f"datetime must be RFC 3339 (2026-11-01T00:00:00Z) or an interval a/b, "
                f"not {value!r}",
                f"datetime 须为 RFC 3339 时间（如 2026-11-01T00:00:00Z）或时间段 a/b，而不是 {value!r}"
            ) from exc

    if "/" in value:
        start, end = value.split("/", 1)
        return instant(start), instant(end)
    moment = instant(value)
    return moment, moment


def items(
    conn: Connection,
    base: str,
    layer: LayerDef,
    limit: int = 100,
    offset: int = 0,
    bbox: str | None = None,
    datetime_value: str | None = None,
) -> dict:
    if limit < 1:
        raise BadQuery("limit must be 1 or more",
                       "limit 须不小于 1")
    limit = min(limit, MAX_LIMIT)  # larger limits are served as the maximum, as the standard allows
    if offset < 0:
        raise BadQuery("offset must be 0 or more",
                       "offset 须不小于 0")
    box = parse_bbox(bbox)
    period = parse_datetime(datetime_value) if layer.datetime_column else None
    where, params = ["true"], {"limit": limit, "offset": offset}
    if box:
        where.append(
            "t.geom && ST_MakeEnvelope(:minx, :miny, :maxx, :maxy, 4326) "
            "AND ST_Intersects(t.geom, ST_MakeEnvelope(:minx, :miny, :maxx, :maxy, 4326))"
        )
        params.update(zip(("minx", "miny", "maxx", "maxy"), box, strict=True))
    if period:
        if period[0]:
            where.append(f"t.{layer.datetime_column} >= :dt_from")
            params["dt_from"] = period[0]
        if period[1]:
            where.append(f"t.{layer.datetime_column} <= :dt_to")
            params["dt_to"] = period[1]
    condition = " AND ".join(where)
    matched = conn.execute(
        text(f"SELECT count(*) FROM ({layer.features_sql}) AS t WHERE {condition}"), params
    ).scalar()
    rows = conn.execute(
        text(
            f"SELECT t.id, ST_AsGeoJSON(t.geom, 7) AS geometry, to_jsonb(t) - 'geom' - 'id' AS properties "
            f"FROM ({layer.features_sql}) AS t WHERE {condition} ORDER BY t.id LIMIT :limit OFFSET :offset"
        ),
        params,
    ).all()
    url = f"{base}/ogc/collections/{layer.name}/items"
    query = {"limit": limit, "bbox": bbox, "datetime": datetime_value}
    links = [
        {"href": _href(url, offset=offset, **query), "rel": "self", "type": GEOJSON},
        {
            "href": f"{base}/ogc/collections/{layer.name}",
            "rel": "collection",
            "type": "application/json",
        },
    ]
    if offset + len(rows) < matched:
        links.append(
            {"href": _href(url, offset=offset + limit, **query), "rel": "next", "type": GEOJSON}
        )
    if offset > 0:
        links.append(
            {
                "href": _href(url, offset=max(offset - limit, 0), **query),
                "rel": "prev",
                "type": GEOJSON,
            }
        )
    return {
        "type": "FeatureCollection",
        "features": [_feature(r) for r in rows],
        "numberMatched": matched,
        "numberReturned": len(rows),
        "links": links,
    }


def item(conn: Connection, base: str, layer: LayerDef, fid: int) -> dict | None:
    row = conn.execute(
        text(
            f"SELECT t.id, ST_AsGeoJSON(t.geom, 7) AS geometry, to_jsonb(t) - 'geom' - 'id' AS properties "
            f"FROM ({layer.features_sql}) AS t WHERE t.id = :fid"
        ),
        {"fid": fid},
    ).one_or_none()
    if row is None:
        return None
    url = f"{base}/ogc/collections/{layer.name}"
    feature = _feature(row)
    feature["links"] = [
        {"href": f"{url}/items/{fid}", "rel": "self", "type": GEOJSON},
        {"href": url, "rel": "collection", "type": "application/json"},
    ]
    return feature


def _feature(row) -> dict:
    return {
        "type": "Feature",
        "id": row.id,
        "geometry": json.loads(row.geometry),
        "properties": row.properties,
    }


def _href(url: str, **params) -> str:
    return url + "?" + urlencode({k: v for k, v in params.items() if v is not None})
