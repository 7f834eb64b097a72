"""Debian's nginx with deploy/nginx.conf in front of a local service, in a folder of its own:
for bench/tiles.py and tests/layers/test_nginx.py. The shipped file is used as it is, only its
placeholders (marked CHANGE) and ports replaced."""

import os
import subprocess
import time
from contextlib import contextmanager
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
NGINX = "/usr/sbin/nginx"  # Debian's package (scripts/install-system-packages.sh --test)
SITE = ROOT / "deploy" / "nginx.conf"


def site_config(folder: Path, service_port: int, http_port: int, https_port: int,
                tls: bool = True) -> str:
    site = SITE.read_text()
    https_listen = f"listen 127.0.0.1:{https_port}" + (" ssl http2;" if tls else ";")
    for placeholder, value in {
        "127.0.0.1:8000": f"127.0.0.1:{service_port}",
        "listen 80;": f"listen 127.0.0.1:{http_port};",
        "listen 443 ssl http2;": https_listen,
        "/etc/ssl/roadchief/": f"{folder}/",
        "/var/cache/nginx/roadchief-tiles": str(folder / "cache"),
        "/srv/roadchief": str(ROOT),
    }.items():
        if placeholder not in site:
            raise ValueError(f"deploy/nginx.conf has no {placeholder!r} any more")
        site = site.replace(placeholder, value)
    return "\n".join(line for line in site.splitlines() if "[::]" not in line)


def main_config(folder: Path, workers: int) -> str:
    """What Debian's /etc/nginx/nginx.conf puts around a site, in `folder`."""
    # As root, nginx's workers would run as nobody, who cannot enter the folders made here.
    user = "user root;" if os.geteuid() == 0 else ""
    temp = "\n".join(f"    {name}_temp_path {folder / name};"
                     for name in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi"))
    return f"""{user}
worker_processes {workers};
pid {folder}/nginx.pid;
error_log {folder}/error.log warn;
events {{ worker_connections 4096; }}
http {{
    include /etc/nginx/mime.types;
    access_log off;
{temp}
    include {folder}/site.conf;
}}
"""


@contextmanager
def nginx_in_front(folder: Path, service_port: int, http_port: int, https_port: int,
                   tls: bool = True, workers: int = 2):
    """nginx started in the foreground (its own process, stopped by its PID on exit)."""
    folder.mkdir(parents=True, exist_ok=True)
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1",
                    "-subj", "/CN=127.0.0.1", "-keyout", str(folder / "privkey.pem"),
                    "-out", str(folder / "fullchain.pem")], check=True, capture_output=True)
    (folder / "site.conf").write_text(site_config(folder, service_port, http_port, https_port, tls))
    (folder / "nginx.conf").write_text(main_config(folder, workers))
    subprocess.run([NGINX, "-t", "-c", str(folder / "nginx.conf")], check=True, capture_output=True)
    process = subprocess.Popen([NGINX, "-c", str(folder / "nginx.conf"), "-g", "daemon off;"])
    try:
        wait_for_port(https_port, process)
        yield process
    finally:
        process.terminate()
        process.wait(10)


def wait_for_port(port: int, process: subprocess.Popen, timeout: float = 20.0) -> None:
    import socket

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"nginx exited with {process.returncode}")
        with socket.socket() as sock:
            if sock.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.05)
    raise RuntimeError(f"nginx did not listen on {port}")
