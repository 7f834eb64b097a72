"""Weekly flags (红黑旗): entered one at a time (phone) or from a sheet (all or nothing).

Who may flag a shop: a district admin anywhere; a sub-district or community admin in their area;
a user linked to a chief who is the street's 街长 (or one of its backing party members) or who
holds a current assignment on the segment in front of the shop.
"""

import json
from dataclasses import asdict, dataclass
from datetime import date

from sqlalchemy import Connection, text

from roads.assign_import import sheet_rows
from roads.errors import Forbidden, InvalidInput, NotFound, Unauthorized
from roads.shops.rules import apply_rule
from roads.shops.shops import SHOP_COLUMNS
from roads.shops.weeks import label, past_week
from roads.users import User

FLAGS = {"red": "red", "black": "black", "none": "none", "红": "red", "红旗": "red",
         "黑": "black", "黑旗": "black", "无": "none", "无旗": "none", "": "none"}
FLAG_ZH = {"red": "红旗", "black": "黑旗", "none": "无"}
SCORES = ("order_score", "hygiene_score", "facade_score")
SCORE_ZH = {"order_score": "秩序", "hygiene_score": "卫生", "facade_score": "立面"}
HEADERS = {
    "shop_id": "shop_id", "商户编号": "shop_id", "编号": "shop_id",
    "licence_no": "licence_no", "许可证号": "licence_no", "营业执照号": "licence_no", "证照编号": "licence_no",
    "week": "week", "周次": "week", "flag": "flag", "旗": "flag", "评比结果": "flag", "红黑旗": "flag",
    "order_score": "order_score", "秩序": "order_score", "hygiene_score": "hygiene_score",
    "卫生": "hygiene_score", "facade_score": "facade_score", "立面": "facade_score",
    "inspector": "inspector", "检查人": "inspector", "评比人": "inspector",
}
MAX_ROWS = 20000


@dataclass
class FlagIn:
    shop_id: int
    week: str | date
    flag: str
    order_score: int | None = None
    hygiene_score: int | None = None
    facade_score: int | None = None
    inspector: str | None = None


def check_flag(flag: FlagIn, today: date | None = None) -> FlagIn:
    """The entry with its week as a Monday and its flag in English; raises on a bad value."""
    try:
        week = past_week(flag.week, today)
    except InvalidInput as exc:
        raise InvalidInput(exc.public_message, exc.message_zh, column="week") from exc
    value = FLAGS.get(str(flag.flag).strip().lower()) if flag.flag is not None else None
    if value is None:
        raise InvalidInput(f"flag must be red, black or none, not {flag.flag!r}",
                           f"评比结果须为 红旗、黑旗 或 无，而不是“{flag.flag}”", column="flag")
    for name in SCORES:
        score = getattr(flag, name)
        if score is not None and not (isinstance(score, int) and 0 <= score <= 100):
            raise InvalidInput(f"{name} must be a whole number from 0 to 100, not {score!r}",
                               f"{SCORE_ZH[name]}得分须为 0 到 100 的整数，而不是“{score}”", column=name)
    inspector = (flag.inspector or "").strip() or None
    return FlagIn(flag.shop_id, week, value, flag.order_score, flag.hygiene_score,
                  flag.facade_score, inspector)


def shop_scope(conn: Connection, shop_id: int) -> dict:
    row = conn.execute(text("""
        SELECT sh.id, sh.segment_id, s.road_id, sh.community_id, c.sub_district_id
        FROM public.shop AS sh
        LEFT JOIN public.road_segment AS s ON s.id = sh.segment_id
        LEFT JOIN public.community AS c ON c.id = sh.community_id
        WHERE sh.id = :id
    """), {"id": shop_id}).mappings().first()
    if row is None:
        raise NotFound(f"no shop {shop_id}", f"未找到编号为 {shop_id} 的商户", column="shop_id")
    return dict(row)


JURISDICTION = """
    SELECT sh.id FROM public.shop AS sh
    LEFT JOIN public.road_segment AS s ON s.id = sh.segment_id
    LEFT JOIN public.community AS c ON c.id = sh.community_id
    WHERE (:role = 'district_admin'
       OR (:role = 'sub_district_admin' AND c.sub_district_id = :sd)
       OR (:role = 'community_admin' AND sh.community_id = :cm)
       OR EXISTS (SELECT 1 FROM public.chief_user AS cu
                  JOIN public.chief AS ch ON ch.id = cu.chief_id AND ch.active
                  WHERE cu.user_id = :u
                    AND (EXISTS (SELECT 1 FROM public.segment_assignment AS a
                                 WHERE a.chief_id = ch.id AND a.segment_id = sh.segment_id
                                   AND a.valid_to IS NULL)
                         OR EXISTS (SELECT 1 FROM public.road_chief_role AS rr
                                    WHERE rr.chief_id = ch.id AND rr.road_id = s.road_id))))
"""


def scope_params(user: User) -> dict:
    return {"role": user.role, "sd": user.sub_district_id, "cm": user.community_id, "u": user.id}


