"""The bulk import's row checks, in Python and by the chunk: the same problems, in the same order
and words, as single intake finds them one row at a time (repository.insert_issue)."""

from dataclasses import dataclass, field
from datetime import datetime, timedelta

import numpy as np
import shapely
from sqlalchemy import Connection, text

from roads.issues.readers import Reject
from roads.issues.snap_batch import Network, contenders

FUTURE_SKEW = timedelta(minutes=5)
# A point this close (degrees, about 0.1 mm) to a community's edge is placed by PostgreSQL, as
# single intake places it: which side a point on the line falls is the two libraries' own choice.
EDGE_DEG = 1e-9


@dataclass
class CheckedChunk:
    """A chunk's good rows, ready to snap and write, and its rejects."""

    rows: list[tuple]  # the good rows (readers.STAGING_COLUMNS), in file order
    communities: list[int | None]  # each good row's community; None: PostgreSQL places it
    points: list[str]  # each good row's point, hex EWKB: what ST_MakePoint(lon, lat) builds
    # The (good row, contender) pairs, by row then segment id: the row's index in `rows`, the
    # segment's id and its place in the network's arrays.
    pair_row: np.ndarray
    pair_segment: np.ndarray
    pair_position: np.ndarray
    rejects: list[Reject]
    order: list[int] = field(default_factory=list)  # the rows by their points' Z-order (z_order)

    @property
    def unsure_community(self) -> bool:
        return None in self.communities


