"""Read a file of features into a GeoDataFrame in EPSG:4326, whatever its format and CRS.

Formats: GeoJSON, GeoPackage, Shapefile (zipped or bare), CSV or XLSX with a WKT column or lon/lat
columns,
OpenStreetMap XML or PBF (through GDAL's OSM driver: its `lines` layer, highways only).
"""

import codecs
import io
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pyogrio
import shapely
from openpyxl import load_workbook
from pyproj import CRS
from pyproj.exceptions import CRSError

from roads.archive import DEFAULT_MAX_UNPACKED_BYTES, check_workbook, check_zip
from roads.gisio.chinese_crs import TO_WGS84
from roads.gisio.errors import BadFile
from roads.gisio.fields import LAYER_FAMILY
from roads.text_files import decode_text

WKT_COLUMNS = ["wkt", "geometry", "geom", "the_geom", "shape", "几何"]
LON_COLUMNS = ["lon", "lng", "long", "longitude", "x", "经度"]
LAT_COLUMNS = ["lat", "latitude", "y", "纬度"]
FAMILIES = {
    "Point": "point",
    "MultiPoint": "point",
    "LineString": "line",
    "MultiLineString": "line",
    "LinearRing": "line",
    "Polygon": "polygon",
    "MultiPolygon": "polygon",
}
FAMILY_WORDS = {"point": "points", "line": "lines", "polygon": "polygons"}
FAMILY_ZH = {"point": "点", "line": "线", "polygon": "面"}
# Enough of a .dbf (header, field names, the first records) to tell UTF-8 from GBK.
ENCODING_SAMPLE_BYTES = 1 << 20


@dataclass
class SourceFrame:
    frame: gpd.GeoDataFrame  # EPSG:4326, one row per feature, original attribute columns
    source_format: str
    source_crs: str
    notes: list[str] = field(default_factory=list)


def parse_crs(option: str) -> CRS | str:
    """`gcj02`/`bd09`, or anything pyproj understands (EPSG:4547, 4490, a WKT or PROJ string)."""
    key = option.strip().lower().replace("-", "").replace("_", "")
    if key in TO_WGS84:
        return key
    try:
        return CRS.from_user_input(int(option) if option.strip().isdigit() else option)
    except CRSError as exc:
        raise BadFile(
            f"unknown coordinate system {option!r}: give an EPSG code such as EPSG:4490 "
            "or EPSG:4547, or gcj02 / bd09",
            f"无法识别坐标系 {option!r}：请填写 EPSG 代码（如 EPSG:4490、EPSG:4547），或 gcj02 / bd09"
        ) from exc


def read_source(
    path: Path, layer: str, crs_option: str | None = None, source_layer: str | None = None,
    max_unpacked_bytes: int = DEFAULT_MAX_UNPACKED_BYTES,
) -> SourceFrame:
    """The file's features; a zip that would unpack to more than `max_unpacked_bytes` is refused."""
    path = Path(path)
    if not path.exists() or path.stat().st_size == 0:
        raise BadFile(f"{path.name}: the file is empty",
                      f"{path.name}：文件是空的")
    fmt, frame, notes = _read_any(path, layer, source_layer, max_unpacked_bytes)
    frame = frame.reset_index(drop=True)
    if len(frame) == 0:
        raise BadFile(f"{path.name}: the file holds no features",
                      f"{path.name}：文件中没有要素")
    _check_geometry_family(frame, layer, path.name)
    frame, crs_name = _to_wgs84(frame, crs_option, path.name)
    return SourceFrame(frame=frame, source_format=fmt, source_crs=crs_name, notes=notes)


