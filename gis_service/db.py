"""Where the database is (external DATABASE_URL or the embedded cluster) and the request connection."""

import hashlib
import os
import subprocess
from collections.abc import AsyncIterator, Callable, Iterator
from contextlib import ExitStack, contextmanager
from functools import partial
from pathlib import Path
from typing import Annotated

import anyio.to_thread
from fastapi import Depends, Request
from sqlalchemy import Connection, Engine, create_engine, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError, OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeout

from gis_service.pg_cluster import RUN_AS, PgCluster
from gis_service.settings import PROJECT_DIR, Settings
from roads.errors import Unavailable

SQL_DIR = PROJECT_DIR / "sql"


class DatabaseUnavailable(Unavailable):
    """The database cannot be reached, or DATABASE_URL does not name a PostgreSQL one."""


def embedded_cluster(settings: Settings) -> PgCluster:
    return PgCluster(data_dir=server_reachable_data_dir(Path(settings.data_dir)), port=settings.pg_port)


def server_reachable_data_dir(data_dir: Path) -> Path:
    """The data folder, or a stand-in under /var/lib/roadchief when the server user cannot reach it.

    As root the server runs as `postgres`, which cannot enter a checkout under /root (mode 0700);
    rather than loosen /root, the cluster then lives in /var/lib/roadchief/<folder>-<hash>.
    """
    if os.geteuid() != 0 or data_dir.exists() or server_user_can_enter(data_dir):
        return data_dir
    digest = hashlib.sha1(str(data_dir.resolve()).encode()).hexdigest()[:8]
    fallback = Path("/var/lib/roadchief") / f"{data_dir.name}-{digest}"
    fallback.parent.mkdir(parents=True, exist_ok=True)
    fallback.parent.chmod(0o755)
    return fallback


def server_user_can_enter(path: Path) -> bool:
    ancestor = path
    while not ancestor.exists():
        ancestor = ancestor.parent
    check = subprocess.run(["runuser", "-u", RUN_AS, "--", "test", "-x", str(ancestor)], capture_output=True)
    return check.returncode == 0


def resolve_database_url(settings: Settings, start: bool = True, role: str = "owner") -> str:
    """The URL for `role` ("owner": the CLI; "app": the web service; "superuser": embedded only):
    the external DATABASE_URL (for the app ROADCHIEF_APP_DATABASE_URL, when set), else the
    embedded cluster's (started when `start`)."""
    if settings.database_url:
        if role == "app" and settings.app_database_url:
            return normalise_url(settings.app_database_url)
        return normalise_url(settings.database_url)
    cluster = embedded_cluster(settings)
    if start:
        cluster.start()
    return cluster.url(role)


def normalise_url(url: str) -> str:
    """Accept postgres://, postgresql:// and postgresql+psycopg2:// alike; refuse anything else."""
    try:
        parsed = make_url(url.replace("postgres://", "postgresql://", 1))
    except ArgumentError as exc:
        raise DatabaseUnavailable(f"DATABASE_URL is not a valid database URL: {url!r}",
                                  "DATABASE_URL 不是有效的数据库地址") from exc
    if parsed.get_backend_name() != "postgresql":
        raise DatabaseUnavailable(
            f"DATABASE_URL must point at PostgreSQL/PostGIS, not {parsed.get_backend_name()!r}",
            f"DATABASE_URL 须指向 PostgreSQL/PostGIS 数据库，而不是 {parsed.get_backend_name()}"
        )
    return parsed.set(drivername="postgresql+psycopg2").render_as_string(hide_password=False)


def make_engine(url: str, pool_size: int = 10, max_overflow: int | None = None, pool_timeout: float = 30,
                lock_timeout_ms: int | None = None, statement_timeout_ms: int | None = None,
                pre_ping: bool = True, autocommit: bool = False,
                application_name: str = "roadchief") -> Engine:
    """An engine; the service passes its pool and timeouts, the CLI and tests keep the defaults."""
    # PostGIS functions carry high cost estimates, so PostgreSQL's JIT compiles ordinary spatial
    # queries (about 0.3-0.7 s each, measured on imports and density): off for every session.
    options = ["-c jit=off"]
    if lock_timeout_ms is not None:
        options.append(f"-c lock_timeout={int(lock_timeout_ms)}")
    if statement_timeout_ms is not None:
        options.append(f"-c statement_timeout={int(statement_timeout_ms)}")
    return create_engine(
        url,
        pool_size=pool_size,
        max_overflow=pool_size if max_overflow is None else max_overflow,
        pool_timeout=pool_timeout,
        pool_pre_ping=pre_ping,
        **({"isolation_level": "AUTOCOMMIT"} if autocommit else {}),
        connect_args={"connect_timeout": 5, "application_name": application_name, "options": " ".join(options)},
    )


