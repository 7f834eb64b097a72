"""deploy/nginx.conf in front of two workers: TLS, gzip, static files, and cached tiles that are
never older than their URL says (versioned TileJSON URLs; everything else passes through)."""

import httpx
import pytest
from sqlalchemy import text

from bench.nginx import nginx_in_front
from gis_service.pg_cluster import free_port
from tests.layers.served import committed_admin, served, tile_features
from tests.layers.tile_helpers import tile_of


@pytest.fixture(scope="module")
def nginx(cluster, engine, tmp_path_factory):
    with served(cluster.url(), tmp_path_factory.mktemp("tiles"), tile_url_versions="true") as service:
        http_port, https_port = free_port(), free_port()
        service_port = int(service.rsplit(":", 1)[1])
        with nginx_in_front(tmp_path_factory.mktemp("nginx"), service_port, http_port, https_port):
            with httpx.Client(base_url=f"https://127.0.0.1:{https_port}", verify=False,
                              timeout=30) as client:
                yield client, http_port


def road_and_tile(engine):
    with engine.connect() as conn:
        row = conn.execute(text("""
            SELECT s.id, r.id AS road_id, r.name, ST_X(ST_Centroid(s.geom)) AS lon,
                   ST_Y(ST_Centroid(s.geom)) AS lat
            FROM road_segment s JOIN road r ON r.id = s.road_id ORDER BY s.id DESC LIMIT 1
        """)).one()
    return row, (16, *tile_of(row.lon, row.lat, 16))


def name_in(response: httpx.Response, segment_id: int) -> str:
    [feature] = [f for f in tile_features(response, "segments")
                 if f["properties"]["segment_id"] == segment_id]
    return feature["properties"]["road_name"]


def versioned_url(client: httpx.Client, tile) -> str:
    template = client.get("/tiles/segments.json").json()["tiles"][0]
    z, x, y = tile
    return template.replace("{z}", str(z)).replace("{x}", str(x)).replace("{y}", str(y))


def test_plain_http_is_sent_to_https(nginx):
    _client, http_port = nginx
    response = httpx.get(f"http://127.0.0.1:{http_port}/", follow_redirects=False)
    assert response.status_code == 301 and response.headers["location"].startswith("https://")


def test_a_write_shows_in_the_next_tile_through_nginx(nginx, engine):
    client, _ = nginx
    road, tile = road_and_tile(engine)
    gzip = {"Accept-Encoding": "gzip"}
    before = versioned_url(client, tile)
    assert before.startswith("https://127.0.0.1:") and "?v=" in before
    first, again = client.get(before, headers=gzip), client.get(before, headers=gzip)
    assert name_in(first, road.id) == name_in(again, road.id) == road.name
    assert again.headers["x-cache-status"] == "HIT"  # served by nginx alone
    assert again.headers["content-encoding"] == "gzip"
    new_name = f"{road.name}（经nginx）"
    with committed_admin(engine) as admin:
        try:
            renamed = client.patch(f"/api/roads/{road.road_id}", headers=admin, json={"name": new_name})
            assert renamed.status_code == 200, renamed.text
            after = versioned_url(client, tile)
            assert after != before
            assert name_in(client.get(after, headers=gzip), road.id) == new_name
            assert client.get(after, headers=gzip).headers["x-cache-status"] == "HIT"
            # the web map's plain URL is never kept by nginx: fresh from the service every time
            plain = client.get("/tiles/segments/{}/{}/{}.mvt".format(*tile))
            assert name_in(plain, road.id) == new_name
            assert plain.headers["x-cache-status"] != "HIT"
            # an old versioned URL still means the old state: what the TileJSON that gave it showed
            assert name_in(client.get(before, headers=gzip), road.id) == road.name
        finally:
            with engine.begin() as conn:
                conn.execute(text("UPDATE road SET name = :n WHERE id = :id"),
                             {"n": road.name, "id": road.road_id})


def test_static_files_are_served_by_nginx_gzipped(nginx):
    client, _ = nginx
    response = client.get("/static/js/map.js", headers={"Accept-Encoding": "gzip"})
    assert response.status_code == 200 and response.headers["content-encoding"] == "gzip"
    assert "server" in response.headers and response.headers["server"].startswith("nginx")
    assert "ol.source.VectorTile" in response.text
