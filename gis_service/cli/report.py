"""`roadchief report daily|weekly|dekad [--date D]`: write a report now and print its files."""

from datetime import date, datetime
from typing import Annotated

import typer

from gis_service.cli.common import console, engine
from gis_service.settings import Settings
from roads.errors import InvalidInput


def report(
    kind: Annotated[str, typer.Argument(help="daily (日报), weekly (周报) or dekad (旬报)")],
    day: Annotated[str | None, typer.Option("--date", help="A day of the period (ISO date); "
                                            "default: the last complete period")] = None,
) -> None:
    """Write (or write again) the report of the period containing --date, which must have ended,
    into the report folder (ROADCHIEF_REPORT_DIR); prints the PDF and XLSX paths."""
    from maps.period_report import write_report
    from roads.district import get_district
    from roads.reports.periods import asked_period, check_kind

    check_kind(kind)
    try:
        asked = date.fromisoformat(day) if day else None
    except ValueError as exc:
        raise InvalidInput(f"--date must be an ISO date (2026-11-19), not {day!r}",
                           f"日期“{day}”格式有误，应写作 2026-11-19") from exc
    settings = Settings()
    with engine(settings).begin() as conn:
        period = asked_period(kind, asked, datetime.now(get_district(conn).zone).date())
        row, _wrote = write_report(conn, period, settings.report_dir, "cli", settings.photo_dir, again=True)
    console.print(f"{row['kind_label']} {row['period_label']}: {row['pages']} pages")
    for fmt in ("pdf", "xlsx"):
        console.print(str(settings.report_dir / row[f"{fmt}_path"]), soft_wrap=True)
