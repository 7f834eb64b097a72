"""`roadchief export ...`: layers as GIS files, the heatmap, the rankings workbook and the weekly
briefing. The export code (pandas, matplotlib, geopandas) is imported inside the commands: see
__init__."""

from pathlib import Path
from typing import Annotated

import typer
from rich.progress import Progress

from gis_service.cli.common import console, engine
from layers.registry import FEATURE_LAYERS
from roads.errors import InvalidInput
from roads.issues.filter import parse_filter

app = typer.Typer(
    help="Exports: layers as GIS files, heatmaps, rankings, the weekly briefing.", no_args_is_help=True
)

From = Annotated[
    str | None, typer.Option("--from", help="Start: ISO date or datetime (Beijing time).")
]
To = Annotated[
    str | None, typer.Option("--to", help="End: ISO date (inclusive) or datetime; default now.")
]
Week = Annotated[
    str | None, typer.Option(help="An ISO week such as 2026-W47 (instead of --from/--to).")
]
Category = Annotated[
    list[str] | None, typer.Option(help="Category code (T03 or T03.01); repeatable.")
]
SubDistrict = Annotated[int | None, typer.Option("--sub-district", help="Sub-district id.")]
Community = Annotated[int | None, typer.Option("--community", help="Community id.")]
AreaSpec = Annotated[
    str | None,
    typer.Option(help="district, sub-district:ID, community:ID, or a name (明湖办事处, 大王庄村)."),
]


def build_filter(conn, start, end, week, category, sub_district=None, community=None, area=None):
    """The issue filter from the options, checked as the API checks its query parameters."""
    return parse_filter(conn, start=start, end=end, week=week, categories=category,
                        sub_district_id=sub_district, community_id=community, area=area)


def run(action):
    """Run `action(conn)` in a transaction on the configured database, committed: exports only
    read, but keep what they computed for the next run in public.export_cache."""
    db = engine()
    try:
        with db.begin() as conn:
            return action(conn)
    finally:
        db.dispose()


def write(out: Path, data: bytes, what: str) -> None:
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_bytes(data)
    console.print(f"{what}: {out} ({len(data) / 1024:,.0f} KiB)")


@app.command("heatmap")
def export_heatmap(
    out: Annotated[
        Path, typer.Option(help="Output file; its suffix gives the format if --format is not set.")
    ],
    start: From = None,
    end: To = None,
    week: Week = None,
    category: Category = None,
    sub_district: SubDistrict = None,
    community: Community = None,
    area: AreaSpec = None,
    fmt: Annotated[str | None, typer.Option("--format", help="png, pdf or html.")] = None,
    scheme: Annotated[
        str,
        typer.Option(
            help="fisher_jenks, natural_breaks, quantiles, equal_interval, "
            "jenks_caspall, headtail_breaks, max_breaks."
        ),
    ] = "fisher_jenks",
    k: Annotated[int, typer.Option(help="Number of classes (2-9).")] = 5,
    size: Annotated[
        str, typer.Option(help="a4 (3508x2480 px, 300 dpi) or screen (1600 px wide).")
    ] = "a4",
    view: Annotated[str, typer.Option(help="both, segments or kde.")] = "both",
    sites: Annotated[bool, typer.Option(help="Draw construction sites.")] = True,
    resettlement: Annotated[bool, typer.Option(help="Draw resettlement points.")] = True,
) -> None:
    """The issue-density heatmap of a window, categories and area, as PNG, PDF or offline HTML."""
    from maps.heatmap import HeatmapOptions, heatmap_bytes

    fmt = (fmt or out.suffix.lstrip(".")).lower()
    if fmt not in ("png", "pdf", "html"):
        raise InvalidInput(
            f"format must be png, pdf or html, not {fmt!r} (use --format or the file suffix)",
            f"热力图格式须为 png、pdf 或 html，而不是 {fmt}（用 --format 或文件后缀指定）",
        )

    def action(conn):
        flt = build_filter(conn, start, end, week, category, sub_district, community, area)
        options = HeatmapOptions(
            scheme=scheme, k=k, size=size, view=view, sites=sites, resettlement=resettlement
        )
        options.check()
        with console.status(f"drawing the {fmt} heatmap for {flt.window.label()} ..."):
            if fmt == "html":
                from maps.webmap import webmap_html

                return webmap_html(conn, flt, scheme, k).encode()
            return heatmap_bytes(conn, flt, options, fmt)

    write(out, run(action), "heatmap")


