"""Uploads are judged before they are read: no token → 401, over the limit → 413, and zipped files
are refused from their headers when they would unpack to too much (zip bombs)."""

import io
import random
import socket
import time
import zipfile

import geopandas as gpd
import pytest
from shapely.geometry import Point

from roads.errors import TooLarge
from roads.gisio.read import read_source
from tests.gis_service.browser import serve
from tests.helpers import make_user

LOOKS_LIKE_A_TOKEN = "A" * 43  # the shape of a token, so the guard lets it through to the limit
GIB = 1 << 30


def zipped_points(folder, dbf_padding: bytes = b"") -> bytes:
    """A zipped one-point Shapefile; `dbf_padding` is appended to its .dbf, as a bomb would be."""
    gpd.GeoDataFrame({"name": ["一号点"]}, geometry=[Point(113.76, 34.70)], crs=4326).to_file(
        folder / "p.shp", encoding="UTF-8")
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for suffix in (".shp", ".shx", ".prj"):
            archive.write(folder / f"p{suffix}", f"p{suffix}")
        with archive.open("p.dbf", "w", force_zip64=True) as member:
            member.write((folder / "p.dbf").read_bytes())
            for start in range(0, len(dbf_padding), 1 << 20):
                member.write(dbf_padding[start:start + (1 << 20)])
    return buffer.getvalue()


def test_a_zip_holding_200_mb_of_zeros_is_refused_from_its_header_at_once(tmp_path):
    path = tmp_path / "bomb.zip"
    path.write_bytes(zipped_points(tmp_path, bytes(200 << 20)))
    assert path.stat().st_size < 1 << 20
    with pytest.raises(TooLarge) as refused:
        read_source(path, "resettlement_points")
    # The ratio is read from the zip's directory: refused before a byte of it is unpacked.
    assert "compressed more than 100:1" in refused.value.public_message
    assert "压缩比超过 100:1" in refused.value.message_zh


def test_a_zipped_shapefile_that_unpacks_past_the_limit_is_413_naming_it(client, conn, tmp_path):
    client.headers.update(make_user(conn, "t_upload_admin", "district_admin"))
    client.app.state.settings.upload_max_unpacked_bytes = 1 << 20
    noise = random.Random(1).randbytes(2 << 20)  # 2 MB that deflate cannot squeeze
    body = zipped_points(tmp_path, noise)
    response = client.post("/api/imports/resettlement_points", files={"file": ("p.zip", body)})
    assert response.status_code == 413, response.text
    assert "more than the limit of 1,048,576 bytes" in response.json()["error"]
    assert "1 MB 的上限" in response.json()["message_zh"]


def test_a_small_zipped_shapefile_still_imports(client, conn, tmp_path):
    client.headers.update(make_user(conn, "t_upload_admin", "district_admin"))
    body = zipped_points(tmp_path)
    response = client.post("/api/imports/resettlement_points", data={"dry_run": "true"},
                           files={"file": ("p.zip", body)})
    assert response.status_code == 200, response.text
    assert response.json()["created"] == 1


def raw_request(base_url: str, head: str, body: bytes = b"", wait_s: float = 5) -> bytes:
    """Send `head` (and `body`) on a plain socket; the whole answer that comes back."""
    host, port = base_url.removeprefix("http://").split(":")
    with socket.create_connection((host, int(port)), timeout=wait_s) as sock:
        sock.sendall(head.encode() + b"\r\n")
        try:
            sock.sendall(body)
        except (BrokenPipeError, ConnectionResetError):
            pass  # the server answered and closed before taking it all: what we want
        answer = b""
        while not complete(answer):
            chunk = sock.recv(65536)
            if not chunk:
                break
            answer += chunk
    return answer


def complete(answer: bytes) -> bool:
    head, found, body = answer.partition(b"\r\n\r\n")
    if not found:
        return False
    for line in head.lower().split(b"\r\n"):
        if line.startswith(b"content-length:"):
            return len(body) >= int(line.split(b":")[1])
    return True


def upload_head(path: str, length: int | None, token: str | None) -> str:
    lines = [f"POST {path} HTTP/1.1", "Host: 127.0.0.1",
             "Content-Type: multipart/form-data; boundary=XXX"]
    if token:
        lines.append(f"Authorization: Bearer {token}")
    lines.append(f"Content-Length: {length}" if length is not None else "Transfer-Encoding: chunked")
    return "\r\n".join(lines) + "\r\n"


@pytest.fixture(scope="module")
def server(engine, tmp_path_factory):
    from gis_service.settings import Settings

    folder = tmp_path_factory.mktemp("uploads")
    settings = Settings(database_url=engine.url.render_as_string(hide_password=False),
                        data_dir=folder / "unused", photo_dir=folder / "photos",
                        upload_max_bytes=100_000)
    with serve(settings, engine) as base_url:
        yield base_url


@pytest.mark.parametrize("path", ["/api/issues/import", "/api/assignments/import", "/api/issues",
                                  "/api/issues/7/photos", "/api/imports/roads"])
def test_an_anonymous_2_gib_upload_is_401_before_its_body_is_sent(server, path):
    started = time.monotonic()
    answer = raw_request(server, upload_head(path, 2 * GIB, token=None))
    assert answer.startswith(b"HTTP/1.1 401"), answer[:200]
    assert time.monotonic() - started < 2


@pytest.mark.parametrize("path", ["/api/issues/import", "/api/assignments/import", "/api/issues",
                                  "/api/issues/7/photos", "/api/imports/roads"])
def test_a_signed_in_2_gib_upload_is_413_before_its_body_is_sent(server, path):
    started = time.monotonic()
    answer = raw_request(server, upload_head(path, 2 * GIB, token=LOOKS_LIKE_A_TOKEN))
    assert answer.startswith(b"HTTP/1.1 413"), answer[:200]
    assert b"limit of 100,000 bytes" in answer
    assert time.monotonic() - started < 2


def test_a_chunked_upload_is_cut_off_with_413_at_the_limit(server):
    piece = b"--XXX\r\nContent-Disposition: form-data; name=\"file\"; filename=\"a.csv\"\r\n\r\n"
    piece += b"x" * 300_000
    chunked = f"{len(piece):x}\r\n".encode() + piece + b"\r\n0\r\n\r\n"
    answer = raw_request(server, upload_head("/api/issues/import", None, LOOKS_LIKE_A_TOKEN), chunked)
    assert answer.startswith(b"HTTP/1.1 413"), answer[:300]
    assert b"limit of 100,000 bytes" in answer


def test_a_small_upload_still_reaches_the_handler(server):
    # A made-up token of the right shape passes the guard; the handler then checks it (401).
    body = (b"--XXX\r\nContent-Disposition: form-data; name=\"file\"; filename=\"a.csv\"\r\n\r\n"
            b"lon,lat\r\n--XXX--\r\n")
    answer = raw_request(server, upload_head("/api/issues/import", len(body), LOOKS_LIKE_A_TOKEN),
                         body)
    assert answer.startswith(b"HTTP/1.1 401"), answer[:300]
    assert b"www-authenticate" in answer.lower()