def check_flag_write(conn: Connection, user: User | None, shop_id: int) -> User:
    if user is None:
        raise Unauthorized("sign in first: flags are entered by a signed-in user", "请先登录再评比")
    shop_scope(conn, shop_id)
    allowed = conn.execute(text(JURISDICTION + " AND sh.id = :shop"),
                           {**scope_params(user), "shop": shop_id}).first()
    if allowed is None:
        raise Forbidden(f"shop {shop_id} is outside the jurisdiction of user {user.username}",
                        f"商户 {shop_id} 不在您的管辖范围内，未做任何修改")
    return user


def enter_flag(conn: Connection, user: User | None, flag: FlagIn, snap_m: float,
               today: date | None = None) -> dict:
    """Enter (or re-enter) one shop's flag for one week, then apply the 停业整顿 rule."""
    checked = check_flag(flag, today)
    user = check_flag_write(conn, user, checked.shop_id)
    write_flag(conn, checked, user.username)
    suspension = apply_rule(conn, checked.shop_id, user.username, snap_m)
    return {**get_flag(conn, checked.shop_id, checked.week), "suspension": suspension}


def write_flag(conn: Connection, flag: FlagIn, username: str) -> None:
    before = conn.execute(text("""
        SELECT flag, order_score, hygiene_score, facade_score, inspector, entered_by
        FROM public.shop_flag WHERE shop_id = :s AND week = :w FOR UPDATE
    """), {"s": flag.shop_id, "w": flag.week}).mappings().first()
    values = {k: v for k, v in asdict(flag).items() if k not in ("shop_id", "week")}
    conn.execute(text("""
        INSERT INTO public.shop_flag (shop_id, week, flag, order_score, hygiene_score, facade_score,
                                      inspector, entered_by)
        VALUES (:shop_id, :week, :flag, :order_score, :hygiene_score, :facade_score, :inspector, :by)
        ON CONFLICT (shop_id, week) DO UPDATE
        SET flag = EXCLUDED.flag, order_score = EXCLUDED.order_score,
            hygiene_score = EXCLUDED.hygiene_score, facade_score = EXCLUDED.facade_score,
            inspector = EXCLUDED.inspector, entered_by = EXCLUDED.entered_by,
            entered_at = clock_timestamp()
    """), {**asdict(flag), "by": username})
    conn.execute(text("""
        INSERT INTO public.shop_flag_audit (shop_id, week, before, after, changed_by)
        VALUES (:s, :w, CAST(:before AS jsonb), CAST(:after AS jsonb), :by)
    """), {"s": flag.shop_id, "w": flag.week, "by": username,
           "before": None if before is None else json.dumps(dict(before), ensure_ascii=False),
           "after": json.dumps({**values, "entered_by": username}, ensure_ascii=False)})


def get_flag(conn: Connection, shop_id: int, week: date) -> dict:
    row = conn.execute(text("""
        SELECT f.shop_id, f.week, f.flag, f.order_score, f.hygiene_score, f.facade_score,
               f.inspector, f.entered_by, f.entered_at
        FROM public.shop_flag AS f WHERE f.shop_id = :s AND f.week = :w
    """), {"s": shop_id, "w": week}).mappings().one()
    return {**row, "week_label": label(week), "flag_label": FLAG_ZH[row["flag"]]}


def flag_history(conn: Connection, shop_id: int) -> dict:
    """A shop's flags week by week and every entry's audit (who changed what, when)."""
    shop_scope(conn, shop_id)
    weeks = conn.execute(text("""
        SELECT week FROM public.shop_flag WHERE shop_id = :s ORDER BY week DESC
    """), {"s": shop_id}).scalars().all()
    audit = conn.execute(text("""
        SELECT week, before, after, changed_by, changed_at FROM public.shop_flag_audit
        WHERE shop_id = :s ORDER BY changed_at DESC, id DESC
    """), {"s": shop_id}).mappings()
    suspensions = conn.execute(text("""
        SELECT since_week, until_week, issue_id FROM public.shop_suspension
        WHERE shop_id = :s ORDER BY since_week DESC
    """), {"s": shop_id}).mappings()
    return {"shop_id": shop_id, "flags": [get_flag(conn, shop_id, w) for w in weeks],
            "audit": [dict(a) for a in audit], "suspensions": [dict(s) for s in suspensions]}


def my_shops(conn: Connection, user: User | None, week: date) -> list[dict]:
    """The shops the user may flag, with the week's flag and scores (the phone's 红黑旗 tab)."""
    if user is None:
        raise Unauthorized("sign in first", "请先登录")
    rows = conn.execute(text(
        "SELECT " + SHOP_COLUMNS + """, w.flag, w.order_score, w.hygiene_score, w.facade_score,
               w.inspector, w.judged
        FROM roadchief.shop_week(:week) AS w
        WHERE w.shop_id IN (""" + JURISDICTION + """)
        ORDER BY w.road_name NULLS LAST, w.shop_id
        LIMIT 500
    """), {**scope_params(user), "week": week}).mappings()
    return [dict(r) for r in rows]


