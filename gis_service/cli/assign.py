"""`roadchief assign import FILE`: the same sheet import as the upload, dry run unless --apply."""

from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from gis_service.cli.common import console, engine, operator
from gis_service.settings import Settings
from roads.assign_import import apply_import, plan_import, read_sheet

app = typer.Typer(help="Assign chiefs to road segments.", no_args_is_help=True)


@app.command("import")
def assign_import(
    file: Annotated[Path, typer.Argument(exists=True, dir_okay=False, help="CSV or XLSX sheet")],
    apply: Annotated[bool, typer.Option(help="Apply the changes (default: dry run).")] = False,
) -> None:
    """Read a sheet (road or segment_id, tier, chief_name, chief_phone); list or apply its changes."""
    settings = Settings()
    rows = read_sheet(file.read_bytes(), file.name)
    with engine(settings).begin() as conn:
        if apply:
            plan = apply_import(conn, operator(), rows, settings.chief_length_limit_m)
        else:
            plan = plan_import(conn, operator(), rows)
    print_plan(plan, apply)


def print_plan(plan: dict, applied: bool) -> None:
    table = Table(title="changes" + (" applied" if applied else " (dry run; --apply to write)"))
    for column in ("row", "segment", "tier", "action", "old chief", "new chief"):
        table.add_column(column)
    for c in plan["changes"]:
        if c["action"] != "unchanged":
            table.add_row(str(c["row"]), str(c["segment_id"]), str(c["tier"]), c["action"],
                          c["old_chief"] or "", c["new_chief"])
    console.print(table)
    for row in plan["unmatched"]:
        console.print(f"[yellow]row {row['row']} not matched:[/yellow] {row['reason']}")
    for warning in plan.get("warnings", []):
        console.print(f"[yellow]warning:[/yellow] {warning}")
    console.print(f"{plan['rows']} rows, {plan['would_change']} segment changes, "
                  f"{len(plan['unmatched'])} unmatched")