def _read_any(
    path: Path, layer: str, source_layer: str | None = None,
    max_unpacked_bytes: int = DEFAULT_MAX_UNPACKED_BYTES,
) -> tuple[str, gpd.GeoDataFrame, list[str]]:
    name = path.name.lower()
    if name.endswith(".csv") or name.endswith(".txt"):
        return "CSV", _read_csv(path), []
    if name.endswith(".xlsx"):
        return "XLSX", _read_xlsx(path, max_unpacked_bytes), []
    if name.endswith(".osm") or name.endswith(".pbf") or name.endswith(".osm.xml"):
        if layer != "roads":
            raise BadFile("OpenStreetMap extracts are read for roads only",
                          "OpenStreetMap 数据只能导入为道路")
        return "OpenStreetMap", *_read_osm(path)
    if name.endswith(".zip"):
        shp = _shp_in_zip(path, max_unpacked_bytes)
        return (
            "Shapefile (zipped)",
            _read_gdal(
                f"/vsizip/{path}/{shp}", path.name, encoding=_shapefile_encoding(path)
            ),
            [],
        )
    try:
        info = pyogrio.read_info(path, layer=0)  # the driver only; layer 0 avoids a warning
    except (
        Exception
    ) as exc:  # pyogrio raises DataSourceError and friends for anything GDAL can't open
        raise BadFile(
            f"{path.name}: not a geodata file that can be read "
            "(GeoJSON, GeoPackage, zipped Shapefile, CSV, .osm or .osm.pbf)",
            f"{path.name}：不是可读取的地理数据文件（支持 GeoJSON、GeoPackage、压缩的 Shapefile、CSV、.osm、.osm.pbf）"
        ) from exc
    encoding = _shapefile_encoding(path) if name.endswith(".shp") else None
    driver = info.get("driver") or "GDAL"
    return driver, _read_gdal(str(path), path.name, source_layer, encoding), []


def _read_gdal(
    source: str, shown: str, layer: str | None = None, encoding: str | None = None
) -> gpd.GeoDataFrame:
    try:
        names = [str(name) for name, _ in pyogrio.list_layers(source)]
        if not names:
            raise BadFile(f"{shown}: the file holds no layers",
                          f"{shown}：文件中没有图层")
        if layer is not None and layer not in names:
            raise BadFile(f"{shown}: no layer {layer!r}; its layers: {', '.join(names)}",
                          f"{shown}：没有名为 {layer} 的图层；文件中的图层：{'、'.join(names)}")
        if layer is None and len(names) > 1:
            raise BadFile(
                f"{shown} holds {len(names)} layers ({', '.join(names)}); "
                "choose one with --source-layer",
                f"{shown} 含有 {len(names)} 个图层（{'、'.join(names)}），请用 --source-layer 选择一个"
            )
        return pyogrio.read_dataframe(source, layer=layer or names[0], encoding=encoding)
    except BadFile:
        raise
    except Exception as exc:
        raise BadFile(
            f"{shown}: not a geodata file that can be read ({type(exc).__name__})",
            f"{shown}：不是可读取的地理数据文件"
        ) from exc


def _shapefile_encoding(path: Path) -> str | None:
    """GB18030 for a Shapefile whose .dbf is not UTF-8 and has no .cpg saying what it is.

    Chinese desktop GIS often writes GBK without a .cpg; GDAL would then read it as Latin-1.
    """
    if path.name.lower().endswith(".zip"):
        with zipfile.ZipFile(path) as archive:
            names = {n.lower(): n for n in archive.namelist()}
            stem = _shp_in_zip(path)[:-4].lower()
            if stem + ".cpg" in names or stem + ".dbf" not in names:
                return None
            with archive.open(names[stem + ".dbf"]) as member:
                dbf = member.read(ENCODING_SAMPLE_BYTES)
    else:
        if path.with_suffix(".cpg").exists() or not path.with_suffix(".dbf").exists():
            return None
        with path.with_suffix(".dbf").open("rb") as file:
            dbf = file.read(ENCODING_SAMPLE_BYTES)
    try:
        # final=False: a character cut in two at the end of the sample is not a decoding error
        codecs.getincrementaldecoder("utf-8")().decode(dbf[32:], final=False)
    except UnicodeDecodeError:
        return "GB18030"
    return None


