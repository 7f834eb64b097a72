"""Kernel density along the road network: a density that follows the roads, so a cluster of issues
at a junction shows as one hotspot on every road that meets there.

The segments are cut into short pieces (25 m) in PostGIS; each issue sits at its snapped position
on its segment. A quartic kernel of bandwidth h (planar distance, but evaluated only on road pieces)
gives each piece
    density = sum_i K(d(piece, issue_i)) / sum_j K(d(piece, piece_j)) * length_j[km]
that is, kernel-weighted issues per kernel-weighted kilometre of road around the piece, in 件/公里
like the per-segment classes (a piece on a lone road and one in a dense lane network are compared
per km of road, not per km² of land).
"""

import itertools

import geopandas as gpd
import numpy as np
from scipy.spatial import cKDTree
from sqlalchemy import Connection, text

from maps.query import AREA_FILTER, ExportFilter, read_frame

PIECE_M = 25.0
BANDWIDTH_M = 200.0


def road_pieces(conn: Connection, flt: ExportFilter, piece_m: float = PIECE_M) -> gpd.GeoDataFrame:
    """The area's segments cut into pieces of about `piece_m` metres."""
    sql = text(f"""
        SELECT s.id AS segment_id, n.i AS piece_no, s.length_m / k.n AS length_m,
               ST_LineSubstring(s.geom, n.i::float8 / k.n, (n.i + 1)::float8 / k.n) AS geom
        FROM public.road_segment AS s
        LEFT JOIN public.community AS c ON c.id = s.community_id
        CROSS JOIN LATERAL (SELECT GREATEST(1, ceil(s.length_m / :piece_m))::int AS n) AS k
        CROSS JOIN LATERAL generate_series(0, k.n - 1) AS n(i)
        WHERE {AREA_FILTER}
        ORDER BY s.id, n.i
    """)
    return read_frame(sql, conn, params={**flt.params(), "piece_m": piece_m})


def snapped_issue_points(conn: Connection, flt: ExportFilter) -> gpd.GeoDataFrame:
    """The counted issues placed at their nearest point on their segment."""
    sql = text(f"""
        SELECT i.id, ST_ClosestPoint(s.geom, i.geom) AS geom
        FROM public.issue AS i
        JOIN public.road_segment AS s ON s.id = i.segment_id
        LEFT JOIN public.community AS c ON c.id = s.community_id
        WHERE i.reported_at >= :from_ts AND i.reported_at < :to_ts
          AND (CAST(:categories AS text[]) IS NULL
               OR i.category_code = ANY (CAST(:categories AS text[]))
               OR split_part(i.category_code, '.', 1) = ANY (CAST(:categories AS text[])))
          AND {AREA_FILTER}
    """)
    return read_frame(sql, conn, params=flt.params())


def quartic(distance: np.ndarray, bandwidth: float) -> np.ndarray:
    u = np.clip(distance / bandwidth, 0, 1)
    return (1 - u**2) ** 2


def pairs_within(a_xy: np.ndarray, b_xy: np.ndarray, radius: float):
    """Every (i, j, distance) with point a_i within `radius` of b_j, zero distances included."""
    lists = cKDTree(a_xy).query_ball_tree(cKDTree(b_xy), radius)
    rows = np.repeat(np.arange(len(lists)), [len(hits) for hits in lists])
    cols = np.fromiter(itertools.chain.from_iterable(lists), dtype=np.int64, count=len(rows))
    return rows, cols, np.hypot(*(a_xy[rows] - b_xy[cols]).T)


def piece_density(
    piece_xy: np.ndarray, piece_km: np.ndarray, issue_xy: np.ndarray, bandwidth: float = BANDWIDTH_M
) -> np.ndarray:
    """Issues per km of road around each piece (metric coordinates)."""
    density = np.zeros(len(piece_xy))
    if len(piece_xy) == 0 or len(issue_xy) == 0:
        return density
    rows, _cols, distance = pairs_within(piece_xy, issue_xy, bandwidth)
    weight = np.bincount(rows, quartic(distance, bandwidth), minlength=len(piece_xy))
    # The road around a piece only matters where there is weight: far fewer pairs to count.
    hot = np.flatnonzero(weight > 0)
    rows, cols, distance = pairs_within(piece_xy[hot], piece_xy, bandwidth)
    road = np.bincount(rows, quartic(distance, bandwidth) * piece_km[cols], minlength=len(hot))
    density[hot] = weight[hot] / road
    return density


def network_density(
    conn: Connection, flt: ExportFilter, crs, bandwidth: float = BANDWIDTH_M
) -> gpd.GeoDataFrame:
    """Pieces (in `crs`, metres) with their `density` in issues per km."""
    pieces = road_pieces(conn, flt).to_crs(crs)
    issues = snapped_issue_points(conn, flt).to_crs(crs)
    midpoints = pieces.geometry.interpolate(0.5, normalized=True)
    piece_xy = np.column_stack([midpoints.x, midpoints.y]) if len(pieces) else np.empty((0, 2))
    issue_xy = (
        np.column_stack([issues.geometry.x, issues.geometry.y]) if len(issues) else np.empty((0, 2))
    )
    pieces["density"] = piece_density(
        piece_xy, pieces["length_m"].to_numpy() / 1000.0, issue_xy, bandwidth
    )
    return pieces
