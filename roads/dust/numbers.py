"""The dust numbers: per segment (latest sample, the window's mean, share over the limit), per
cleaning company the same summed with a ranking, the report figures and a workbook. Every number
comes from roadchief.dust_by_segment (sql/functions/dust.sql)."""

import io
from datetime import date, datetime, time

from openpyxl import Workbook
from openpyxl.styles import Font, PatternFill
from openpyxl.utils import get_column_letter
from sqlalchemy import Connection, text

from roads.cells import safe_cell
from roads.issues.window import CHINA_TZ, Window
from roads.reports.figures import Figure

NO_COMPANY = "未指定保洁单位"

BY_SEGMENT = text("""
SELECT b.segment_id, r.name AS road_name, coalesce(s.road_class, r.road_class) AS road_class,
       cm.name AS community_name, roadchief.dust_zone(s.geom) AS zone, b.unit_id, u.name AS unit_name,
       b.samples, b.over_limit, CAST(b.mean_g_m2 AS float8) AS mean_g_m2,
       CAST(b.mean_limit_g_m2 AS float8) AS mean_limit_g_m2,
       CAST(b.latest_g_m2 AS float8) AS latest_g_m2, CAST(b.latest_limit_g_m2 AS float8) AS latest_limit_g_m2,
       b.latest_at
FROM roadchief.dust_by_segment(:f, :t) AS b
JOIN public.road_segment AS s ON s.id = b.segment_id
JOIN public.road AS r ON r.id = s.road_id
LEFT JOIN public.community AS cm ON cm.id = s.community_id
LEFT JOIN public.unit AS u ON u.id = b.unit_id
WHERE CAST(:s AS integer) IS NULL OR b.segment_id = :s
ORDER BY b.over_limit::float8 / b.samples DESC, b.mean_g_m2 DESC, b.segment_id
""")

BY_COMPANY = text("""
SELECT b.unit_id, u.name AS unit_name, count(*) AS segments, CAST(sum(b.samples) AS integer) AS samples,
       CAST(sum(b.over_limit) AS integer) AS over_limit,
       CAST(sum(b.mean_g_m2 * b.samples) AS float8) AS grams_total,
       CAST(sum(b.mean_g_m2 * b.samples) / sum(b.samples) AS float8) AS mean_g_m2,
       count(*) FILTER (WHERE b.latest_g_m2 > b.latest_limit_g_m2) AS segments_over_now
FROM roadchief.dust_by_segment(:f, :t) AS b
LEFT JOIN public.unit AS u ON u.id = b.unit_id
GROUP BY b.unit_id, u.name
""")

CASES_OPENED = text("""
SELECT count(*) FROM public.issue
WHERE category_code = 'DU01' AND reported_at >= :f AND reported_at < :t
""")


def share(over: int, samples: int) -> float | None:
    return round(over / samples, 4) if samples else None


def segment_numbers(conn: Connection, window: Window, segment_id: int | None = None) -> list[dict]:
    """Each segment sampled in the window, the worst (largest share over the limit) first."""
    rows = conn.execute(BY_SEGMENT, {"f": window.start, "t": window.end, "s": segment_id}).mappings()
    out = []
    for row in rows:
        item = dict(row)
        item["over_share"] = share(item["over_limit"], item["samples"])
        item["latest_verdict"] = "超标" if item["latest_g_m2"] > item["latest_limit_g_m2"] else "达标"
        item["unit_name"] = item["unit_name"] or NO_COMPANY
        out.append(item)
    return out


def company_ranking(conn: Connection, window: Window) -> list[dict]:
    """Per cleaning company: segments sampled, samples, share over the limit, mean g/m², ranked
    best first (least share over, then lowest mean); segments without a company come last, unranked."""
    return [{k: v for k, v in row.items() if k != "grams_total"} for row in ranked_companies(conn, window)]


