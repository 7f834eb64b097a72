"""The strip under the heatmap's maps, when the page has room: the segments with the most issues
and the most frequent categories, so a briefing names roads, not only colours."""

from matplotlib.figure import Figure

ROW_INCHES = 0.165


def style_table(table, header_colour: str = "#1f4e79") -> None:
    table.auto_set_font_size(False)
    table.set_fontsize(6.5)
    for (row, _col), cell in table.get_celld().items():
        cell.set_edgecolor("#bfbfbf")
        cell.set_linewidth(0.4)
        if row == 0:
            cell.set_facecolor(header_colour)
            cell.get_text().set_color("white")
            cell.get_text().set_fontweight("bold")
        elif row % 2 == 0:
            cell.set_facecolor("#f2f6fa")


def top_segment_rows(data, limit: int) -> list[list[str]]:
    segments = data.segments[data.segments["issue_count"] > 0]
    names = dict(zip(data.communities["id"], data.communities["name"], strict=True))
    top = segments.sort_values(["issue_count", "per_km"], ascending=False).head(limit)
    return [
        [
            row.road_name,
            names.get(row.community_id, "—"),
            f"{row.segment_id}",
            f"{row.length_m:,.0f}",
            f"{row.issue_count}",
            f"{row.per_km:.1f}",
        ]
        for row in top.itertuples()
    ]


def category_rows(data, limit: int) -> list[list[str]]:
    total = data.issue_count or 1
    return [
        [name, f"{count}", f"{count / total:.0%}"] for name, count in data.top_categories[:limit]
    ]


def draw_summary(fig: Figure, rect: list[float], data) -> None:
    """Two small tables side by side inside `rect` (figure fractions)."""
    left, bottom, width, height = rect
    rows = max(1, min(8, int(height * fig.get_figheight() / ROW_INCHES) - 2))
    tables = [
        (
            "问题最多的路段",
            ["道路", "社区", "路段编号", "长度（米）", "问题数", "件/公里"],
            top_segment_rows(data, rows),
            [0.012, 0.58],
            [0.22, 0.17, 0.13, 0.14, 0.12, 0.12],
        ),
        (
            "问题类别构成",
            ["类别", "件数", "占比"],
            category_rows(data, rows),
            [0.62, 0.36],
            [0.6, 0.2, 0.2],
        ),
    ]
    for title, headers, body, (x, w), widths in tables:
        ax = fig.add_axes([left + x * width, bottom, w * width, height])
        ax.axis("off")
        ax.set_title(title, fontsize=8.5, loc="left", pad=2, fontweight="bold")
        if not body:
            ax.text(0.5, 0.6, "无问题", ha="center", va="center", fontsize=10, color="#2e7d32")
            continue
        table = ax.table(
            cellText=body, colLabels=headers, colWidths=widths, loc="upper left", cellLoc="center"
        )
        style_table(table)
