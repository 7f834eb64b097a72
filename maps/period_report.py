"""A 日报/周报/旬报 (roads/reports/compose.py) as an A4 landscape PDF and as a workbook.

PDF pages: the summary with the figure table (continued on pages of its own when the instruments
give more figures than fit), the period's heatmap (maps/heatmap.py), the areas with the highest
and lowest issue density and their chiefs, the key cases with their photos before and after."""

import io
import os
import re
from datetime import datetime
from pathlib import Path

from matplotlib.backends.backend_pdf import PdfPages
from matplotlib.figure import Figure
from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from PIL import Image
from sqlalchemy import Connection

from maps import heatmap
from maps.case_briefing import page_title, short
from maps.fonts import use_cjk_font
from maps.summary import style_table
from roads.areas import Area as FilterArea
from roads.cells import safe_cell
from roads.issues.filter import IssueFilter
from roads.reports import compare, store
from roads.reports.compose import Area, KeyCase, Report, compose
from roads.reports.periods import KINDS, Period

VERDICT_COLOURS = {"好转": "#1a7f37", "变差": "#c62828"}
SUMMARY_WIDTH = 62  # CJK characters per line of the summary at 11 pt across the page
NO_LINE_START = "，。；、：）％%”"
NO_LINE_END = "（“"
LINE_H = 0.034
ROW_H = 0.028
TABLE_HEADERS = ["指标", "本期", "上期", "变化", "评价"]
KEY_CASE_RULE = ("重点案卷：本期上报的案卷中，有处置前后照片的优先，其次被重复上报次数最多的，"
                 "再次超出处置时限最久的（已结案按结案时间，未结案按统计期末），最多 4 件。")


def tokens(text: str) -> list[str]:
    """Runs of Latin letters, digits and signs stay whole (a number is never cut); each CJK
    character is a token of its own."""
    found = re.findall(r"[0-9A-Za-z.,:%+\-−/ ]+|.", text)
    return [t for t in found if t]


def wrap(text: str, width: float) -> list[str]:
    """Lines of at most `width` CJK character widths (a Latin character counts about half); a
    closing punctuation mark never starts a line."""
    lines, line, used = [], "", 0.0
    for token in tokens(text):
        size = sum(1.0 if ord(ch) > 0x2E7F else 0.3 if ch == " " else 0.56 for ch in token)
        if line and used + size > width and token[0] not in NO_LINE_START:
            carried = line[-1] if line[-1] in NO_LINE_END else ""  # an opening bracket goes along
            lines.append(line[:len(line) - len(carried)])
            line, used = carried + token.lstrip(), size + len(carried)
        else:
            line, used = line + token, used + size
    return [*lines, line] if line else lines or [""]


def figure_cells(row: compare.Row) -> list[str]:
    unit = row.figure.unit_zh
    return [row.figure.label_zh + (f"（{unit}）" if unit else ""), compare.number(row.figure.value, unit),
            compare.number(row.previous, unit), compare.change_cell(row), row.verdict]


def draw_figure_table(fig: Figure, rows: list[compare.Row], top: float, report: Report) -> None:
    ax = fig.add_axes([0.08, 0.08, 0.84, top - 0.08])
    ax.axis("off")
    table = ax.table(cellText=[figure_cells(r) for r in rows], colLabels=TABLE_HEADERS, loc="upper center",
                     colWidths=[0.26, 0.2, 0.2, 0.22, 0.12], cellLoc="center")
    style_table(table)
    table.set_fontsize(8.5)
    height = ROW_H / (top - 0.08)
    for (r, c), cell in table.get_celld().items():
        cell.set_height(height * (1.3 if r == 0 else 1))
        if r > 0 and c == 4 and rows[r - 1].verdict in VERDICT_COLOURS:
            cell.get_text().set_color(VERDICT_COLOURS[rows[r - 1].verdict])
            cell.get_text().set_fontweight("bold")


def header(fig: Figure, report: Report, subtitle: str) -> None:
    page_title(fig, f"{report.title}　{report.period.label()}")
    fig.text(0.5, 0.915, subtitle, ha="center", va="center", fontsize=8.5, color="#444444")


