"""`roadchief db ...`: the embedded PostGIS cluster and the migrations."""

from typing import Annotated

import typer

from gis_service import migrate
from gis_service.cli.common import console, engine
from gis_service.db import embedded_cluster, resolve_database_url
from gis_service.pg_cluster import ROLES, PgCluster
from gis_service.settings import Settings
from roads.errors import InvalidInput, Unavailable

app = typer.Typer(help="The database: embedded PostGIS cluster and migrations.", no_args_is_help=True)


def require_embedded(settings: Settings) -> PgCluster:
    if settings.database_url:
        raise InvalidInput(
            "DATABASE_URL is set: the database is external, there is no embedded cluster to manage",
            "已设置 DATABASE_URL：使用的是外部数据库，没有内置数据库可管理",
        )
    return embedded_cluster(settings)


@app.command("start")
def db_start() -> None:
    """Start the embedded PostGIS cluster (initialising its data folder the first time)."""
    cluster = require_embedded(Settings())
    cluster.start()
    console.print(cluster.status())


@app.command("stop")
def db_stop() -> None:
    """Stop the embedded cluster; its data stays in the data folder."""
    cluster = require_embedded(Settings())
    cluster.stop()
    console.print(cluster.status())


@app.command("status")
def db_status() -> None:
    """Whether the embedded cluster is initialised and running."""
    console.print(require_embedded(Settings()).status())


@app.command("url")
def db_url(
    role: Annotated[str, typer.Option(help="superuser, owner (the CLI's) or app (the service's).")]
    = "superuser",
) -> None:
    """Print the database URL (the external one, or the embedded cluster's for ROLE)."""
    if role not in ROLES:
        raise InvalidInput(f"--role: one of {', '.join(ROLES)}",
                           f"--role 须为 {'、'.join(ROLES)} 之一")
    try:
        url = resolve_database_url(Settings(), start=False, role=role)
    except FileNotFoundError as exc:
        raise Unavailable(f"the embedded cluster is not initialised: {exc}",
                          "内置数据库尚未初始化：请先运行 roadchief db start") from exc
    print(url)


@app.command("migrate")
def db_migrate(revision: str = "head") -> None:
    """Apply the migrations (default: to the newest) and re-create the SQL functions."""
    db = engine()
    migrate.upgrade(db, revision)
    console.print(f"database at revision {migrate.current_revision(db)}")


@app.command("downgrade")
def db_downgrade(revision: str) -> None:
    """Undo migrations down to REVISION ('base' empties the database)."""
    db = engine()
    migrate.downgrade(db, revision)
    console.print(f"database at revision {migrate.current_revision(db)}")
