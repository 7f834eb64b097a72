"""deploy/nginx.conf in front of two workers: TLS, gzip, static files, and cached tiles that are
never older than their URL says (versioned TileJSON URLs; everything else passes through)."""

import os
import subprocess
import time
from pathlib import Path

import httpx
import pytest
from sqlalchemy import text

from gis_service.pg_cluster import free_port
from tests.layers.served import PROJECT_DIR, committed_admin, served, tile_features
from tests.layers.tile_helpers import tile_of

NGINX = "/usr/sbin/nginx"  # Debian's package: scripts/install-system-packages.sh --test
SITE = PROJECT_DIR / "deploy" / "nginx.conf"


def site_config(folder: Path, service: str, http_port: int, https_port: int) -> str:
    """The shipped file with its placeholders (CHANGE) and ports set for this test."""
    site = SITE.read_text()
    for placeholder, value in {
        "127.0.0.1:8000": service.removeprefix("http://"),
        "listen 80;": f"listen 127.0.0.1:{http_port};",
        "listen 443 ssl http2;": f"listen 127.0.0.1:{https_port} ssl http2;",
        "/etc/ssl/roadchief/": f"{folder}/",
        "/var/cache/nginx/roadchief-tiles": str(folder / "cache"),
        "/srv/roadchief": str(PROJECT_DIR),
    }.items():
        assert placeholder in site, placeholder
        site = site.replace(placeholder, value)
    return "\n".join(line for line in site.splitlines() if "[::]" not in line)


def main_config(folder: Path) -> str:
    """What Debian's /etc/nginx/nginx.conf provides around a site, in the test's folder."""
    temp = {name: folder / name for name in ("body", "proxy", "fastcgi", "uwsgi", "scgi")}
    # as root nginx's workers would run as nobody, who cannot enter the test's folders
    user = "user root;" if os.geteuid() == 0 else ""
    return f"""
{user}
worker_processes 2;
pid {folder}/nginx.pid;
error_log {folder}/error.log warn;
events {{ worker_connections 1024; }}
http {{
    include /etc/nginx/mime.types;
    access_log off;
    client_body_temp_path {temp['body']};
    proxy_temp_path {temp['proxy']};
    fastcgi_temp_path {temp['fastcgi']};
    uwsgi_temp_path {temp['uwsgi']};
    scgi_temp_path {temp['scgi']};
    include {folder}/site.conf;
}}
"""


@pytest.fixture(scope="module")
def nginx(cluster, engine, tmp_path_factory):
    folder = tmp_path_factory.mktemp("nginx")
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1",
                    "-subj", "/CN=127.0.0.1", "-keyout", folder / "privkey.pem",
                    "-out", folder / "fullchain.pem"], check=True, capture_output=True)
    with served(cluster.url(), tmp_path_factory.mktemp("tiles"), tile_url_versions="true") as service:
        http_port, https_port = free_port(), free_port()
        (folder / "site.conf").write_text(site_config(folder, service, http_port, https_port))
        (folder / "nginx.conf").write_text(main_config(folder))
        subprocess.run([NGINX, "-t", "-c", folder / "nginx.conf"], check=True, capture_output=True)
        process = subprocess.Popen([NGINX, "-c", folder / "nginx.conf", "-g", "daemon off;"])
        client = httpx.Client(base_url=f"https://127.0.0.1:{https_port}", verify=False, timeout=30)
        try:
            for _ in range(100):
                try:
                    client.get("/api/health")
                    break
                except httpx.TransportError:
                    time.sleep(0.1)
            yield client, http_port
        finally:
            client.close()
            process.terminate()
            process.wait(10)


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
