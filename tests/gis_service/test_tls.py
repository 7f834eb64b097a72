"""`roadchief serve` over HTTPS: a throwaway CA and a certificate for 127.0.0.1 made with openssl, the
real command in a subprocess, /api/health fetched verifying against that CA only."""

import json
import os
import ssl
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest
from typer.testing import CliRunner

from gis_service.cli import app as cli_app
from gis_service.pg_cluster import free_port

ROOT = Path(__file__).resolve().parents[2]


def openssl(*args: str, cwd: Path) -> None:
    subprocess.run(["openssl", *args], cwd=cwd, check=True, capture_output=True)


def make_certificates(folder: Path) -> None:
    """The bureau's own CA, and a server certificate it signs for 127.0.0.1 (the README's commands)."""
    openssl("req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", "ca.key", "-out", "ca.pem",
            "-days", "2", "-subj", "/CN=Test Bureau CA", "-addext", "basicConstraints=critical,CA:true",
            "-addext", "keyUsage=critical,keyCertSign,cRLSign", cwd=folder)
    openssl("req", "-newkey", "rsa:2048", "-nodes", "-keyout", "server.key", "-out", "server.csr",
            "-subj", "/CN=127.0.0.1", cwd=folder)
    (folder / "san.ext").write_text("subjectAltName=IP:127.0.0.1,DNS:localhost\n"
                                    "extendedKeyUsage=serverAuth\nbasicConstraints=CA:false\n")
    openssl("x509", "-req", "-in", "server.csr", "-CA", "ca.pem", "-CAkey", "ca.key", "-CAcreateserial",
            "-out", "server.pem", "-days", "2", "-extfile", "san.ext", cwd=folder)


def test_serve_speaks_https_with_the_given_certificate(tmp_path, cluster, engine):
    make_certificates(tmp_path)
    port = free_port()
    env = {**os.environ, "DATABASE_URL": cluster.url(), "ROADCHIEF_HOST": "127.0.0.1", "ROADCHIEF_PORT": str(port),
           "ROADCHIEF_TLS_CERT": str(tmp_path / "server.pem"), "ROADCHIEF_TLS_KEY": str(tmp_path / "server.key")}
    server = subprocess.Popen([sys.executable, "-c", "from gis_service.cli import app; app()", "serve"],
                              cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    try:
        context = ssl.create_default_context(cafile=str(tmp_path / "ca.pem"))
        body = None
        deadline = time.monotonic() + 60
        while body is None:
            try:
                with urllib.request.urlopen(f"https://127.0.0.1:{port}/api/health", context=context, timeout=5) as r:
                    body = json.load(r)
            except (ConnectionError, urllib.error.URLError) as exc:
                if isinstance(getattr(exc, "reason", None), ssl.SSLError) or server.poll() is not None \
                        or time.monotonic() > deadline:
                    raise
                time.sleep(0.3)
        assert body["status"] == "ok"
        # Plain HTTP on the same port is not served, and a client without the CA refuses the certificate.
        with pytest.raises(urllib.error.URLError):
            urllib.request.urlopen(f"https://127.0.0.1:{port}/api/health", timeout=5)
    finally:
        server.terminate()
        server.wait(timeout=20)


@pytest.mark.parametrize("cert, key, english, chinese", [
    ("missing.pem", "server.key", "ROADCHIEF_TLS_CERT", "不存在"),
    ("server.pem", None, "set both ROADCHIEF_TLS_CERT and ROADCHIEF_TLS_KEY", "须同时设置"),
    ("server.pem", "folder", "cannot be read", "无法读取"),
    ("server.pem", "ca.key", "do not load together", "无法配对"),
])
def test_a_missing_or_wrong_certificate_is_told_in_both_languages(tmp_path, cert, key, english, chinese):
    make_certificates(tmp_path)
    (tmp_path / "folder").mkdir()
    env = {"ROADCHIEF_TLS_CERT": str(tmp_path / cert), "DATABASE_URL": "postgresql://nobody@127.0.0.1:1/none"}
    if key:
        env["ROADCHIEF_TLS_KEY"] = str(tmp_path / key)
    result = CliRunner().invoke(cli_app, ["serve"], env=env)
    assert result.exit_code == 1, result.output
    assert english in result.output and chinese in result.output
