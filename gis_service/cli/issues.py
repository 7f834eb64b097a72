"""`roadchief issues`: bulk import of issue files and re-snapping after a road import."""

import csv
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated

import typer
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table
from sqlalchemy import text

from gis_service.cli.common import console, engine
from gis_service.settings import Settings
from roads.cells import safe_cell
from roads.errors import InvalidInput
from roads.issues.importer import import_issues

app = typer.Typer(help="The issue ledger (问题台账).", no_args_is_help=True)
SHOWN_REJECTS = 20


@app.command("import")
def import_file(
    file: Annotated[Path, typer.Argument(help="CSV (lon/lat or wkt columns), XLSX or GeoJSON")],
    skip_bad: Annotated[
        bool, typer.Option(help="Import the good rows and report the bad ones.")
    ] = False,
    source: Annotated[
        str, typer.Option(help="The issues' source (patrol, hotline, dcm, ...).")
    ] = "import",
    report: Annotated[
        Path | None, typer.Option(help="Write every rejected row and why to this CSV.")
    ] = None,
    snap_distance: Annotated[
        float | None, typer.Option(help="Metres (default ROADCHIEF_SNAP_DISTANCE_M).")
    ] = None,
) -> None:
    """Import issues, each snapped to its nearest segment; all or nothing unless --skip-bad."""
    settings = Settings()
    db = engine(settings)
    columns = (
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
    )
    with rejects_reported(report), Progress(*columns, console=console) as bar, db.begin() as conn:
        task = bar.add_task("reading", total=None)

        def progress(step: str, done: int, total: int) -> None:
            bar.update(task, description=step, completed=done, total=total or None)

        result = import_issues(
            conn,
            file,
            settings.snap_distance_m if snap_distance is None else snap_distance,
            skip_bad=skip_bad,
            source=source,
            progress=progress,
        )
    console.print(
        f"{result.inserted:,} of {result.rows:,} rows imported: {result.snapped:,} snapped "
        f"to a segment, {result.unsnapped:,} farther than the snap distance (kept, unsnapped); "
        f"{len(result.rejects):,} rejected"
    )
    show_rejects([(r.row, r.reason) for r in result.rejects], report)


@contextmanager
def rejects_reported(report: Path | None) -> Iterator[None]:
    """A refused file's rejects also go to --report; the error itself is printed by common.py."""
    try:
        yield
    except InvalidInput as exc:
        if report is not None:
            write_report(report, [(r["row"], r["reason"]) for r in exc.extra.get("rejects", [])])
        raise


def write_report(report: Path, rejects: list[tuple[int, str]]) -> None:
    with open(report, "w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(["row", "reason"])
        writer.writerows([row, safe_cell(reason)] for row, reason in rejects)
    console.print(f"every rejected row is listed in {report}")


def show_rejects(rejects: list[tuple[int, str]], report: Path | None) -> None:
    if not rejects:
        return
    table = Table("row", "why rejected", title=f"rejected rows ({len(rejects):,})")
    for row, reason in rejects[:SHOWN_REJECTS]:
        table.add_row(str(row), reason)
    console.print(table)
    if report is not None:
        write_report(report, rejects)
    elif len(rejects) > SHOWN_REJECTS:
        console.print(
            f"... and {len(rejects) - SHOWN_REJECTS:,} more; --report FILE lists them all"
        )


@app.command("resnap")
def resnap(
    snap_distance: Annotated[
        float | None, typer.Option(help="Metres (default ROADCHIEF_SNAP_DISTANCE_M).")
    ] = None,
    only_unsnapped: Annotated[bool, typer.Option(help="Leave snapped issues alone.")] = False,
) -> None:
    """Snap every issue again to its nearest segment (after a road import changed the segments)."""
    settings = Settings()
    distance = settings.snap_distance_m if snap_distance is None else snap_distance
    with engine(settings).begin() as conn:
        changed = conn.execute(
            text("SELECT roadchief.snap_issues(:m, :only)"), {"m": distance, "only": only_unsnapped}
        ).scalar_one()
        snapped, unsnapped = conn.execute(
            text("SELECT count(segment_id), count(*) - count(segment_id) FROM public.issue")
        ).one()
    console.print(
        f"{changed:,} issues changed segment; {snapped:,} snapped, {unsnapped:,} farther than "
        f"{distance:g} m from every segment (unsnapped)"
    )