def _shp_in_zip(path: Path, max_unpacked_bytes: int | None = None) -> str:
    try:
        with zipfile.ZipFile(path) as archive:
            if max_unpacked_bytes is not None:
                check_zip(archive, path.name, max_unpacked_bytes)
            shps = [n for n in archive.namelist() if n.lower().endswith(".shp")]
    except zipfile.BadZipFile as exc:
        raise BadFile(f"{path.name}: not a zip archive",
                      f"{path.name}：不是 zip 压缩包") from exc
    if len(shps) != 1:
        raise BadFile(
            f"{path.name}: a zipped Shapefile must hold exactly one .shp (found {len(shps)})",
            f"{path.name}：压缩的 Shapefile 中须恰好有一个 .shp 文件（实有 {len(shps)} 个）"
        )
    return shps[0]


def _read_osm(path: Path) -> tuple[gpd.GeoDataFrame, list[str]]:
    frame = _read_gdal(str(path), path.name, layer="lines")
    if "highway" not in frame.columns:
        raise BadFile(f"{path.name}: no highways in this OpenStreetMap extract",
                      f"{path.name}：该 OpenStreetMap 数据中没有道路")
    lines = len(frame)
    frame = frame[frame["highway"].notna()].copy()
    if "other_tags" in frame.columns:  # fall back on name:zh when `name` is missing
        zh = frame["other_tags"].str.extract(r'"name:zh"=>"([^"]*)"', expand=False)
        frame["name"] = frame["name"].fillna(zh)
    frame = frame.drop(
        columns=[
            c
            for c in (
                "other_tags",
                "z_order",
                "waterway",
                "aerialway",
                "barrier",
                "man_made",
                "railway",
            )
            if c in frame.columns
        ]
    )
    return frame, [f"OpenStreetMap: {len(frame)} highway lines of {lines} lines"]


def _read_csv(path: Path) -> gpd.GeoDataFrame:
    raw = path.read_bytes()
    if b"\x00" in raw[:4096]:
        raise BadFile(f"{path.name}: not a text CSV file",
                      f"{path.name}：不是文本格式的 CSV 文件")
    text = decode_text(raw)  # spreadsheets in China often save GBK
    if text is None:
        raise BadFile(f"{path.name}: neither UTF-8 nor GB18030 text",
                      f"{path.name}：既不是 UTF-8 也不是 GB18030 编码的文本")
    try:
        table = pd.read_csv(io.StringIO(text), dtype=str, keep_default_na=False)
    except Exception as exc:
        raise BadFile(f"{path.name}: not a readable CSV table ({type(exc).__name__})",
                      f"{path.name}：无法读取该 CSV 表格") from exc
    return _table_frame(table, path.name)


def _read_xlsx(path: Path, max_unpacked_bytes: int) -> gpd.GeoDataFrame:
    """The first sheet of a workbook, its first row naming the columns, read as the CSV is."""
    check_workbook(path, path.name, max_unpacked_bytes)
    try:
        sheet = load_workbook(path, read_only=True, data_only=True).active
        rows = [["" if v is None else str(v) for v in row] for row in sheet.iter_rows(values_only=True)]
    except Exception as exc:  # openpyxl raises several types for a file that is not a workbook
        raise BadFile(f"{path.name}: not a readable .xlsx workbook",
                      f"{path.name}：不是可读取的 .xlsx 工作簿") from exc
    if not rows:
        raise BadFile(f"{path.name}: the sheet is empty", f"{path.name}：工作表是空的")
    width = len(rows[0])
    table = pd.DataFrame([(r + [""] * width)[:width] for r in rows[1:]],
                         columns=[str(h).strip() for h in rows[0]], dtype=str)
    return _table_frame(table, path.name)