def service_engine(url: str, settings: Settings) -> Engine:
    """The request pool: as many connections as worker threads, so no thread waits for one.

    A sync route runs in one of `worker_threads` threads and holds one connection; with fewer
    connections than threads, the extra threads would queue on the pool (30 s by default) while
    the ones holding connections wait on row locks. The pool timeout stays as a short backstop
    (503), and lock_timeout turns a long wait for another writer into a 409."""
    return make_engine(
        url,
        pool_size=settings.db_pool_size,
        max_overflow=max(0, settings.worker_threads - settings.db_pool_size),
        pool_timeout=settings.db_pool_timeout_s,
        lock_timeout_ms=settings.db_lock_timeout_ms,
    )


TILE_APPLICATION_NAME = "roadchief-tiles"  # the tile pool's connections in pg_stat_activity


def tile_engine(engine: Engine, settings: Settings) -> Engine:
    """The connections tile misses are rendered on (with the shared tile cache): autocommit and
    no ping on checkout, so that a miss costs one round trip, its query, instead of five (ping,
    BEGIN, planner settings, query, COMMIT). A fixed number (tile_db_connections), opened as
    needed and kept: a connection opened under load costs the database more than a tile (a new
    backend, the password exchange, PROJ and the catalogue loaded again). A connection the server
    dropped fails one query, which makes SQLAlchemy renew the whole pool; the route retries once."""
    return make_engine(engine.url.render_as_string(hide_password=False),
                       pool_size=settings.tile_db_connections, max_overflow=0,
                       pool_timeout=settings.queue_timeout_s, pre_ping=False, autocommit=True,
                       application_name=TILE_APPLICATION_NAME)


def health_engine(engine: Engine) -> Engine:
    """A pool of its own for /api/health, so a busy request pool cannot make the service look dead."""
    return make_engine(engine.url.render_as_string(hide_password=False), pool_size=1, max_overflow=1,
                       pool_timeout=1, lock_timeout_ms=500, statement_timeout_ms=1000)


def check_connection(engine: Engine) -> None:
    """Fail with a clear message when the database cannot be reached or lacks PostGIS."""
    safe_url = engine.url.render_as_string(hide_password=True)
    try:
        with engine.connect() as conn:
            conn.execute(text("SELECT 1"))
    except OperationalError as exc:
        reason = str(exc.orig).strip().splitlines()[0] if exc.orig else str(exc)
        raise DatabaseUnavailable(f"cannot connect to the database at {safe_url}: {reason}",
                                  f"无法连接数据库 {safe_url}，请确认数据库已启动") from exc


SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


def get_conn(request: Request) -> Iterator[Connection]:
    """One transaction per request: committed when the handler returns, rolled back on error."""
    try:
        conn = request.app.state.engine.connect()
    except PoolTimeout as exc:
        raise DatabaseUnavailable("the database is busy; try again in a moment",
                                  "数据库繁忙，请稍后重试") from exc
    with conn:
        with conn.begin():
            yield conn
        publish_tile_versions(request, conn)


def publish_tile_versions(request: Request, conn: Connection) -> None:
    """After a writing request's commit, before its response: the counters its writes raised go
    into the versions all workers share, so the next tile request, on any worker, shows them
    (the LISTEN notification would too, a moment later)."""
    shared = getattr(request.app.state, "tile_versions", None)
    if shared is not None and request.method not in SAFE_METHODS:
        shared.refresh(conn)


class LazyConnection:
    """The request's connection and transaction (as get_conn's), opened on first use: a tile
    served from the cache needs none, not even the pool's ping."""

    def __init__(self, opener: Callable[[], Iterator[Connection]]):
        self._opener = opener
        self._stack = ExitStack()
        self._conn: Connection | None = None

    @property
    def opened(self) -> bool:
        return self._conn is not None

    @property
    def conn(self) -> Connection:
        if self._conn is None:
            self._conn = self._stack.enter_context(contextmanager(self._opener)())
        return self._conn

    def execute(self, *args, **kwargs):
        return self.conn.execute(*args, **kwargs)

    def __getattr__(self, name: str):
        return getattr(self.conn, name)

    def __enter__(self) -> "LazyConnection":
        return self

    def __exit__(self, *exc_info) -> bool:
        return self._stack.__exit__(*exc_info)


def lazy_conn_over(opener: Callable[[], Iterator[Connection]]) -> Iterator[LazyConnection]:
    with LazyConnection(opener) as lazy:
        yield lazy


async def get_lazy_conn(request: Request) -> AsyncIterator[LazyConnection]:
    """Async, so that a request never opening it costs no thread; opened, it is closed (commit
    or rollback) in a worker thread like everything touching the database."""
    lazy = LazyConnection(partial(get_conn, request))
    try:
        yield lazy
    except BaseException as exc:
        if lazy.opened:
            await anyio.to_thread.run_sync(lazy.__exit__, type(exc), exc, exc.__traceback__)
        raise
    if lazy.opened:
        await anyio.to_thread.run_sync(lazy.__exit__, None, None, None)


# scope="function": commit before the response is sent. With FastAPI's default ("request") the
# commit runs after the response, so a client reading right after a write could see the old data.
Conn = Annotated[Connection, Depends(get_conn, scope="function")]
LazyConn = Annotated[LazyConnection, Depends(get_lazy_conn, scope="function")]
