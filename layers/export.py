"""Write a layer to GeoPackage, GeoJSON, zipped Shapefile or CSV (geometry as WKT)."""

import tempfile
import zipfile
from pathlib import Path

import geopandas as gpd
from sqlalchemy import Connection, text

from layers.registry import FEATURE_LAYERS
from roads.cells import safe_frame
from roads.gisio.errors import BadFile, UnknownExportFormat

FORMATS = {  # suffix -> (GDAL driver, media type)
    ".gpkg": ("GPKG", "application/geopackage+sqlite3"),
    ".geojson": ("GeoJSON", "application/geo+json"),
    ".shp.zip": ("ESRI Shapefile", "application/zip"),
    ".csv": ("CSV", "text/csv; charset=utf-8"),
}
# Shapefile field names stop at 10 characters.
SHAPEFILE_NAMES = {
    "sub_district_name": "sub_dist",
    "community_id": "comm_id",
    "community_name": "community",
    "tier1_chief_name": "t1_chief",
    "tier2_chief_name": "t2_chief",
    "tier3_chief_name": "t3_chief",
    "tier1_party": "t1_party",
    "tier2_party": "t2_party",
    "tier3_party": "t3_party",
    "tiers_covered": "tiers",
    "source_key": "src_key",
    "is_green_demo": "green_demo",
    "is_safety_demo": "safe_demo",
    "inspection_status": "insp_state",
    "last_inspected_at": "last_insp",
    "sub_district": "sub_dist",
    "category_code": "cat_code",
    "category_name": "cat_name",
    "description": "descr",
    "reported_at": "reported",
    "updated_at": "updated",
    "segment_id": "segment",
    "licence_no": "licence",
    "road_name": "road",
    "suspended_since": "susp_since",
}


def format_of(filename: str) -> str:
    lower = filename.lower()
    for suffix in sorted(FORMATS, key=len, reverse=True):
        if lower.endswith(suffix):
            return suffix
    if lower.endswith(".zip"):
        return ".shp.zip"
    raise UnknownExportFormat(f"unknown export format for {filename!r}; use {', '.join(FORMATS)}",
                              f"不支持导出为 {filename}：可选格式 {'、'.join(FORMATS)}")


def read_layer(conn: Connection, name: str) -> gpd.GeoDataFrame:
    if name not in FEATURE_LAYERS:
        raise BadFile(f"unknown layer {name!r}; one of {', '.join(FEATURE_LAYERS)}",
                      f"没有名为 {name} 的图层；可选：{'、'.join(FEATURE_LAYERS)}")
    return gpd.read_postgis(
        text(FEATURE_LAYERS[name].features_sql + "\nORDER BY 1"), conn, geom_col="geom", crs=4326
    )


def write_layer(conn: Connection, name: str, path: Path) -> int:
    """Write layer `name` to `path` (format from its suffix); returns the feature count."""
    suffix = format_of(path.name)
    frame = read_layer(conn, name)
    with tempfile.TemporaryDirectory() as tmp:
        if suffix == ".shp.zip":
            _write_shapefile_zip(frame, name, Path(tmp), path)
        elif suffix == ".csv":
            safe_frame(frame).to_file(
                path, driver="CSV", engine="pyogrio", layer_options={"GEOMETRY": "AS_WKT"}
            )
        elif suffix == ".geojson":
            path.unlink(missing_ok=True)
            frame.to_file(
                path, driver="GeoJSON", engine="pyogrio", layer_options={"RFC7946": "YES"}
            )
        else:
            path.unlink(missing_ok=True)
            frame.to_file(path, driver="GPKG", layer=name, engine="pyogrio")
    return len(frame)


def _write_shapefile_zip(frame: gpd.GeoDataFrame, name: str, tmp: Path, target: Path) -> None:
    shp = frame.rename(columns=SHAPEFILE_NAMES)
    for column in shp.columns:  # Shapefiles know no time zones nor booleans
        if str(shp[column].dtype).startswith("datetime64"):
            shp[column] = shp[column].dt.strftime("%Y-%m-%dT%H:%M:%S%z")
        elif shp[column].dtype == bool:
            shp[column] = shp[column].astype(int)
    shp.to_file(tmp / f"{name}.shp", driver="ESRI Shapefile", engine="pyogrio", encoding="UTF-8")
    with zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as archive:
        for part in sorted(tmp.glob(f"{name}.*")):
            archive.write(part, part.name)


def export_bytes(conn: Connection, name: str, suffix: str) -> bytes:
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / f"{name}{suffix}"
        write_layer(conn, name, path)
        return path.read_bytes()
