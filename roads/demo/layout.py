"""The demo district's geometry, built in local metres and turned into WGS84 at the end.

The district is a development zone: a grid of numbered avenues (north-south) and roads (east-west)
with main roads among them, six sub-districts and 64 communities tiling it (Voronoi cells relaxed
towards regular shapes), and back lanes (街巷) off the east-west roads, denser in villages.
"""

from dataclasses import dataclass, field

import numpy as np
import shapely
from shapely.geometry import LineString, MultiPoint, Point, Polygon, box
from shapely.ops import substring

from roads.demo import names

# South-west corner of the district (郑州经开区, south-east of Zhengzhou) and its size in metres.
ORIGIN_LON, ORIGIN_LAT = 113.680, 34.655
WIDTH_M, HEIGHT_M = 14_600.0, 11_100.0
METRES_PER_DEG_LAT = 110_574.0
METRES_PER_DEG_LON = 111_320.0 * np.cos(np.radians(ORIGIN_LAT + HEIGHT_M / 2 / METRES_PER_DEG_LAT))

SUB_DISTRICT_SEEDS = [(3000, 2800), (8600, 3300), (12600, 2600), (2600, 8600), (8200, 8100),
                      (12900, 8700)]
LANE_RATE_PER_SIDE = 1.2  # lanes per block side at scale 1
VILLAGE_LANE_FACTOR = 3.0


@dataclass
class Road:
    name: str
    road_class: str
    pieces: list[LineString] = field(default_factory=list)


@dataclass
class DistrictLayout:
    outline: Polygon
    sub_districts: list[tuple[str, str, Polygon]]
    communities: list[tuple[str, str, str, str, Polygon]]  # code, name, kind, sub-district code
    roads: list[Road]
    sites: list[Polygon]
    resettlement_points: list[Point]
    markets: list[Point]


def district_outline() -> Polygon:
    w, h = WIDTH_M, HEIGHT_M
    return Polygon([(0, 600), (600, 0), (w - 900, 0), (w, 900), (w, h - 400), (w - 1500, h),
                    (700, h), (0, h - 800)])


def voronoi_cells(seeds: np.ndarray, within: Polygon) -> list[Polygon]:
    """The Voronoi cell of each seed, in seed order, clipped to `within`."""
    cells = shapely.voronoi_polygons(MultiPoint(seeds), extend_to=within.buffer(5000))
    cell_list = list(cells.geoms)
    ordered = []
    for seed in seeds:
        point = Point(seed)
        cell = next(c for c in cell_list if c.covers(point))
        ordered.append(cell.intersection(within))
    return ordered


def random_points_in(polygon: Polygon, count: int, rng: np.random.Generator) -> np.ndarray:
    minx, miny, maxx, maxy = polygon.bounds
    points: list[tuple[float, float]] = []
    while len(points) < count:
        xs = rng.uniform(minx, maxx, count * 2)
        ys = rng.uniform(miny, maxy, count * 2)
        inside = shapely.contains_xy(polygon, xs, ys)
        points.extend(zip(xs[inside], ys[inside], strict=True))
    return np.array(points[:count])


def relaxed_cells(polygon: Polygon, count: int, rng: np.random.Generator) -> list[Polygon]:
    """`count` cells tiling `polygon`, made compact by a few rounds of Lloyd relaxation."""
    seeds = random_points_in(polygon, count, rng)
    for _ in range(4):
        cells = voronoi_cells(seeds, polygon)
        seeds = np.array([cell.centroid.coords[0] for cell in cells])
    return voronoi_cells(seeds, polygon)


