"""Assignment sheets (CSV or XLSX): road or segment, tier, chief name and phone.

A dry run lists what would change and every row that cannot be matched; applying is all or nothing.
"""

import csv
import io
from pathlib import Path

from openpyxl import load_workbook
from sqlalchemy import Connection, text

from roads.archive import check_workbook
from roads.assignments import TIER_ZH, apply_many, check_eligible, get_chief
from roads.errors import Forbidden, InvalidInput, RoadchiefError
from roads.segments import current_chief, get_place
from roads.text_files import decode_text
from roads.users import User, check_segment_write

HEADERS = {
    "segment_id": "segment", "segment": "segment", "路段": "segment", "路段编号": "segment",
    "road": "road", "道路": "road", "道路名称": "road",
    "community": "community", "社区": "community", "村/社区": "community",
    "tier": "tier", "层级": "tier", "级别": "tier",
    "chief_name": "chief_name", "name": "chief_name", "路长": "chief_name", "姓名": "chief_name",
    "chief_phone": "chief_phone", "phone": "chief_phone", "电话": "chief_phone", "手机": "chief_phone",
}
TIER_WORDS = {"1": 1, "2": 2, "3": 3, "一级": 1, "二级": 2, "三级": 3, "一级路长": 1, "二级路长": 2,
              "三级路长": 3}


class ImportRefused(InvalidInput):
    def __init__(self, message: str, message_zh: str, plan: dict):
        super().__init__(message, message_zh, unmatched=plan["unmatched"])


def sheet_rows(data: bytes, filename: str) -> list[list]:
    """The cells of a CSV (UTF-8 or GB18030) or XLSX sheet, row by row; any other file is refused."""
    suffix = Path(filename).suffix.lower()
    if suffix == ".xlsx":
        return xlsx_rows(data, filename)
    if suffix in {".csv", ".txt"}:
        sheet_text = decode_text(data)
        if sheet_text is None or "\x00" in sheet_text:
            raise InvalidInput(f"{filename}: neither UTF-8 nor GB18030 text",
                               f"{filename} 不是 UTF-8 或 GB18030 编码的文本文件")
        return list(csv.reader(io.StringIO(sheet_text)))
    raise InvalidInput(f"{filename}: give a .csv or .xlsx file", f"{filename}：请上传 .csv 或 .xlsx 文件")


def read_sheet(data: bytes, filename: str) -> list[dict]:
    """Rows as dicts with canonical keys; the header row names the columns (English or Chinese)."""
    raw = sheet_rows(data, filename)
    if not raw:
        raise InvalidInput(f"{filename} is empty",
                           f"{filename} 是空文件")
    keys = [HEADERS.get(str(h or "").strip().lower(), HEADERS.get(str(h or "").strip())) for h in raw[0]]
    if "tier" not in keys or "chief_name" not in keys or not {"road", "segment"} & set(keys):
        raise InvalidInput("the header needs columns road or segment_id, tier, chief_name (and chief_phone)",
                           "表头须包含 road（道路名称）或 segment_id（路段编号）、tier（级别）、"
                           "chief_name（路长姓名）列，可另加 chief_phone（电话）")
    return [{k: str(v).strip() for k, v in zip(keys, row, strict=False) if k and v not in (None, "")}
            for row in raw[1:] if any(str(v or "").strip() for v in row)]


def xlsx_rows(data: bytes, filename: str = "upload.xlsx") -> list[list]:
    check_workbook(io.BytesIO(data), filename)
    try:
        sheet = load_workbook(io.BytesIO(data), read_only=True, data_only=True).active
    except Exception as exc:  # openpyxl raises several types for a file that is not a workbook
        raise InvalidInput("the file is not a readable .xlsx workbook",
                           "该文件不是可读取的 .xlsx 工作簿") from exc
    return [list(row) for row in sheet.iter_rows(values_only=True)]


def find_segments(conn: Connection, row: dict) -> list[int]:
    if row.get("segment"):
        if not row["segment"].isdigit():
            raise InvalidInput(f"segment {row['segment']!r} is not a number",
                               f"路段编号 {row['segment']!r} 不是数字")
        get_place(conn, int(row["segment"]))
        return [int(row["segment"])]
    ids = conn.execute(text("""
        SELECT s.id FROM public.road_segment s JOIN public.road r ON r.id = s.road_id
        LEFT JOIN public.community c ON c.id = s.community_id
        WHERE r.name = :road AND (CAST(:community AS text) IS NULL OR c.name = :community)
        ORDER BY s.id
    """), {"road": row.get("road", ""), "community": row.get("community")}).scalars().all()
    if not ids:
        where = f" in {row['community']}" if row.get("community") else ""
        where_zh = f"（{row['community']}）" if row.get("community") else ""
        raise InvalidInput(f"no road named {row.get('road', '')!r}{where}",
                           f"未找到名为 {row.get('road', '')} 的道路{where_zh}")
    return ids


