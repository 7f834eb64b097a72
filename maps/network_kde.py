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

import hashlib
import logging
import threading
from collections import OrderedDict
from dataclasses import dataclass, field

import geopandas as gpd
import numpy as np
import shapely
from scipy.spatial import cKDTree
from sqlalchemy import Connection, text
from sqlalchemy.exc import DBAPIError

from maps.query import COUNTED_ISSUES, read_frame
from roads.issues.filter import IssueFilter

logger = logging.getLogger(__name__)

PIECE_M = 25.0
BANDWIDTH_M = 200.0


@dataclass
class Pieces:
    """A network cut into pieces: `lines` (n, 3, 2) start-middle-end in metric coordinates,
    the midpoints `xy`, `length_m`, the owning `segment_id`, and, filled in as exports ask for
    them, the kernel-weighted km of road around each piece per bandwidth (NaN: not yet summed)."""

    segment_id: np.ndarray
    length_m: np.ndarray
    lines: np.ndarray
    road_km: dict[float, np.ndarray] = field(default_factory=dict)
    density: np.ndarray | None = None
    key: str = ""  # network_key of the segments it was cut from

    @property
    def xy(self) -> np.ndarray:
        return self.lines[:, 1, :]

    def __len__(self) -> int:
        return len(self.segment_id)

    def with_density(self, density: np.ndarray) -> "Pieces":
        """The same pieces (sharing the cached arrays) carrying one export's density."""
        return Pieces(self.segment_id, self.length_m, self.lines, self.road_km, density, self.key)


def cut_pieces(segment_id: np.ndarray, geoms: np.ndarray, piece_m: float = PIECE_M) -> Pieces:
    """LineStrings (metric CRS) cut into n equal pieces of about `piece_m` metres, in numpy:
    each piece is the line start-middle-end of its stretch (25 m pieces hardly bend).
    (ST_LineSubstring in PostGIS gives the same pieces, but moving 117,000 of them through the
    driver took longer than computing them here.)"""
    coords, index = shapely.get_coordinates(geoms, return_index=True)
    if len(coords) == 0:
        return Pieces(np.asarray(segment_id)[:0], np.empty(0), np.empty((0, 3, 2)))
    step = np.hypot(*np.diff(coords, axis=0).T)
    step[np.diff(index) != 0] = 0.0  # no step from one line's end to the next line's start
    walked = np.concatenate([[0.0], np.cumsum(step)])  # metres walked at each vertex
    lines = np.arange(len(geoms))
    first = np.searchsorted(index, lines)
    last = np.searchsorted(index, lines, side="right") - 1
    lengths = walked[last] - walked[first]
    counts = np.maximum(1, np.ceil(lengths / piece_m)).astype(int)
    owner = np.repeat(lines, counts)
    number = np.arange(counts.sum()) - np.repeat(np.cumsum(counts) - counts, counts)
    total = counts[owner]

    def at(fraction: np.ndarray) -> np.ndarray:
        # The point `fraction` of the way along each piece's line: the vertex walked just
        # before it, then linear interpolation (what GEOS's line_interpolate_point does).
        target = walked[first[owner]] + fraction * lengths[owner]
        k = np.searchsorted(walked, target, side="right") - 1
        k = np.clip(k, first[owner], np.maximum(first[owner], last[owner] - 1))
        span = step[np.minimum(k, len(step) - 1)] if len(step) else np.zeros(len(k))
        t = np.divide(target - walked[k], span, out=np.zeros(len(k)), where=span > 0)
        nxt = np.minimum(k + 1, last[owner])
        return coords[k] + t[:, None] * (coords[nxt] - coords[k])

    stops = np.stack([at((number + f) / total) for f in (0.0, 0.5, 1.0)], axis=1)
    return Pieces(np.asarray(segment_id)[owner], lengths[owner] / total, stops)


def road_pieces(segments: gpd.GeoDataFrame, piece_m: float = PIECE_M) -> gpd.GeoDataFrame:
    """Segments (in a metric CRS) cut into pieces of about `piece_m` metres, as a GeoDataFrame
    with each piece's midpoint in `x`, `y`."""
    pieces = cut_pieces(
        segments["segment_id"].to_numpy(), np.asarray(segments.geometry.values), piece_m
    )
    return gpd.GeoDataFrame(
        {
            "segment_id": pieces.segment_id,
            "length_m": pieces.length_m,
            "x": pieces.xy[:, 0],
            "y": pieces.xy[:, 1],
        },
        geometry=shapely.linestrings(pieces.lines) if len(pieces) else [],
        crs=segments.crs,
    )