def boundaries(rng: np.random.Generator):
    outline = district_outline()
    sub_cells = voronoi_cells(np.array(SUB_DISTRICT_SEEDS, dtype=float), outline)
    sub_districts, communities = [], []
    community_names = iter(names.COMMUNITIES)
    for (code, name, count), cell in zip(names.SUB_DISTRICTS, sub_cells, strict=True):
        sub_districts.append((code, name, cell))
        for index, community_cell in enumerate(relaxed_cells(cell, count, rng), start=1):
            community_name, kind = next(community_names)
            communities.append((f"{code}{index:02d}", community_name, kind, code, community_cell))
    return outline, sub_districts, communities


def wavy_line(start, end, rng: np.random.Generator, wobble_m: float = 12.0) -> LineString:
    """A straight road with a little lateral wobble, so the grid does not look ruled."""
    t = np.linspace(0, 1, 6)
    xs = start[0] + (end[0] - start[0]) * t
    ys = start[1] + (end[1] - start[1]) * t
    dx, dy = end[0] - start[0], end[1] - start[1]
    length = np.hypot(dx, dy)
    offsets = rng.normal(0, wobble_m, len(t))
    offsets[[0, -1]] = 0
    return LineString(np.column_stack([xs - dy / length * offsets, ys + dx / length * offsets]))


def grid_roads(outline: Polygon, rng: np.random.Generator) -> list[Road]:
    xs = np.linspace(350, WIDTH_M - 350, 22) + rng.normal(0, 30, 22)
    ys = np.linspace(HEIGHT_M - 300, 300, len(names.EAST_WEST_ROADS)) + rng.normal(0, 30, len(names.EAST_WEST_ROADS))
    roads: list[tuple[Road, LineString]] = []
    for index, x in enumerate(xs):
        name, road_class = names.avenue_name(index)
        line = wavy_line((x, -500), (x + rng.normal(0, 60), HEIGHT_M + 500), rng)
        roads.append((Road(name, road_class), _partial(line, road_class, ys, 1, rng)))
    for (name, road_class), y in zip(names.EAST_WEST_ROADS, ys, strict=True):
        line = wavy_line((-500, y), (WIDTH_M + 500, y + rng.normal(0, 60)), rng)
        roads.append((Road(name, road_class), _partial(line, road_class, xs, 0, rng)))
    lines = [line.intersection(outline) for _, line in roads]
    for (road, _), line in zip(roads, lines, strict=True):
        crossings = shapely.union_all([other for other in lines if other is not line]).intersection(line)
        road.pieces = split_at(line, crossings)
    return [road for road, _ in roads if road.pieces]


def _partial(line: LineString, road_class: str, cross_positions, axis: int, rng) -> LineString:
    """Minor roads sometimes run only between two cross roads, making T-junctions."""
    if road_class != "支路" or rng.random() > 0.3:
        return line
    low, high = sorted(rng.choice(len(cross_positions), 2, replace=False))
    lo, hi = sorted((cross_positions[low], cross_positions[high]))
    clip = box(lo, -1e4, hi, 1e5) if axis == 0 else box(-1e4, lo, 1e5, hi)
    return line.intersection(clip.buffer(1.0))


def split_at(line, points) -> list[LineString]:
    """Cut a (multi)line at the given points; pieces shorter than a metre are dropped."""
    parts = list(line.geoms) if hasattr(line, "geoms") else [line]
    point_list = list(getattr(points, "geoms", [points])) if not points.is_empty else []
    pieces = []
    for part in parts:
        if part.geom_type != "LineString" or part.length < 1.0:
            continue
        cuts = sorted({part.project(p) for p in point_list if part.distance(p) < 0.01})
        edges = [0.0, *[c for c in cuts if 0.5 < c < part.length - 0.5], part.length]
        pieces.extend(substring(part, a, b) for a, b in zip(edges, edges[1:], strict=False) if b - a >= 1.0)
    return pieces


