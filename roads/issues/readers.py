"""Read issue files (CSV with lon/lat or WKT columns, XLSX, GeoJSON) into rows for the importer.

Row problems (a missing coordinate, bad WKT, a bad time) become rejects with the row's number; a
file that cannot be read at all (not CSV/XLSX/GeoJSON, missing columns) raises InvalidInput.
"""

import csv
import itertools
import json
import math
import zipfile
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from operator import itemgetter
from pathlib import Path

import shapely
from openpyxl import load_workbook

from roads.archive import check_workbook
from roads.errors import InvalidInput
from roads.issues.window import parse_instant

COLUMNS = {  # our field -> header names accepted (case-insensitive)
    "lon": ("lon", "lng", "long", "longitude", "x", "经度"),
    "lat": ("lat", "latitude", "y", "纬度"),
    "wkt": ("wkt", "geometry", "geom", "the_geom"),
    "category": ("category", "category_code", "service_code", "类别", "类别代码"),
    "description": ("description", "desc", "描述", "问题描述"),
    "reported_at": ("reported_at", "requested_datetime", "datetime", "time", "上报时间"),
    "reporter": ("reporter", "上报人"),
    "address": ("address", "地址"),
}
STAGING_COLUMNS = [
    "row_no",
    "lon",
    "lat",
    "category_code",
    "description",
    "reported_at",
    "reporter",
    "address",
]
Progress = Callable[[int], None]


@dataclass
class Reject:
    row: int
    reason: str


@dataclass
class ParsedFile:
    """The rows of a file in STAGING_COLUMNS order, read as they are consumed (while COPY loads
    them); `rejects` and `total` are complete once `rows` is exhausted."""

    records: Iterator[tuple[int, dict]]
    progress: Progress
    rejects: list[Reject]
    total: int

    def rows(self) -> Iterator[tuple]:
        for row_no, record in self.records:
            self.total += 1
            try:
                yield staging_row(row_no, record)
            except ValueError as exc:
                self.rejects.append(Reject(row_no, str(exc)))
            if self.total % 10_000 == 0:
                self.progress(self.total)
        self.progress(self.total)


def read_issue_file(path: Path, progress: Progress = lambda n: None) -> ParsedFile:
    """Open the file and check its format and header now; its rows come later, from `rows()`."""
    suffix = path.suffix.lower()
    if not path.is_file():
        raise InvalidInput(f"{path}: no such file",
                           f"{path}：文件不存在")
    if suffix in (".csv", ".txt"):
        records = csv_records(path)
    elif suffix == ".xlsx":
        records = xlsx_records(path)
    elif suffix in (".geojson", ".json"):
        records = geojson_records(path)
    else:
        raise InvalidInput(
            f"{path.name}: unknown format {suffix!r}; give a .csv, .xlsx or .geojson file",
            f"{path.name}：不支持的格式 {suffix}，请上传 .csv、.xlsx 或 .geojson 文件"
        )
    first = next(records, None)  # a malformed header or file fails here, before anything is written
    if first is None:
        raise InvalidInput(f"{path.name}: the file holds no issues",
                           f"{path.name}：文件中没有问题记录")
    return ParsedFile(itertools.chain([first], records), progress, rejects=[], total=0)


def header_map(headers: Iterable[str | None], name: str) -> dict[str, int]:
    """Which column holds each field; a file without coordinates or category is malformed."""
    lowered = [(h or "").strip().lower() for h in headers]
    found = {}
    for field, names in COLUMNS.items():
        for candidate in names:
            if candidate in lowered:
                found[field] = lowered.index(candidate)
                break
    if not ({"lon", "lat"} <= found.keys() or "wkt" in found):
        raise InvalidInput(f"{name}: no coordinate columns; give lon and lat columns or a wkt column",
                           f"{name}：没有坐标列，请提供 lon 和 lat 列或 wkt 列")
    if "category" not in found:
        raise InvalidInput(f"{name}: no category column (category code such as T03.01)",
                           f"{name}：没有问题类别列（类别代码，如 T03.01）")
    return found


def csv_records(path: Path) -> Iterator[tuple[int, dict]]:
    try:
        with open(path, newline="", encoding="utf-8-sig") as handle:
            reader = csv.reader(handle)
            columns = header_map(next(reader, []), path.name)
            fields, picked = list(columns), itemgetter(*columns.values())  # 2 or more: a tuple
            width = max(columns.values()) + 1
            for line_no, values in enumerate(reader, start=2):
                if not "".join(values).strip():  # a blank line
                    continue
                if len(values) >= width:
                    yield line_no, dict(zip(fields, picked(values), strict=True))
                else:
                    yield line_no, {f: values[i] if i < len(values) else "" for f, i in columns.items()}
    except UnicodeDecodeError as exc:
        raise InvalidInput(f"{path.name}: not UTF-8 text (save the CSV as UTF-8)",
                           f"{path.name}：不是 UTF-8 文本（请将 CSV 另存为 UTF-8 编码）") from exc
    except csv.Error as exc:
        raise InvalidInput(f"{path.name}: not a readable CSV file: {exc}",
                           f"{path.name}：无法读取该 CSV 文件") from exc