def find_chief(conn: Connection, row: dict) -> int:
    ids = conn.execute(text("""
        SELECT id FROM public.chief WHERE name = :n AND (CAST(:p AS text) IS NULL OR phone = :p) ORDER BY id
    """), {"n": row.get("chief_name", ""), "p": row.get("chief_phone")}).scalars().all()
    if not ids:
        phone = f" with phone {row['chief_phone']}" if row.get("chief_phone") else ""
        phone_zh = f"（电话 {row['chief_phone']}）" if row.get("chief_phone") else ""
        raise InvalidInput(f"no chief named {row.get('chief_name', '')!r}{phone}",
                           f"未找到名为 {row.get('chief_name', '')} 的路长{phone_zh}")
    if len(ids) > 1:
        raise InvalidInput(f"several chiefs are named {row['chief_name']!r}; give the phone",
                           f"有多位路长名为 {row['chief_name']}，请填写电话加以区分")
    return ids[0]


def outside_chief_area(chief: dict, place, tier: int) -> bool:
    if tier == 3:
        return chief["community_id"] != place.community_id
    return tier == 2 and chief["sub_district_id"] != place.sub_district_id


def segment_names(conn: Connection, segment_id: int) -> dict:
    """How a clerk knows the segment: its road and the community it lies in, not its id."""
    row = conn.execute(text("""
        SELECT r.name AS road_name, c.name AS community_name
        FROM public.road_segment AS s
        JOIN public.road AS r ON r.id = s.road_id
        LEFT JOIN public.community AS c ON c.id = s.community_id
        WHERE s.id = :s
    """), {"s": segment_id}).mappings().one()
    community = row["community_name"] or "不属于任何社区"
    return {"road_name": row["road_name"], "community_name": row["community_name"],
            "place": f"{row['road_name']}（{community}）",
            "place_en": f"{row['road_name']} ({community}, segment {segment_id})"}


def check_segment(user: User | None, chief: dict, place, tier: int, names: dict) -> None:
    """The assignment rules and the user's jurisdiction, told with the road's name."""
    try:
        check_eligible(chief, place, tier)
    except InvalidInput as exc:
        if not chief["active"]:
            raise
        area, area_en = ("社区", "community") if tier == 3 else ("办事处", "sub-district")
        raise InvalidInput(f"chief {chief['name']} does not belong to the {area_en} of {names['place_en']}: "
                           f"a tier-{tier} chief must belong to the segment's {area_en}",
                           f"路长 {chief['name']} 不属于{names['place']}所在{area}："
                           f"{TIER_ZH[tier]}路长须属于路段所在{area}") from exc
    if user is None:
        return
    try:
        check_segment_write(user, tier, place.community_id, place.sub_district_id, place.id)
    except Forbidden as exc:
        if user.role == "community_admin" and tier != 3:
            raise
        raise Forbidden(f"{names['place_en']} is outside the jurisdiction of user {user.username}",
                        f"{names['place']}不在您的管辖范围内") from exc


def plan_row(conn: Connection, user: User | None, row: dict) -> list[dict]:
    tier = TIER_WORDS.get(row.get("tier", ""))
    if tier is None:
        raise InvalidInput(f"tier {row.get('tier', '')!r} is not 1, 2 or 3",
                           f"级别 {row.get('tier', '')!r} 有误，须为 1、2 或 3")
    chief = get_chief(conn, find_chief(conn, row))
    changes = []
    for segment_id in find_segments(conn, row):
        place = get_place(conn, segment_id)
        if row.get("road") and not row.get("community") and outside_chief_area(chief, place, tier):
            continue  # a road through several areas: only the part where the chief belongs
        names = segment_names(conn, segment_id)
        check_segment(user, chief, place, tier, names)
        old = current_chief(conn, segment_id, tier)
        action = "unchanged" if old and old["id"] == chief["id"] else ("reassign" if old else "assign")
        changes.append({"segment_id": segment_id, "road_name": names["road_name"],
                        "community_name": names["community_name"], "place": names["place"],
                        "tier": tier, "action": action, "old_chief": old and old["name"],
                        "new_chief": chief["name"], "chief_id": chief["id"]})
    if not changes:
        raise InvalidInput(f"chief {chief['name']} belongs to none of the road's areas",
                           f"路长 {chief['name']} 不属于该道路经过的任何办事处或社区")
    return changes


def plan_import(conn: Connection, user: User | None, rows: list[dict]) -> dict:
    """What the sheet would change, and the rows (numbered as in the sheet) that cannot be used."""
    changes, unmatched = [], []
    for number, row in enumerate(rows, start=2):  # row 1 is the header
        try:
            changes += [c | {"row": number} for c in plan_row(conn, user, row)]
        except RoadchiefError as exc:
            unmatched.append({"row": number, "values": row, "reason": exc.public_message,
                              "reason_zh": exc.message_zh})
    return {"rows": len(rows), "changes": changes, "unmatched": unmatched,
            "would_change": sum(c["action"] != "unchanged" for c in changes)}


def apply_import(conn: Connection, user: User | None, rows: list[dict], limit_m: float) -> dict:
    """Apply the whole sheet, or nothing when any row cannot be matched."""
    plan = plan_import(conn, user, rows)
    if plan["unmatched"]:
        raise ImportRefused(f"{len(plan['unmatched'])} rows cannot be matched; nothing was changed",
                            f"有 {len(plan['unmatched'])} 行无法匹配，未做任何修改", plan)
    items = [{"segment_id": c["segment_id"], "tier": c["tier"], "chief_id": c["chief_id"]}
             for c in plan["changes"] if c["action"] != "unchanged"]
    applied = apply_many(conn, user, items, limit_m, source="import") if items else []
    plan["applied"] = len(applied)
    plan["warnings"] = sorted({c.warning for c in applied if c.warning})
    return plan