@dataclass
class Communities:
    ids: np.ndarray
    tree: shapely.STRtree
    edges: shapely.STRtree

    @classmethod
    def load(cls, conn: Connection) -> "Communities":
        rows = conn.execute(
            text("SELECT c.id, ST_AsBinary(c.geom) FROM public.community AS c ORDER BY c.id")
        ).all()
        polygons = shapely.from_wkb([bytes(r[1]) for r in rows])
        rings = shapely.get_rings(shapely.get_parts(polygons)) if len(polygons) else []
        coords = [shapely.get_coordinates(ring) for ring in rings]
        edges = [shapely.linestrings(np.stack([c[:-1], c[1:]], axis=1)) for c in coords]
        return cls(
            ids=np.array([r[0] for r in rows], dtype=np.int64),
            tree=shapely.STRtree(polygons),
            edges=shapely.STRtree(np.concatenate(edges) if edges else []),
        )

    def place(self, points: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """The lowest id of the communities each point lies in (-1: none), and which points lie
        on an edge, to be placed by PostgreSQL."""
        community = np.full(len(points), np.iinfo(np.int64).max)
        point_i, tree_i = self.tree.query(points, predicate="intersects")
        np.minimum.at(community, point_i, self.ids[tree_i])
        community[community == np.iinfo(np.int64).max] = -1
        on_edge = np.zeros(len(points), dtype=bool)
        on_edge[self.edges.query(points, predicate="dwithin", distance=EDGE_DEG)[0]] = True
        return community, on_edge


@dataclass
class RowChecker:
    categories: dict[str, str | None]  # code -> parent code
    communities: Communities
    network: Network
    snap_distance_m: float
    latest: datetime  # reported_at beyond this is in the future
    now: datetime  # the transaction's now(): reported_at when the file gives none

    @classmethod
    def load(cls, conn: Connection, network: Network, snap_distance_m: float) -> "RowChecker":
        categories = dict(
            conn.execute(text("SELECT code, parent_code FROM public.issue_category")).all()
        )
        now = conn.execute(text("SELECT now()")).scalar_one()
        return cls(categories, Communities.load(conn), network, snap_distance_m, now + FUTURE_SKEW,
                   now)

    def check(self, rows: list[tuple]) -> CheckedChunk:
        """Rows in readers.STAGING_COLUMNS order -> the good ones with community and contenders."""
        lon = np.array([r[1] for r in rows], dtype=float)
        lat = np.array([r[2] for r in rows], dtype=float)
        points = shapely.points(lon, lat)
        community, on_edge = self.communities.place(points)
        # Python lists, not numpy scalars, in the loop: a numpy item costs several list items.
        community_of, on_edge_of = community.tolist(), on_edge.tolist()
        good, places, rejects = [], [], []
        for i, row in enumerate(rows):
            problem = self.problem(row, community_of[i], on_edge_of[i])
            if problem:
                rejects.append(Reject(row[0], problem))
            else:
                good.append(i)
                places.append(None if on_edge_of[i] else community_of[i])
        kept = np.array(good, dtype=np.int64)
        none = np.zeros(0, dtype=np.int64)
        if not good:
            return CheckedChunk([], [], [], none, none, none, rejects)
        candidates = contenders(self.network, lon[kept], lat[kept], self.snap_distance_m)
        return CheckedChunk(
            rows=[rows[i] for i in good],
            communities=places,
            points=point_ewkb(lon[kept], lat[kept]),
            pair_row=np.repeat(np.arange(len(kept)), candidates.ends - candidates.starts),
            pair_segment=candidates.segment_ids,
            pair_position=candidates.positions,
            rejects=rejects,
            order=np.argsort(z_order(lon[kept], lat[kept]), kind="stable").tolist(),
        )

    def problem(self, row: tuple, community: int, on_edge: bool) -> str | None:
        _, lon, lat, code, description, reported_at, reporter, address = row
        if code not in self.categories:
            return "unknown category " + quote_literal(code)
        if self.categories[code] is None:
            return quote_literal(code) + " is a major task, not a sub-item"
        if community < 0 and not on_edge:
            return f"the point ({pg_float(lon)}, {pg_float(lat)}) lies outside the district"
        if reported_at is not None and reported_at > self.latest:
            return "reported_at is in the future"
        if "\0" in description or "\0" in (reporter or "") or "\0" in (address or ""):
            return "a NUL character in the text (PostgreSQL's text cannot hold one)"
        return None


def z_order(lon: np.ndarray, lat: np.ndarray) -> np.ndarray:
    """A Z-order (Morton) key of each point: lon and lat on a 2^31 grid of the globe (about 2 cm),
    their bits interleaved; points near each other mostly have keys near each other."""
    cells = np.float64(2**31 - 1)
    x = (np.clip((lon + 180.0) / 360.0, 0.0, 1.0) * cells).astype(np.uint64)
    y = (np.clip((lat + 90.0) / 180.0, 0.0, 1.0) * cells).astype(np.uint64)
    return spread_bits(x) | (spread_bits(y) << np.uint64(1))


def spread_bits(v: np.ndarray) -> np.ndarray:
    """The 32 low bits of each value moved to the even bits of a 64-bit one."""
    for shift, mask in ((16, 0x0000FFFF0000FFFF), (8, 0x00FF00FF00FF00FF), (4, 0x0F0F0F0F0F0F0F0F),
                        (2, 0x3333333333333333), (1, 0x5555555555555555)):
        v = (v | (v << np.uint64(shift))) & np.uint64(mask)
    return v


def point_ewkb(lon: np.ndarray, lat: np.ndarray) -> list[str]:
    """Each point as hex EWKB with SRID 4326, the geometry ST_SetSRID(ST_MakePoint(lon, lat), 4326)
    builds (the same bytes as shapely.to_wkb(..., include_srid=True), 0.2 µs a point, not 1.8)."""
    record = np.empty(len(lon), dtype=[("head", "S9"), ("x", "<f8"), ("y", "<f8")])
    record["head"] = b"\x01\x01\x00\x00\x20\xe6\x10\x00\x00"  # little-endian Point+SRID, 4326
    record["x"], record["y"] = lon, lat
    hexed = record.tobytes().hex().upper()
    return [hexed[i:i + 50] for i in range(0, 50 * len(lon), 50)]


def quote_literal(value: str) -> str:
    """PostgreSQL's quote_literal, as the SQL checks wrote the code into the reason."""
    quoted = "'" + value.replace("\\", "\\\\").replace("'", "''") + "'"
    return "E" + quoted if "\\" in value else quoted


def pg_float(value: float) -> str:
    """A float8 as PostgreSQL prints it (format('%s')): shortest round trip, no trailing '.0'."""
    shown = repr(float(value))
    return shown[:-2] if shown.endswith(".0") else shown
