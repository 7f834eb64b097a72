"""Kernel density along the road network: a density that follows the roads, so a cluster of issues
at a junction shows as one hotspot on every road that meets there.

The segments are cut into short pieces (25 m); each issue sits at its snapped position
on its segment. A quartic kernel of bandwidth h (planar distance, but evaluated only on road pieces)
gives each piece
    density = sum_i K(d(piece, issue_i)) / sum_j K(d(piece, piece_j)) * length_j[km]
that is, kernel-weighted issues per kernel-weighted kilometre of road around the piece, in 件/公里
like the per-segment classes (a piece on a lone road and one in a dense lane network are compared
per km of road, not per km² of land).
"""

import geopandas as gpd
import numpy as np
import shapely
from scipy.spatial import cKDTree
from sqlalchemy import Connection, text

from maps.query import COUNTED_ISSUES, read_frame
from roads.issues.filter import IssueFilter

PIECE_M = 25.0
BANDWIDTH_M = 200.0


def road_pieces(segments: gpd.GeoDataFrame, piece_m: float = PIECE_M) -> gpd.GeoDataFrame:
    """Segments (in a metric CRS) cut into n equal pieces of about `piece_m` metres, in numpy:
    each piece is the line start-middle-end of its stretch (25 m pieces hardly bend), with its
    midpoint in `x`, `y`. (ST_LineSubstring in PostGIS gives the same pieces, but moving 117,000
    of them through the driver took longer than computing them here.)"""
    if len(segments) == 0:
        return gpd.GeoDataFrame(
            {"segment_id": [], "length_m": [], "x": [], "y": []},
            geometry=gpd.GeoSeries([], crs=segments.crs),
        )
    lengths = shapely.length(segments.geometry.values)
    counts = np.maximum(1, np.ceil(lengths / piece_m)).astype(int)
    owner = np.repeat(np.arange(len(segments)), counts)
    number = np.arange(counts.sum()) - np.repeat(np.cumsum(counts) - counts, counts)
    lines, total = np.asarray(segments.geometry.values)[owner], counts[owner]
    stops = [
        shapely.get_coordinates(
            shapely.line_interpolate_point(lines, (number + f) / total, normalized=True)
        )
        for f in (0.0, 0.5, 1.0)
    ]
    return gpd.GeoDataFrame(
        {
            "segment_id": segments["segment_id"].to_numpy()[owner],
            "length_m": lengths[owner] / total,
            "x": stops[1][:, 0],
            "y": stops[1][:, 1],
        },
        geometry=shapely.linestrings(np.stack(stops, axis=1)),
        crs=segments.crs,
    )


def snapped_issue_points(conn: Connection, flt: IssueFilter) -> gpd.GeoDataFrame:
    """The counted issues placed at their nearest point on their segment."""
    sql = text(f"""
        SELECT i.id, ST_ClosestPoint(s.geom, i.geom) AS geom
        FROM {COUNTED_ISSUES} AS i
        JOIN public.road_segment AS s ON s.id = i.segment_id
    """)
    return read_frame(sql, conn, params=flt.params())


def quartic(distance: np.ndarray, bandwidth: float) -> np.ndarray:
    u = np.clip(distance / bandwidth, 0, 1)
    return (1 - u**2) ** 2


BLOCK = 4_000  # pieces per round of kernel sums: at most a few million pairs held at once


def kernel_sums(
    at_xy: np.ndarray, from_xy: np.ndarray, weights: np.ndarray, bandwidth: float
) -> np.ndarray:
    """sum_j K(|at_i - from_j|) * weights_j for every point at_i, zero distances included.

    The pairs within the bandwidth are found BLOCK points of `at_xy` at a time: at 100,000
    segments a 200 m kernel reaches about 500 pieces of a dense district, and all the pairs at
    once (300 million) would not fit in memory."""
    sums = np.zeros(len(at_xy))
    if len(at_xy) == 0 or len(from_xy) == 0:
        return sums
    from_tree = cKDTree(from_xy)
    for start in range(0, len(at_xy), BLOCK):
        block = at_xy[start : start + BLOCK]
        # the "ndarray" output keeps zero distances, which the sparse-matrix outputs would drop
        found = cKDTree(block).sparse_distance_matrix(from_tree, bandwidth, output_type="ndarray")
        sums[start : start + len(block)] = np.bincount(
            found["i"], quartic(found["v"], bandwidth) * weights[found["j"]], minlength=len(block)
        )
    return sums


def piece_density(
    piece_xy: np.ndarray, piece_km: np.ndarray, issue_xy: np.ndarray, bandwidth: float = BANDWIDTH_M
) -> np.ndarray:
    """Issues per km of road around each piece (metric coordinates)."""
    density = np.zeros(len(piece_xy))
    if len(piece_xy) == 0 or len(issue_xy) == 0:
        return density
    weight = kernel_sums(piece_xy, issue_xy, np.ones(len(issue_xy)), bandwidth)
    # The road around a piece only matters where there is weight: far fewer pairs to count.
    hot = np.flatnonzero(weight > 0)
    road = kernel_sums(piece_xy[hot], piece_xy, piece_km, bandwidth)
    density[hot] = weight[hot] / road
    return density


def network_density(
    conn: Connection, flt: IssueFilter, segments: gpd.GeoDataFrame, bandwidth: float = BANDWIDTH_M
) -> gpd.GeoDataFrame:
    """Pieces of `segments` (metric CRS) with their `density` in issues per km."""
    pieces = road_pieces(segments)
    issues = snapped_issue_points(conn, flt).to_crs(segments.crs)
    issue_xy = shapely.get_coordinates(issues.geometry.values) if len(issues) else np.empty((0, 2))
    pieces["density"] = piece_density(
        pieces[["x", "y"]].to_numpy(), pieces["length_m"].to_numpy() / 1000.0, issue_xy, bandwidth
    )
    return pieces