def read_flag_sheet(data: bytes, filename: str) -> list[dict]:
    """Rows of a CSV/XLSX flag sheet as dicts with our keys, the header row naming the columns."""
    raw = sheet_rows(data, filename)
    if not raw:
        raise InvalidInput(f"{filename} is empty", f"{filename} 是空文件")
    if len(raw) > MAX_ROWS + 1:
        raise InvalidInput(f"at most {MAX_ROWS} rows a sheet", f"一张表最多 {MAX_ROWS} 行")
    keys = [HEADERS.get(str(h or "").strip().lower(), HEADERS.get(str(h or "").strip())) for h in raw[0]]
    if "week" not in keys or "flag" not in keys or not {"shop_id", "licence_no"} & set(keys):
        raise InvalidInput("the header needs columns shop_id (or licence_no), week and flag",
                           "表头须包含 shop_id（商户编号）或 licence_no（许可证号）、week（周次）、flag（评比结果）列，"
                           "可另加 秩序、卫生、立面 得分和 inspector（检查人）")
    return [{k: "" if v is None else str(v).strip() for k, v in zip(keys, row, strict=False) if k}
            for row in raw[1:] if any(str(v or "").strip() for v in row)]


def sheet_entry(conn: Connection, row: dict) -> FlagIn:
    """One sheet row as a FlagIn, or InvalidInput naming the column."""
    shop_id = None
    if row.get("shop_id"):
        if not row["shop_id"].isdigit() or int(row["shop_id"]) > 2**31 - 1:
            raise InvalidInput(f"shop_id {row['shop_id']!r} is not a shop number",
                               f"商户编号“{row['shop_id']}”有误", column="shop_id")
        shop_id = int(row["shop_id"])
    elif row.get("licence_no"):
        shop_id = conn.execute(text("SELECT id FROM public.shop WHERE licence_no = :l ORDER BY id LIMIT 1"),
                               {"l": row["licence_no"]}).scalar()
        if shop_id is None:
            raise InvalidInput(f"no shop with licence {row['licence_no']!r}",
                               f"没有许可证号为“{row['licence_no']}”的商户", column="licence_no")
    else:
        raise InvalidInput("shop_id or licence_no is empty", "商户编号和许可证号都为空", column="shop_id")
    scores = {}
    for name in SCORES:
        value = row.get(name, "")
        if value == "":
            scores[name] = None
        elif value.isdigit() and int(value) <= 100:
            scores[name] = int(value)
        else:
            raise InvalidInput(f"{name} must be a whole number from 0 to 100, not {value!r}",
                               f"{SCORE_ZH[name]}得分须为 0 到 100 的整数，而不是“{value}”", column=name)
    week = row.get("week", "")
    if not week:
        raise InvalidInput("week is empty", "周次为空", column="week")
    return FlagIn(shop_id, week, row.get("flag", ""), inspector=row.get("inspector") or None, **scores)


def import_flag_sheet(conn: Connection, user: User | None, data: bytes, filename: str,
                      snap_m: float, today: date | None = None, dry_run: bool = False) -> dict:
    """Every row checked first; one bad row refuses the sheet (422 naming its row and column)."""
    if user is None:
        raise Unauthorized("sign in first", "请先登录")
    rows = read_flag_sheet(data, filename)
    checked = []
    for number, row in enumerate(rows, start=2):  # row 1 is the header
        try:
            flag = check_flag(sheet_entry(conn, row), today)
            check_flag_write(conn, user, flag.shop_id)
        except (InvalidInput, NotFound, Forbidden) as exc:
            column = exc.extra.get("column", "shop_id")
            raise InvalidInput(f"row {number}, column {column}: {exc.public_message}; nothing written",
                               f"第 {number} 行“{column}”列：{exc.message_zh}；整张表未导入",
                               row=number, column=column) from exc
        checked.append(flag)
    seen: dict[tuple, int] = {}
    for number, flag in enumerate(checked, start=2):
        key = (flag.shop_id, flag.week)
        if key in seen:
            raise InvalidInput(f"row {number}, column week: shop {flag.shop_id} week {label(flag.week)} "
                               f"is also in row {seen[key]}; nothing written",
                               f"第 {number} 行“week”列：商户 {flag.shop_id} 的 {label(flag.week)} "
                               f"与第 {seen[key]} 行重复；整张表未导入", row=number, column="week")
        seen[key] = number
    if dry_run:
        return {"rows": len(checked), "written": 0, "dry_run": True, "suspended": []}
    for flag in sorted(checked, key=lambda f: (f.shop_id, f.week)):
        write_flag(conn, flag, user.username)
    suspended = []
    for shop_id in sorted({f.shop_id for f in checked}):
        if apply_rule(conn, shop_id, user.username, snap_m) is not None:
            suspended.append(shop_id)
    return {"rows": len(checked), "written": len(checked), "dry_run": False, "suspended": suspended}
