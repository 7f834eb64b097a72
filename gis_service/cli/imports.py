"""`roadchief import LAYER FILE`: GIS files into the district's layers. The importer (geopandas)
is imported inside the command: see __init__."""

import getpass
import json
from pathlib import Path
from typing import Annotated

import typer
from rich.progress import Progress

from gis_service.cli.common import console, engine
from gis_service.settings import Settings
from roads.gisio.fields import LAYER_FAMILY, parse_mapping

app = typer.Typer(
    help="Import a district's data: GeoJSON, GeoPackage, zipped Shapefile, CSV (WKT or lon/lat), "
    "OpenStreetMap .osm / .osm.pbf (roads).",
    no_args_is_help=True,
)

CrsOption = Annotated[
    str | None,
    typer.Option(
        "--crs",
        help="The file's coordinate system when it does not say, or to override it: EPSG:4326, "
        "EPSG:4490 (CGCS2000), EPSG:4547 (CGCS2000 / 3-degree Gauss-Kruger CM 114E), "
        "EPSG:3857, gcj02 (Amap, Tencent), bd09 (Baidu).",
    ),
]
FieldOption = Annotated[
    list[str] | None,
    typer.Option(
        "--field",
        help="Map one of our fields to a column of the file, e.g. --field name=名称 (repeatable).",
    ),
]
MappingOption = Annotated[
    Path | None,
    typer.Option("--mapping", help="A mapping file: a JSON object or lines of field=column."),
]


def _run_import(
    layer: str,
    file: Path,
    crs: str | None,
    field: list[str] | None,
    mapping: Path | None,
    min_segment_m: float,
    dry_run: bool,
    as_json: bool,
    source_layer: str | None = None,
    unnamed: str = "keep",
) -> None:
    from roads.gisio.importer import import_file
    from roads.gisio.runs import record_run

    settings = Settings()
    fields = parse_mapping(field, mapping)
    with engine(settings).connect() as conn, conn.begin() as transaction:
        with Progress(console=console, transient=True, disable=as_json) as bar:
            task = bar.add_task(f"import {layer}", total=5)

            def report(step: str, done: int, total: int) -> None:
                bar.update(task, completed=done, total=total, description=f"import {layer}: {step}")

            summary = import_file(
                conn,
                layer,
                file,
                crs=crs,
                mapping=fields,
                min_segment_m=min_segment_m,
                snap_distance_m=settings.snap_distance_m,
                progress=report,
                source_layer=source_layer,
                unnamed=unnamed,
                max_unpacked_bytes=settings.upload_max_unpacked_bytes,
            )
        if dry_run:
            summary.dry_run = True
            transaction.rollback()
        else:
            record_run(conn, summary, file.name, getpass.getuser())
    if as_json:
        print(json.dumps(summary.as_dict(), ensure_ascii=False, indent=1))
    else:
        for line in summary.lines():
            console.print(line, markup=False, highlight=False)


def _make_import_command(layer: str):
    def command(
        file: Annotated[Path, typer.Argument(help="The file to import.")],
        crs: CrsOption = None,
        field: FieldOption = None,
        mapping: MappingOption = None,
        source_layer: Annotated[
            str | None,
            typer.Option(help="The layer to read from a file that holds several (GeoPackage)."),
        ] = None,
        min_segment_m: Annotated[
            float,
            typer.Option(
                help="Roads: no cut within this many metres of a road's end, crossings closer merge."
            ),
        ] = 5.0,
        unnamed: Annotated[
            str,
            typer.Option(help="Roads: keep unnamed lines under a generated name (无名路（近…路）) "
                              "or drop them."),
        ] = "keep",
        dry_run: Annotated[bool, typer.Option(help="Check and report, then roll back.")] = False,
        as_json: Annotated[bool, typer.Option("--json", help="Print the summary as JSON.")] = False,
    ) -> None:
        _run_import(layer, file, crs, field, mapping, min_segment_m, dry_run, as_json, source_layer,
                    unnamed)

    command.__doc__ = f"Import {layer.replace('_', ' ')} from FILE (one transaction, idempotent)."
    return command


for _layer in LAYER_FAMILY:
    app.command(_layer)(_make_import_command(_layer))

