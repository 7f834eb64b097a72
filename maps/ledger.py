"""The ledger list (问题台账) as a workbook: the issues of a filter, one row each, Chinese headers,
times in the district's time zone (Beijing time), every text cell spreadsheet-safe."""

import io
from datetime import datetime

from openpyxl import Workbook
from openpyxl.styles import Font, PatternFill
from openpyxl.utils import get_column_letter
from sqlalchemy import Connection

from roads.cells import safe_cell
from roads.district import get_district
from roads.issues import repository
from roads.issues.filter import IssueFilter

MAX_ROWS = 100_000  # a spreadsheet of more cases is not read; narrow the filter instead
# (header, key, width)
COLUMNS = [
    ("编号", "id", 8), ("上报时间", "reported_at", 17), ("问题类别编码", "category_code", 12),
    ("问题类别", "category_name", 16), ("状态", "status_label", 8), ("来源", "source", 10),
    ("办事处", "sub_district_name", 14), ("村/社区", "community_name", 14), ("道路", "road_name", 16),
    ("路段编号", "segment_id", 10), ("地址", "address", 24), ("问题描述", "description", 40),
    ("承办单位", "department", 20), ("处置时限", "due_at", 17), ("是否超期", "overdue_label", 9),
    ("最后办理时间", "updated_at", 17), ("上报人", "reporter", 12),
]


def local(value, zone):
    """A time as the district's wall clock, without offset (a spreadsheet keeps no time zone)."""
    if isinstance(value, datetime):
        return value.astimezone(zone).replace(tzinfo=None)
    return value


def ledger_rows(conn: Connection, where: IssueFilter) -> tuple[int, list[dict]]:
    total, rows = repository.list_issues(conn, where, MAX_ROWS, 0)
    for row in rows:
        row["status_label"] = repository.STATUS_LABELS[row["status"]]
        row["overdue_label"] = "超期" if row["overdue"] else ""
    return total, rows


def ledger_workbook(conn: Connection, where: IssueFilter) -> bytes:
    """The filtered ledger as XLSX bytes: sheet 问题台账 (newest first), and 说明 when cut short."""
    zone = get_district(conn).zone
    total, rows = ledger_rows(conn, where)
    book = Workbook()
    sheet = book.active
    sheet.title = "问题台账"
    for index, (header, _key, width) in enumerate(COLUMNS, start=1):
        cell = sheet.cell(row=1, column=index, value=header)
        cell.font = Font(bold=True, color="FFFFFF")
        cell.fill = PatternFill("solid", fgColor="1F4E79")
        sheet.column_dimensions[get_column_letter(index)].width = width
    for number, row in enumerate(rows, start=2):
        for index, (_header, key, _width) in enumerate(COLUMNS, start=1):
            cell = sheet.cell(row=number, column=index, value=safe_cell(local(row[key], zone)))
            if isinstance(cell.value, datetime):
                cell.number_format = "yyyy-mm-dd hh:mm"
    sheet.freeze_panes = "A2"
    sheet.auto_filter.ref = f"A1:{get_column_letter(len(COLUMNS))}{max(len(rows), 1) + 1}"
    notes = book.create_sheet("说明")
    notes["A1"] = f"共 {total} 条问题，本表列出 {len(rows)} 条（按上报时间从新到旧）；时间为北京时间。"
    if total > len(rows):
        notes["A2"] = f"超过 {MAX_ROWS} 条的部分未列出，请缩小筛选范围后再导出。"
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()
