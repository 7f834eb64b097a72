"""The week's 红黑榜 (A4 portrait PDF): the red list and the black list with shop, street,
community and the three duty scores, the shops under 停业整顿, and the streets ranked by red share;
and the same numbers as a workbook. Everything read through roads.shops.tallies (one SQL
definition, roadchief.shop_week)."""

import io
from datetime import date

from matplotlib.backends.backend_pdf import PdfPages
from matplotlib.figure import Figure
from openpyxl import Workbook
from openpyxl.styles import Font, PatternFill
from sqlalchemy import Connection

from maps.fonts import use_cjk_font
from maps.summary import style_table
from roads.district import get_district
from roads.shops import tallies
from roads.shops.weeks import label, label_zh

A4_PORTRAIT = (210 / 25.4, 297 / 25.4)
ROWS_PER_PAGE = 34
RED, BLACK, GREY, BLUE = "#c0392b", "#262626", "#7f4f24", "#1f4e79"


def score(value) -> str:
    return "—" if value is None else str(value)


def sections(conn: Connection, week: date) -> list[tuple[str, str, list[str], list[float], list[list[str]]]]:
    """(heading, header colour, column headers, column widths, rows) for each list of the page."""
    shop_head = ["序号", "商户", "街道", "社区", "秩序", "卫生", "立面"]
    shop_widths = [0.06, 0.30, 0.22, 0.2, 0.07, 0.07, 0.08]

    def shop_rows(rows):
        return [[str(i), r["name"] + ("（停业整顿）" if r["suspended"] else ""), r["road_name"] or "—",
                 r["community_name"] or "—", score(r["order_score"]), score(r["hygiene_score"]),
                 score(r["facade_score"])] for i, r in enumerate(rows, start=1)]

    suspended = [[str(i), r["name"], r["road_name"] or "—", r["community_name"] or "—", r["since_label"]]
                 for i, r in enumerate(tallies.suspended_shops(conn, week), start=1)]
    streets = [[str(r["rank"]), r["name"], str(r["shops"]), str(r["red"]), str(r["black"]), str(r["none"]),
                f"{r['red_share_pct']:.1f}%"] for r in tallies.tally(conn, week, "street")]
    return [
        ("红榜（红旗商户）", RED, shop_head, shop_widths, shop_rows(tallies.flagged_shops(conn, week, "red"))),
        ("黑榜（黑旗商户）", BLACK, shop_head, shop_widths, shop_rows(tallies.flagged_shops(conn, week, "black"))),
        ("停业整顿商户", GREY, ["序号", "商户", "街道", "社区", "起始周"], [0.07, 0.33, 0.24, 0.22, 0.14],
         suspended),
        ("街道红旗率排名", BLUE, ["排名", "街道", "商户数", "红旗", "黑旗", "无旗", "红旗率"],
         [0.08, 0.36, 0.11, 0.1, 0.1, 0.1, 0.15], streets),
    ]


def pages(items: list) -> list[tuple[str, str, list[str], list[float], list[list[str]], int, int]]:
    """Each section cut into pages of ROWS_PER_PAGE rows (an empty section keeps one page)."""
    out = []
    for heading, colour, head, widths, rows in items:
        chunks = [rows[i:i + ROWS_PER_PAGE] for i in range(0, len(rows), ROWS_PER_PAGE)] or [[]]
        for number, chunk in enumerate(chunks, start=1):
            out.append((heading, colour, head, widths, chunk, number, len(chunks)))
    return out


def page_figure(title: str, subtitle: str, heading: str, colour: str, head: list[str],
                widths: list[float], rows: list[list[str]], number: int, of: int) -> Figure:
    fig = Figure(figsize=A4_PORTRAIT)
    fig.text(0.5, 0.955, title, ha="center", va="center", fontsize=16, fontweight="bold")
    fig.text(0.5, 0.925, subtitle, ha="center", va="center", fontsize=9, color="#333333")
    suffix = f"（{number}/{of}）" if of > 1 else ""
    fig.text(0.06, 0.89, heading + suffix, fontsize=12, fontweight="bold", color=colour, va="center")
    ax = fig.add_axes([0.06, 0.05, 0.88, 0.82])
    ax.axis("off")
    body = rows or [["", "本周无"] + [""] * (len(head) - 2)]
    table = ax.table(cellText=body, colLabels=head, colWidths=widths, loc="upper center",
                     cellLoc="center", colLoc="center")
    style_table(table, header_colour=colour)
    table.set_fontsize(8)
    for (r, c), item in table.get_celld().items():
        item.set_height(0.026)
        if c in (1, 2, 3) and r > 0:  # names read from the left
            item._loc = "left"
    return fig


def red_black_pdf(conn: Connection, week: date) -> bytes:
    """The week's 红黑榜 as PDF bytes."""
    use_cjk_font()
    district = get_district(conn).name
    totals = tallies.week_tallies(conn, week)["totals"]
    share = f"{100 * totals['red'] / totals['shops']:.1f}%" if totals["shops"] else "—"
    title = f"{district} 沿街商户红黑旗评比 红黑榜"
    subtitle = (f"{label_zh(week)}　参评商户 {totals['shops']} 家：红旗 {totals['red']}，黑旗 {totals['black']}，"
                f"无旗 {totals['none']}，红旗率 {share}；停业整顿 {totals['suspended']} 家")
    buffer = io.BytesIO()
    with PdfPages(buffer, metadata={"Title": f"{district} 红黑榜 {label(week)}", "Creator": "roadchief"}) as pdf:
        for heading, colour, head, widths, rows, number, of in pages(sections(conn, week)):
            pdf.savefig(page_figure(title, subtitle, heading, colour, head, widths, rows, number, of))
    return buffer.getvalue()


def tallies_workbook(conn: Connection, week: date) -> bytes:
    """Sheets: 街道排名, 社区, 红榜, 黑榜, 停业整顿."""
    data = tallies.week_tallies(conn, week)
    book = Workbook()
    book.remove(book.active)
    tally_head = ["排名", "名称", "商户数", "红旗", "黑旗", "无旗", "停业整顿", "红旗率(%)"]
    tally_keys = ["rank", "name", "shops", "red", "black", "none", "suspended", "red_share_pct"]
    for title, rows in (("街道排名", data["streets"]), ("社区", data["communities"])):
        write_sheet(book, title, tally_head, [[r[k] for k in tally_keys] for r in rows])
    shop_head = ["商户编号", "商户", "街道", "社区", "秩序", "卫生", "立面", "检查人"]
    shop_keys = ["shop_id", "name", "road_name", "community_name", "order_score", "hygiene_score",
                 "facade_score", "inspector"]
    for title, flag in (("红榜", "red"), ("黑榜", "black")):
        rows = tallies.flagged_shops(conn, week, flag)
        write_sheet(book, title, shop_head, [[r[k] for k in shop_keys] for r in rows])
    write_sheet(book, "停业整顿", ["商户编号", "商户", "街道", "社区", "起始周"],
                [[r["shop_id"], r["name"], r["road_name"], r["community_name"], r["since_label"]]
                 for r in tallies.suspended_shops(conn, week)])
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def write_sheet(book: Workbook, title: str, head: list[str], rows: list[list]) -> None:
    sheet = book.create_sheet(title)
    sheet.append(head)
    for cell in sheet[1]:
        cell.font = Font(bold=True, color="FFFFFF")
        cell.fill = PatternFill("solid", fgColor="1F4E79")
    for row in rows:
        sheet.append(row)
    sheet.column_dimensions["B"].width = 28
