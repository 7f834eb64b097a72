"""A throwaway PostGIS cluster for the whole test session, migrated and loaded with the demo district.

Tests get a connection inside an outer transaction that is rolled back afterwards, so each test
sees the same demo district whatever the others wrote.
"""

import os
import shutil
import signal
import sys
import tempfile
from collections.abc import Iterator
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Connection, Engine, text

from gis_service import migrate
from gis_service.db import LazyConnection, get_conn, get_lazy_conn, lazy_conn_over, make_engine
from gis_service.main import create_app
from gis_service.pg_cluster import PgCluster, free_port
from gis_service.settings import Settings
from roads.demo.load import load_demo

# No report scheduler in the services the tests start (every Settings() reads these): it would
# commit reports into the session's database (tests/gis_service/test_report_scheduler.py runs its
# own); and reports written on request go to a temporary folder, not var/reports.
os.environ.setdefault("ROADCHIEF_REPORT_CHECK_S", "0")
# Nor a warm-up of the tile connections in each short-lived app: its renders hold table locks that a
# test's TRUNCATE would deadlock with, and eight connections an app exhaust the server's slots.
os.environ.setdefault("ROADCHIEF_TILE_WARM_UP", "false")
os.environ.setdefault("ROADCHIEF_REPORT_DIR", tempfile.mkdtemp(prefix="roadchief-test-reports-"))

# Fixed so that time-window tests see the same issues whatever day the suite runs.
DEMO_AS_OF = datetime(2026, 11, 20, 18, 0, tzinfo=timezone(timedelta(hours=8)))
DEMO_SEED = 20251


@pytest.fixture(scope="session")
def cluster() -> Iterator[PgCluster]:
    workdir = Path(tempfile.mkdtemp(prefix="roadchief-test-"))
    workdir.chmod(0o755)  # the server runs as the postgres user and must reach its data folder
    pg = PgCluster(data_dir=workdir / "pgdata", port=free_port())
    # A run stopped by SIGTERM (a CI or `timeout` limit) still stops its cluster: SystemExit
    # unwinds through the finally below, where the default SIGTERM action would not.
    previous = signal.signal(signal.SIGTERM, lambda signum, frame: sys.exit(128 + signum))
    pg.start()
    try:
        yield pg
    finally:
        pg.stop()
        shutil.rmtree(workdir, ignore_errors=True)
        signal.signal(signal.SIGTERM, previous)


@pytest.fixture(scope="session")
def engine(cluster: PgCluster) -> Iterator[Engine]:
    eng = make_engine(cluster.url())
    migrate.upgrade(eng)
    with eng.begin() as conn:
        load_demo(conn, scale=1.0, seed=DEMO_SEED, as_of=DEMO_AS_OF)
    yield eng
    eng.dispose()


@pytest.fixture
def conn(engine: Engine) -> Iterator[Connection]:
    with engine.connect() as connection:
        transaction = connection.begin()
        try:
            yield connection
        finally:
            transaction.rollback()


@pytest.fixture
def settings(cluster: PgCluster) -> Settings:
    # "query": a test's requests share its one uncommitted transaction, so no commit ever notifies;
    # the tile counters are read in that transaction (tests/layers/test_tile_workers.py runs the
    # shared mode in real worker processes).
    return Settings(database_url=cluster.url(), data_dir=Path(tempfile.gettempdir()) / "unused",
                    tile_versions="query")


@pytest.fixture
def client(engine: Engine, conn: Connection, settings: Settings) -> Iterator[TestClient]:
    """The API over the test's own rolled-back connection."""
    app = create_app(settings, engine=engine)

    def request_conn() -> Iterator[Connection]:
        # Like get_conn: a failed request leaves nothing behind (its savepoint is rolled back).
        with conn.begin_nested():
            yield conn

    def lazy_request_conn() -> Iterator[LazyConnection]:
        yield from lazy_conn_over(request_conn)

    app.dependency_overrides[get_conn] = request_conn
    app.dependency_overrides[get_lazy_conn] = lazy_request_conn
    try:
        with TestClient(app) as test_client:
            yield test_client
    finally:
        forget_failed_logins(engine)


def forget_failed_logins(engine: Engine) -> None:
    """Failed sign-ins are committed apart from the test's transaction (they must outlive a 401):
    remove them, or the lockouts of one test would refuse the sign-ins of the next."""
    with engine.begin() as connection:
        connection.execute(text("DELETE FROM login_failure"))


@pytest.fixture
def headers(conn):
    """A signed-in user of each role, as request headers by role name (tests.helpers)."""
    from tests.helpers import role_headers

    return role_headers(conn)
