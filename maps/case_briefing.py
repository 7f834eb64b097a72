"""The briefing's case-flow pages (数字城管考核): the units ranked by their 综合评价 score with the
rule, the open overdue cases per unit, and the week's penalties (处罚明细). The numbers are those
of GET /api/rankings?by=unit and the workbook (roadchief.case_indicators, list_penalties)."""

from matplotlib.figure import Figure
from sqlalchemy import Connection

from maps import heatmap
from maps.summary import style_table
from roads.issues import indicators
from roads.issues.window import CHINA_TZ, Window
from roads.penalties import list_penalties

UNIT_ROWS_PER_PAGE = 24
PENALTY_ROWS = 22  # on the page beside the overdue bars; the workbook lists them all
UNIT_COLUMNS = [  # (key, header, format)
    ("rank", "排名", "int"), ("name", "处置单位", "text"), ("filed", "立案数", "int"),
    ("dispatched", "派遣数", "int"), ("closed", "结案数", "int"), ("closed_rate", "结案率", "share"),
    ("on_time_rate", "按期\n结案率", "share"), ("rework_rate", "返工率", "share"),
    ("extension_rate", "延期率", "share"), ("open_overdue", "超期\n未结数", "int"),
    ("mean_handling_work_hours", "平均处置用时\n（工作小时）", "hours"), ("satisfaction", "满意度", "share"),
    ("penalties", "处罚\n起数", "int"), ("score", "综合评价\n得分", "score"),
]
UNIT_WIDTHS = [0.045, 0.23, 0.055, 0.055, 0.055, 0.06, 0.06, 0.06, 0.06, 0.06, 0.09, 0.06, 0.05, 0.07]


def cell(value, kind: str) -> str:
    if value is None:
        return "—"
    if kind == "share":
        return f"{value:.1%}"
    if kind == "hours":
        return f"{value:.1f}"
    if kind == "score":
        return f"{value:.1f}"
    return f"{value:,}" if kind == "int" else str(value)


def weights_text(conn: Connection) -> str:
    return "；".join(f"{w['label']} {w['weight']:+g}" for w in indicators.weights(conn))


def page_title(fig: Figure, title: str) -> None:
    fig.text(0.5, 0.955, title, ha="center", va="center", fontsize=15, fontweight="bold")


def unit_table_figures(conn: Connection, district: str, window: Window, rows: list[dict]) -> list[Figure]:
    """The unit ranking, best first, on one or more pages; the rule, formula and weights under it."""
    pages = [rows[i:i + UNIT_ROWS_PER_PAGE] for i in range(0, len(rows), UNIT_ROWS_PER_PAGE)] or [[]]
    rule = [f"排名规则：{indicators.RULE[0]}。", indicators.FORMULA + "。", "权重：" + weights_text(conn) + "。"]
    figures = []
    for number, page in enumerate(pages, start=1):
        fig = Figure(figsize=heatmap.A4_INCHES)
        suffix = f"（{number}/{len(pages)}）" if len(pages) > 1 else ""
        page_title(fig, f"{district} 处置单位考核排名 {window.label()}{suffix}")
        ax = fig.add_axes([0.03, 0.17, 0.94, 0.74])
        ax.axis("off")
        body = [[cell(row[k], kind) for k, _h, kind in UNIT_COLUMNS] for row in page] or [
            ["无数据"] + [""] * (len(UNIT_COLUMNS) - 1)]
        table = ax.table(cellText=body, colLabels=[h for _k, h, _f in UNIT_COLUMNS], colWidths=UNIT_WIDTHS,
                         loc="upper center", cellLoc="right", colLoc="center")
        style_table(table)
        table.set_fontsize(7)
        for (r, c), item in table.get_celld().items():
            item.set_height(0.05 if r == 0 else 0.028)
            if c == 1 and r > 0:  # names read from the left; matplotlib places text by _loc only
                item._loc = "left"
        y = 0.125
        for line in rule:
            for part in wrap(line, 92):
                fig.text(0.03, y, part, fontsize=7, color="#333333", va="top")
                y -= 0.022
        figures.append(fig)
    return figures