def table_heading(fig: Figure, y: float, report: Report) -> float:
    fig.text(0.08, y, f"二、主要指标（本期 {report.period.label()}，上期 {report.previous.label()}）",
             fontsize=12, fontweight="bold", va="top")
    return y - 0.04


def rows_fitting(top: float) -> int:
    return max(0, int((top - 0.08) / ROW_H - 1.3))  # the header row is 1.3 rows high


def summary_pages(report: Report) -> list[Figure]:
    """The written summary with the figure table under it when the whole table fits there; else
    the table on pages of its own (a table is not cut after the summary)."""
    fig = Figure(figsize=heatmap.A4_INCHES)
    written = f"{datetime.now(report.district.zone):%Y-%m-%d %H:%M}"
    header(fig, report, f"统计期：{report.period.label()}　　对比：{report.previous.label()}　　生成时间：{written}")
    y = 0.86
    fig.text(0.08, y, "一、总体情况", fontsize=12, fontweight="bold", va="top")
    y -= 0.045
    for paragraph in report.summary:
        for line in wrap("　　" + paragraph, SUMMARY_WIDTH):
            fig.text(0.08, y, line, fontsize=11, va="top")
            y -= LINE_H
        y -= 0.008
    rows, pages = report.rows, [fig]
    if len(rows) <= rows_fitting(y - 0.06):
        draw_figure_table(fig, rows, table_heading(fig, y - 0.02, report), report)
        return pages
    # As many pages as the rows need, the rows shared evenly (no page with a lone last row).
    page_count = -(-len(rows) // rows_fitting(0.82))
    per_page = -(-len(rows) // page_count)
    for start in range(0, len(rows), per_page):
        more = Figure(figsize=heatmap.A4_INCHES)
        header(more, report, "主要指标" + ("（续）" if start else ""))
        draw_figure_table(more, rows[start:start + per_page], table_heading(more, 0.86, report), report)
        pages.append(more)
    return pages


def heatmap_page(conn: Connection, report: Report) -> Figure:
    area = FilterArea(report.district.short_name, district=report.district.short_name)
    options = heatmap.HeatmapOptions(size="screen")
    data = heatmap.load(conn, IssueFilter(window=report.window, area=area), options)
    fig, _info = heatmap.build_figure(data, options)
    return fig


def area_cells(area: Area) -> list[str]:
    rate = "—" if area.patrol_rate is None else f"{area.patrol_rate:.0%}"
    density = "—" if area.per_km_30d is None else f"{area.per_km_30d:.2f}"
    cells = [short(area.name, 12), short(area.sub_district_name or "", 8), str(area.issues), density, rate,
             short("、".join(area.chiefs[:2]) or "未设", 12)]
    return cells if area.level == "community" else cells[:1] + cells[2:]


def area_table(fig: Figure, rect: list[float], title: str, areas: list[Area], level: str) -> None:
    ax = fig.add_axes(rect)
    ax.axis("off")
    ax.set_title(title, fontsize=10, loc="left", fontweight="bold")
    headers = ["名称", "所属办事处", "问题数", "件/公里/30天", "巡查率", "三级路长"]
    widths = [0.2, 0.16, 0.1, 0.17, 0.11, 0.26]
    if level != "community":
        headers, widths = ["名称", *headers[2:5], "二级路长"], [0.26, 0.12, 0.19, 0.13, 0.3]
    body = [area_cells(a) for a in areas] or [["无"] + [""] * (len(headers) - 1)]
    table = ax.table(cellText=body, colLabels=headers, colWidths=widths, loc="upper center", cellLoc="center")
    style_table(table)
    table.set_fontsize(8)
    for (r, _c), cell in table.get_celld().items():
        cell.set_height((0.05 if r == 0 else 0.04) / rect[3])  # figure fractions: rows alike on every table


def areas_page(report: Report) -> Figure:
    fig = Figure(figsize=heatmap.A4_INCHES)
    header(fig, report, "按问题密度（件/公里/30天）排列；路长为该区域内负责道路最长的现任路长")
    area_table(fig, [0.04, 0.5, 0.44, 0.36], "问题密度最高的社区（村）", report.worst, "community")
    area_table(fig, [0.04, 0.08, 0.44, 0.36], "问题密度最低的社区（村）", report.best, "community")
    area_table(fig, [0.52, 0.08, 0.44, 0.78], "各办事处（问题密度从高到低）", report.sub_districts, "sub_district")
    return fig


def draw_photo(fig: Figure, rect: list[float], path, caption: str) -> None:
    ax = fig.add_axes(rect)
    ax.set_xticks([])
    ax.set_yticks([])
    ax.set_title(caption, fontsize=8)
    if path is None:
        ax.text(0.5, 0.5, "无照片", ha="center", va="center", fontsize=9, color="#777777")
        return
    with Image.open(path) as image:
        image.thumbnail((900, 900))
        ax.imshow(image.convert("RGB"))


def case_caption(case: KeyCase, zone) -> list[str]:
    when = f"{case.reported_at.astimezone(zone):%m-%d %H:%M} 上报"
    late = ""
    if case.late_hours is not None and case.late_hours > 0:
        late = f"，超时 {case.late_hours:.0f} 小时" if case.late_hours < 48 else f"，超时 {case.late_hours / 24:.0f} 天"
    repeats = f"，重复上报 {case.repeats} 次" if case.repeats else ""
    return [f"案卷 {case.id}　{short(case.category_name, 14)}　{case.status_label}",
            short("；".join(p for p in (case.place, f"{when}{late}{repeats}") if p != "—"), 46),
            short(case.description or "", 46)]


def key_case_page(report: Report) -> Figure:
    fig = Figure(figsize=heatmap.A4_INCHES)
    header(fig, report, KEY_CASE_RULE)
    if not report.key_cases:
        fig.text(0.5, 0.5, "本期无重点案卷", ha="center", fontsize=14, color="#333333")
    for number, case in enumerate(report.key_cases):
        left = 0.04 + (number % 2) * 0.48
        bottom = 0.47 - (number // 2) * 0.42
        for index, line in enumerate(case_caption(case, report.district.zone)):
            fig.text(left, bottom + 0.38 - index * 0.028, line, fontsize=8.5 if index else 9.5,
                     fontweight="bold" if index == 0 else "normal", va="top")
        draw_photo(fig, [left, bottom, 0.21, 0.27], case.before_photo, "处置前")
        draw_photo(fig, [left + 0.23, bottom, 0.21, 0.27], case.after_photo, "处置后")
    return fig


def pdf_bytes(conn: Connection, report: Report) -> tuple[bytes, int]:
    """The report as PDF bytes and its page count."""
    use_cjk_font()
    pages = [*summary_pages(report), heatmap_page(conn, report), areas_page(report), key_case_page(report)]
    buffer = io.BytesIO()
    metadata = {"Title": f"{report.title} {report.period.label()}", "Creator": "roadchief"}
    with PdfPages(buffer, metadata=metadata) as pdf:
        for fig in pages:
            pdf.savefig(fig)
    return buffer.getvalue(), len(pages)


HEADER_FILL = PatternFill("solid", fgColor="1F4E79")


def write_rows(sheet, headers: list[str], rows: list[list], widths: list[float]) -> None:
    for index, (title, width) in enumerate(zip(headers, widths, strict=True), start=1):
        cell = sheet.cell(row=1, column=index, value=title)
        cell.font = Font(bold=True, color="FFFFFF")
        cell.fill = HEADER_FILL
        cell.alignment = Alignment(horizontal="center", wrap_text=True)
        sheet.column_dimensions[get_column_letter(index)].width = width
    for number, values in enumerate(rows, start=2):
        for index, value in enumerate(values, start=1):
            sheet.cell(row=number, column=index, value=safe_cell(value))
    sheet.freeze_panes = "A2"


def area_values(area: Area, level: str) -> list:
    return [level, area.name, area.sub_district_name or "", area.issues, area.per_km_30d,
            area.patrol_rate, "、".join(area.chiefs)]


def xlsx_bytes(report: Report) -> bytes:
    """The report as a workbook: 摘要, 指标 (the numbers unrounded), 区域, 重点案卷."""
    book = Workbook()
    summary = book.active
    summary.title = "摘要"
    summary.column_dimensions["A"].width = 110
    lines = [f"{report.title} {report.period.label()}", f"对比：{report.previous.label()}", "", *report.summary]
    for number, line in enumerate(lines, start=1):
        cell = summary.cell(row=number, column=1, value=safe_cell(line))
        cell.alignment = Alignment(wrap_text=True, vertical="top")
    summary["A1"].font = Font(bold=True, size=14)
    write_rows(book.create_sheet("指标"),
               ["编码", "指标", "单位", "本期", "上期", "变化", "变化率", "评价", "越高越好/越低越好"],
               [[r.figure.key, r.figure.label_zh, r.figure.unit_zh, r.figure.value, r.previous, r.change,
                 r.relative, r.verdict, {"higher": "越高越好", "lower": "越低越好"}.get(r.figure.better, "—")]
                for r in report.rows],
               [22, 18, 8, 12, 12, 12, 10, 8, 16])
    areas = ([area_values(a, "问题密度最高的社区（村）") for a in report.worst]
             + [area_values(a, "问题密度最低的社区（村）") for a in report.best]
             + [area_values(a, "办事处") for a in report.sub_districts])
    write_rows(book.create_sheet("区域"),
               ["类别", "名称", "所属办事处", "问题数", "问题密度（件/公里/30天）", "巡查率", "路长"],
               areas, [24, 16, 14, 8, 18, 10, 30])
    zone = report.district.zone
    write_rows(book.create_sheet("重点案卷"),
               ["案卷编号", "问题类别", "状态", "位置", "上报时间", "处置时限", "超时（小时）", "重复上报次数",
                "问题描述", "处置前照片", "处置后照片"],
               [[c.id, c.category_name, c.status_label, c.place,
                 c.reported_at.astimezone(zone).replace(tzinfo=None),
                 c.due_at.astimezone(zone).replace(tzinfo=None) if c.due_at else None,
                 round(c.late_hours, 1) if c.late_hours and c.late_hours > 0 else None, c.repeats,
                 c.description, "有" if c.before_photo else "无", "有" if c.after_photo else "无"]
                for c in report.key_cases],
               [10, 18, 8, 28, 17, 17, 10, 10, 40, 10, 10])
    book.create_sheet("说明")["A1"] = KEY_CASE_RULE
    book.properties.title = f"{report.title} {report.period.label()}"
    book.properties.creator = "roadchief"
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def file_stem(report: Report) -> tuple[str, str]:
    """('weekly-2026-W47', '经开区路长制周报-2026-W47')."""
    slug = report.period.slug()
    return f"{report.kind}-{slug}", f"{report.district.short_name}路长制{KINDS[report.kind]}-{slug}"


def write_atomically(path: Path, data: bytes) -> None:
    """A reader never sees half a file: written beside, then renamed over."""
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_suffix(f"{path.suffix}.{os.getpid()}.part")
    partial.write_bytes(data)
    partial.replace(path)


def write_report(conn: Connection, period: Period, folder: Path, written_by: str,
                 photo_dir: Path | None = None, again: bool = False) -> tuple[dict | None, bool]:
    """Write the period's PDF and XLSX under `folder` and its `report` row; returns (row, written).

    Under the period's advisory lock: a scheduler (`again` False) leaves a report that exists or
    that another worker is writing right now (row None then); `again` waits for the lock and
    writes the report anew."""
    if not store.lock(conn, period, wait=again):
        return None, False
    existing = store.find(conn, period)
    if existing is not None and not again:
        return existing, False
    report = compose(conn, period, photo_dir)
    pdf, pages = pdf_bytes(conn, report)
    stem, _chinese = file_stem(report)
    relative = {fmt: f"{period.kind}/{stem}.{fmt}" for fmt in ("pdf", "xlsx")}
    write_atomically(folder / relative["pdf"], pdf)
    write_atomically(folder / relative["xlsx"], xlsx_bytes(report))
    return store.save(conn, period, relative["pdf"], relative["xlsx"], pages, written_by), True
