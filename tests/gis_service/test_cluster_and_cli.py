import shutil
import tempfile
from pathlib import Path

import psycopg2
import pytest
from typer.testing import CliRunner

from gis_service.cli import app
from gis_service.pg_cluster import PgCluster, PortInUse, free_port


@pytest.fixture
def own_cluster():
    workdir = Path(tempfile.mkdtemp(prefix="roadchief-cluster-"))
    workdir.chmod(0o755)
    pg = PgCluster(data_dir=workdir / "pgdata", port=free_port())
    yield pg
    pg.stop()
    shutil.rmtree(workdir, ignore_errors=True)


def query(pg: PgCluster, sql: str):
    conn = psycopg2.connect(pg.url().replace("+psycopg2", ""))
    conn.autocommit = True
    with conn.cursor() as cur:
        cur.execute(sql)
        result = cur.fetchall() if cur.description else None
    conn.close()
    return result


def test_embedded_cluster_starts_stops_and_restarts_with_its_data(own_cluster):
    assert "not initialised" in own_cluster.status()
    own_cluster.start()
    assert own_cluster.status().startswith("running")
    query(own_cluster, "CREATE TABLE kept (note text); INSERT INTO kept VALUES ('路长')")
    own_cluster.stop()
    assert own_cluster.status().startswith("stopped")
    with pytest.raises(psycopg2.OperationalError):
        query(own_cluster, "SELECT 1")
    own_cluster.start()
    own_cluster.start()  # idempotent
    assert query(own_cluster, "SELECT note FROM kept") == [("路长",)]
    assert query(own_cluster, "SELECT postgis_lib_version()")[0][0].startswith("3.")


def test_cli_db_commands_drive_the_embedded_cluster(own_cluster, monkeypatch):
    monkeypatch.delenv("DATABASE_URL", raising=False)
    monkeypatch.setenv("ROADCHIEF_DATA_DIR", str(own_cluster.data_dir))
    monkeypatch.setenv("ROADCHIEF_PG_PORT", str(own_cluster.port))
    runner = CliRunner()
    assert "not initialised" in runner.invoke(app, ["db", "status"]).output
    started = runner.invoke(app, ["db", "start"])
    assert started.exit_code == 0, started.output
    assert "running" in runner.invoke(app, ["db", "status"]).output
    url = runner.invoke(app, ["db", "url"]).output.strip()
    assert url.startswith("postgresql+psycopg2://postgres:") and f":{own_cluster.port}/roadchief" in url
    migrated = runner.invoke(app, ["db", "migrate"])
    assert migrated.exit_code == 0 and "revision" in migrated.output
    stopped = runner.invoke(app, ["db", "stop"])
    assert stopped.exit_code == 0 and "stopped" in stopped.output


@pytest.mark.parametrize("url, message", [
    ("postgresql://nobody:secret@127.0.0.1:1/none", "cannot connect to the database"),
    ("mysql://nobody@127.0.0.1/none", "must point at PostgreSQL"),
    ("not a url", "not a valid database URL"),
])
def test_a_wrong_database_url_gives_a_clear_error(monkeypatch, url, message):
    monkeypatch.setenv("DATABASE_URL", url)
    result = CliRunner().invoke(app, ["db", "migrate"])
    assert result.exit_code == 1
    assert message in " ".join(result.output.split())
    assert "secret" not in result.output


def test_external_database_has_no_embedded_cluster_to_manage(monkeypatch):
    monkeypatch.setenv("DATABASE_URL", "postgresql://u:p@127.0.0.1:5432/x")
    result = CliRunner().invoke(app, ["db", "start"])
    assert result.exit_code == 1 and "external" in result.output


def test_a_cli_error_is_printed_in_english_then_chinese(monkeypatch):
    monkeypatch.setenv("DATABASE_URL", "mysql://nobody@127.0.0.1/none")
    result = CliRunner().invoke(app, ["db", "migrate"])
    assert result.exit_code == 1
    english, chinese = result.output.strip().splitlines()[-2:]
    assert english == "error: DATABASE_URL must point at PostgreSQL/PostGIS, not 'mysql'"
    assert chinese == "错误：DATABASE_URL 须指向 PostgreSQL/PostGIS 数据库，而不是 mysql"


def test_a_file_that_cannot_be_read_is_a_refusal_not_a_traceback(monkeypatch, tmp_path):
    monkeypatch.setenv("DATABASE_URL", "postgresql://nobody:secret@127.0.0.1:1/none")
    missing = tmp_path / "mapping.txt"
    result = CliRunner().invoke(app, ["import", "roads", "roads.geojson", "--mapping", str(missing)])
    assert result.exit_code == 1 and isinstance(result.exception, SystemExit)  # not an OSError traceback
    assert "No such file or directory" in result.output
    assert f"错误：{missing}：文件或文件夹不存在" in result.output


def test_starting_on_a_port_in_use_says_so(own_cluster, monkeypatch):
    import socket

    with socket.socket() as taken:
        taken.bind(("127.0.0.1", own_cluster.port))
        taken.listen()
        with pytest.raises(PortInUse, match=f"port {own_cluster.port} is in use by another program"):
            own_cluster.start()
        monkeypatch.delenv("DATABASE_URL", raising=False)
        monkeypatch.setenv("ROADCHIEF_DATA_DIR", str(own_cluster.data_dir))
        monkeypatch.setenv("ROADCHIEF_PG_PORT", str(own_cluster.port))
        result = CliRunner().invoke(app, ["db", "start"])
    assert result.exit_code == 1
    assert f"error: port {own_cluster.port} is in use by another program" in result.output
    assert f"错误：端口 {own_cluster.port} 已被其他程序占用" in result.output
    assert "could not start server" not in result.output
    own_cluster.start()  # the port free again: it starts
    assert own_cluster.status().startswith("running")


def test_a_cluster_migrated_as_postgres_is_handed_to_the_owner_on_its_next_start(own_cluster):
    """Data folders from before the roles existed: `postgres` made their tables."""
    from sqlalchemy import text

    from gis_service import migrate
    from gis_service.db import make_engine

    own_cluster.start()
    as_postgres = make_engine(own_cluster.url("superuser"))
    migrate.upgrade(as_postgres)
    with as_postgres.begin() as conn:
        conn.execute(text("ALTER TABLE issue OWNER TO postgres"))  # as an older start left it
    as_postgres.dispose()
    own_cluster.start()
    as_owner = make_engine(own_cluster.url("owner"))
    migrate.downgrade(as_owner, "0007")
    migrate.upgrade(as_owner)
    as_owner.dispose()
    as_app = make_engine(own_cluster.url("app"))
    with as_app.begin() as conn:
        assert conn.execute(text("SELECT count(*) FROM issue_category")).scalar() > 30
        assert conn.execute(text("SELECT count(*) FROM table_version")).scalar() >= 0
        assert conn.execute(text("SELECT count(*) FROM roadchief.segment_coverage")).scalar() == 0
    as_app.dispose()