@app.command("rankings")
def export_rankings(
    out: Annotated[Path, typer.Option(help="Output .xlsx file.")],
    start: From = None,
    end: To = None,
    week: Week = None,
    category: Category = None,
) -> None:
    """The rankings workbook: communities and sub-districts, coverage, issues, closures."""
    from maps import query, rankings

    def action(conn):
        flt = build_filter(conn, start, end, week, category, None, None)
        return rankings.workbook_bytes(
            conn,
            flt.window,
            flt.categories,
            query.category_label(conn, flt.categories),
            query.data_date(conn),
        )

    write(out, run(action), "rankings")


@app.command("briefing")
def export_briefing(
    week: Week = None,
    start: From = None,
    end: To = None,
    category: Category = None,
    sub_district: SubDistrict = None,
    community: Community = None,
    area: AreaSpec = None,
    out: Annotated[
        Path | None, typer.Option(help="Output PDF (default briefing-<week>.pdf).")
    ] = None,
    scheme: Annotated[
        str, typer.Option(help="Classification scheme of the heatmap.")
    ] = "fisher_jenks",
) -> None:
    """The weekly briefing PDF: heatmap page, coverage map page, ranking tables."""
    from maps.briefing import briefing_pdf
    from maps.heatmap import HeatmapOptions

    def action(conn):
        flt = build_filter(conn, start, end, week, category, sub_district, community, area)
        options = HeatmapOptions(scheme=scheme)
        options.check()
        with Progress(console=console) as bar:
            task = bar.add_task("briefing", total=5)

            def report(step: str, done: int, total: int) -> None:
                bar.update(task, completed=done, total=total, description=f"briefing: {step}")

            data, pages = briefing_pdf(conn, flt, options, report)
        return flt, data, pages

    flt, data, pages = run(action)
    target = out or Path(f"briefing-{flt.window.slug()}.pdf")
    write(target, data, f"briefing, {pages} pages")


@app.command("layer")
def export_layer(
    name: Annotated[
        str,
        typer.Argument(help=", ".join(FEATURE_LAYERS) + "."),
    ],
    file: Annotated[Path, typer.Argument(help="Output: .gpkg, .geojson, .shp.zip or .csv (WKT).")],
) -> None:
    """Export a layer (segments with their chiefs at each tier) to a GIS file."""
    from layers.export import write_layer  # geopandas: imported by the command that needs it

    count = run(lambda conn: write_layer(conn, name, file))
    console.print(f"{name}: {count:,} features written to {file}", markup=False)


@app.command("red-black-list")
def export_red_black_list(
    week: Annotated[
        str | None, typer.Option(help="An ISO week such as 2026-W47, or a day of it; default this week.")
    ] = None,
    out: Annotated[
        Path | None, typer.Option(help="Output .pdf or .xlsx (default red-black-list-<week>.pdf).")
    ] = None,
) -> None:
    """The week's 红黑榜 of the shops: red and black lists, 停业整顿, streets by red share."""
    from maps.red_black_list import red_black_pdf, tallies_workbook
    from roads.shops.weeks import label, past_week, this_monday

    monday = past_week(week) if week else this_monday()
    target = out or Path(f"red-black-list-{label(monday)}.pdf")
    if target.suffix.lower() not in (".pdf", ".xlsx"):
        raise InvalidInput(f"--out must end in .pdf or .xlsx, not {target.name}",
                           f"输出文件须以 .pdf 或 .xlsx 结尾，而不是 {target.name}")
    build = tallies_workbook if target.suffix.lower() == ".xlsx" else red_black_pdf
    write(target, run(lambda conn: build(conn, monday)), f"红黑榜 {label(monday)}")
