"""Upload a file into a layer (`POST /api/imports/{layer}`) and download layers as GIS files."""

import tempfile
from pathlib import Path
from typing import Annotated

from fastapi import APIRouter, File, Form, Request, UploadFile
from fastapi.responses import Response

from gis_service.auth import OptionalUser
from gis_service.db import Conn
from gis_service.params import Int32
from gis_service.upload_guard import too_large
from layers.export import FORMATS, export_bytes, format_of
from layers.registry import FEATURE_LAYERS
from roads.errors import NotFound
from roads.gisio.fields import parse_mapping
from roads.gisio.importer import LAYERS, import_file
from roads.gisio.runs import get_run, list_runs, record_run
from roads.users import require_district_admin

router = APIRouter(tags=["imports and exports"])
CHUNK = 1 << 20


@router.post("/api/imports/{layer}")
def upload(
    layer: str,
    request: Request,
    conn: Conn,
    user: OptionalUser,
    file: Annotated[
        UploadFile, File(description="GeoJSON, GeoPackage, zipped Shapefile, CSV, .osm, .osm.pbf")
    ],
    crs: Annotated[str | None, Form(description="EPSG:4490, EPSG:4547, gcj02, bd09 ...")] = None,
    field: Annotated[list[str] | None, Form(description="field=column, repeatable")] = None,
    dry_run: Annotated[bool, Form()] = False,
    source_layer: Annotated[str | None, Form(description="layer of a multi-layer file")] = None,
) -> dict:
    """Import the uploaded file into `layer` in one transaction; the summary comes back."""
    admin = require_district_admin(user)
    if layer not in LAYERS:
        raise NotFound(f"no layer {layer!r} to import into; one of {', '.join(LAYERS)}",
                       f"没有名为 {layer} 的图层可供导入；可选：{'、'.join(LAYERS)}")
    settings = request.app.state.settings
    limit = settings.upload_max_bytes
    declared = request.headers.get("content-length")
    if declared and declared.isdigit() and int(declared) > limit + 64 * 1024:
        raise too_large(limit)
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / Path(file.filename or "upload").name
        _save(file, path, limit)
        with conn.begin_nested() as savepoint:
            summary = import_file(
                conn,
                layer,
                path,
                crs=crs,
                mapping=parse_mapping(field),
                snap_distance_m=settings.snap_distance_m,
                source_layer=source_layer,
                max_unpacked_bytes=settings.upload_max_unpacked_bytes,
            )
            if dry_run:
                summary.dry_run = True
                savepoint.rollback()
    body = summary.as_dict()
    if not dry_run:  # imported_by: filled once the service knows its users
        body["run_id"] = record_run(conn, summary, path.name, admin.username)
    return body


@router.get("/api/imports")
def import_runs(conn: Conn, limit: Int32 = 50) -> list[dict]:
    """The latest imports, newest first (counts only; the full summary at /api/imports/{id})."""
    return list_runs(conn, min(max(limit, 1), 500))


@router.get("/api/imports/{run_id}")
def import_run(run_id: Int32, conn: Conn) -> dict:
    """One import with its full summary (rejected features, lost assignments ...)."""
    run = get_run(conn, run_id)
    if run is None:
        raise NotFound(f"no import {run_id}", f"未找到编号为 {run_id} 的导入记录")
    return run


def _save(upload: UploadFile, path: Path, limit: int) -> None:
    written = 0
    with path.open("wb") as out:
        while chunk := upload.file.read(CHUNK):
            written += len(chunk)
            if written > limit:
                raise too_large(limit)
            out.write(chunk)


@router.get("/api/exports/layers/{filename}")
def download(filename: str, conn: Conn) -> Response:
    """A layer as `{name}.gpkg`, `.geojson`, `.shp.zip` or `.csv` (segments with coverage)."""
    suffix = format_of(filename)
    name = filename[: -len(suffix)]
    if name not in FEATURE_LAYERS:
        raise NotFound(f"no layer {name!r}; one of {', '.join(FEATURE_LAYERS)}",
                       f"没有名为 {name} 的图层；可选：{'、'.join(FEATURE_LAYERS)}")
    body = export_bytes(conn, name, suffix)
    return Response(
        body,
        media_type=FORMATS[suffix][1],
        headers={"Content-Disposition": f'attachment; filename="{name}{suffix}"'},
    )
