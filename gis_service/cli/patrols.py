"""`roadchief patrols ...`: link a user to the chief they are, holidays, compliance."""

from datetime import date
from typing import Annotated

import typer
from rich.table import Table
from sqlalchemy import text

from gis_service.cli.common import console, engine, operator
from roads.errors import NotFound
from roads.issues.filter import parse_period
from roads.patrols import compliance as stats
from roads.patrols.recording import link_user_to_chief
from roads.work_calendar import set_day

app = typer.Typer(help="Patrols: chiefs' users, holidays, compliance.", no_args_is_help=True)


@app.command("link")
def link(username: str, chief_id: int) -> None:
    """Make USERNAME the user who is chief CHIEF_ID: they then record their own patrols."""
    with engine().begin() as conn:
        user_id = conn.execute(text("SELECT id FROM public.app_user WHERE username = :u"), {"u": username}).scalar()
        if user_id is None:
            raise NotFound(f"user {username!r} does not exist", f"用户 {username} 不存在")
        link_user_to_chief(conn, user_id, chief_id)
    console.print(f"user {username} is chief {chief_id}")


@app.command("holiday")
def holiday(day: Annotated[str, typer.Argument(help="2026-10-01")], name: str) -> None:
    """Declare a public holiday in the work calendar: daily patrols are not due on it, and case
    deadlines skip it."""
    with engine().begin() as conn:
        set_day(conn, operator(), date.fromisoformat(day), False, name)
    console.print(f"{day} {name}: a holiday in the work calendar; no daily patrols due")


@app.command("compliance")
def compliance(
    level: Annotated[str, typer.Option(help="chief | segment | tier | community | sub_district | district")]
        = "district",
    week: Annotated[str | None, typer.Option(help="An ISO week, 2026-W47")] = None,
    from_: Annotated[str | None, typer.Option("--from", help="ISO date")] = None,
    to: Annotated[str | None, typer.Option(help="ISO date (inclusive)")] = None,
    limit: int = 30,
) -> None:
    """Patrols due, done and the rate per unit (the last 7 days by default)."""
    with engine().connect() as conn:
        result = stats.compliance(conn, parse_period(from_, to, week, 7), level)
    table = Table(title=f"巡查完成率 {result['label']}")
    for column in ("id", "name", "due", "done", "rate", "segments_not_patrolled"):
        table.add_column(column)
    for unit in result["units"][:limit]:
        table.add_row(*(str(unit[c]) for c in ("id", "name", "due", "done", "rate", "segments_not_patrolled")))
    console.print(table)
