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
# The half-widths (metres) of the squares asked before the whole reach: a reported point lies
# within a few metres of its street, as a rule (measured at 107k segments: 5.2 s for 200,000
# points with the reach alone, 1.5 s so).
FIRST_REACHES_M = (5.0, 15.0)


@dataclass(frozen=True)
class Network:
    """The road segments in the district's projection, with their tree."""

    ids: np.ndarray
    lines: np.ndarray
    tree: shapely.STRtree
    proj: Proj  # lon/lat (EPSG:4326) to the district's metric projection, and its scale factors
    slack_m: float
    wkb: list[str]  # each segment's coordinates as stored (lon/lat), hex WKB: see SNAP_PAIRS


@dataclass(frozen=True)
class Contenders:
    """For points 0..n-1: the segment ids that may be the answer, `segment_ids[starts[i]:ends[i]]`
    (ascending), and their places in the network's arrays (`positions`, alike)."""

    starts: np.ndarray
    ends: np.ndarray
    segment_ids: np.ndarray
    positions: np.ndarray

    def of(self, i: int) -> np.ndarray:
        return self.segment_ids[self.starts[i]:self.ends[i]]


def load_network(conn: Connection, epsg: int) -> Network:
    """Read every segment (in the caller's transaction, so its own uncommitted ones too)."""
    # One row, one collection: 98,421 rows of WKB cost Python 0.5 s to take apart, this 0.17 s.
    id_list, collected = conn.execute(text(
        "SELECT array_agg(s.id ORDER BY s.id), ST_AsBinary(ST_Collect(s.geom ORDER BY s.id)) "
        "FROM public.road_segment AS s"
    )).one()
    ids = np.array(id_list or [], dtype=np.int64)
    lines = (shapely.get_parts(shapely.from_wkb(bytes(collected))) if collected is not None
             else np.array([], dtype=object))
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
        wkb=part_wkb(bytes(collected) if collected is not None else b"", lines),
    )


def part_wkb(collection: bytes, lines: np.ndarray) -> list[str]:
    """Each line's own WKB (hex), cut from the collection's: a 2-D MultiLineString's WKB is a
    9-byte header and its lines' WKB one after another, each 9 bytes and 16 a vertex (0.05 s for
    98,421 lines, shapely.to_wkb 0.3 s)."""
    sizes = 9 + 16 * shapely.get_num_coordinates(lines).astype(np.int64)
    if 9 + int(sizes.sum()) != len(collection) or shapely.has_z(lines).any():
        return shapely.to_wkb(lines, hex=True).tolist()
    hexed = collection.hex()
    ends = 2 * (9 + np.cumsum(sizes))
    return [hexed[a:b] for a, b in zip((ends - 2 * sizes).tolist(), ends.tolist(), strict=True)]


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
    # Any segment within max_m (geodesic) lies within this projected distance. The tree is asked
    # for the segments whose boxes meet the point's square of that reach (its nearest-neighbour
    # search costs several times more), then the exact planar distances say who contends.
    reach = (max_m + network.slack_m + TIE_M) * k_hi
    reach[~np.isfinite(reach)] = 0.0
    # Squares of growing size: a point near a street (nearly all) has every contender inside a
    # small one, which its own candidates prove (`settled`), and its distances are taken to a
    # tenth of the segments the whole reach holds in a dense network. The others ask again.
    owners, places = [], []
    todo = np.arange(n)
    for half_m in (*FIRST_REACHES_M, None):  # None: the whole reach, which settles every point
        half = reach[todo] if half_m is None else np.minimum(half_m * k_hi[todo], reach[todo])
        owner, positions, settled = narrowed(
            network, x[todo], y[todo], points[todo], beyond[todo], half, k_lo[todo], k_hi[todo],
            reach[todo],
        )
        kept = settled[owner]
        owners.append(todo[owner[kept]])
        places.append(positions[kept])
        todo = todo[~settled]
        if not len(todo):
            break
    owner, positions = np.concatenate(owners), np.concatenate(places)
    segment_ids = network.ids[positions]
    order = np.lexsort((segment_ids, owner))
    owner, segment_ids, positions = owner[order], segment_ids[order], positions[order]
    starts = np.searchsorted(owner, np.arange(n), side="left")
    ends = np.searchsorted(owner, np.arange(n), side="right")
    return Contenders(starts=starts, ends=ends, segment_ids=segment_ids, positions=positions)


def narrowed(network: Network, x: np.ndarray, y: np.ndarray, points: np.ndarray,
             beyond: np.ndarray, half: np.ndarray, k_lo: np.ndarray, k_hi: np.ndarray,
             reach: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The contenders among the segments meeting each point's square of `half` (point index,
    segment's place in the network), and which points they are sure to be all of: those whose farthest possible
    contender lies inside the square. Any segment nearer than `half` meets the square, so when
    the nearest candidate is that near it is the nearest segment of all, as is every segment
    within `within`, the bound the tie rule sets, when that is inside the square too."""
    n = len(x)
    slack = network.slack_m
    squares = shapely.box(x - half, y - half, x + half, y + half)
    squares[beyond | ~np.isfinite(half)] = None
    point_i, tree_i = network.tree.query(squares)
    distance = shapely.distance(points[point_i], network.lines[tree_i])
    nearest_p = np.full(n, np.inf)
    np.minimum.at(nearest_p, point_i, distance)
    upper = nearest_p / k_lo + slack  # the nearest segment's geodesic distance is below this
    within = np.minimum((upper + TIE_M + slack) * k_hi, reach)  # farther cannot win nor tie
    # A micrometre inside the square, clear of the rounding of its corners' coordinates.
    settled = (half >= reach) | (within < half - 1e-6)
    keep = distance <= within[point_i]
    return point_i[keep], tree_i[keep], settled


# The database's half: the geodesic distance to each contender, the limit and the tie rule, as in
# roadchief.nearest_segments (`round(d * 1000.0)`, then the lower id), over a table of (point,
# contender) pairs: `i` the point, `lon`/`lat` its coordinates, `segment_id` and `line` the
# contender, its geometry as stored (the network's WKB: the same coordinates to the bit, so the
# same ST_Distance as single intake's `s.geom::geography`). The statement reads no table but the
# pairs, so it may run on a connection of its own, beside the import's (importer.Snapper).
SNAP_PAIRS_TABLE = """
CREATE TEMP TABLE IF NOT EXISTS snap_pair (
    i integer, lon float8, lat float8, segment_id integer, line geometry
) ON COMMIT DROP
"""
SNAP_PAIRS = """
SELECT DISTINCT ON (p.i) p.i, p.segment_id, p.d
FROM (
    SELECT sp.i, sp.segment_id,
           ST_Distance(ST_SetSRID(sp.line, 4326)::geography,
                       ST_SetSRID(ST_MakePoint(sp.lon, sp.lat), 4326)::geography) AS d
    FROM snap_pair AS sp
    OFFSET 0
) AS p
WHERE p.d <= :snap_m
ORDER BY p.i, round(p.d * 1000.0), p.segment_id
"""
