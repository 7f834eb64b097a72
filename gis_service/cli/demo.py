"""`roadchief demo load`: the demo district."""

from typing import Annotated

import typer
from rich.progress import Progress

from gis_service import migrate
from gis_service.cli.common import console, engine
from gis_service.settings import Settings
from roads.errors import Conflict

app = typer.Typer(help="The demo district.", no_args_is_help=True)


@app.command("load")
def demo_load(
    scale: Annotated[float, typer.Option(help="Multiply the road network and issues (benchmarks).")] = 1.0,
    seed: Annotated[int, typer.Option(help="Random seed: the same seed gives the same district.")] = 20251,
    issues: Annotated[int | None, typer.Option(help="Number of issues (default 4,000 x scale).")] = None,
    replace: Annotated[bool, typer.Option(help="Replace a district already in the database.")] = False,
    if_empty: Annotated[bool, typer.Option(help="Load only when the database holds no district.")] = False,
) -> None:
    """Write the demo district (郑州经开区, six sub-districts, 64 communities) into the database."""
    from roads.demo.load import clear_district, is_empty, load_demo  # heavy (geopandas): see __init__

    settings = Settings()
    db = engine(settings)
    migrate.upgrade(db)
    with db.begin() as conn:
        if not is_empty(conn):
            if if_empty:
                console.print("the database already holds a district; nothing loaded")
                return
            if not replace:
                raise Conflict("the database already holds a district; pass --replace to overwrite it",
                               "数据库中已有辖区数据；如要覆盖，请加 --replace")
            clear_district(conn)
        with Progress(console=console, transient=False) as bar:
            task = bar.add_task("demo district", total=7)

            def report(step: str, done: int, total: int) -> None:
                bar.update(task, completed=done, total=total, description=f"demo district: {step}")

            counts = load_demo(conn, scale=scale, seed=seed, issues=issues,
                               snap_distance_m=settings.snap_distance_m, progress=report)
    console.print(", ".join(f"{table} {count:,}" for table, count in counts.items()))