def wrap(text: str, width: int) -> list[str]:
    return [text[i:i + width] for i in range(0, len(text), width)] or [""]


def penalty_rows(penalties: list[dict]) -> list[list[str]]:
    return [[f"{p['penalty_date']:%m-%d}", p["target_kind_label"], short(p["target_name"], 13),
             short(p["unit_name"] or "—", 12), f"{p['amount_yuan']:,.0f}", short(p["reason"], 15),
             str(p["issue_id"] or "—")] for p in penalties[:PENALTY_ROWS]]


def short(text: str, width: int) -> str:
    return text if len(text) <= width else text[:width - 1] + "…"


def overdue_and_penalties_figure(district: str, window: Window, rows: list[dict],
                                 penalties: list[dict]) -> Figure:
    """Left: the open overdue cases per unit (most first); right: the week's penalties."""
    fig = Figure(figsize=heatmap.A4_INCHES)
    page_title(fig, f"{district} 超期未结案卷与处罚明细 {window.label()}")
    overdue = sorted((r for r in rows if r["open_overdue"]), key=lambda r: (-r["open_overdue"], r["name"]))
    bars = fig.add_axes([0.2, 0.1, 0.25, 0.78])
    names = [short(r["name"], 14) for r in overdue][::-1]
    counts = [r["open_overdue"] for r in overdue][::-1]
    bars.barh(names, counts, color="#7b1fa2")
    for y, value in enumerate(counts):
        bars.text(value, y, f" {value}", va="center", fontsize=7)
    bars.set_xlim(0, max(counts, default=1) * 1.18)
    bars.set_title(f"各处置单位超期未结案卷（共 {sum(counts)} 件）", fontsize=9)
    bars.set_xlabel("件", fontsize=8)
    bars.tick_params(labelsize=7)
    if not overdue:
        bars.text(0.5, 0.5, "无超期未结案卷", transform=bars.transAxes, ha="center", fontsize=10)
        bars.set_yticks([])
    table_ax = fig.add_axes([0.5, 0.1, 0.47, 0.78])
    table_ax.axis("off")
    total = sum(p["amount_yuan"] for p in penalties)
    table_ax.set_title(f"处罚明细：{len(penalties)} 起，罚款 {total:,.0f} 元", fontsize=9)
    if not penalties:
        table_ax.text(0.5, 0.9, "统计期内无处罚记录", ha="center", fontsize=10, color="#333333")
    else:
        table = table_ax.table(
            cellText=penalty_rows(penalties),
            colLabels=["日期", "对象类型", "处罚对象", "处置单位", "金额（元）", "原因", "关联案卷"],
            colWidths=[0.07, 0.08, 0.22, 0.2, 0.09, 0.24, 0.1], loc="upper center", cellLoc="left")
        style_table(table)
        for item in table.get_celld().values():
            item.set_height(0.034)
    if len(penalties) > PENALTY_ROWS:
        fig.text(0.5, 0.05, f"另有 {len(penalties) - PENALTY_ROWS} 起，见排名 Excel 的“处罚明细”表。",
                 fontsize=7, color="#333333")
    fig.text(0.03, 0.03, "超期未结：统计期内上报、未结案、未挂账、未不予立案，"
             "且统计期末（或当前）已过处置时限（含批准的延期）。", fontsize=6.5, color="#444444")
    return fig


def case_figures(conn: Connection, district: str, window: Window,
                 categories: tuple[str, ...] | None = None) -> list[Figure]:
    """The briefing's case-flow pages."""
    rows = indicators.case_indicators(conn, "unit", window, categories)
    start, end = (window.start.astimezone(CHINA_TZ).date(), window.end.astimezone(CHINA_TZ).date())
    penalties = list_penalties(conn, start, end)
    return [*unit_table_figures(conn, district, window, rows),
            overdue_and_penalties_figure(district, window, rows, penalties)]
