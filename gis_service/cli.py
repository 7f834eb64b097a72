"""The `roadchief` command: database, demo data and the service."""

from typing import Annotated

import typer
from rich.console import Console
from rich.progress import Progress

from gis_service import cli_io, migrate
from gis_service.cli_export import export_app
from gis_service.db import embedded_cluster, make_engine, resolve_database_url
from gis_service.errors import RoadchiefError
from gis_service.issues_cli import issues_app
from gis_service.pg_cluster import ClusterError
from gis_service.settings import Settings

app = typer.Typer(help="roadchief: the road-chief (路长制) GIS.", no_args_is_help=True)
db_app = typer.Typer(help="The database: embedded PostGIS cluster and migrations.", no_args_is_help=True)
demo_app = typer.Typer(help="The demo district.", no_args_is_help=True)
app.add_typer(db_app, name="db")
app.add_typer(demo_app, name="demo")
app.add_typer(cli_io.import_app, name="import")
app.add_typer(export_app, name="export")
app.add_typer(issues_app, name="issues")
console = Console()


def fail(message: str) -> None:
    console.print(f"[red]error:[/red] {message}")
    raise typer.Exit(1)


def engine_for(settings: Settings):
    try:
        return make_engine(resolve_database_url(settings))
    except (RoadchiefError, ClusterError) as exc:
        fail(getattr(exc, "public_message", str(exc)))


def require_embedded(settings: Settings):
    if settings.database_url:
        fail("DATABASE_URL is set: the database is external, there is no embedded cluster to manage")
    return embedded_cluster(settings)


@db_app.command("start")
def db_start() -> None:
    """Start the embedded PostGIS cluster (initialising its data folder the first time)."""
    cluster = require_embedded(Settings())
    try:
        cluster.start()
    except ClusterError as exc:
        fail(str(exc))
    console.print(cluster.status())


@db_app.command("stop")
def db_stop() -> None:
    """Stop the embedded cluster; its data stays in the data folder."""
    cluster = require_embedded(Settings())
    cluster.stop()
    console.print(cluster.status())


@db_app.command("status")
def db_status() -> None:
    """Whether the embedded cluster is initialised and running."""
    console.print(require_embedded(Settings()).status())


@db_app.command("url")
def db_url() -> None:
    """Print the database URL (the external one, or the embedded cluster's)."""
    settings = Settings()
    try:
        print(resolve_database_url(settings, start=False))
    except (RoadchiefError, FileNotFoundError) as exc:
        fail(getattr(exc, "public_message", f"the embedded cluster is not initialised: {exc}"))


@db_app.command("migrate")
def db_migrate(revision: str = "head") -> None:
    """Apply the migrations (default: to the newest) and re-create the SQL functions."""
    engine = engine_for(Settings())
    check(engine)
    migrate.upgrade(engine, revision)
    console.print(f"database at revision {migrate.current_revision(engine)}")


@db_app.command("downgrade")
def db_downgrade(revision: str) -> None:
    """Undo migrations down to REVISION ('base' empties the database)."""
    engine = engine_for(Settings())
    migrate.downgrade(engine, revision)
    console.print(f"database at revision {migrate.current_revision(engine)}")


def check(engine) -> None:
    from gis_service.db import check_connection

    try:
        check_connection(engine)
    except RoadchiefError as exc:
        fail(exc.public_message)


@demo_app.command("load")
def demo_load(
    scale: Annotated[float, typer.Option(help="Multiply the road network and issues (benchmarks).")] = 1.0,
    seed: Annotated[int, typer.Option(help="Random seed: the same seed gives the same district.")] = 20251,
    issues: Annotated[int | None, typer.Option(help="Number of issues (default 4,000 x scale).")] = None,
    replace: Annotated[bool, typer.Option(help="Replace a district already in the database.")] = False,
    if_empty: Annotated[bool, typer.Option(help="Load only when the database holds no district.")] = False,
) -> None:
    """Write the demo district (郑州经开区, six sub-districts, 64 communities) into the database."""
    from roads.demo.load import clear_district, is_empty, load_demo

    settings = Settings()
    engine = engine_for(settings)
    check(engine)
    migrate.upgrade(engine)
    with engine.begin() as conn:
        if not is_empty(conn):
            if if_empty:
                console.print("the database already holds a district; nothing loaded")
                return
            if not replace:
                fail("the database already holds a district; pass --replace to overwrite it")
            clear_district(conn)
        with Progress(console=console, transient=False) as bar:
            task = bar.add_task("demo district", total=7)

            def report(step: str, done: int, total: int) -> None:
                bar.update(task, completed=done, total=total, description=f"demo district: {step}")

            counts = load_demo(conn, scale=scale, seed=seed, issues=issues,
                               snap_distance_m=settings.snap_distance_m, progress=report)
    console.print(", ".join(f"{table} {count:,}" for table, count in counts.items()))


@app.command("serve")
def serve(
    host: Annotated[str | None, typer.Option(help="Listen address (default ROADCHIEF_HOST).")] = None,
    port: Annotated[int | None, typer.Option(help="Port (default ROADCHIEF_PORT).")] = None,
    workers: Annotated[int, typer.Option(help="Worker processes.")] = 1,
) -> None:
    """Serve the API and the web map (starting the embedded database when no DATABASE_URL is set)."""
    import uvicorn

    settings = Settings()
    engine_for(settings).dispose()
    uvicorn.run("gis_service.main:create_app", factory=True, host=host or settings.host,
                port=port or settings.port, workers=workers, log_level="info", server_header=False)


from gis_service.cli_users import user_app  # noqa: E402  (it imports helpers from this module)

app.add_typer(user_app, name="user")
from gis_service.cli_assign import assign_app  # noqa: E402

app.add_typer(assign_app, name="assign")


def main() -> None:  # pragma: no cover
    app()


if __name__ == "__main__":  # pragma: no cover
    app()


