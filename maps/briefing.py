"""The weekly briefing PDF (周总结): the heatmap page, the coverage map page, the ranking tables and
the case-flow pages (maps/case_briefing.py: units ranked by 综合评价, overdue cases, 处罚明细),
A4 landscape, one command."""

import io
from collections.abc import Callable
from datetime import datetime

from matplotlib.backends.backend_pdf import PdfPages
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from sqlalchemy import Connection

from maps import cartography as carto
from maps import case_briefing, heatmap, rankings
from maps.fonts import use_cjk_font
from roads.issues.filter import IssueFilter
from roads.patrols import compliance
from roads.patrols import rates as patrol_rates

Progress = Callable[[str, int, int], None]
TIER_COLOURS = {0: "#b2182b", 1: "#ef6548", 2: "#fdae61", 3: "#1a9850"}
TIER_LABELS = {0: "无路长", 1: "仅一个层级有路长", 2: "两个层级有路长", 3: "三级路长齐全"}
ROWS_PER_PAGE = 30
TABLE_COLUMNS = [
    "rank",
    "area_name",
    "sub_district_name",
    "segments",
    "km",
    "tier3_share",
    "all_tiers_share",
    "tier3_party_share_by_people",
    "tier3_party_share_by_length",
    "issues",
    "per_km",
    "per_km_30d",
    "closed_share",
    "closed_on_time_share",
    "open_overdue",
    "patrol_rate",
]
PATROL_SECTION_MAX_ROWS = 12  # a sub-district table this short leaves room for the patrol section


def coverage_figure(data: heatmap.HeatmapData) -> Figure:
    """Segments coloured by how many tiers have a chief now (roadchief.segment_coverage)."""
    fig = Figure(figsize=heatmap.A4_INCHES)
    ax = fig.add_axes([0.06, 0.085, 0.88, 0.79])
    carto.prepare_axes(ax, data.communities if len(data.communities) else data.segments)
    ax.set_facecolor("#fbfbf8")
    carto.draw_boundaries(
        ax,
        data.communities,
        data.sub_districts,
        name_size=5.5 if data.flt.area.kind == "district" else 7,
    )
    handles = []
    segments = data.segments
    total_km = segments["length_m"].sum() / 1000 or 1
    for tiers in (3, 2, 1, 0):
        members = segments[segments["tiers_covered"] == tiers]
        if len(members):
            carto.draw_lines(
                ax,
                members.geometry,
                colors=TIER_COLOURS[tiers],
                linewidths=0.9 if tiers == 3 else 1.6,
                zorder=3 + (3 - tiers) * 0.01,
            )
        km = members["length_m"].sum() / 1000
        handles.append(
            Line2D(
                [],
                [],
                color=TIER_COLOURS[tiers],
                linewidth=2,
                label=f"{TIER_LABELS[tiers]}：{len(members)} 段，{km:.1f} 公里"
                f"（{km / total_km:.0%}）",
            )
        )
    ax.legend(
        handles=handles,
        title="路长覆盖（按已设路长的层级数）",
        loc="upper left",
        fontsize=7,
        title_fontsize=8,
        framealpha=0.9,
    ).set_zorder(11)
    ax.set_xlabel("")
    ax.set_ylabel("")
    carto.draw_scale_bar(ax, fontsize=7)
    carto.draw_north_arrow(ax, fontsize=10)
    place = data.flt.area.place()
    fig.text(
        0.5, 0.955, f"{place} 路长覆盖图", ha="center", va="center", fontsize=17, fontweight="bold"
    )
    fig.text(
        0.5,
        0.915,
        f"截至 {datetime.now(data.district.zone):%Y-%m-%d %H:%M} 的在任路长（一级、二级、三级）",
        ha="center",
        va="center",
        fontsize=8.5,
        color="#444444",
    )
    fig.text(
        0.5,
        0.04,
        f"路段 {len(segments):,} 个，{total_km:,.1f} 公里　　制图：路长制 GIS（roadchief）",
        ha="center",
        va="center",
        fontsize=7,
        color="#333333",
    )
    return fig


