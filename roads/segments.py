"""Segments as GeoJSON with their coverage, and one segment's details (chiefs, open issues)."""

import math
from dataclasses import dataclass

from sqlalchemy import Connection, text

from roads.errors import InvalidInput, NotFound

UNCOVERED_CHOICES = {"1", "2", "3", "any", "all"}

SEGMENTS_GEOJSON = text("""
SELECT json_build_object(
    'type', 'FeatureCollection',
    'features', COALESCE(json_agg(json_build_object(
        'type', 'Feature',
        'id', sc.segment_id,
        'geometry', ST_AsGeoJSON(sc.geom, 6)::json,
        'properties', json_build_object(
            'segment_id', sc.segment_id, 'road_id', sc.road_id, 'road_name', sc.road_name,
            'road_class', sc.road_class, 'community_id', sc.community_id,
            'community_name', sc.community_name, 'sub_district_id', sc.sub_district_id,
            'length_m', round(sc.length_m::numeric, 1),
            'tier1_chief_id', sc.tier1_chief_id, 'tier1_chief_name', sc.tier1_chief_name,
            'tier1_party', sc.tier1_party,
            'tier2_chief_id', sc.tier2_chief_id, 'tier2_chief_name', sc.tier2_chief_name,
            'tier2_party', sc.tier2_party,
            'tier3_chief_id', sc.tier3_chief_id, 'tier3_chief_name', sc.tier3_chief_name,
            'tier3_party', sc.tier3_party,
            'tiers_covered', sc.tiers_covered)
    ) ORDER BY sc.segment_id), '[]'::json)
)::text
FROM roadchief.segment_coverage AS sc
WHERE (CAST(:minx AS float8) IS NULL
       OR sc.geom && ST_MakeEnvelope(:minx, :miny, :maxx, :maxy, 4326))
  AND (CAST(:road AS text) IS NULL OR sc.road_name = :road OR sc.road_id::text = :road)
  AND (CAST(:community AS integer) IS NULL OR sc.community_id = :community)
  AND (CAST(:sub_district AS integer) IS NULL OR sc.sub_district_id = :sub_district)
  AND (CAST(:ids AS integer[]) IS NULL OR sc.segment_id = ANY(:ids))
  AND (CAST(:chief AS integer) IS NULL
       OR :chief IN (sc.tier1_chief_id, sc.tier2_chief_id, sc.tier3_chief_id))
  AND (CAST(:uncovered AS text) IS NULL
       OR (:uncovered = '1' AND sc.tier1_chief_id IS NULL)
       OR (:uncovered = '2' AND sc.tier2_chief_id IS NULL)
       OR (:uncovered = '3' AND sc.tier3_chief_id IS NULL)
       OR (:uncovered = 'any' AND sc.tiers_covered < 3)
       OR (:uncovered = 'all' AND sc.tiers_covered = 0))
""")


@dataclass(frozen=True)
class SegmentPlace:
    id: int
    community_id: int | None
    sub_district_id: int | None
    length_m: float


def parse_ids(value: str) -> list[int]:
    """Comma-separated segment ids, e.g. `ids=12,15`; anything else is refused, not skipped."""
    items = [item.strip() for item in value.split(",") if item.strip()]
    bad = [item for item in items if not (item.isascii() and item.isdigit() and len(item) < 10)]
    if bad:
        raise InvalidInput(f"ids: {bad[0]!r} is not a segment id (give whole numbers, comma-separated)",
                           f"ids 中的“{bad[0]}”不是路段编号（请填写以逗号分隔的整数）")
    return [int(item) for item in items]


def parse_bbox(bbox: str | None) -> tuple[float, float, float, float] | None:
    """`min_lon,min_lat,max_lon,max_lat` (WGS84) as numbers; the API's bbox filters all read it."""
    if not bbox:
        return None
    try:
        minx, miny, maxx, maxy = (float(v) for v in bbox.split(","))
    except ValueError as exc:
        raise InvalidInput("bbox must be four numbers: minlon,minlat,maxlon,maxlat",
                           "bbox 须为四个数字：minlon,minlat,maxlon,maxlat") from exc
    if not all(math.isfinite(v) for v in (minx, miny, maxx, maxy)):
        raise InvalidInput("bbox must be four finite numbers: minlon,minlat,maxlon,maxlat",
                           "bbox 须为四个有限的数字：minlon,minlat,maxlon,maxlat")
    if minx > maxx or miny > maxy:
        raise InvalidInput("bbox must be minlon,minlat,maxlon,maxlat with min <= max",
                           "bbox 须为 minlon,minlat,maxlon,maxlat，且最小值不大于最大值")
    return minx, miny, maxx, maxy


def segments_geojson(conn: Connection, bbox: str | None = None, road: str | None = None,
                     community: int | None = None, sub_district: int | None = None,
                     uncovered: str | None = None, ids: list[int] | None = None,
                     chief: int | None = None) -> str:
    """A GeoJSON FeatureCollection (text) of the segments passing every given filter."""
    if uncovered is not None and uncovered not in UNCOVERED_CHOICES:
        raise InvalidInput("uncovered must be 1, 2, 3 (that tier missing), any (some tier) or all (no tier)",
                           "uncovered 须为 1、2、3（缺该级路长）、any（缺任一级）或 all（三级都缺）")
    box = parse_bbox(bbox) or (None, None, None, None)
    return conn.execute(SEGMENTS_GEOJSON, {
        "minx": box[0], "miny": box[1], "maxx": box[2], "maxy": box[3], "road": road,
        "community": community, "sub_district": sub_district, "uncovered": uncovered, "ids": ids, "chief": chief,
    }).scalar_one()


