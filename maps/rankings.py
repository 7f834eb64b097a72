"""Rankings of communities and sub-districts (roadchief.area_rankings), the case-flow indicators
per unit, sub-district and community (roadchief.case_indicators), penalties, and their workbook.

The API, the spreadsheet and the briefing PDF all call `fetch` / `case_indicators`, so their
numbers are the same."""

import io
from dataclasses import dataclass

from openpyxl import Workbook
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.utils import get_column_letter
from sqlalchemy import Connection, text

from roads.answer_cache import ANSWERS, window_ended
from roads.cells import safe_cell
from roads.district import get_district
from roads.errors import InvalidInput
from roads.issues import indicators
from roads.issues.window import CHINA_TZ, Window
from roads.patrols.rates import area_rates
from roads.penalties import list_penalties

LEVELS = {"community": "社区（村）", "sub_district": "办事处"}
TOTAL_LABEL = "全区合计"


@dataclass(frozen=True)
class Column:
    key: str
    header: str
    kind: str  # text | int | km | density | share
    width: float = 12


COLUMNS = [
    Column("rank", "排名", "int", 6),
    Column("area_code", "编码", "text", 10),
    Column("area_name", "名称", "text", 14),
    Column("sub_district_name", "所属办事处", "text", 12),
    Column("segments", "路段数", "int", 8),
    Column("km", "道路里程（公里）", "km", 12),
    Column("tier1_share", "一级路长覆盖率", "share"),
    Column("tier2_share", "二级路长覆盖率", "share"),
    Column("tier3_share", "三级路长覆盖率", "share"),
    Column("all_tiers_share", "一至三级全覆盖率", "share"),
    Column("tier3_party_share_by_people", "三级路长党员占比（按人数）", "share", 14),
    Column("tier3_party_share_by_length", "三级路长党员占比（按长度）", "share", 14),
    Column("issues", "问题数（件）", "int", 10),
    Column("per_km", "问题密度（件/公里）", "density", 14),
    Column("per_km_30d", "问题密度（件/公里/30天）", "density", 16),
    Column("closed", "结案数", "int", 8),
    Column("closed_share", "结案率", "share", 9),
    Column("closed_on_time", "按期结案数", "int", 10),
    Column("closed_on_time_share", "按期结案率", "share", 10),
    Column("open_overdue", "超期未结案数", "int", 11),
    Column("patrol_rate", "巡查率", "share", 9),
]
INDICATOR_COLUMNS = [
    Column("rank", "排名", "int", 6),
    Column("code", "编码", "text", 10),
    Column("name", "名称", "text", 24),
    Column("reported", "上报数", "int", 8),
    Column("filed", "立案数", "int", 8),
    Column("dispatched", "派遣数", "int", 8),
    Column("closed", "结案数", "int", 8),
    Column("closed_on_time", "按期结案数", "int", 10),
    Column("closed_rate", "结案率", "share", 9),
    Column("on_time_rate", "按期结案率", "share", 10),
    Column("rework_rate", "返工率", "share", 9),
    Column("extension_rate", "延期率", "share", 9),
    Column("open_overdue", "超期未结数", "int", 10),
    Column("on_hold", "挂账数", "int", 8),
    Column("mean_handling_work_hours", "平均处置用时（工作小时）", "density", 14),
    Column("satisfaction", "满意度", "share", 9),
    Column("penalties", "处罚起数", "int", 9),
    Column("penalty_yuan", "罚款金额（元）", "km", 12),
    Column("score", "综合评价得分", "density", 12),
]
INDICATOR_SHEETS = [("单位考核排名", "unit"), ("办事处考核排名", "sub_district"),
                    ("社区考核排名", "community")]
