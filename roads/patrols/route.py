"""A suggested patrol route over a chief's own segments: a closed walk that covers each of them,
from a start point, found as a rural postman tour on the road graph (networkx).

The graph: every segment near the chief's is an edge between its end points (rounded to ~1 m).
Where two roads cross without a shared vertex, or a gap separates pieces, end points within 60 m
are joined by short connectors (walked straight). Then the classic heuristic: the chief's segments
as required edges; their pieces joined by shortest paths along a minimum spanning tree; odd
nodes paired by a minimum-weight matching of shortest paths; an Euler circuit from the start."""

import itertools
import json
import math

import networkx as nx
import numpy as np
from sqlalchemy import Connection, text

from roads.errors import InvalidInput, NotFound

NEAR_DEG = 0.01  # the network read around the chief's segments (~1 km)
CONNECT_M = 60.0
M_PER_DEG_LAT = 110_574.0


def node(lon: float, lat: float) -> tuple[float, float]:
    return round(lon, 5), round(lat, 5)


def metres(a, b) -> float:
    kx = 111_320.0 * math.cos(math.radians((a[1] + b[1]) / 2))
    return math.hypot((a[0] - b[0]) * kx, (a[1] - b[1]) * M_PER_DEG_LAT)


def road_graph(rows) -> nx.Graph:
    graph = nx.Graph()
    for row in rows:
        coords = [tuple(c) for c in json.loads(row.geom)["coordinates"]]
        u, v = node(*coords[0]), node(*coords[-1])
        if u == v:
            continue
        if graph.has_edge(u, v) and graph[u][v]["weight"] <= row.length_m:
            continue
        graph.add_edge(u, v, weight=row.length_m, segment_id=row.id, coords=coords)
    nodes = list(graph.nodes)
    xy = np.array(nodes)
    for a in nodes:
        kx = 111_320.0 * math.cos(math.radians(a[1]))
        d = np.hypot((xy[:, 0] - a[0]) * kx, (xy[:, 1] - a[1]) * M_PER_DEG_LAT)
        for j in np.nonzero((d < CONNECT_M) & (d > 0))[0]:
            b = nodes[int(j)]
            if not graph.has_edge(a, b):
                graph.add_edge(a, b, weight=float(d[j]) * 1.2, segment_id=None, coords=[a, b])
    return graph


def connect(graph: nx.Graph, components: list[set]) -> None:
    """Join separate parts of the road graph by the straight connector between nearest nodes."""
    main = max(components, key=len)
    for other in components:
        if other is main:
            continue
        a, b = min(itertools.product(other, main), key=lambda pair: metres(*pair))
        graph.add_edge(a, b, weight=metres(a, b) * 1.2, segment_id=None, coords=[a, b])


def tour(graph: nx.Graph, required: list[tuple], start) -> list[tuple]:
    """Edges (u, v) of a closed walk covering every required edge, from `start`."""
    walk = nx.MultiGraph()
    walk.add_edges_from(required)
    parts = [list(c) for c in nx.connected_components(walk)]
    if len(parts) > 1:
        between = nx.Graph()
        paths = {}
        for i, j in itertools.combinations(range(len(parts)), 2):
            length, path = nx.multi_source_dijkstra(graph, set(parts[i]), weight="weight")
            target = min(parts[j], key=lambda n: length.get(n, math.inf))
            between.add_edge(i, j, weight=length[target])
            paths[(i, j)] = path[target]
        for i, j in nx.minimum_spanning_edges(between, data=False):
            path = paths[(min(i, j), max(i, j))]
            walk.add_edges_from(zip(path, path[1:], strict=False))
    odd = [n for n, degree in walk.degree() if degree % 2]
    pairing = nx.Graph()
    lengths = {a: nx.single_source_dijkstra(graph, a, weight="weight") for a in odd}
    for a, b in itertools.combinations(odd, 2):
        pairing.add_edge(a, b, weight=lengths[a][0][b])
    for a, b in nx.min_weight_matching(pairing):
        path = lengths[a][1][b]
        walk.add_edges_from(zip(path, path[1:], strict=False))
    source = start if start in walk else min(walk.nodes, key=lambda n: metres(n, start))
    return [(u, v) for u, v, _ in nx.eulerian_circuit(walk, source=source, keys=True)]


def patrol_route(conn: Connection, chief_id: int, start: tuple[float, float] | None = None) -> dict:
    """The suggested walk as GeoJSON: a LineString, the order of segments, lengths."""
    own = conn.execute(text("""
        SELECT DISTINCT s.id, s.length_m, ST_AsGeoJSON(s.geom, 7) AS geom
        FROM public.segment_assignment AS a JOIN public.road_segment AS s ON s.id = a.segment_id
        WHERE a.chief_id = :c AND a.valid_to IS NULL
        ORDER BY s.id
    """), {"c": chief_id}).all()
    if not own:
        if conn.execute(text("SELECT NOT EXISTS (SELECT 1 FROM public.chief WHERE id = :c)"), {"c": chief_id}).scalar():
            raise NotFound(f"chief {chief_id} does not exist", f"未找到编号为 {chief_id} 的路长")
        raise InvalidInput(f"chief {chief_id} holds no segment", f"路长 {chief_id} 目前没有负责的路段")
    if len(own) > 200:
        raise InvalidInput(f"chief {chief_id} holds {len(own)} segments; a route is made for at most 200",
                           f"路长 {chief_id} 负责 {len(own)} 个路段，超过 200 个，无法生成巡查路线")
    near = conn.execute(text("""
        SELECT s.id, s.length_m, ST_AsGeoJSON(s.geom, 7) AS geom
        FROM public.road_segment AS s
        WHERE s.geom && (SELECT ST_Expand(ST_Extent(o.geom), :d) FROM public.road_segment AS o WHERE o.id = ANY (:ids))
    """), {"d": NEAR_DEG, "ids": [r.id for r in own]}).all()
    graph = road_graph(near)
    components = [set(c) for c in nx.connected_components(graph)]
    if len(components) > 1:
        connect(graph, components)
    own_ids = {r.id for r in own}
    required = [(u, v) for u, v, data in graph.edges(data=True) if data["segment_id"] in own_ids]
    first = json.loads(own[0].geom)["coordinates"][0]
    start_node = node(*start) if start else node(*first)
    edges = tour(graph, required, start_node)
    return route_geojson(graph, edges, own_ids, chief_id)


def route_geojson(graph: nx.Graph, edges: list[tuple], own_ids: set[int], chief_id: int) -> dict:
    coords, order, total, covered = [], [], 0.0, set()
    for u, v in edges:
        data = graph[u][v]
        line = data["coords"] if node(*data["coords"][0]) == u else list(reversed(data["coords"]))
        coords.extend(line if not coords else line[1:])
        total += data["weight"]
        if data["segment_id"] is not None:
            order.append({"segment_id": data["segment_id"], "own": data["segment_id"] in own_ids})
            covered.add(data["segment_id"])
    own_length = sum(graph[u][v]["weight"] for u, v, d in graph.edges(data=True) if d["segment_id"] in own_ids)
    return {"type": "Feature", "geometry": {"type": "LineString", "coordinates": coords},
            "properties": {"chief_id": chief_id, "length_m": round(total, 1),
                           "own_length_m": round(own_length, 1),
                           "segments": order, "covers_all": own_ids <= covered,
                           "minutes_at_walking_pace": round(total / 1.3 / 60)}}
