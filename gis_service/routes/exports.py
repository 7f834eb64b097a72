"""Briefing exports: GET /api/rankings, /api/exports/heatmap.{png,pdf,html} and
/api/exports/rankings.xlsx.

Files are streamed with their content type and a Content-Disposition name that says what they are
(an ASCII name, plus the Chinese one per RFC 5987)."""

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Annotated
from urllib.parse import quote

from fastapi import APIRouter, Depends, Query
from fastapi.responses import StreamingResponse

from gis_service.db import Conn
from gis_service.errors import InvalidInput, NotFound
from gis_service.params import Int32
from maps import query, rankings
from maps.errors import InvalidExportInput, UnknownExportTarget
from maps.query import DISTRICT_NAME, ExportFilter
from maps.window import parse_window

router = APIRouter(prefix="/api", tags=["exports"])

MEDIA = {
    "png": "image/png",
    "pdf": "application/pdf",
    "html": "text/html; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}


@contextmanager
def export_errors() -> Iterator[None]:
    """The export code's own errors as the service's 422 / 404."""
    try:
        yield
    except InvalidExportInput as exc:
        raise InvalidInput(exc.message) from exc
    except UnknownExportTarget as exc:
        raise NotFound(exc.message) from exc


FromParam = Annotated[
    str | None, Query(alias="from", description="ISO date or datetime (Beijing time if no offset)")
]
ToParam = Annotated[str | None, Query(description="ISO date (inclusive) or datetime; default now")]
CategoryParam = Annotated[
    list[str] | None,
    Query(description="category codes; T03 covers T03.xx; repeat or comma-separate"),
]


def window_filter(
    conn: Conn, from_: FromParam = None, to: ToParam = None, category: CategoryParam = None
) -> ExportFilter:
    """Window and categories, for the rankings (which cover every area)."""
    codes = [code for value in category or [] for code in value.split(",")]
    with export_errors():
        return ExportFilter(parse_window(from_, to), categories=query.check_categories(conn, codes))


def export_filter(
    conn: Conn,
    flt: Annotated[ExportFilter, Depends(window_filter)],
    sub_district_id: Int32 | None = None,
    community_id: Int32 | None = None,
) -> ExportFilter:
    """Window, categories and area (the district, a sub-district or a community), for the maps."""
    with export_errors():
        area = query.resolve_area(conn, sub_district_id, community_id)
    return ExportFilter(flt.window, area, flt.categories)


Filter = Annotated[ExportFilter, Depends(export_filter)]
WindowFilter = Annotated[ExportFilter, Depends(window_filter)]


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


def file_names(kind_ascii: str, kind_chinese: str, flt: ExportFilter) -> tuple[str, str]:
    area = "" if flt.area.kind == "district" else flt.area.name.replace(" ", "")
    categories = "-" + "-".join(flt.categories) if flt.categories else ""
    return (
        f"{kind_ascii}-{flt.area.slug()}{categories}-{flt.window.slug()}",
        f"{DISTRICT_NAME}{area}{kind_chinese}{categories}-{flt.window.slug()}",
    )


@router.get("/rankings")
def get_rankings(
    conn: Conn,
    flt: WindowFilter,
    level: Annotated[str, Query(description="community or sub_district")] = "community",
) -> dict:
    """Communities or sub-districts ranked by issues per km per 30 days, with coverage shares,
    and the district's total line."""
    with export_errors():
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
    from maps.heatmap import HeatmapOptions, heatmap_bytes

    if fmt not in ("png", "pdf", "html"):
        raise NotFound(f"no heatmap format {fmt!r}; use png, pdf or html")
    options = HeatmapOptions(
        scheme=scheme, k=k, size=size, view=view, sites=sites, resettlement=resettlement
    )
    with export_errors():
        options.check()
        if fmt == "html":
            from maps.webmap import webmap_html

            data = webmap_html(conn, flt, scheme, k).encode()
        else:
            data = heatmap_bytes(conn, flt, options, fmt)
    ascii_name, chinese_name = file_names("heatmap", "问题密度", flt)
    return stream(data, fmt, ascii_name, chinese_name)


@router.get("/exports/briefing.pdf")
def briefing(
    conn: Conn,
    flt: Filter,
    week: Annotated[
        str | None, Query(description="ISO week such as 2026-W47 (instead of from/to)")
    ] = None,
    scheme: str = "fisher_jenks",
) -> StreamingResponse:
    """The weekly briefing: heatmap page, coverage map page, ranking tables."""
    from maps.briefing import briefing_pdf
    from maps.heatmap import HeatmapOptions
    from maps.window import parse_week

    with export_errors():
        if week:
            flt = ExportFilter(parse_week(week), flt.area, flt.categories)
        options = HeatmapOptions(scheme=scheme)
        options.check()
        data, _pages = briefing_pdf(conn, flt, options)
    ascii_name, chinese_name = file_names("briefing", "路长制周报", flt)
    return stream(data, "pdf", ascii_name, chinese_name)