PENALTY_COLUMNS = [
    Column("penalty_date", "处罚日期", "text", 12),
    Column("target_kind_label", "对象类型", "text", 10),
    Column("target_name", "处罚对象", "text", 24),
    Column("unit_name", "处置单位", "text", 22),
    Column("amount_yuan", "金额（元）", "km", 12),
    Column("reason", "处罚原因", "text", 30),
    Column("issue_id", "关联案卷", "int", 10),
    Column("recorder", "登记人", "text", 12),
]
FORMATS = {"int": "#,##0", "km": "#,##0.00", "density": "0.00", "share": "0.0%", "text": "@"}
DEFINITIONS = [
    ("覆盖率", "有该级路长的道路长度 ÷ 道路总长度（按长度计）"),
    ("一至三级全覆盖率", "一、二、三级路长都已指派的道路长度 ÷ 道路总长度"),
    ("三级路长党员占比（按人数）", "本区域路段的现任三级路长中党员的人数 ÷ 现任三级路长人数（一人负责多段只计一次）"),
    ("三级路长党员占比（按长度）", "现任三级路长为党员的道路长度 ÷ 道路总长度（无三级路长的道路计为非党员）"),
    ("问题数", "统计期内上报、已匹配到本区域路段的问题（与问题密度接口一致）"),
    ("问题密度", "问题数 ÷ 道路里程；件/公里/30天 为按 30 天折算"),
    ("结案率", "状态为结案的问题 ÷ 问题数"),
    ("按期结案率", "结案且最后一步不晚于处置时限（按工作日历与工作时间计算）的问题 ÷ 问题数"),
    ("超期未结案数", "未结案且在统计期末（或当前，取较早者）已超过处置时限的问题"),
    ("巡查率", "统计期内路长应巡查次数中已完成的比例（按各级巡查规则，节假日不计日巡查，与巡查达标接口一致）"),
    ("排名", "按问题密度（件/公里/30天）从高到低"),
    ("考核排名", indicators.RULE[0]),
    ("综合评价得分", indicators.FORMULA),
    ("结案率、按期结案率", "结案数、按期结案数 ÷ 立案数；按期：结案不晚于处置时限（含批准的延期）"),
    ("返工率、延期率", "核查不通过返工过的案卷、批准过延期的案卷 ÷ 派遣数"),
    ("超期未结数", "未结案、未挂账、未不予立案，且统计期末（或当前）已过处置时限"),
    ("平均处置用时", "首次派遣至最后一次处置反馈的工作小时数的平均"),
    ("满意度", "综合评价的平均：满意 1、基本满意 0.5、不满意 0"),
    (TOTAL_LABEL, "全区所有路段（含不在任何社区内的路段），列在每张排名表末行"),
]


def check_level(level: str) -> str:
    if level not in LEVELS:
        raise InvalidInput(f"level must be community or sub_district, not {level!r}",
                                 f"排名层级须为 community（社区）或 sub_district（办事处），不能是 {level!r}")
    return level


def area_rankings(
    conn: Connection, level: str, window: Window, categories: tuple[str, ...] | None
) -> list[dict]:
    """The rows of roadchief.area_rankings, ranked by issues per km per 30 days. A window that has
    ended is kept between writes (its overdue count no longer moves with the clock)."""
    params = {
        "level": level,
        "from_ts": window.start,
        "to_ts": window.end,
        "categories": list(categories) if categories else None,
    }

    def compute() -> list[dict]:
        rows = conn.execute(
            text("SELECT * FROM roadchief.area_rankings(:level, :from_ts, :to_ts, :categories)"), params
        ).mappings()
        return [dict(row) for row in rows]

    if not window_ended(conn, window.end):
        return compute()
    key = (level, window.start, window.end, tuple(categories or ()))
    return ANSWERS.get(conn, "area_rankings", RANKING_TABLES, key, compute)


# What roadchief.area_rankings reads (sql/functions/rankings.sql, the deadlines of 05_ and 06_).
RANKING_TABLES = ("issue", "issue_category", "work_calendar", "work_hours", "road_segment", "road",
                  "community", "sub_district", "segment_assignment", "chief")


def fetch(
    conn: Connection, level: str, window: Window, categories: tuple[str, ...] | None = None
) -> list[dict]:
    """One dict per area, ranked by issues per km per 30 days (highest first)."""
    rows = area_rankings(conn, check_level(level), window, categories)
    rates = area_rates(conn, level, window)
    return [{"rank": number, **row, "patrol_rate": patrol_rate(rates, row["area_id"])}
            for number, row in enumerate(rows, start=1)]


