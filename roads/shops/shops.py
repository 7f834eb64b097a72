"""Shops (商户): points along the streets, each snapped to the segment in front of it."""

import uuid
from dataclasses import dataclass

from sqlalchemy import Connection, text
from sqlalchemy.exc import IntegrityError

from roads.errors import Conflict, InvalidInput, NotFound
from roads.issues.repository import community_at
from roads.shops.weeks import this_monday
from roads.users import User, require_district_admin

SHOP_COLUMNS = """
    w.shop_id AS id, w.name, w.licence_no, w.shop_type,
    round(ST_X(w.geom)::numeric, 6)::float8 AS lon, round(ST_Y(w.geom)::numeric, 6)::float8 AS lat,
    w.segment_id, w.road_id, w.road_name, w.community_id, w.community_name,
    w.sub_district_id, w.sub_district_name, w.flag AS this_week_flag,
    w.suspended, w.suspended_since
"""
# Every filter optional: a NULL parameter switches its clause off.
LIST_SHOPS = """
    SELECT """ + SHOP_COLUMNS + """
    FROM roadchief.shop_week(:week) AS w
    WHERE (CAST(:community_id AS integer) IS NULL OR w.community_id = :community_id)
      AND (CAST(:road_id AS integer) IS NULL OR w.road_id = :road_id)
      AND (CAST(:segment_id AS integer) IS NULL OR w.segment_id = :segment_id)
      AND (CAST(:ids AS integer[]) IS NULL OR w.shop_id = ANY(CAST(:ids AS integer[])))
    ORDER BY w.road_name NULLS LAST, w.shop_id
    LIMIT :limit
"""


@dataclass
class ShopIn:
    name: str
    lon: float
    lat: float
    licence_no: str | None = None
    shop_type: str | None = None
    source_key: str | None = None


def list_shops(conn: Connection, community_id: int | None = None, road_id: int | None = None,
               segment_id: int | None = None, ids: list[int] | None = None,
               limit: int = 1000) -> list[dict]:
    """Shops with their street, community and this week's flag, filtered by area."""
    rows = conn.execute(text(LIST_SHOPS), {
        "week": this_monday(), "community_id": community_id, "road_id": road_id,
        "segment_id": segment_id, "ids": ids, "limit": limit,
    }).mappings()
    return [dict(r) for r in rows]


def get_shop(conn: Connection, shop_id: int) -> dict:
    found = list_shops(conn, ids=[shop_id], limit=1)
    if not found:
        raise NotFound(f"no shop {shop_id}", f"未找到编号为 {shop_id} 的商户")
    return found[0]


def create_shop(conn: Connection, user: User | None, shop: ShopIn, snap_m: float) -> dict:
    """A new shop (district admin), snapped to its nearest segment within `snap_m` metres."""
    require_district_admin(user)
    check_shop(shop)
    community_id = community_at(conn, shop.lon, shop.lat)
    try:
        with conn.begin_nested():
            shop_id = conn.execute(text("""
                INSERT INTO public.shop (name, licence_no, shop_type, geom, segment_id, snap_distance_m,
                                         community_id, source_key)
                SELECT :name, :licence, :type, p.geom, n.segment_id, n.distance_m, :community, :key
                FROM (SELECT ST_SetSRID(ST_MakePoint(:lon, :lat), 4326) AS geom) AS p
                LEFT JOIN LATERAL roadchief.nearest_segments(p.geom, :snap_m) AS n ON true
                RETURNING id
            """), {"name": shop.name.strip(), "licence": shop.licence_no, "type": shop.shop_type,
                   "lon": shop.lon, "lat": shop.lat, "community": community_id, "snap_m": snap_m,
                   "key": shop.source_key or f"api:{uuid.uuid4()}"}).scalar_one()
    except IntegrityError as exc:
        raise Conflict(f"a shop with source_key {shop.source_key!r} exists already",
                       f"来源编号 {shop.source_key} 的商户已存在，未新增") from exc
    return get_shop(conn, shop_id)


def update_shop(conn: Connection, user: User | None, shop_id: int, changes: dict,
                snap_m: float) -> dict:
    """Change name, licence, type or position (re-snapped) of a shop (district admin)."""
    require_district_admin(user)
    current = get_shop(conn, shop_id)
    merged = ShopIn(name=changes.get("name") or current["name"],
                    lon=changes.get("lon", current["lon"]), lat=changes.get("lat", current["lat"]),
                    licence_no=changes.get("licence_no", current["licence_no"]),
                    shop_type=changes.get("shop_type", current["shop_type"]))
    check_shop(merged)
    community_id = community_at(conn, merged.lon, merged.lat)
    conn.execute(text("""
        UPDATE public.shop AS sh
        SET name = :name, licence_no = :licence, shop_type = :type, geom = p.geom,
            segment_id = n.segment_id, snap_distance_m = n.distance_m, community_id = :community
        FROM (SELECT ST_SetSRID(ST_MakePoint(:lon, :lat), 4326) AS geom) AS p
        LEFT JOIN LATERAL roadchief.nearest_segments(p.geom, :snap_m) AS n ON true
        WHERE sh.id = :id
    """), {"id": shop_id, "name": merged.name.strip(), "licence": merged.licence_no,
           "type": merged.shop_type, "lon": merged.lon, "lat": merged.lat,
           "community": community_id, "snap_m": snap_m})
    return get_shop(conn, shop_id)


def delete_shop(conn: Connection, user: User | None, shop_id: int) -> None:
    """Remove a shop with its flags (district admin); the ledger keeps its cases."""
    require_district_admin(user)
    get_shop(conn, shop_id)
    conn.execute(text("DELETE FROM public.shop WHERE id = :id"), {"id": shop_id})


def check_shop(shop: ShopIn) -> None:
    if not shop.name or not shop.name.strip():
        raise InvalidInput("name: a shop needs a name", "商户名称不能为空")
    if not (-180 <= shop.lon <= 180 and -90 <= shop.lat <= 90):
        raise InvalidInput(f"({shop.lon}, {shop.lat}) is not a longitude/latitude",
                           f"（{shop.lon}, {shop.lat}）不是有效的经纬度")