def cell_text(row: dict, key: str) -> str:
    value = row.get(key)
    column = next(c for c in rankings.COLUMNS if c.key == key)
    if value is None:
        return "—"
    if column.kind == "share":
        return f"{value:.1%}"
    if column.kind in ("km", "density"):
        return f"{value:.2f}"
    return f"{value:,}" if column.kind == "int" else str(value)


TEXT_KEYS = {"rank", "area_code", "sub_district_name"}  # left blank on the total line


def table_figures(title: str, level: str, rows: list[dict], total: dict | None = None) -> list[Figure]:
    """The ranking as one or more table pages; the total line, if given, closes the last page."""
    keys = [k for k in TABLE_COLUMNS if level == "community" or k != "sub_district_name"]
    headers = [
        next(c.header for c in rankings.COLUMNS if c.key == k).replace("（", "\n（") for k in keys
    ]
    pages = [rows[i : i + ROWS_PER_PAGE] for i in range(0, len(rows), ROWS_PER_PAGE)] or [[]]
    figures = []
    for number, page in enumerate(pages, start=1):
        fig = Figure(figsize=heatmap.A4_INCHES)
        suffix = f"（{number}/{len(pages)}）" if len(pages) > 1 else ""
        fig.text(
            0.5, 0.955, title + suffix, ha="center", va="center", fontsize=15, fontweight="bold"
        )
        ax = fig.add_axes([0.03, 0.06, 0.94, 0.86])
        ax.axis("off")
        body = [[cell_text(row, k) for k in keys] for row in page] or [
            ["无数据"] + [""] * (len(keys) - 1)
        ]
        total_line = len(body) + 1 if total and number == len(pages) else None
        if total_line:
            body.append(["" if total.get(k) is None and k in TEXT_KEYS else cell_text(total, k) for k in keys])
        table = ax.table(
            cellText=body, colLabels=headers, loc="upper center", cellLoc="right", colLoc="center"
        )
        table.auto_set_font_size(False)
        table.set_fontsize(6.5)
        table.scale(1, 1.25)
        for (r, _c), cell in table.get_celld().items():
            cell.set_edgecolor("#bfbfbf")
            cell.set_linewidth(0.4)
            if r == 0:
                cell.set_facecolor("#1f4e79")
                cell.get_text().set_color("white")
                cell.get_text().set_fontweight("bold")
                cell.set_height(cell.get_height() * 2.2)
            elif r == total_line:
                cell.set_facecolor("#dde7f0")
                cell.get_text().set_fontweight("bold")
            elif r % 2 == 0:
                cell.set_facecolor("#f2f6fa")
        fig.text(
            0.03,
            0.03,
            "排名按问题密度（件/公里/30天）从高到低；覆盖率按道路长度计；"
            "按期结案：结案且最后一步不晚于类别处置时限。",
            fontsize=6.5,
            color="#444444",
        )
        figures.append(fig)
    return figures