def xlsx_records(path: Path) -> Iterator[tuple[int, dict]]:
    check_workbook(path, path.name)
    try:
        book = load_workbook(path, read_only=True, data_only=True)
    except (zipfile.BadZipFile, KeyError, OSError, ValueError) as exc:
        raise InvalidInput(f"{path.name}: not a readable XLSX workbook",
                           f"{path.name}：不是可读取的 XLSX 工作簿") from exc
    try:
        rows = book.worksheets[0].iter_rows(values_only=True)
        columns = header_map([str(h) if h is not None else None for h in next(rows, ())], path.name)
        for line_no, values in enumerate(rows, start=2):
            if all(v is None or str(v).strip() == "" for v in values):
                continue
            yield (
                line_no,
                {f: cell_text(values[i]) if i < len(values) else "" for f, i in columns.items()},
            )
    finally:
        book.close()


def cell_text(value) -> str:
    if value is None:
        return ""
    if hasattr(value, "isoformat"):
        return value.isoformat()
    return str(value)


def geojson_records(path: Path) -> Iterator[tuple[int, dict]]:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise InvalidInput(f"{path.name}: not valid GeoJSON: {exc}",
                           f"{path.name}：不是有效的 GeoJSON") from exc
    if not isinstance(data, dict) or data.get("type") != "FeatureCollection":
        raise InvalidInput(f"{path.name}: a GeoJSON FeatureCollection is expected",
                           f"{path.name}：须为 GeoJSON FeatureCollection")
    for number, feature in enumerate(data.get("features") or [], start=1):
        props = {k.lower(): v for k, v in ((feature or {}).get("properties") or {}).items()}
        record = {
            field: cell_text(next((props[n] for n in names if n in props), None))
            for field, names in COLUMNS.items()
            if field not in ("lon", "lat", "wkt")
        }
        geometry = (feature or {}).get("geometry") or {}
        coords = geometry.get("coordinates") if geometry.get("type") == "Point" else None
        if not isinstance(coords, list) or len(coords) < 2:
            record["lon"] = record["lat"] = ""
            record["geometry_error"] = f"geometry must be a Point, not {geometry.get('type')!r}"
        else:
            record["lon"], record["lat"] = str(coords[0]), str(coords[1])
        yield number, record


def staging_row(row_no: int, record: dict) -> tuple:
    if record.get("geometry_error"):
        raise ValueError(record["geometry_error"])
    lon, lat = coordinates(record)
    category = (record.get("category") or "").strip()
    if not category:
        raise ValueError("category is empty")
    at = (record.get("reported_at") or "").strip()
    if at:
        try:
            at = parse_instant(at, "reported_at")  # aware; COPY reads its str() (ISO, a space)
        except Exception as exc:  # InvalidInput: a row problem here, not a file problem
            raise ValueError(f"reported_at {at!r} is not an ISO date or datetime") from exc
    return (
        row_no,
        lon,
        lat,
        category,
        (record.get("description") or "").strip(),
        at or None,
        (record.get("reporter") or "").strip() or None,
        (record.get("address") or "").strip() or None,
    )


def coordinates(record: dict) -> tuple[float, float]:
    wkt = (record.get("wkt") or "").strip()
    if wkt and not (record.get("lon") or "").strip():
        try:
            geom = shapely.from_wkt(wkt)
        except shapely.errors.GEOSException as exc:
            raise ValueError(f"WKT {wkt[:40]!r} cannot be read") from exc
        if geom is None or geom.geom_type != "Point" or geom.is_empty:
            raise ValueError(f"WKT must be a POINT, not {wkt[:40]!r}")
        lon, lat = geom.x, geom.y
    else:
        try:
            lon, lat = float(record.get("lon") or "nan"), float(record.get("lat") or "nan")
        except ValueError as exc:
            raise ValueError(
                f"lon/lat {record.get('lon')!r}, {record.get('lat')!r} are not numbers"
            ) from exc
    if not (math.isfinite(lon) and math.isfinite(lat)):
        raise ValueError("lon/lat missing")
    if not (-180 <= lon <= 180 and -90 <= lat <= 90):
        raise ValueError(f"lon/lat ({lon}, {lat}) out of range")
    return lon, lat
