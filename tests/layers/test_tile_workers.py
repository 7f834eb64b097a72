"""The tile cache the worker processes share: one render for all workers, and a write visible in
the very next tile request on any worker (real `uvicorn --workers 2`, committed writes)."""

import time

import httpx
import pytest
from sqlalchemy import text

from tests.layers.served import committed_admin, fresh_get, fresh_gets, served, tile_features
from tests.layers.tile_helpers import tile_of

REQUESTS = 8  # per tile and state, each on a new connection: both workers get some


@pytest.fixture(scope="module")
def server(cluster, engine, tmp_path_factory):
    # As deployed: each worker opens and warms its tile connections at start.
    with served(cluster.url(), tmp_path_factory.mktemp("tiles"), tile_warm_up="true") as base:
        yield base


def a_road_tile(engine) -> tuple[int, str, int, tuple[int, int, int]]:
    with engine.connect() as conn:
        row = conn.execute(text("""
            SELECT s.id, r.id AS road_id, r.name, ST_X(ST_Centroid(s.geom)) AS lon,
                   ST_Y(ST_Centroid(s.geom)) AS lat
            FROM road_segment s JOIN road r ON r.id = s.road_id
            ORDER BY s.id LIMIT 1
        """)).one()
    return row.id, row.name, row.road_id, (16, *tile_of(row.lon, row.lat, 16))


def names_in(base: str, segment_id: int, tile: tuple[int, int, int]) -> tuple[set[str], list[str]]:
    """The segment's road name as each of REQUESTS requests at once saw it, and their X-Tile-Store."""
    names, stores = set(), []
    url = f"{base}/tiles/segments/{tile[0]}/{tile[1]}/{tile[2]}.mvt"
    for response in fresh_gets(url, REQUESTS, headers={"Accept-Encoding": "gzip"}):
        [feature] = [f for f in tile_features(response, "segments")
                     if f["properties"]["segment_id"] == segment_id]
        names.add(feature["properties"]["road_name"])
        stores.append(response.headers.get("x-tile-store", "rendered"))
    return names, stores


def road_name_in(base: str, segment_id: int, tile: tuple[int, int, int]) -> str:
    """One request on a kept connection: only the delay of the notification and the tile."""
    response = httpx.get(f"{base}/tiles/segments/{tile[0]}/{tile[1]}/{tile[2]}.mvt", timeout=30)
    [feature] = [f for f in tile_features(response, "segments")
                 if f["properties"]["segment_id"] == segment_id]
    return feature["properties"]["road_name"]


def test_a_tile_is_rendered_once_for_all_workers(server, engine):
    with engine.connect() as conn:
        centre = conn.execute(text(
            "SELECT ST_X(c), ST_Y(c) FROM (SELECT ST_Centroid(ST_Extent(geom)) AS c FROM road_segment) AS e"
        )).one()
    renders, shared = 0, 0
    for dx in range(6):
        x, y = tile_of(*centre, 15)
        url = f"{server}/tiles/segments/15/{x + dx}/{y}.mvt"
        first = fresh_get(url)
        assert first.headers["x-tile-cache"] == "miss"
        others = fresh_gets(url, 2 * REQUESTS)
        assert {response.headers["x-tile-cache"] for response in others} == {"hit"}
        renders += 1
        shared += sum(response.headers.get("x-tile-store") == "shared" for response in others)
    # "shared": a worker's first request of a tile another worker rendered, read from the store
    assert renders == 6 and shared >= 1


def test_tiles_render_after_the_database_dropped_the_tile_connections(server, engine):
    """A restarted database (here: every tile connection ended by the server) costs no tile:
    the pool renders misses on connections it does not ping first, and tries again once."""
    with engine.connect() as conn:
        centre = conn.execute(text(
            "SELECT ST_X(c), ST_Y(c) FROM (SELECT ST_Centroid(ST_Extent(geom)) AS c FROM road_segment) AS e"
        )).one()
        for _ in range(2 * REQUESTS):  # both workers' connections opened and warmed up
            fresh_get(f"{server}/tiles/segments/17/0/0.mvt")
        ended = conn.execute(text(
            "SELECT count(*) FILTER (WHERE pg_terminate_backend(pid)) FROM pg_stat_activity "
            "WHERE application_name = 'roadchief-tiles'")).scalar()
    assert ended >= 2
    x, y = tile_of(*centre, 13)
    for dx in range(2 * REQUESTS):
        response = fresh_get(f"{server}/tiles/segments/13/{x + dx - REQUESTS}/{y}.mvt")
        assert response.status_code == 200, response.text
        assert response.headers["x-tile-cache"] == "miss"


def test_a_write_through_the_api_shows_in_the_next_tile_on_every_worker(server, engine):
    segment_id, name, road_id, tile = a_road_tile(engine)
    seen_shared = 0
    with committed_admin(engine) as admin:
        try:
            for round_ in range(6):
                new_name = f"{name}（测试{round_}）"
                response = httpx.patch(f"{server}/api/roads/{road_id}", headers=admin,
                                         json={"name": new_name}, timeout=30)
                assert response.status_code == 200, response.text
                names, stores = names_in(server, segment_id, tile)
                assert names == {new_name}, (round_, names)
                seen_shared += stores.count("shared")
        finally:
            with engine.begin() as conn:
                conn.execute(text("UPDATE road SET name = :n WHERE id = :id"), {"n": name, "id": road_id})
    assert seen_shared >= 1  # the other worker served some of them, from the store


def test_a_write_from_outside_the_service_shows_within_the_listeners_delay(server, engine):
    """psql, the CLI, imports: their commit notifies, and each worker's listener re-reads."""
    segment_id, name, road_id, tile = a_road_tile(engine)
    names_in(server, segment_id, tile)  # cached on both workers
    delays = []
    try:
        for round_ in range(5):
            new_name = f"{name}（外部{round_}）"
            with engine.begin() as conn:
                conn.execute(text("UPDATE road SET name = :n WHERE id = :id"),
                             {"n": new_name, "id": road_id})
            committed = time.monotonic()
            while road_name_in(server, segment_id, tile) != new_name:
                assert time.monotonic() - committed < 2.0, "not visible within 2 s"
            delays.append(time.monotonic() - committed)
            assert names_in(server, segment_id, tile)[0] == {new_name}  # and on every worker
    finally:
        with engine.begin() as conn:
            conn.execute(text("UPDATE road SET name = :n WHERE id = :id"), {"n": name, "id": road_id})
    print("outside write visible after (s):", [round(d, 3) for d in delays])
