"""The dust limits (积尘限值) as data: g/m² by surface, zone (inside/outside the ring road) and road
class, edited by the district admin; and the ring-road zone they refer to."""

import json

from sqlalchemy import Connection, text
from sqlalchemy.exc import IntegrityError

from roads.errors import Conflict, InvalidInput, NotFound
from roads.rows import refuse_by_constraint, write_row
from roads.users import User, require_district_admin

SURFACES = {"carriageway": "车行道", "footway": "人行道"}
ZONES = {"inside": "内环以内", "outside": "内环以外"}
ROAD_CLASSES = ("主干道", "次干道", "支路", "街巷")
MAX_G_M2 = 1000  # as the tables' CHECKs: beyond it a weighing is a typing error

LIST_LIMITS = text("""
SELECT id, surface, zone, road_class, CAST(limit_g_m2 AS float8) AS limit_g_m2
FROM public.dust_limit
WHERE CAST(:id AS integer) IS NULL OR id = :id
ORDER BY surface, zone NULLS LAST, road_class NULLS LAST, id
""")


def limit_out(row) -> dict:
    limit = dict(row)
    return limit | {"surface_label": SURFACES[limit["surface"]],
                    "zone_label": ZONES.get(limit["zone"], "不限区域"),
                    "road_class_label": limit["road_class"] or "不限道路等级"}


def list_limits(conn: Connection) -> list[dict]:
    return [limit_out(r) for r in conn.execute(LIST_LIMITS, {"id": None}).mappings()]


def get_limit(conn: Connection, limit_id: int) -> dict:
    row = conn.execute(LIST_LIMITS, {"id": limit_id}).mappings().first()
    if row is None:
        raise NotFound(f"dust limit {limit_id} does not exist", f"未找到编号为 {limit_id} 的积尘限值")
    return limit_out(row)


def check_surface(surface: str | None) -> str:
    if surface not in SURFACES:
        raise InvalidInput(f"surface: one of {', '.join(SURFACES)}, not {surface!r}",
                           "路面须为车行道（carriageway）或人行道（footway）")
    return surface


def check_limit_values(values: dict) -> dict:
    if "surface" in values:
        check_surface(values["surface"])
    if values.get("zone") is not None and values["zone"] not in ZONES:
        raise InvalidInput(f"zone: inside, outside or null, not {values['zone']!r}",
                           "区域须为内环以内（inside）、内环以外（outside）或不限")
    if values.get("road_class") is not None and values["road_class"] not in ROAD_CLASSES:
        raise InvalidInput(f"road_class: one of {', '.join(ROAD_CLASSES)} or null",
                           f"道路等级须为{'、'.join(ROAD_CLASSES)}之一，或不限")
    if "limit_g_m2" in values:
        value = values["limit_g_m2"]
        if value is None or not 0 < value <= MAX_G_M2:
            raise InvalidInput(f"limit_g_m2: more than 0 and at most {MAX_G_M2}",
                               f"积尘限值须大于 0 且不超过 {MAX_G_M2} 克/平方米")
    return values


def save_limit(conn: Connection, user: User | None, values: dict, limit_id: int | None = None) -> dict:
    """INSERT (limit_id None) or UPDATE a limit row; the district admin's."""
    require_district_admin(user)
    check_limit_values(values)
    if limit_id is None and (values.get("surface") is None or values.get("limit_g_m2") is None):
        raise InvalidInput("a limit needs its surface and limit_g_m2", "请填写路面和积尘限值")
    if limit_id is not None:
        get_limit(conn, limit_id)
    columns = [c for c in ("surface", "zone", "road_class", "limit_g_m2") if c in values]
    try:
        with conn.begin_nested():
            limit_id = write_row(conn, "dust_limit", columns, values, limit_id)
    except IntegrityError as exc:
        refuse_by_constraint(exc, {"uq_dust_limit": Conflict(
            "a limit for that surface, zone and road class exists already",
            "该路面、区域和道路等级的积尘限值已存在，请直接修改它")})
    return get_limit(conn, limit_id)


def delete_limit(conn: Connection, user: User | None, limit_id: int) -> None:
    require_district_admin(user)
    get_limit(conn, limit_id)
    conn.execute(text("DELETE FROM public.dust_limit WHERE id = :id"), {"id": limit_id})


def ring_zone(conn: Connection) -> dict:
    """The ring-road zone as a GeoJSON FeatureCollection."""
    rows = conn.execute(text(
        "SELECT id, name, ST_AsGeoJSON(geom, 6) AS geometry FROM public.dust_ring_zone ORDER BY id"))
    return {"type": "FeatureCollection", "features": [
        {"type": "Feature", "id": r.id, "properties": {"name": r.name},
         "geometry": json.loads(r.geometry)} for r in rows]}


def replace_ring_zone(conn: Connection, user: User | None, geometries: list[dict],
                      name: str = "内环以内") -> dict:
    """Replace the zone by these (Multi)Polygons (GeoJSON, WGS 84); the district admin's."""
    require_district_admin(user)
    conn.execute(text("DELETE FROM public.dust_ring_zone"))
    for geometry in geometries:
        if geometry.get("type") not in ("Polygon", "MultiPolygon"):
            raise InvalidInput("the ring-road zone is made of Polygons or MultiPolygons",
                               "内环区域须为面（Polygon 或 MultiPolygon）")
        valid = conn.execute(text(
            "SELECT ST_IsValid(g) FROM (SELECT ST_GeomFromGeoJSON(:g) AS g) AS x"),
            {"g": json.dumps(geometry)}).scalar()
        if not valid:
            raise InvalidInput("the ring-road zone's polygon is not valid", "内环区域的面不合法（自相交等）")
        conn.execute(text("INSERT INTO public.dust_ring_zone (name, geom) "
                          "VALUES (:n, ST_Multi(ST_SetSRID(ST_GeomFromGeoJSON(:g), 4326)))"),
                     {"n": name, "g": json.dumps(geometry)})
    return ring_zone(conn)
