"""An embedded PostgreSQL/PostGIS cluster owned by the project: a data folder and the server binaries.

PostgreSQL refuses to run as root, so when we are root every server binary runs as the
unprivileged `postgres` OS user (created by Debian's postgresql package) through `runuser`.
"""

import os
import pwd
import secrets
import shutil
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path

from gis_service.db_roles import APP, OWNER, ensure_roles

DATABASE_NAME = "roadchief"
SUPERUSER = "postgres"
RUN_AS = "postgres"
# Who connects: the CLI as the owner, the web service as the app role (gis_service/db_roles.py);
# the superuser only for the cluster's own chores here.
ROLES = {"superuser": SUPERUSER, "owner": OWNER, "app": APP}


class ClusterError(RuntimeError):
    """The embedded cluster could not be set up, started or stopped."""

    message_zh = "内置数据库无法启动或停止，详见上一行的英文说明及数据库日志"


class PortInUse(ClusterError):
    """Another program listens on the cluster's port."""

    def __init__(self, port: int):
        super().__init__(f"port {port} is in use by another program: stop it, or set "
                         "ROADCHIEF_PG_PORT to a free port")
        self.message_zh = f"端口 {port} 已被其他程序占用：请先关闭该程序，或用 ROADCHIEF_PG_PORT 另选空闲端口"


def port_is_free(port: int) -> bool:
    """Whether 127.0.0.1:port can be bound now (what the server is about to do)."""
    import socket

    with socket.socket() as sock:
        # As the server binds: connections it just closed (TIME_WAIT) do not make the port busy.
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind(("127.0.0.1", port))
        except OSError:
            return False
    return True


def find_bindir() -> Path:
    """The directory holding initdb/pg_ctl: `pg_config --bindir`, else the newest Debian install."""
    candidates = sorted(Path("/usr/lib/postgresql").glob("*/bin/pg_ctl"), key=_version_key)
    if candidates:
        return candidates[-1].parent
    for name in ("pg_ctl", "initdb"):
        found = shutil.which(name)
        if found:
            return Path(found).resolve().parent
    raise ClusterError(
        "PostgreSQL server binaries not found (looked in /usr/lib/postgresql/*/bin and PATH); "
        "install postgresql and postgis, or set DATABASE_URL to an external PostGIS"
    )


def _version_key(path: Path) -> int:
    try:
        return int(path.parent.parent.name)
    except ValueError:
        return 0