class PieceCache:
    """The pieces of the last few networks, keyed by the segments' ids and coordinates: the
    same network gives the same key whatever the export, a changed segment a new one. (The
    tables' change counters would serve too, but they roll back with a transaction and are
    then reused for other contents; the coordinates cannot be.) Cutting, and above all the
    kernel sums of road length, are the same for every window and category: done once."""

    def __init__(self, size: int = 2):
        self.size = size
        self.entries: OrderedDict[str, Pieces] = OrderedDict()
        self.lock = threading.Lock()

    def get(self, segments: gpd.GeoDataFrame) -> Pieces:
        ids = segments["segment_id"].to_numpy()
        geoms = np.asarray(segments.geometry.values)
        key = network_key(ids, geoms)
        with self.lock:
            if key in self.entries:
                self.entries.move_to_end(key)
                return self.entries[key]
        pieces = cut_pieces(ids, geoms)
        pieces.key = key
        with self.lock:
            self.entries[key] = pieces
            while len(self.entries) > self.size:
                self.entries.popitem(last=False)
        return pieces

    def clear(self) -> None:
        with self.lock:
            self.entries.clear()


def network_key(ids: np.ndarray, geoms: np.ndarray) -> str:
    coords, index = shapely.get_coordinates(geoms, return_index=True)
    digest = hashlib.sha1(np.ascontiguousarray(ids, dtype=np.int64).tobytes())
    digest.update(np.ascontiguousarray(index, dtype=np.int64).tobytes())
    digest.update(np.ascontiguousarray(coords).tobytes())
    digest.update(repr(PIECE_M).encode())
    return digest.hexdigest()


PIECES = PieceCache()


