"""Snapping a whole batch of points in one vectorised pass, for the bulk import.

The rule is roadchief.nearest_segments' (sql/functions/snapping.sql): the segment nearest in
geodesic distance (PostGIS, on the spheroid) within max_m, distances compared to the millimetre,
ties to the lower id. Python cannot reproduce PostGIS's spheroid distance to the last bit, so it
does not decide the distance: it narrows every point down to its *contenders*, the segments that
could still be the answer, with GEOS (shapely's STRtree) in the district's metric projection, and
the database computes the geodesic distance to those alone (`CONTENDER_SNAP`). Nearly every point
has one contender; a point near a crossing, a joint or midway between two streets has several,
and the database applies the tie rule to them. A point with none is farther than max_m from every
segment, for sure.

Why that is exact: a projected distance p and the geodesic distance g of the same pair satisfy
p / k_hi - slack <= g <= p / k_lo + slack, where k_lo and k_hi bound the projection's scale at the
point (pyproj's Tissot axes, widened by 1e-4 for the datum of the district's CRS), and `slack`
bounds the difference between a segment straight in the projection and the great-circle edges of
PostGIS's geography (well under a millimetre for streets; it grows with the square of the length).
A segment whose lower bound exceeds the nearest one's upper bound by a millimetre more can neither
win nor tie; every other segment is a contender.
"""

from dataclasses import dataclass

import numpy as np
import shapely
from pyproj import CRS, Proj
from sqlalchemy import Connection, text

SCALE_MARGIN = 1e-4  # relative: the district's datum against WGS84, and rounding
TIE_M = 0.001  # the SQL rule compares distances to the millimetre
# A segment's straight line in the projection and its great-circle edge in PostGIS's geography
# part by less than about L^2 / 8R times the eccentricity terms; 1e-8 L^2 (L in metres) plus 2 cm
# is several times that for any street (0.02 m at 200 m, 0.06 m at 2 km).
SLACK_M = 0.02
SLACK_PER_M2 = 1e-8


@dataclass(frozen=True)
class Network:
    """The road segments in the district's projection, with their tree."""

    ids: np.ndarray
    lines: np.ndarray
    tree: shapely.STRtree
    proj: Proj  # lon/lat (EPSG:4326) to the district's metric projection, and its scale factors
    slack_m: float


@dataclass(frozen=True)
class Contenders:
    """For points 0..n-1: the segment ids that may be the answer, `segment_ids[starts[i]:ends[i]]`."""

    starts: np.ndarray
    ends: np.ndarray
    segment_ids: np.ndarray

    def of(self, i: int) -> np.ndarray:
        return self.segment_ids[self.starts[i]:self.ends[i]]


def load_network(conn: Connection, epsg: int) -> Network:
    """Read every segment (in the caller's transaction, so its own uncommitted ones too)."""
    rows = conn.execute(
        text("SELECT s.id, ST_AsBinary(s.geom) FROM public.road_segment AS s ORDER BY s.id")
    ).all()
    ids = np.array([r[0] for r in rows], dtype=np.int64)
    lines = shapely.from_wkb([bytes(r[1]) for r in rows])
    # The projection itself, not Transformer.from_crs(4326, epsg): the same coordinates for the
    # district's CRSs (CGCS2000 takes WGS84's "ballpark" offset, none), 1 ms to build instead of
    # 100 ms of PROJ's database search on every import; its own scale factors (below) bound it.
    proj = Proj(CRS.from_epsg(epsg))
    metric = shapely.transform(lines, lambda xy: np.column_stack(proj(xy[:, 0], xy[:, 1])))
    longest = float(shapely.length(metric).max()) if len(metric) else 0.0
    return Network(
        ids=ids,
        lines=metric,
        tree=shapely.STRtree(metric),
        proj=proj,
        slack_m=SLACK_M + SLACK_PER_M2 * longest**2,
    )


def contenders(network: Network, lon: np.ndarray, lat: np.ndarray, max_m: float) -> Contenders:
    """The contenders of every point (lon/lat in EPSG:4326)."""
    n = len(lon)
    x, y = network.proj(lon, lat)
    points = shapely.points(x, y)
    beyond = ~(np.isfinite(x) & np.isfinite(y))  # outside the projection's area: no segment near
    points[beyond] = None
    factors = network.proj.get_factors(lon, lat)
    k_lo = np.minimum(factors.tissot_semiminor, factors.tissot_semimajor) * (1 - SCALE_MARGIN)
    k_hi = np.maximum(factors.tissot_semiminor, factors.tissot_semimajor) * (1 + SCALE_MARGIN)
    slack = network.slack_m
    # Any segment within max_m (geodesic) lies within this projected distance. The tree is asked
    # for the segments whose boxes meet the point's square of that reach (its nearest-neighbour
    # search costs several times more), then the exact planar distances say who contends.
    reach = (max_m + slack + TIE_M) * k_hi
    reach[~np.isfinite(reach)] = 0.0
    squares = shapely.box(x - reach, y - reach, x + reach, y + reach)
    squares[beyond] = None
    point_i, tree_i = network.tree.query(squares)
    distance = shapely.distance(points[point_i], network.lines[tree_i])
    nearest_p = np.full(n, np.inf)
    np.minimum.at(nearest_p, point_i, distance)
    upper = nearest_p / k_lo + slack  # the nearest segment's geodesic distance is below this
    within = np.minimum((upper + TIE_M + slack) * k_hi, reach)  # farther cannot win nor tie
    keep = distance <= within[point_i]
    owner, segment_ids = point_i[keep], network.ids[tree_i[keep]]
    order = np.lexsort((segment_ids, owner))
    owner, segment_ids = owner[order], segment_ids[order]
    starts = np.searchsorted(owner, np.arange(n), side="left")
    ends = np.searchsorted(owner, np.arange(n), side="right")
    return Contenders(starts=starts, ends=ends, segment_ids=segment_ids)


# The database's half: the geodesic distance to each contender, the limit and the tie rule, as in
# roadchief.nearest_segments. `st` is the row holding `geom` and `contenders` (integer[]). Nearly
# every point has one contender: its distance is taken straight (`one`), without the sort and
# LIMIT the tie rule needs among several (`many`): a fifth of the insert's time.
CONTENDER_SNAP = """
LEFT JOIN LATERAL (
    SELECT s.id AS segment_id, ST_Distance(s.geom::geography, st.geom::geography) AS d
    FROM public.road_segment AS s
    WHERE cardinality(st.contenders) = 1 AND s.id = st.contenders[1]
) AS one ON true
LEFT JOIN LATERAL (
    SELECT c.id AS segment_id, c.d AS distance_m
    FROM (
        SELECT s.id, ST_Distance(s.geom::geography, st.geom::geography) AS d
        FROM public.road_segment AS s
        WHERE cardinality(st.contenders) > 1 AND s.id = ANY (st.contenders)
    ) AS c
    WHERE c.d <= :snap_m
    ORDER BY round(c.d * 1000.0), c.id
    LIMIT 1
) AS many ON true
CROSS JOIN LATERAL (
    SELECT CASE WHEN one.d <= :snap_m THEN one.segment_id ELSE many.segment_id END AS segment_id,
           CASE WHEN one.d <= :snap_m THEN one.d ELSE many.distance_m END AS distance_m
) AS n
"""
