"""Briefing exports: GET /api/rankings, /api/exports/heatmap.{png,pdf,html},
/api/exports/rankings.xlsx and the ledger list /api/exports/issues.xlsx.

Files are streamed with their content type and a Content-Disposition name that says what they are
(an ASCII name, plus the Chinese one per RFC 5987)."""

from collections.abc import Iterator
from typing import Annotated
from urllib.parse import quote

from fastapi import APIRouter, Depends, Query
from fastapi.responses import StreamingResponse

from gis_service.db import Conn
from gis_service.filters import issue_filter, ledger_filter
from gis_service.params import Int32
from maps import query, rankings
from maps.briefing import briefing_pdf
from maps.heatmap import HeatmapOptions, heatmap_bytes
from maps.ledger import ledger_workbook
from maps.webmap import webmap_html
from roads.errors import NotFound
from roads.issues import indicators
from roads.issues.filter import IssueFilter

router = APIRouter(prefix="/api", tags=["exports"])

MEDIA = {
    "png": "image/png",
    "pdf": "application/pdf",
    "html": "text/html; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}


# The maps draw the filter's issues in its area; the rankings cover every area and count every
# status themselves (closed, on time, overdue), so they take the window and categories only.
Filter = Annotated[IssueFilter, Depends(issue_filter(default_days=30))]
LedgerFilter = Annotated[IssueFilter, Depends(ledger_filter)]
WindowFilter = Annotated[IssueFilter, Depends(issue_filter(default_days=30, states=False, area=False))]


def stream(data: bytes, fmt: str, ascii_name: str, chinese_name: str) -> StreamingResponse:
    def chunks() -> Iterator[bytes]:
        for start in range(0, len(data), 64 * 1024):
            yield data[start : start + 64 * 1024]

    disposition = (
        f'attachment; filename="{ascii_name}.{fmt}"; '
        f"filename*=UTF-8''{quote(chinese_name + '.' + fmt)}"
    )
    return StreamingResponse(
        chunks(),
        media_type=MEDIA[fmt],
        headers={"Content-Disposition": disposition, "Content-Length": str(len(data))},
    )


def file_names(kind_ascii: str, kind_chinese: str, flt: IssueFilter) -> tuple[str, str]:
    categories = "-" + "-".join(flt.categories) if flt.categories else ""
    return (
        f"{kind_ascii}-{flt.area.slug()}{categories}-{flt.window.slug()}",
        f"{flt.area.place().replace(' ', '')}{kind_chinese}{categories}-{flt.window.slug()}",
    )


@router.get("/rankings")
def get_rankings(
    conn: Conn,
    flt: WindowFilter,
    level: Annotated[str, Query(description="community or sub_district")] = "community",
    by: Annotated[str | None, Query(
        description="unit, sub_district or community: the case-flow indicators and the 综合评价 "
                    "score instead")] = None,
) -> dict:
    """Communities or sub-districts ranked by issues per km per 30 days, with coverage shares,
    and the district's total line; with `by`, units or areas ranked by their case indicators."""
    if by is not None:
        return {
            "by": by,
            "from": flt.window.start.isoformat(),
            "to": flt.window.end.isoformat(),
            "categories": list(flt.categories) if flt.categories else None,
            "rule": indicators.RULE[0], "rule_en": indicators.RULE[1],
            "formula": indicators.FORMULA,
            "weights": indicators.weights(conn),
            "rows": indicators.case_indicators(conn, by, flt.window, flt.categories),
        }
    rows = rankings.fetch(conn, level, flt.window, flt.categories)
    total = rankings.district_total(conn, flt.window, flt.categories)
    return {
        "level": level,
        "from": flt.window.start.isoformat(),
        "to": flt.window.end.isoformat(),
        "categories": list(flt.categories) if flt.categories else None,
        "rows": rows,
        "total": total,
    }


@router.get("/exports/rankings.xlsx")
def rankings_xlsx(conn: Conn, flt: WindowFilter) -> StreamingResponse:
    """The rankings workbook (社区排名, 办事处排名, 说明)."""
    data = rankings.workbook_bytes(
        conn,
        flt.window,
        flt.categories,
        query.category_label(conn, flt.categories),
        query.data_date(conn),
    )
    ascii_name, chinese_name = file_names("rankings", "路长制区域排名", flt)
    return stream(data, "xlsx", ascii_name.replace(f"-{flt.area.slug()}", ""), chinese_name)


@router.get("/exports/issues.xlsx")
def issues_xlsx(conn: Conn, flt: LedgerFilter) -> StreamingResponse:
    """The ledger list (问题台账) with the same filters as GET /api/issues, as a workbook."""
    data = ledger_workbook(conn, flt)
    window = flt.window.slug() if flt.window else "all"
    return stream(data, "xlsx", f"issues-{flt.area.slug()}-{window}",
                  f"{flt.area.place().replace(' ', '')}问题台账-{window}")


@router.get("/exports/heatmap.{fmt}")
def heatmap(
    conn: Conn,
    flt: Filter,
    fmt: str,
    scheme: str = "fisher_jenks",
    k: Annotated[Int32, Query(ge=2, le=9, description="number of classes")] = 5,
    size: Annotated[
        str, Query(description="a4 (3508x2480, 300 dpi) or screen (1600 px)")
    ] = "screen",
    view: Annotated[str, Query(description="both, segments or kde")] = "both",
    sites: bool = True,
    resettlement: bool = True,
) -> StreamingResponse:
    """The issue-density heatmap as PNG, PDF (A4 landscape) or an offline HTML map."""
    if fmt not in ("png", "pdf", "html"):
        raise NotFound(f"no heatmap format {fmt!r}; use png, pdf or html",
                       f"不支持 {fmt} 格式的热力图，可选 png、pdf 或 html")
    options = HeatmapOptions(
        scheme=scheme, k=k, size=size, view=view, sites=sites, resettlement=resettlement
    )
    options.check()
    if fmt == "html":
        data = webmap_html(conn, flt, scheme, k).encode()
    else:
        data = heatmap_bytes(conn, flt, options, fmt)
    ascii_name, chinese_name = file_names("heatmap", "问题密度", flt)
    return stream(data, fmt, ascii_name, chinese_name)


@router.get("/exports/briefing.pdf")
def briefing(
    conn: Conn,
    flt: Filter,
    scheme: str = "fisher_jenks",
) -> StreamingResponse:
    """The weekly briefing (`week=2026-W47`, or from/to): heatmap page, coverage map page,
    ranking tables."""
    options = HeatmapOptions(scheme=scheme)
    options.check()
    data, _pages = briefing_pdf(conn, flt, options)
    ascii_name, chinese_name = file_names("briefing", "路长制周报", flt)
    return stream(data, "pdf", ascii_name, chinese_name)