def _table_frame(table: pd.DataFrame, shown: str) -> gpd.GeoDataFrame:
    """Rows of a table with a WKT column or lon/lat columns as features (no CRS yet)."""
    lower = {c.lower().strip(): c for c in table.columns}
    wkt_col = next((lower[c] for c in WKT_COLUMNS if c in lower), None)
    if wkt_col is not None:
        geoms = shapely.from_wkt(table[wkt_col].replace("", None).to_numpy(), on_invalid="ignore")
        return gpd.GeoDataFrame(table.drop(columns=[wkt_col]), geometry=geoms, crs=None)
    lon_col = next((lower[c] for c in LON_COLUMNS if c in lower), None)
    lat_col = next((lower[c] for c in LAT_COLUMNS if c in lower), None)
    if lon_col is None or lat_col is None:
        raise BadFile(
            f"{shown}: a CSV needs a WKT column ({', '.join(WKT_COLUMNS)}) "
            f"or lon/lat columns ({'/'.join(LON_COLUMNS)} and {'/'.join(LAT_COLUMNS)})",
            f"{shown}：CSV 须有 WKT 列（{'、'.join(WKT_COLUMNS)}）"
            f"或经纬度列（{'/'.join(LON_COLUMNS)} 和 {'/'.join(LAT_COLUMNS)}）"
        )
    lon = pd.to_numeric(table[lon_col], errors="coerce").to_numpy()
    lat = pd.to_numeric(table[lat_col], errors="coerce").to_numpy()
    geoms = shapely.points(lon, lat)
    geoms[np.isnan(lon) | np.isnan(lat)] = None
    return gpd.GeoDataFrame(table.drop(columns=[lon_col, lat_col]), geometry=geoms, crs=None)


def _check_geometry_family(frame: gpd.GeoDataFrame, layer: str, shown: str) -> None:
    types = frame.geometry[frame.geometry.notna() & ~frame.geometry.is_empty].geom_type
    if len(types) == 0:
        raise BadFile(f"{shown}: no feature has a geometry",
                      f"{shown}：没有任何要素带有几何图形")
    counts = types.value_counts()
    families = {FAMILIES.get(t, t) for t in counts.index}
    wanted = LAYER_FAMILY[layer]
    listing = ", ".join(f"{n} {t}" for t, n in counts.items())
    if len(families) > 1:
        raise BadFile(
            f"{shown}: mixed geometry types ({listing}); {layer} takes {FAMILY_WORDS[wanted]} only",
            f"{shown}：几何类型混杂（{listing}）；{layer} 只接受{FAMILY_ZH[wanted]}要素"
        )
    if families != {wanted}:
        raise BadFile(f"{shown}: holds {listing}; {layer} takes {FAMILY_WORDS[wanted]}",
                      f"{shown}：文件中是 {listing}；{layer} 只接受{FAMILY_ZH[wanted]}要素")


def _to_wgs84(frame: gpd.GeoDataFrame, crs_option: str | None, shown: str):
    if crs_option:
        target = parse_crs(crs_option)
        if isinstance(target, str):  # gcj02 / bd09: coordinates moved, not reprojected
            inverse = TO_WGS84[target]
            moved = shapely.transform(
                frame.geometry.values, lambda xy: np.column_stack(inverse(xy[:, 0], xy[:, 1]))
            )
            frame = gpd.GeoDataFrame(
                frame.drop(columns=frame.geometry.name), geometry=moved, crs="EPSG:4326"
            )
            name = target.upper().replace("GCJ02", "GCJ-02").replace("BD09", "BD-09")
            return _check_range(frame, shown, name), name
        frame = frame.set_crs(target, allow_override=True)
    elif frame.crs is None:
        raise BadFile(
            f"{shown}: the file does not say its coordinate system; give one with --crs "
            "(EPSG:4326, EPSG:4490, EPSG:4547, gcj02, bd09 ...)",
            f"{shown}：文件未注明坐标系，请用 --crs 指定（EPSG:4326、EPSG:4490、EPSG:4547、gcj02、bd09 等）"
        )
    name = frame.crs.to_string()
    if not frame.crs.equals(CRS.from_epsg(4326)):
        frame = frame.to_crs(4326)
    return _check_range(frame, shown, name), name


def _check_range(frame: gpd.GeoDataFrame, shown: str, crs_name: str) -> gpd.GeoDataFrame:
    bounds = frame.geometry.total_bounds
    if not (
        np.all(np.isfinite(bounds))
        and -180 <= bounds[0]
        and bounds[2] <= 180
        and -90 <= bounds[1]
        and bounds[3] <= 90
    ):
        raise BadFile(
            f"{shown}: coordinates out of range once read as {crs_name}; "
            "is the coordinate system right (--crs)?",
            f"{shown}：按 {crs_name} 读取后坐标超出范围，请检查坐标系是否正确（--crs）"
        )
    return frame