def get_place(conn: Connection, segment_id: int, lock: bool = False) -> SegmentPlace:
    row = conn.execute(text("""
        SELECT s.id, s.community_id, c.sub_district_id, s.length_m
        FROM public.road_segment s LEFT JOIN public.community c ON c.id = s.community_id WHERE s.id = :id
    """ + (" FOR UPDATE OF s" if lock else "")), {"id": segment_id}).first()
    if row is None:
        raise NotFound(f"segment {segment_id} does not exist",
                       f"未找到编号为 {segment_id} 的路段")
    return SegmentPlace(*row)


def segment_detail(conn: Connection, segment_id: int) -> dict:
    row = conn.execute(text("""
        SELECT sc.segment_id, sc.road_id, sc.road_name, sc.road_class, sc.community_id, sc.community_name,
               sc.sub_district_id, sd.name AS sub_district_name, sc.length_m, sc.tiers_covered,
               sc.tier1_chief_id, sc.tier2_chief_id, sc.tier3_chief_id,
               ST_AsGeoJSON(sc.geom, 6)::json AS geometry
        FROM roadchief.segment_coverage sc LEFT JOIN public.sub_district sd ON sd.id = sc.sub_district_id
        WHERE sc.segment_id = :id
    """), {"id": segment_id}).mappings().first()
    if row is None:
        raise NotFound(f"segment {segment_id} does not exist",
                       f"未找到编号为 {segment_id} 的路段")
    detail = {k: v for k, v in row.items() if not k.startswith("tier") or k == "tiers_covered"}
    detail["length_m"] = round(row["length_m"], 1)
    detail["chiefs"] = {str(tier): current_chief(conn, segment_id, tier) for tier in (1, 2, 3)}
    detail["open_issues"] = open_issues(conn, segment_id)
    return detail


def current_chief(conn: Connection, segment_id: int, tier: int) -> dict | None:
    row = conn.execute(text("""
        SELECT ch.id, ch.name, ch.phone, ch.organisation, ch.position, ch.is_party_member,
               a.valid_from, a.assigned_by
        FROM public.segment_assignment a JOIN public.chief ch ON ch.id = a.chief_id
        WHERE a.segment_id = :s AND a.tier = :t AND a.valid_to IS NULL
    """), {"s": segment_id, "t": tier}).mappings().first()
    return dict(row) if row else None


def open_issues(conn: Connection, segment_id: int, limit: int = 50) -> list[dict]:
    rows = conn.execute(text("""
        SELECT i.id, i.category_code, cat.name AS category_name, i.description, i.status, i.reported_at
        FROM public.issue i JOIN public.issue_category cat ON cat.code = i.category_code
        WHERE i.segment_id = :s AND i.status <> 'closed'
        ORDER BY i.reported_at DESC LIMIT :limit
    """), {"s": segment_id, "limit": limit}).mappings()
    return [dict(r) for r in rows]


def search_roads(conn: Connection, q: str, limit: int = 20) -> list[dict]:
    """Roads whose name contains `q`, with their segments, length and extent."""
    rows = conn.execute(text("""
        SELECT r.id, r.name, r.road_class, count(s.id) AS segments, round(sum(s.length_m)::numeric) AS length_m,
               ARRAY[ST_XMin(ST_Extent(s.geom)), ST_YMin(ST_Extent(s.geom)),
                     ST_XMax(ST_Extent(s.geom)), ST_YMax(ST_Extent(s.geom))] AS extent
        FROM public.road r JOIN public.road_segment s ON s.road_id = r.id
        WHERE r.name ILIKE '%' || :q || '%'
        GROUP BY r.id
        ORDER BY position(:q IN r.name), array_position(ARRAY['主干道', '次干道', '支路', '街巷'], r.road_class),
                 r.name, r.id
        LIMIT :limit
    """), {"q": q.strip(), "limit": max(1, min(limit, 100))}).mappings()
    return [dict(r) for r in rows]


def rename_road(conn: Connection, road_id: int, name: str) -> dict:
    """A road's new name (e.g. for a generated 无名路); its segments, chiefs and issues stay.
    Its import key stays too, so a re-import of the same file keeps the new name."""
    name = name.strip()
    if not name or len(name) > 100:
        raise InvalidInput("a road name must have 1 to 100 characters", "道路名称须为 1 至 100 个字")
    row = conn.execute(text("""
        UPDATE public.road SET name = :name WHERE id = :id
        RETURNING id, name, road_class,
                  (SELECT count(*) FROM public.road_segment AS s WHERE s.road_id = :id) AS segments
    """), {"id": road_id, "name": name}).mappings().one_or_none()
    if row is None:
        raise NotFound(f"no road with id {road_id}", f"未找到编号为 {road_id} 的道路")
    return dict(row)