@dataclass
class PgCluster:
    data_dir: Path
    port: int

    @property
    def password_file(self) -> Path:
        return self.data_dir.parent / f"{self.data_dir.name}.password"

    def role_password_file(self, role: str) -> Path:
        if role == "superuser":
            return self.password_file
        return self.data_dir.parent / f"{self.data_dir.name}.{role}.password"

    @property
    def log_file(self) -> Path:
        return self.data_dir.parent / f"{self.data_dir.name}.log"

    def url(self, role: str = "owner") -> str:
        """The URL for `role`: "owner" (the CLI, migrations), "app" (the service) or "superuser"."""
        password = self.role_password_file(role).read_text().strip()
        return f"postgresql+psycopg2://{ROLES[role]}:{password}@127.0.0.1:{self.port}/{DATABASE_NAME}"

    def is_initialised(self) -> bool:
        return (self.data_dir / "PG_VERSION").exists()

    def is_running(self) -> bool:
        result = self._run(["pg_ctl", "status", "-D", str(self.data_dir)], check=False)
        return result.returncode == 0

    def init(self) -> None:
        """Create the data folder with a generated password; idempotent."""
        if self.is_initialised():
            return
        self.data_dir.mkdir(parents=True, exist_ok=True)
        self.data_dir.chmod(0o700)
        write_password(self.password_file)
        pwfile = self.data_dir.parent / f".{self.data_dir.name}.pw.tmp"
        pwfile.write_text(self.password_file.read_text())
        self._give_to_server_user(self.data_dir, pwfile)
        try:
            self._run([
                "initdb", "-D", str(self.data_dir), "-U", SUPERUSER, "--pwfile", str(pwfile),
                "--auth-local=scram-sha-256", "--auth-host=scram-sha-256",
                "--encoding=UTF8", "--locale=C.UTF-8",
            ])
        finally:
            pwfile.unlink(missing_ok=True)
        with open(self.data_dir / "postgresql.auto.conf", "a") as conf:
            conf.write(
                "listen_addresses = '127.0.0.1'\n"
                "unix_socket_directories = ''\n"
                "max_connections = 150\n"  # 2 workers at their most (2 x 51) and the CLI; see README
                "shared_buffers = '256MB'\n"
                "work_mem = '32MB'\n"
                "maintenance_work_mem = '256MB'\n"
                "fsync = on\n"
            )

    def start(self) -> None:
        """Initialise if needed, start the server, create the database, PostGIS and the roles;
        idempotent."""
        self.init()
        if not self.is_running():
            # Checked first: pg_ctl would only say "could not start server" after its timeout.
            if not port_is_free(self.port):
                raise PortInUse(self.port)
            self.log_file.touch()
            self._give_to_server_user(self.log_file)
            self._run([
                "pg_ctl", "start", "-w", "-t", "60", "-D", str(self.data_dir),
                "-l", str(self.log_file), "-o", f"-p {self.port} -c listen_addresses=127.0.0.1",
            ])
        self._wait_until_accepting()
        self._ensure_database()

    def stop(self) -> None:
        if self.is_initialised() and self.is_running():
            self._run(["pg_ctl", "stop", "-w", "-m", "fast", "-D", str(self.data_dir)])

    def status(self) -> str:
        if not self.is_initialised():
            return f"not initialised ({self.data_dir})"
        state = "running" if self.is_running() else "stopped"
        return f"{state} on 127.0.0.1:{self.port} ({self.data_dir})"

    def _wait_until_accepting(self, timeout: float = 30.0) -> None:
        import psycopg2

        deadline = time.monotonic() + timeout
        while True:
            try:
                psycopg2.connect(self._dsn("postgres"), connect_timeout=3).close()
                return
            except psycopg2.OperationalError as exc:
                if time.monotonic() > deadline:
                    raise ClusterError(f"server on port {self.port} does not answer: {exc}") from exc
                time.sleep(0.2)

    def _ensure_database(self) -> None:
        import psycopg2

        conn = psycopg2.connect(self._dsn("postgres"))
        conn.autocommit = True
        try:
            with conn.cursor() as cur:
                cur.execute("SELECT 1 FROM pg_database WHERE datname = %s", (DATABASE_NAME,))
                if cur.fetchone() is None:
                    cur.execute(f'CREATE DATABASE "{DATABASE_NAME}"')
        finally:
            conn.close()
        conn = psycopg2.connect(self._dsn(DATABASE_NAME))
        conn.autocommit = True
        try:
            with conn.cursor() as cur:
                cur.execute("CREATE EXTENSION IF NOT EXISTS postgis")
                ensure_roles(cur, DATABASE_NAME, self._role_password("owner"), self._role_password("app"))
        finally:
            conn.close()

    def _role_password(self, role: str) -> str:
        """The role's password, generated on first use (an older cluster gets them on its next start)."""
        path = self.role_password_file(role)
        if not path.exists():
            write_password(path)
        return path.read_text().strip()

    def _dsn(self, database: str) -> str:
        password = self.password_file.read_text().strip()
        return f"host=127.0.0.1 port={self.port} user={SUPERUSER} password={password} dbname={database}"

    def _give_to_server_user(self, *paths: Path) -> None:
        if os.geteuid() != 0:
            return
        user = pwd.getpwnam(RUN_AS)
        for path in paths:
            os.chown(path, user.pw_uid, user.pw_gid)

    def _run(self, argv: list[str], check: bool = True) -> subprocess.CompletedProcess:
        command = [str(find_bindir() / argv[0]), *argv[1:]]
        if os.geteuid() == 0:
            command = ["runuser", "-u", RUN_AS, "--", *command]
        result = subprocess.run(command, capture_output=True, text=True, cwd="/")
        if check and result.returncode != 0:
            raise ClusterError(
                f"{argv[0]} failed ({result.returncode}): {result.stderr.strip() or result.stdout.strip()}"
                + (f"; see {self.log_file}" if argv[0] == "pg_ctl" else "")
            )
        return result


def write_password(path: Path) -> None:
    path.write_text(secrets.token_urlsafe(24) + "\n")
    path.chmod(0o600)


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on right now."""
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]
