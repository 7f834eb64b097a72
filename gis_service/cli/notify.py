"""`roadchief notify`: deliver the work-group notifications now, and read their log."""

from typing import Annotated

import typer
from rich.markup import escape
from rich.table import Table

from gis_service.cli.common import console, engine
from gis_service.settings import Settings
from roads.notifications import enqueue_overdue, list_log
from roads.notify_sender import send_due

app = typer.Typer(help="Notifications to the units' work groups (企业微信 / 钉钉).", no_args_is_help=True)


@app.command("send")
def send(
    overdue: Annotated[bool, typer.Option(help="Queue the cases that just became overdue first.")] = True,
) -> None:
    """Post every notification that is due, once (retries stay queued for the next run)."""
    settings = Settings()
    eng = engine(settings)
    queued = 0
    if overdue:
        with eng.begin() as conn:
            queued = enqueue_overdue(conn)
    report = send_due(eng, settings.notify_policy(), limit=10_000)
    console.print(f"overdue queued {queued}, sent {report.sent}, to retry {report.retried}, "
                  f"failed {report.failed}")


@app.command("log")
def log(
    state: Annotated[str | None, typer.Option(help="pending, sent or failed")] = None,
    issue: Annotated[int | None, typer.Option(help="One case's notifications")] = None,
    limit: Annotated[int, typer.Option(help="How many, newest first")] = 50,
) -> None:
    """The latest notifications: event, unit, state, attempts, the last answer."""
    with engine().connect() as conn:
        rows = list_log(conn, state=state, issue_id=issue, limit=limit)
    table = Table("id", "time", "case", "event", "unit", "state", "tries", "HTTP", "error")
    for row in rows:
        table.add_row(str(row["id"]), f"{row['created_at']:%Y-%m-%d %H:%M}", str(row["issue_id"] or ""),
                      row["event_label"], escape(row["unit_name"]), row["state_label"], str(row["attempts"]),
                      str(row["last_status"] or ""), escape(row["last_error"] or ""))
    console.print(table)
