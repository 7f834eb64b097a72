"""The `report` rows: which reports were written, their files (relative to the report folder), by
whom; and the lock that keeps two service workers from writing the same report at once."""

from datetime import date
from pathlib import Path

from sqlalchemy import Connection, text

from roads.errors import InvalidInput, NotFound
from roads.reports.periods import KINDS, Period, check_kind

COLUMNS = "id, kind, period_start, period_end, pdf_path, xlsx_path, pages, written_at, written_by"


def lock(conn: Connection, period: Period, wait: bool) -> bool:
    """Take the period's advisory lock for this transaction; without `wait`, False if another
    transaction holds it (a scheduler then leaves the report to the one writing it)."""
    function = "pg_advisory_xact_lock" if wait else "pg_try_advisory_xact_lock"
    got = conn.execute(text(f"SELECT {function}(hashtext('roadchief.report'), hashtext(:key))"),
                       {"key": f"{period.kind}:{period.start.isoformat()}"}).scalar()
    return wait or bool(got)


def as_dict(row) -> dict:
    item = dict(row)
    item["kind_label"] = KINDS[item["kind"]]
    item["period_label"] = Period(item["kind"], item["period_start"], item["period_end"]).label()
    return item


def find(conn: Connection, period: Period) -> dict | None:
    row = conn.execute(text(f"SELECT {COLUMNS} FROM public.report WHERE kind = :kind AND period_start = :start"),
                       {"kind": period.kind, "start": period.start}).mappings().one_or_none()
    return None if row is None else as_dict(row)


def save(conn: Connection, period: Period, pdf_path: str, xlsx_path: str, pages: int, written_by: str) -> dict:
    """Insert the period's row, or replace the one written before (a report written again)."""
    row = conn.execute(text(f"""
        INSERT INTO public.report (kind, period_start, period_end, pdf_path, xlsx_path, pages, written_by)
        VALUES (:kind, :start, :end, :pdf, :xlsx, :pages, :by)
        ON CONFLICT ON CONSTRAINT uq_report_kind_period DO UPDATE
        SET period_end = excluded.period_end, pdf_path = excluded.pdf_path, xlsx_path = excluded.xlsx_path,
            pages = excluded.pages, written_by = excluded.written_by, written_at = clock_timestamp()
        RETURNING {COLUMNS}
    """), {"kind": period.kind, "start": period.start, "end": period.end, "pdf": pdf_path,
           "xlsx": xlsx_path, "pages": pages, "by": written_by}).mappings().one()
    return as_dict(row)


def list_reports(conn: Connection, kind: str | None = None, start: date | None = None,
                 end: date | None = None, limit: int = 100) -> list[dict]:
    """Reports newest period first; `kind`, and periods overlapping [start, end), if given."""
    if kind is not None:
        check_kind(kind)
    if start and end and start >= end:
        raise InvalidInput("'from' must be before 'to'", "时间范围有误：开始日期须早于结束日期")
    rows = conn.execute(text(f"""
        SELECT {COLUMNS} FROM public.report
        WHERE (CAST(:kind AS text) IS NULL OR kind = :kind)
          AND (CAST(:start AS date) IS NULL OR period_end > :start)
          AND (CAST(:end AS date) IS NULL OR period_start < :end)
        ORDER BY period_start DESC, kind
        LIMIT :limit
    """), {"kind": kind, "start": start, "end": end, "limit": limit}).mappings()
    return [as_dict(row) for row in rows]


def get_report(conn: Connection, report_id: int) -> dict:
    row = conn.execute(text(f"SELECT {COLUMNS} FROM public.report WHERE id = :id"),
                       {"id": report_id}).mappings().one_or_none()
    if row is None:
        raise NotFound(f"no report with id {report_id}", f"未找到编号为 {report_id} 的报告")
    return as_dict(row)


def report_file(folder: Path, report: dict, fmt: str) -> Path:
    """The stored PDF or XLSX of a report row; NotFound when the file is gone."""
    path = folder / report[f"{fmt}_path"]
    if not path.is_file():
        raise NotFound(f"the {fmt} file of report {report['id']} is missing from the report folder",
                       f"报告 {report['id']} 的 {fmt.upper()} 文件已不在报告目录中")
    return path