def draw_patrol_section(conn: Connection, flt: IssueFilter, sub_rows: list[dict],
                        fig: Figure | None) -> Figure:
    """路长巡查: the patrol rate per sub-district, the chiefs with the lowest rate and today's 未巡查,
    under the sub-district table when it leaves room, else on a page of its own."""
    if fig is None:
        fig = Figure(figsize=heatmap.A4_INCHES)
        top = 0.9
    else:
        top = 0.6
    sub_district = None if flt.area.kind == "district" else flt.area.sub_district_id
    day = patrol_rates.briefing_day(flt.window)
    missing = compliance.missing(conn, day)
    if sub_district is not None:
        own = patrol_rates.chiefs_of_sub_district(conn, sub_district)
        missing = [m for m in missing if m["chief_id"] in own]
    lowest = patrol_rates.lowest_chiefs(conn, flt.window, 10, sub_district)
    fig.text(0.03, top + 0.02, f"路长巡查（{flt.window.label()}）", fontsize=12, fontweight="bold")
    bars = fig.add_axes([0.09, 0.13, 0.36, top - 0.17])
    names = [r["area_name"] for r in sub_rows][::-1]
    values = [(r["patrol_rate"] or 0) * 100 for r in sub_rows][::-1]
    bars.barh(names, values, color="#2b83ba")
    for y, (value, row) in enumerate(zip(values, sub_rows[::-1], strict=True)):
        bars.text(value + 1, y, "—" if row["patrol_rate"] is None else f"{value:.1f}%", va="center", fontsize=7)
    bars.set_xlim(0, 110)
    bars.set_xlabel("巡查率（%）", fontsize=8)
    bars.set_title("各办事处巡查率", fontsize=9)
    bars.tick_params(labelsize=7)
    table_ax = fig.add_axes([0.52, 0.3, 0.45, top - 0.34])
    table_ax.axis("off")
    table_ax.set_title("巡查率最低的路长", fontsize=9)
    body = [[r["name"], r["organisation"] or "", f"{r['done']}/{r['due']}", f"{r['rate']:.0%}"] for r in lowest]
    table = table_ax.table(cellText=body or [["无应巡查记录", "", "", ""]],
                           colLabels=["路长", "单位", "已巡/应巡", "巡查率"], loc="upper center", cellLoc="left")
    table.auto_set_font_size(False)
    table.set_fontsize(6.5)
    for cell in table.get_celld().values():
        cell.set_edgecolor("#bfbfbf")
        cell.set_linewidth(0.4)
    shown = "、".join(m["chief_name"] for m in missing[:20]) + ("等" if len(missing) > 20 else "")
    fig.text(0.52, 0.24, f"{day:%Y年%m月%d日} 未巡查：{len(missing)} 名路长", fontsize=9, fontweight="bold")
    fig.text(0.52, 0.08, "\n".join(wrap(shown or "无", 38)), fontsize=7, va="bottom", color="#333333")
    return fig


def wrap(text: str, width: int) -> list[str]:
    return [text[i:i + width] for i in range(0, len(text), width)] or [""]


def briefing_pdf(
    conn: Connection,
    flt: IssueFilter,
    options: heatmap.HeatmapOptions,
    progress: Progress = lambda step, done, total: None,
) -> tuple[bytes, int]:
    """The briefing as PDF bytes and its page count."""
    use_cjk_font()
    steps = 5
    progress("读取数据", 0, steps)
    data = heatmap.load(conn, flt, options)
    progress("问题密度图", 1, steps)
    heat_fig, _info = heatmap.build_figure(data, options)
    progress("路长覆盖图", 2, steps)
    cover_fig = coverage_figure(data)
    progress("排名表", 3, steps)
    label = flt.window.label()
    sub_rows = rankings.fetch(conn, "sub_district", flt.window, flt.categories)
    community_rows = rankings.fetch(conn, "community", flt.window, flt.categories)
    total = None  # a sub-district's briefing: its own row is the total
    if flt.area.kind == "district":
        total = rankings.district_total(conn, flt.window, flt.categories)
    else:
        sub_rows = [r for r in sub_rows if r["area_id"] == flt.area.sub_district_id]
        community_rows = [
            r
            for r in community_rows
            if r["area_name"] in set(data.communities["name"])
            and r["sub_district_name"] == sub_rows[0]["sub_district_name"]
        ]
    sub_figures = table_figures(f"{flt.area.district} 办事处排名 {label}", "sub_district", sub_rows, total)
    last_page_rows = (len(sub_rows) - 1) % ROWS_PER_PAGE + 1 if sub_rows else 0
    patrol_fig = sub_figures[-1] if last_page_rows <= PATROL_SECTION_MAX_ROWS else None
    patrol_fig = draw_patrol_section(conn, flt, sub_rows, patrol_fig)
    figures = [
        heat_fig,
        cover_fig,
        *sub_figures,
        *([] if patrol_fig in sub_figures else [patrol_fig]),
        *table_figures(f"{flt.area.district} 社区（村）排名 {label}", "community", community_rows, total),
        *case_briefing.case_figures(conn, flt.area.district, flt.window, flt.categories),
    ]
    progress("写入 PDF", 4, steps)
    buffer = io.BytesIO()
    with PdfPages(
        buffer, metadata={"Title": f"{flt.area.district} 路长制周报 {label}", "Creator": "roadchief"}
    ) as pdf:
        for fig in figures:
            pdf.savefig(fig)
    progress("完成", steps, steps)
    return buffer.getvalue(), len(figures)