def patrol_rate(rates: dict[int, dict], area_id: int) -> float | None:
    return rates.get(area_id, {}).get("rate")


def district_total(
    conn: Connection, window: Window, categories: tuple[str, ...] | None = None
) -> dict:
    """The whole district as one row (every segment, also those outside all communities)."""
    (row,) = area_rankings(conn, "district", window, categories)
    rate = patrol_rate(area_rates(conn, "district", window), 0)
    return {**row, "rank": None, "area_id": None, "area_name": TOTAL_LABEL, "patrol_rate": rate}


def columns_for(level: str) -> list[Column]:
    return [c for c in COLUMNS if level == "community" or c.key != "sub_district_name"]


def write_sheet(sheet, level: str, rows: list[dict], total: dict | None,
                columns: list[Column] | None = None) -> None:
    """The ranked rows, then the district's total line in bold (outside the filter range)."""
    columns = columns or columns_for(level)
    header_fill = PatternFill("solid", fgColor="1F4E79")
    thin = Side(style="thin", color="BFBFBF")
    for index, column in enumerate(columns, start=1):
        cell = sheet.cell(row=1, column=index, value=column.header)
        cell.font = Font(bold=True, color="FFFFFF")
        cell.fill = header_fill
        cell.alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)
        cell.border = Border(bottom=thin)
        sheet.column_dimensions[get_column_letter(index)].width = column.width
    for row_number, row in enumerate([*rows, total] if total else rows, start=2):
        is_total = row is total
        for index, column in enumerate(columns, start=1):
            value = row[column.key]
            if hasattr(value, "isoformat"):
                value = value.isoformat()
            cell = sheet.cell(row=row_number, column=index, value=safe_cell(value))
            cell.number_format = FORMATS[column.kind]
            if column.kind != "text":
                cell.alignment = Alignment(horizontal="right")
            if is_total:
                cell.font = Font(bold=True)
                cell.border = Border(top=thin)
    sheet.row_dimensions[1].height = 34
    sheet.freeze_panes = "A2"
    sheet.auto_filter.ref = f"A1:{get_column_letter(len(columns))}{max(len(rows) + 1, 1)}"


def write_notes(sheet, district: str, window: Window, category_label: str,
                data_date: str | None) -> None:
    sheet.column_dimensions["A"].width = 18
    sheet.column_dimensions["B"].width = 80
    lines = [
        ("报表", f"{district} 路长制区域排名"),
        ("统计期", window.label()),
        ("类别", category_label),
        ("数据截至", data_date or "—"),
        ("", ""),
    ] + DEFINITIONS
    for number, (name, value) in enumerate(lines, start=1):
        sheet.cell(row=number, column=1, value=name).font = Font(bold=True)
        sheet.cell(row=number, column=2, value=safe_cell(value))


def workbook_bytes(
    conn: Connection,
    window: Window,
    categories: tuple[str, ...] | None,
    category_label: str,
    data_date: str | None,
) -> bytes:
    """The rankings workbook: one sheet per community and per sub-district, and a notes sheet."""
    book = Workbook()
    first = book.active
    first.title = "社区排名"
    total = district_total(conn, window, categories)
    write_sheet(first, "community", fetch(conn, "community", window, categories), total)
    write_sheet(
        book.create_sheet("办事处排名"),
        "sub_district",
        fetch(conn, "sub_district", window, categories),
        total,
    )
    for title, level in INDICATOR_SHEETS:
        write_sheet(book.create_sheet(title), level,
                    indicators.case_indicators(conn, level, window, categories), None,
                    INDICATOR_COLUMNS)
    day = window.start.astimezone(CHINA_TZ).date(), window.end.astimezone(CHINA_TZ).date()
    write_sheet(book.create_sheet("处罚明细"), "penalty", list_penalties(conn, day[0], day[1]), None,
                PENALTY_COLUMNS)
    district = get_district(conn).short_name
    write_notes(book.create_sheet("说明"), district, window, category_label, data_date)
    book.properties.title = f"{district} 路长制区域排名 {window.label()}"
    book.properties.creator = "roadchief"
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()
