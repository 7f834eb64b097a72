"""Reading patrols back: a chief's list for a window, one patrol's track and covered segments."""

import json

from sqlalchemy import Connection, text

from roads.errors import NotFound
from roads.issues.window import Window

SUMMARY = """
    p.id, p.chief_id, ch.name AS chief_name, p.source, p.started_at, p.ended_at,
    round(p.distance_m::numeric, 1)::float AS distance_m, round(p.duration_s::numeric)::float AS duration_s,
    round(p.median_speed_kmh::numeric, 1)::float AS median_speed_kmh, p.too_fast, p.too_short,
    (SELECT count(*) FROM public.patrol_point AS pt WHERE pt.patrol_id = p.id) AS points
"""


def list_patrols(conn: Connection, window: Window, chief_id: int | None = None,
                 limit: int = 200) -> list[dict]:
    rows = conn.execute(text(f"""
        SELECT {SUMMARY}
        FROM public.patrol AS p JOIN public.chief AS ch ON ch.id = p.chief_id
        WHERE p.started_at >= :start AND p.started_at < :end
          AND (CAST(:c AS integer) IS NULL OR p.chief_id = :c)
        ORDER BY p.started_at DESC, p.id DESC
        LIMIT :limit
    """), {"start": window.start, "end": window.end, "c": chief_id, "limit": limit}).mappings()
    return [dict(row) for row in rows]


def get_patrol(conn: Connection, patrol_id: int) -> dict:
    """A GeoJSON FeatureCollection: the track, then each of the chief's segments it came near."""
    summary = conn.execute(text(f"""
        SELECT {SUMMARY}, ST_AsGeoJSON(p.geom, 7) AS track
        FROM public.patrol AS p JOIN public.chief AS ch ON ch.id = p.chief_id WHERE p.id = :p
    """), {"p": patrol_id}).mappings().first()
    if summary is None:
        raise NotFound(f"patrol {patrol_id} does not exist", f"未找到编号为 {patrol_id} 的巡查")
    properties = {k: v for k, v in summary.items() if k != "track"}
    features = [{"type": "Feature", "geometry": json.loads(summary["track"]) if summary["track"] else None,
                 "properties": {"kind": "track", **properties}}]
    segments = conn.execute(text("""
        SELECT ps.segment_id, round(ps.covered_share::numeric, 3)::float AS covered_share, r.name AS road_name,
               ST_AsGeoJSON(s.geom, 7) AS geom,
               (SELECT array_agg(a.tier ORDER BY a.tier) FROM public.segment_assignment AS a
                WHERE a.segment_id = ps.segment_id AND a.chief_id = p.chief_id
                  AND a.valid_from <= p.started_at AND (a.valid_to IS NULL OR a.valid_to > p.started_at)) AS tiers,
               ps.covered_share >= (SELECT min(pr.min_share) FROM public.patrol_rule AS pr
                                    WHERE pr.tier = ANY (SELECT a.tier FROM public.segment_assignment AS a
                                        WHERE a.segment_id = ps.segment_id AND a.chief_id = p.chief_id
                                          AND a.valid_from <= p.started_at
                                          AND (a.valid_to IS NULL OR a.valid_to > p.started_at))) AS covered
        FROM public.patrol_segment AS ps
        JOIN public.patrol AS p ON p.id = ps.patrol_id
        JOIN public.road_segment AS s ON s.id = ps.segment_id
        JOIN public.road AS r ON r.id = s.road_id
        WHERE ps.patrol_id = :p
        ORDER BY ps.segment_id
    """), {"p": patrol_id}).mappings()
    for row in segments:
        features.append({"type": "Feature", "geometry": json.loads(row["geom"]),
                         "properties": {"kind": "segment", **{k: v for k, v in row.items() if k != "geom"}}})
    return {"type": "FeatureCollection", "patrol": properties, "features": features}