def ranked_companies(conn: Connection, window: Window) -> list[dict]:
    rows = [dict(r) for r in conn.execute(BY_COMPANY, {"f": window.start, "t": window.end}).mappings()]
    for row in rows:
        row["over_share"] = share(row["over_limit"], row["samples"])
        row["mean_g_m2"] = round(row["mean_g_m2"], 2)
    companies = sorted((r for r in rows if r["unit_id"] is not None),
                       key=lambda r: (r["over_share"], r["mean_g_m2"], r["unit_name"]))
    for rank, row in enumerate(companies, start=1):
        row["rank"] = rank
    unassigned = [r | {"rank": None, "unit_name": NO_COMPANY} for r in rows if r["unit_id"] is None]
    return companies + unassigned


def totals(conn: Connection, window: Window) -> dict:
    rows = ranked_companies(conn, window)
    samples = sum(r["samples"] for r in rows)
    over = sum(r["over_limit"] for r in rows)
    mean = sum(r["grams_total"] for r in rows) / samples if samples else None
    cases = conn.execute(CASES_OPENED, {"f": window.start, "t": window.end}).scalar_one()
    return {"samples": samples, "over_limit": over, "over_share": share(over, samples),
            "mean_g_m2": None if mean is None else round(mean, 2), "cases_opened": cases}


def day_window(start: date, end: date) -> Window:
    return Window(datetime.combine(start, time(0), CHINA_TZ), datetime.combine(end, time(0), CHINA_TZ))


def report_figures(conn: Connection, start: date, end: date) -> list[Figure]:
    """The dust figures of the days [start, end) (district-local days) for the reports."""
    numbers = totals(conn, day_window(start, end))
    percent = None if numbers["over_share"] is None else round(numbers["over_share"] * 100, 1)
    return [
        Figure("dust_samples", "积尘检测次数", numbers["samples"], "次", "neither"),
        Figure("dust_mean_g_m2", "平均积尘量", numbers["mean_g_m2"], "g/m²", "lower"),
        Figure("dust_over_share", "积尘超标率", percent, "%", "lower"),
        Figure("dust_cases", "积尘超标立案", numbers["cases_opened"], "件", "lower"),
    ]


RANKING_COLUMNS = [("名次", "rank", 6), ("保洁单位", "unit_name", 32), ("检测路段数", "segments", 12),
                   ("检测次数", "samples", 10), ("超标次数", "over_limit", 10), ("超标率", "over_share", 10),
                   ("平均积尘量（克/平方米）", "mean_g_m2", 22), ("当前超标路段", "segments_over_now", 14)]
SEGMENT_COLUMNS = [("路段编号", "segment_id", 10), ("道路", "road_name", 20), ("道路等级", "road_class", 10),
                   ("村/社区", "community_name", 16), ("保洁单位", "unit_name", 30), ("检测次数", "samples", 10),
                   ("超标次数", "over_limit", 10), ("超标率", "over_share", 10),
                   ("平均积尘量", "mean_g_m2", 12), ("最近一次", "latest_g_m2", 10),
                   ("最近限值", "latest_limit_g_m2", 10), ("最近结果", "latest_verdict", 10)]


def write_sheet(sheet, columns, rows) -> None:
    for index, (header, _key, width) in enumerate(columns, start=1):
        cell = sheet.cell(row=1, column=index, value=header)
        cell.font = Font(bold=True, color="FFFFFF")
        cell.fill = PatternFill("solid", fgColor="1F4E79")
        sheet.column_dimensions[get_column_letter(index)].width = width
    for number, row in enumerate(rows, start=2):
        for index, (_header, key, _width) in enumerate(columns, start=1):
            cell = sheet.cell(row=number, column=index, value=safe_cell(row[key]))
            if key == "over_share" and row[key] is not None:
                cell.number_format = "0.0%"
    sheet.freeze_panes = "A2"


def ranking_workbook(conn: Connection, window: Window) -> bytes:
    """Sheets 保洁单位排名 and 路段积尘 for the window."""
    book = Workbook()
    write_sheet(book.active, RANKING_COLUMNS, company_ranking(conn, window))
    book.active.title = "保洁单位排名"
    write_sheet(book.create_sheet("路段积尘"), SEGMENT_COLUMNS, segment_numbers(conn, window))
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()