def lanes(roads: list[Road], communities, scale: float, rng: np.random.Generator) -> list[Road]:
    """Back lanes running north or south off the east-west roads, never reaching the opposite road."""
    east_west = [piece for road in roads for piece in road.pieces
                 if abs(piece.coords[-1][0] - piece.coords[0][0]) > abs(piece.coords[-1][1] - piece.coords[0][1])]
    village_polys = [c[4] for c in communities if c[2] != "社区"]
    villages = shapely.union_all(village_polys)
    community_tree = shapely.STRtree([c[4] for c in communities])
    counters: dict[int, int] = {}
    result = []
    for piece in east_west:
        midpoint = piece.interpolate(0.5, normalized=True)
        rate = LANE_RATE_PER_SIDE * scale * (VILLAGE_LANE_FACTOR if villages.contains(midpoint) else 1.0)
        for side in (1, -1):
            count = rng.poisson(rate * piece.length / 660)
            if count == 0:
                continue
            positions = np.sort(rng.uniform(0.1, 0.9, count))
            starts = shapely.line_interpolate_point(piece, positions, normalized=True)
            lengths = rng.uniform(60, 250, count)
            for start, length in zip(starts, lengths, strict=True):
                x, y = start.x, start.y
                lane = LineString([(x, y), (x + rng.normal(0, 4), y + side * length)])
                hit = community_tree.query(start, predicate="intersects")
                community_index = int(hit[0]) if len(hit) else 0
                counters[community_index] = counters.get(community_index, 0) + 1
                name = lane_name(communities[community_index][1], counters[community_index])
                result.append(Road(name, "街巷", [lane]))
    return result


def lane_name(community_name: str, number: int) -> str:
    prefix = community_name.removesuffix("社区").removesuffix("村")
    if number <= len(names.CHINESE_NUMERALS):
        return f"{prefix}{names.CHINESE_NUMERALS[number - 1]}巷"
    return f"{prefix}{number}号巷"


def construction_sites(roads: list[Road], outline: Polygon, count: int, rng) -> list[Polygon]:
    pieces = [p for road in roads if road.road_class != "街巷" for p in road.pieces if p.length > 300]
    sites: list[Polygon] = []
    while len(sites) < count:
        piece = pieces[rng.integers(len(pieces))]
        anchor = piece.interpolate(rng.uniform(0.3, 0.7), normalized=True)
        dx, dy = (rng.uniform(-1, 1) * 40, rng.choice([-1, 1]) * rng.uniform(110, 200))
        width, height = rng.uniform(60, 220), rng.uniform(50, 150)
        cx, cy = anchor.x + dx, anchor.y + dy
        site = shapely.affinity.rotate(box(cx - width / 2, cy - height / 2, cx + width / 2, cy + height / 2),
                                       rng.normal(0, 4))
        if outline.contains(site) and not any(site.intersects(s) for s in sites[-60:]):
            sites.append(site)
    return sites


def build(scale: float, rng: np.random.Generator, site_count: int = 245, point_count: int = 49) -> DistrictLayout:
    outline, sub_districts, communities = boundaries(rng)
    roads = grid_roads(outline, rng)
    roads += lanes(roads, communities, scale, rng)
    sites = construction_sites(roads, outline, site_count, rng)
    villages = [c[4] for c in communities if c[2] != "社区"]
    points = [Point(xy) for xy in random_points_in(shapely.union_all(villages), point_count, rng)]
    crossings = [road.pieces[0].coords[0] for road in roads if road.road_class != "街巷"]
    market_ids = rng.choice(len(crossings), len(names.MARKET_NAMES), replace=False)
    markets = [Point(crossings[i]) for i in market_ids]
    return DistrictLayout(outline, sub_districts, communities, roads, sites, points, markets)


def to_lonlat(geometry):
    """Local metres to WGS84 longitude/latitude (an equirectangular frame, exact enough for a demo)."""
    return shapely.transform(
        geometry,
        lambda xy: np.column_stack([ORIGIN_LON + xy[:, 0] / METRES_PER_DEG_LON,
                                    ORIGIN_LAT + xy[:, 1] / METRES_PER_DEG_LAT]),
    )
