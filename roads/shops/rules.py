"""The 停业整顿 rule as data (flag_rule) and its application to one shop's flags.

N consecutive black flags (consecutive ISO weeks; a red, a none or a week without a flag breaks the
run) put a shop under 停业整顿 from the week the run reaches N; one case (SH01) opens in the ledger
unless the shop's earlier case is still open. A later non-black flag lifts the suspension; the
case follows its own flow. Changing an old flag afterwards does not undo a suspension already
recorded: the case stands in the ledger.
"""

from datetime import date, datetime, timedelta

from sqlalchemy import Connection, text
from sqlalchemy.exc import IntegrityError

from roads.errors import InvalidInput, NotFound
from roads.issues.flow import FINAL_STATUSES
from roads.issues.repository import NewIssue, insert_issue
from roads.shops.weeks import label
from roads.users import User, require_district_admin

CASE_CATEGORY = "SH01"
WEEK = timedelta(days=7)


def list_rules(conn: Connection) -> list[dict]:
    rows = conn.execute(text("""
        SELECT fr.id, fr.sub_district_id, sd.name AS sub_district_name, fr.community_id,
               c.name AS community_name, fr.consecutive_black,
               CASE WHEN fr.community_id IS NOT NULL THEN 'community'
                    WHEN fr.sub_district_id IS NOT NULL THEN 'sub_district' ELSE 'district' END AS scope
        FROM public.flag_rule AS fr
        LEFT JOIN public.sub_district AS sd ON sd.id = fr.sub_district_id
        LEFT JOIN public.community AS c ON c.id = fr.community_id
        ORDER BY (fr.community_id IS NOT NULL), (fr.sub_district_id IS NOT NULL), fr.id
    """)).mappings()
    return [dict(r) for r in rows]


def set_rule(conn: Connection, user: User | None, consecutive_black: int,
             community_id: int | None = None, sub_district_id: int | None = None) -> dict:
    """Set the district default (no scope) or a sub-district's or community's override."""
    require_district_admin(user)
    if community_id is not None and sub_district_id is not None:
        raise InvalidInput("give community_id or sub_district_id, not both",
                           "规则只能针对一个社区或一个办事处，不能同时指定")
    if not 1 <= consecutive_black <= 52:
        raise InvalidInput("consecutive_black must be between 1 and 52",
                           "连续黑旗次数须在 1 到 52 之间")
    try:
        with conn.begin_nested():
            conn.execute(text("""
                INSERT INTO public.flag_rule (sub_district_id, community_id, consecutive_black)
                VALUES (:sd, :c, :n)
                ON CONFLICT (coalesce(sub_district_id, 0), coalesce(community_id, 0))
                DO UPDATE SET consecutive_black = EXCLUDED.consecutive_black
            """), {"sd": sub_district_id, "c": community_id, "n": consecutive_black})
    except IntegrityError as exc:
        raise NotFound("no such community or sub-district", "未找到该社区或办事处") from exc
    return {"rules": list_rules(conn)}


def delete_rule(conn: Connection, user: User | None, rule_id: int) -> dict:
    """Remove an override; the district default stays (it can only be changed)."""
    require_district_admin(user)
    deleted = conn.execute(text("""
        DELETE FROM public.flag_rule
        WHERE id = :id AND (community_id IS NOT NULL OR sub_district_id IS NOT NULL)
        RETURNING id
    """), {"id": rule_id}).first()
    if deleted is None:
        raise NotFound(f"no override rule {rule_id} (the district default cannot be deleted)",
                       f"未找到编号为 {rule_id} 的覆盖规则（全区默认规则不能删除）")
    return {"rules": list_rules(conn)}


def reach_weeks(flags: list[tuple[date, str]], n: int) -> list[date]:
    """The weeks at which a run of consecutive black weeks reaches exactly n."""
    reached, run, previous = [], 0, None
    for week, flag in sorted(flags):
        if flag != "black":
            run = 0
        elif previous is not None and week - previous == WEEK and run:
            run += 1
        else:
            run = 1
        previous = week
        if run == n:
            reached.append(week)
    return reached


def apply_rule(conn: Connection, shop_id: int, entered_by: str, snap_m: float,
               reported_at: datetime | None = None) -> dict | None:
    """Bring the shop's 停业整顿 up to date with its flags; the open suspension, if any.
    `reported_at`: when a case it opens was reported (default now; the demo writes the past)."""
    shop = conn.execute(text("""
        SELECT sh.id, sh.name, ST_X(sh.geom) AS lon, ST_Y(sh.geom) AS lat,
               roadchief.consecutive_black_for(sh.community_id) AS n
        FROM public.shop AS sh WHERE sh.id = :id FOR UPDATE
    """), {"id": shop_id}).one()
    flags = [(r.week, r.flag) for r in conn.execute(text(
        "SELECT week, flag FROM public.shop_flag WHERE shop_id = :id ORDER BY week"), {"id": shop_id})]
    open_row = lift_open(conn, shop_id, flags)
    last = conn.execute(text("""
        SELECT max(coalesce(until_week, since_week)) FROM public.shop_suspension WHERE shop_id = :id
    """), {"id": shop_id}).scalar()
    for week in reach_weeks(flags, shop.n):
        if open_row is not None:
            break  # still under 停业整顿: no second suspension, no second case
        if last is not None and week <= last:
            continue
        issue_id = None if case_still_open(conn, shop_id) else open_case(conn, shop, week, entered_by, snap_m,
                                                                               reported_at)
        conn.execute(text("""
            INSERT INTO public.shop_suspension (shop_id, since_week, issue_id) VALUES (:s, :w, :i)
        """), {"s": shop_id, "w": week, "i": issue_id})
        open_row = lift_open(conn, shop_id, flags)
        last = week
    return open_row


def lift_open(conn: Connection, shop_id: int, flags: list[tuple[date, str]]) -> dict | None:
    """Close the open suspension at the first non-black week after it began; the one still open."""
    row = conn.execute(text("""
        SELECT id, since_week, issue_id FROM public.shop_suspension
        WHERE shop_id = :s AND until_week IS NULL
    """), {"s": shop_id}).mappings().first()
    if row is None:
        return None
    lift = next((w for w, f in sorted(flags) if w > row["since_week"] and f != "black"), None)
    if lift is None:
        return dict(row)
    conn.execute(text("UPDATE public.shop_suspension SET until_week = :w WHERE id = :id"),
                 {"w": lift, "id": row["id"]})
    return None


def case_still_open(conn: Connection, shop_id: int) -> bool:
    return conn.execute(text("""
        SELECT EXISTS (
            SELECT 1 FROM public.shop_suspension AS su JOIN public.issue AS i ON i.id = su.issue_id
            WHERE su.shop_id = :s AND NOT (i.status = ANY(:final)))
    """), {"s": shop_id, "final": list(FINAL_STATUSES)}).scalar()


def open_case(conn: Connection, shop, week: date, entered_by: str, snap_m: float,
              reported_at: datetime | None) -> int:
    description = (f"商户“{shop.name}”连续{shop.n}周被评为黑旗，自 {label(week)} 起停业整顿，"
                   "请督促整改并复查")
    return insert_issue(conn, NewIssue(
        lon=shop.lon, lat=shop.lat, category_code=CASE_CATEGORY, description=description,
        reporter=entered_by, source="shops", address=shop.name, reported_at=reported_at,
    ), snap_m)
