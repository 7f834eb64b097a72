"""Dust samples in bulk from a sheet (CSV or XLSX, read as the assignment sheets are): every row is
checked first and the sheet is written all or nothing; a refusal names each bad row and column."""

import math
from datetime import datetime

from sqlalchemy import Connection, text

from roads.assign_import import sheet_rows
from roads.dust.samples import NewSample, check_sampler, check_values, limit_for, placed, write_sample
from roads.errors import InvalidInput, RoadchiefError
from roads.issues.window import CHINA_TZ
from roads.users import User

HEADERS = {
    "segment_id": "segment_id", "segment": "segment_id", "路段编号": "segment_id", "路段": "segment_id",
    "lon": "lon", "经度": "lon", "lat": "lat", "纬度": "lat",
    "sampled_at": "sampled_at", "检测时间": "sampled_at", "时间": "sampled_at",
    "surface": "surface", "路面": "surface",
    "grams_per_m2": "grams_per_m2", "积尘量": "grams_per_m2", "克/平方米": "grams_per_m2",
    "积尘量（克/平方米）": "grams_per_m2", "sampler": "sampler", "检测人": "sampler", "采样人": "sampler",
}
COLUMN_ZH = {"segment_id": "路段编号", "lon": "经度", "lat": "纬度", "sampled_at": "检测时间",
             "surface": "路面", "grams_per_m2": "积尘量", "sampler": "检测人"}
SURFACE_WORDS = {"carriageway": "carriageway", "车行道": "carriageway", "footway": "footway",
                 "人行道": "footway"}
MAX_ROWS = 5000
MAX_SHOWN = 50


class RowError(Exception):
    def __init__(self, column: str, message: str, message_zh: str):
        super().__init__(message)
        self.column, self.message, self.message_zh = column, message, message_zh


def read_sheet(data: bytes, filename: str) -> list[tuple[int, dict]]:
    """(row number in the sheet, {canonical column: cell}) for each non-empty row."""
    raw = sheet_rows(data, filename)
    if not raw:
        raise InvalidInput(f"{filename} is empty", f"{filename} 是空文件")
    keys = [HEADERS.get(str(h or "").strip().lower(), HEADERS.get(str(h or "").strip())) for h in raw[0]]
    if "surface" not in keys or "grams_per_m2" not in keys or not ({"segment_id", "lon"} & set(keys)):
        raise InvalidInput("the header needs surface, grams_per_m2 and segment_id or lon/lat",
                           "表头须包含 surface（路面）、grams_per_m2（积尘量），以及 segment_id（路段编号）"
                           "或 lon/lat（经纬度）列，可另加 sampled_at（检测时间）、sampler（检测人）")
    rows = [(number, {k: v for k, v in zip(keys, row, strict=False) if k and str(v or "").strip()})
            for number, row in enumerate(raw[1:], start=2) if any(str(v or "").strip() for v in row)]
    if not rows:
        raise InvalidInput(f"{filename} has no sample rows", f"{filename} 中没有检测记录")
    if len(rows) > MAX_ROWS:
        raise InvalidInput(f"at most {MAX_ROWS} rows a sheet", f"每个表格最多 {MAX_ROWS} 行，请分批导入")
    return rows


def number(cells: dict, column: str, integer: bool = False) -> float | int | None:
    value = cells.get(column)
    if value is None:
        return None
    try:
        parsed = float(str(value).strip())
    except ValueError:
        parsed = math.nan
    if not math.isfinite(parsed) or (integer and (parsed != int(parsed) or not 0 < parsed < 2**31)):
        raise RowError(column, f"{column}: {value!r} is not a number",
                       f"{COLUMN_ZH[column]}“{value}”不是{'有效编号' if integer else '数字'}")
    return int(parsed) if integer else parsed


def moment(cells: dict) -> datetime | None:
    value = cells.get("sampled_at")
    if value is None:
        return None
    if not isinstance(value, datetime):
        try:
            value = datetime.fromisoformat(str(value).strip())
        except ValueError as exc:
            raise RowError("sampled_at", f"sampled_at: {value!r} is not a date and time",
                           f"检测时间“{value}”不是日期时间（如 2026-11-20 09:30）") from exc
    return value if value.tzinfo else value.replace(tzinfo=CHINA_TZ)  # the sheet's clock is Beijing's


def parse_row(cells: dict) -> NewSample:
    surface = SURFACE_WORDS.get(str(cells.get("surface", "")).strip().lower())
    if surface is None:
        raise RowError("surface", f"surface: {cells.get('surface')!r} is not carriageway or footway",
                       f"路面“{cells.get('surface', '')}”须为车行道或人行道")
    grams = number(cells, "grams_per_m2")
    if grams is None:
        raise RowError("grams_per_m2", "grams_per_m2 is empty", "积尘量未填写")
    sampler = cells.get("sampler")
    return NewSample(surface=surface, grams_per_m2=grams, segment_id=number(cells, "segment_id", True),
                     lon=number(cells, "lon"), lat=number(cells, "lat"), sampled_at=moment(cells),
                     sampler=None if sampler is None else str(sampler).strip()[:200])


def column_of(error: RoadchiefError) -> str:
    """The column a sample check refused: its message starts with the field's name."""
    field = error.public_message.split(":")[0]
    if field in COLUMN_ZH:
        return field
    if error.public_message.startswith(("no segment within", "lon and lat")):
        return "lon"
    if error.public_message.startswith("no dust limit"):
        return "surface"
    return "segment_id"


def import_samples(conn: Connection, user: User | None, data: bytes, filename: str,
                   snap_distance_m: float) -> dict:
    """Check every row, then write them all (or none: 422 with the rows and columns refused)."""
    now = conn.execute(text("SELECT now()")).scalar_one()
    checked, rejects = [], []
    for row_no, cells in read_sheet(data, filename):
        try:
            sample = parse_row(cells)
            check_values(sample, now)
            segment = placed(conn, sample, snap_distance_m)
            sampler = check_sampler(conn, user, segment)
            limit_for(conn, segment["id"], sample.surface)
            checked.append((sample, segment, sampler))
        except RowError as exc:
            rejects.append({"row": row_no, "column": exc.column, "problem": exc.message,
                            "problem_zh": exc.message_zh})
        except RoadchiefError as exc:
            if exc.kind == "unauthorized":
                raise
            rejects.append({"row": row_no, "column": column_of(exc), "problem": exc.public_message,
                            "problem_zh": exc.message_zh})
    if rejects:
        first = rejects[0]
        raise InvalidInput(
            f"{len(rejects)} row(s) refused, nothing imported; first: row {first['row']}, "
            f"column {first['column']}: {first['problem']}",
            f"共 {len(rejects)} 行有误，未导入任何记录；第 {first['row']} 行“{COLUMN_ZH[first['column']]}”列："
            f"{first['problem_zh']}", rejects=rejects[:MAX_SHOWN])
    written = [write_sample(conn, sampler, sample, segment, now) for sample, segment, sampler in checked]
    return {"imported": len(written), "over_limit": sum(1 for s in written if s["over_limit"]),
            "cases": sorted({s["issue_id"] for s in written if s["issue_id"] is not None})}