def snapped_issue_points(conn: Connection, flt: IssueFilter) -> gpd.GeoDataFrame:
    """The counted issues placed at their nearest point on their segment."""
    sql = text(f"""
        SELECT i.id, ST_ClosestPoint(s.geom, i.geom) AS geom
        FROM {COUNTED_ISSUES} AS i
        JOIN public.road_segment AS s ON s.id = i.segment_id
        ORDER BY i.id
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


# Tiles of the self sums. At city scale (622,696 pieces) 2,000 m tiles took 45 s and peaked at
# 1.03 GB above the process's start; 1,000 m 31 s / 0.45 GB; 700 m 30 s / 0.32 GB; 500 m 38 s
# (the halo's share grows): a tile's pairs are what the memory holds.
TILE_M = 700.0


def self_kernel_sums(xy: np.ndarray, weights: np.ndarray, bandwidth: float) -> np.ndarray:
    """kernel_sums(xy, xy, weights, bandwidth), each pair counted once for both of its points.

    cKDTree.query_pairs lists each pair once, several times faster than the distance matrix,
    but all at once: so it runs tile by tile, on the tile's own points followed by those within
    a bandwidth of it; a tile keeps the pairs between its own points, and those between one of
    its own and one of a later tile's."""
    sums = np.asarray(weights, dtype=float).copy()  # each point with itself: K(0) = 1
    if len(xy) == 0:
        return sums
    x, y = np.ascontiguousarray(xy[:, 0]), np.ascontiguousarray(xy[:, 1])
    corner = xy.min(axis=0)
    tile = np.floor((xy - corner) / TILE_M).astype(np.int64)
    owner = tile[:, 0] * (tile[:, 1].max() + 1) + tile[:, 1]
    for number in np.unique(owner):
        own = np.flatnonzero(owner == number)
        low = tile[own[0]] * TILE_M + corner - bandwidth
        high = low + TILE_M + 2 * bandwidth
        halo = np.flatnonzero(((xy >= low) & (xy < high)).all(axis=1) & (owner > number))
        near = np.concatenate([own, halo])
        pairs = cKDTree(xy[near]).query_pairs(bandwidth, output_type="ndarray")
        first, second = pairs[:, 0], pairs[:, 1]  # first < second
        mine = first < len(own)  # not both in the halo
        i, j = near[first[mine]], near[second[mine]]
        kernel = quartic_squared(squared_distance(x, y, i, j), bandwidth)
        sums += np.bincount(i, kernel * weights[j], len(xy))
        sums += np.bincount(j, kernel * weights[i], len(xy))
    return sums


def squared_distance(x: np.ndarray, y: np.ndarray, i: np.ndarray, j: np.ndarray) -> np.ndarray:
    dx = x[i]
    dx -= x[j]
    dx *= dx
    dy = y[i]
    dy -= y[j]
    dy *= dy
    dx += dy
    return dx


def quartic_squared(distance2: np.ndarray, bandwidth: float) -> np.ndarray:
    """The quartic kernel of squared distances (no square root needed), in place."""
    distance2 *= 1 / bandwidth**2
    np.minimum(distance2, 1, out=distance2)
    np.subtract(1, distance2, out=distance2)
    distance2 *= distance2
    return distance2


def piece_density(
    piece_xy: np.ndarray,
    piece_km: np.ndarray,
    issue_xy: np.ndarray,
    bandwidth: float = BANDWIDTH_M,
    road_km: np.ndarray | None = None,
) -> np.ndarray:
    """Issues per km of road around each piece (metric coordinates). `road_km`, when given,
    holds the kernel-weighted km of road around each piece from earlier exports (NaN: not
    summed yet); it is filled in when this one needs it."""
    density = np.zeros(len(piece_xy))
    if len(piece_xy) == 0 or len(issue_xy) == 0:
        return density
    weight = kernel_sums(piece_xy, issue_xy, np.ones(len(issue_xy)), bandwidth)
    hot = np.flatnonzero(weight > 0)
    road = np.full(len(piece_xy), np.nan) if road_km is None else road_km
    if np.isnan(road[hot]).any():
        # For the whole network at once, each pair once: every later window reuses them.
        road[:] = self_kernel_sums(piece_xy, piece_km, bandwidth)
    density[hot] = weight[hot] / road[hot]
    return density


def network_density(
    conn: Connection, flt: IssueFilter, segments: gpd.GeoDataFrame, bandwidth: float = BANDWIDTH_M
) -> Pieces:
    """Pieces of `segments` (metric CRS) with their `density` in issues per km."""
    pieces = PIECES.get(segments)
    issues = snapped_issue_points(conn, flt).to_crs(segments.crs)
    issue_xy = shapely.get_coordinates(issues.geometry.values) if len(issues) else np.empty((0, 2))
    if bandwidth not in pieces.road_km:
        pieces.road_km[bandwidth] = stored_road_km(conn, pieces, bandwidth)
    road_km = pieces.road_km[bandwidth]
    complete = not np.isnan(road_km).any()
    key = density_key(pieces, issue_xy, bandwidth)
    density = DENSITIES.get(key)
    if density is None:
        density = piece_density(pieces.xy, pieces.length_m / 1000.0, issue_xy, bandwidth, road_km)
        DENSITIES.put(key, density)
    if not complete and not np.isnan(road_km).any():
        store_road_km(conn, pieces, bandwidth)
    return pieces.with_density(density)


def density_key(pieces: Pieces, issue_xy: np.ndarray, bandwidth: float) -> str:
    """Names the density by what it is made of: the network, the issues' snapped positions (in
    the order the query gives them) and the bandwidth. The same week asked for again (the PNG,
    the A4, the PDF, the briefing) gives the same key; any issue moved, added or removed a new one."""
    digest = hashlib.sha1(pieces.key.encode())
    digest.update(np.ascontiguousarray(issue_xy, dtype=np.float64).tobytes())
    digest.update(repr(bandwidth).encode())
    return digest.hexdigest()


class DensityCache:
    """The densities of the last few windows, in the process (a few MB each at city scale)."""

    def __init__(self, size: int = 8):
        self.size = size
        self.entries: OrderedDict[str, np.ndarray] = OrderedDict()
        self.lock = threading.Lock()

    def get(self, key: str) -> np.ndarray | None:
        with self.lock:
            if key in self.entries:
                self.entries.move_to_end(key)
                return self.entries[key]
        return None

    def put(self, key: str, density: np.ndarray) -> None:
        density.setflags(write=False)  # shared by every export that asks for it
        with self.lock:
            self.entries[key] = density
            while len(self.entries) > self.size:
                self.entries.popitem(last=False)

    def clear(self) -> None:
        with self.lock:
            self.entries.clear()


DENSITIES = DensityCache()


STORED = 4  # networks whose road sums the export_cache table keeps


def road_km_key(pieces: Pieces, bandwidth: float) -> str:
    return f"road_km:{pieces.key}:{bandwidth!r}"


def stored_road_km(conn: Connection, pieces: Pieces, bandwidth: float) -> np.ndarray:
    """The road sums another process stored for this network, or all NaN."""
    payload = conn.execute(
        text("SELECT payload FROM public.export_cache WHERE key = :key"),
        {"key": road_km_key(pieces, bandwidth)},
    ).scalar()
    if payload is None or len(payload) != 8 * len(pieces):
        return np.full(len(pieces), np.nan)
    return np.frombuffer(bytes(payload), dtype=np.float64).copy()


def store_road_km(conn: Connection, pieces: Pieces, bandwidth: float) -> None:
    """Keep the road sums for other workers and CLI runs, committed at once in a transaction of
    its own: the export's own stays read-only (so the answers it reads may be kept between writes,
    roads/answer_cache.py), and a failure here leaves it untouched. The key names the content, so
    whoever writes first, the row is right."""
    try:
        with conn.engine.begin() as own:
            own.exec_driver_sql("SET LOCAL lock_timeout = '2s'")
            write_road_km(own, pieces, bandwidth)
    except DBAPIError:  # a lock timeout, a deadlock in the pruning: the next export sums again
        logger.warning("road sums not stored in export_cache", exc_info=True)


def write_road_km(conn: Connection, pieces: Pieces, bandwidth: float) -> None:
    conn.execute(
        text("""
            INSERT INTO public.export_cache (key, payload)
            VALUES (:key, :payload)
            ON CONFLICT (key) DO NOTHING
        """),
        {"key": road_km_key(pieces, bandwidth), "payload": pieces.road_km[bandwidth].tobytes()},
    )
    conn.execute(
        text("""
            DELETE FROM public.export_cache
            WHERE key LIKE 'road_km:%'
              AND key NOT IN (
                  SELECT key
                  FROM public.export_cache
                  WHERE key LIKE 'road_km:%'
                  ORDER BY made_at DESC
                  LIMIT :keep)
        """),
        {"keep": STORED},
    )
