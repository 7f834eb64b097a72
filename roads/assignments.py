"""Assigning chiefs to segments: the rules, reassignment with history, the audit log, conflicts."""

from collections.abc import Iterable
from dataclasses import dataclass

from sqlalchemy import Connection, text
from sqlalchemy.exc import DBAPIError, IntegrityError

from roads.errors import ChiefAlreadyAssigned, InvalidInput, NotFound, RoadchiefError
from roads.segments import SegmentPlace, current_chief, get_place
from roads.users import User, check_segment_write

TIERS = (1, 2, 3)
HOLDER_CONSTRAINTS = {"uq_segment_assignment_current", "ex_segment_assignment_one_chief"}
RULE_CONSTRAINTS = {  # constraint -> (English, Chinese)
    "ck_segment_assignment_tier3_community": ("a tier-3 chief must belong to the segment's community",
                                              "三级路长须属于该路段所在社区"),
    "ck_segment_assignment_tier2_sub_district": ("a tier-2 chief must belong to the segment's sub-district",
                                                 "二级路长须属于该路段所在办事处"),
}
# A wait cut short by the session's lock_timeout, and a deadlock: both mean someone else is
# changing the same segment right now, which the client hears as a 409 with the current holder.
BUSY_SQLSTATES = {"55P03", "40P01"}


TIER_ZH = {1: "一级", 2: "二级", 3: "三级"}


@dataclass
class Change:
    segment_id: int
    tier: int
    action: str  # assign | reassign | unassign | unchanged
    old_chief_id: int | None
    new_chief_id: int | None
    warning: str | None = None

    def as_dict(self) -> dict:
        return dict(self.__dict__)


def check_tier(tier: int) -> None:
    if tier not in TIERS:
        raise InvalidInput(f"tier must be 1, 2 or 3, not {tier}",
                           f"路长级别须为 1、2 或 3，不能是 {tier}")


def get_chief(conn: Connection, chief_id: int) -> dict:
    row = conn.execute(text("""
        SELECT ch.id, ch.name, ch.phone, ch.active, ch.is_party_member, ch.community_id,
               COALESCE(ch.sub_district_id, c.sub_district_id) AS sub_district_id
        FROM public.chief ch LEFT JOIN public.community c ON c.id = ch.community_id WHERE ch.id = :id
    """), {"id": chief_id}).mappings().first()
    if row is None:
        raise NotFound(f"chief {chief_id} does not exist",
                       f"未找到编号为 {chief_id} 的路长")
    return dict(row)


def check_eligible(chief: dict, place: SegmentPlace, tier: int) -> None:
    """The rules the database trigger also enforces, checked first for a clear message."""
    if not chief["active"]:
        raise InvalidInput(f"chief {chief['name']} is no longer active",
                           f"路长 {chief['name']} 已停用，不能指派")
    if tier == 3 and chief["community_id"] != place.community_id:
        raise InvalidInput(f"chief {chief['name']} does not belong to the community of segment "
                           f"{place.id}: a tier-3 chief must belong to the segment's community",
                           f"路长 {chief['name']} 不属于路段 {place.id} 所在社区：三级路长须属于路段所在社区")
    if tier == 2 and chief["sub_district_id"] != place.sub_district_id:
        raise InvalidInput(f"chief {chief['name']} does not belong to the sub-district of segment "
                           f"{place.id}: a tier-2 chief must belong to the segment's sub-district",
                           f"路长 {chief['name']} 不属于路段 {place.id} 所在办事处：二级路长须属于路段所在办事处")


def assigned_length_m(conn: Connection, chief_id: int) -> float:
    return conn.execute(text("""
        SELECT COALESCE(sum(s.length_m), 0) FROM public.segment_assignment a
        JOIN public.road_segment s ON s.id = a.segment_id WHERE a.chief_id = :c AND a.valid_to IS NULL
    """), {"c": chief_id}).scalar_one()


def length_warning(conn: Connection, chief: dict, limit_m: float) -> str | None:
    total = assigned_length_m(conn, chief["id"])
    if total <= limit_m:
        return None
    return (f"chief {chief['name']} now holds {total / 1000:.1f} km of road, more than the limit "
            f"of {limit_m / 1000:.1f} km")


def holder_conflict(conn: Connection, segment_id: int, tier: int, exc: Exception | None,
                    busy: bool = False) -> ChiefAlreadyAssigned:
    """409 naming who holds the segment now: after someone else changed it (`busy=False`), or
    while someone else is changing it and this request gave up waiting (`busy=True`)."""
    holder = current_chief(conn, segment_id, tier)
    named = f"{holder['name']} ({holder['phone']})" if holder else None
    named_zh = f"{holder['name']}（{holder['phone']}）" if holder else None
    if busy:
        message = (f"segment {segment_id} tier {tier} is being changed by someone else right now "
                   f"(so far {f'held by {named}' if named else 'without a chief'}); "
                   "reload and try again in a moment")
        message_zh = (f"路段 {segment_id} 的{TIER_ZH[tier]}路长正被他人修改"
                      f"（{f'目前由 {named_zh} 担任' if named_zh else '目前无路长'}）；请稍后刷新重试")
    else:
        message = (f"segment {segment_id} tier {tier} was just changed by someone else and "
                   f"{f'is now held by {named}' if named else 'now has no chief'}; reload and try again")
        message_zh = (f"路段 {segment_id} 的{TIER_ZH[tier]}路长刚被他人修改，"
                      f"{f'现由 {named_zh} 担任' if named_zh else '现无路长'}；请刷新后重试")
    error = ChiefAlreadyAssigned(message, message_zh, holder and {k: holder[k] for k in ("id", "name", "phone")})
    error.__cause__ = exc
    return error


def is_busy(exc: DBAPIError) -> bool:
    return getattr(exc.orig, "pgcode", None) in BUSY_SQLSTATES


def holder_id(conn: Connection, segment_id: int, tier: int) -> int | None:
    """The current chief as this request first saw it, before waiting for anyone."""
    return conn.execute(text("""
        SELECT chief_id FROM public.segment_assignment WHERE segment_id = :s AND tier = :t AND valid_to IS NULL
    """), {"s": segment_id, "t": tier}).scalar()


def lock_segments(conn: Connection, keys: Iterable[tuple[int, int]]) -> None:
    """Lock the segments' rows one by one in id order, before reading or writing their chiefs.

    Every writer queues in the same order, so overlapping requests wait for each other instead of
    deadlocking. NO KEY UPDATE leaves issues free to reference the segments meanwhile. A wait
    longer than the session's lock_timeout ends as a 409 rather than a stalled request.
    """
    first_tier = {}
    for segment_id, tier in keys:
        first_tier.setdefault(segment_id, tier)
    segment_id = None
    try:
        with conn.begin_nested():
            for segment_id in sorted(first_tier):
                conn.execute(text("SELECT 1 FROM public.road_segment WHERE id = :s FOR NO KEY UPDATE"),
                             {"s": segment_id})
    except DBAPIError as exc:
        if is_busy(exc):
            raise holder_conflict(conn, segment_id, first_tier[segment_id], exc, busy=True) from exc
        raise


def write_audit(conn: Connection, change: Change, user: User, source: str) -> None:
    conn.execute(text("""
        INSERT INTO public.assignment_audit (segment_id, tier, action, old_chief_id, new_chief_id, username, source)
        VALUES (:s, :t, :a, :old, :new, :u, :src)
    """), {"s": change.segment_id, "t": change.tier, "a": change.action, "old": change.old_chief_id,
           "new": change.new_chief_id, "u": user.username, "src": source})


def current_row(conn: Connection, segment_id: int, tier: int):
    return conn.execute(text("""
        SELECT id, chief_id FROM public.segment_assignment
        WHERE segment_id = :s AND tier = :t AND valid_to IS NULL FOR UPDATE
    """), {"s": segment_id, "t": tier}).first()


def assign_chief(conn: Connection, user: User | None, segment_id: int, tier: int, chief_id: int,
                 limit_m: float, source: str = "api") -> Change:
    """Make `chief_id` the segment's chief at `tier`, closing the current assignment if any."""
    check_tier(tier)
    seen = holder_id(conn, segment_id, tier)
    lock_segments(conn, [(segment_id, tier)])
    return assign_locked(conn, user, segment_id, tier, chief_id, limit_m, source, seen)


def assign_locked(conn: Connection, user: User | None, segment_id: int, tier: int, chief_id: int,
                  limit_m: float, source: str, seen: int | None) -> Change:
    """Assign with the segment locked; `seen` is the holder before the lock: another means a 409."""
    place = get_place(conn, segment_id)
    check_segment_write(user, tier, place.community_id, place.sub_district_id, segment_id)
    chief = get_chief(conn, chief_id)
    check_eligible(chief, place, tier)
    current = current_row(conn, segment_id, tier)
    if current is not None and current.chief_id == chief_id:
        return Change(segment_id, tier, "unchanged", chief_id, chief_id)
    if (current.chief_id if current else None) != seen:
        raise holder_conflict(conn, segment_id, tier, None)
    try:
        with conn.begin_nested():
            write_assignment(conn, user, segment_id, tier, chief_id, current)
    except IntegrityError as exc:
        raise map_integrity_error(conn, exc, segment_id, tier) from exc
    except DBAPIError as exc:
        if is_busy(exc):
            raise holder_conflict(conn, segment_id, tier, exc, busy=True) from exc
        raise
    change = Change(segment_id, tier, "reassign" if current else "assign",
                    current.chief_id if current else None, chief_id)
    write_audit(conn, change, user, source)
    change.warning = length_warning(conn, chief, limit_m)
    return change


def write_assignment(conn: Connection, user: User, segment_id: int, tier: int, chief_id: int, current) -> None:
    """Close the current row and open the new one at the same instant.

    clock_timestamp(), not now(): now() is when this transaction began, possibly before the holder
    being closed had committed its own valid_from (the cause of valid_to < valid_from)."""
    closed_at = None
    if current is not None:
        closed_at = conn.execute(text("""
            UPDATE public.segment_assignment SET valid_to = clock_timestamp(), ended_by = :u WHERE id = :id
            RETURNING valid_to
        """), {"u": user.username, "id": current.id}).scalar_one()
    conn.execute(text("""
        INSERT INTO public.segment_assignment (segment_id, tier, chief_id, valid_from, assigned_by)
        VALUES (:s, :t, :c, COALESCE(CAST(:at AS timestamptz), clock_timestamp()), :u)
    """), {"s": segment_id, "t": tier, "c": chief_id, "at": closed_at, "u": user.username})


def map_integrity_error(conn: Connection, exc: IntegrityError, segment_id: int, tier: int) -> Exception:
    name = getattr(exc.orig.diag, "constraint_name", None)
    if name in HOLDER_CONSTRAINTS:
        return holder_conflict(conn, segment_id, tier, exc)
    if name in RULE_CONSTRAINTS:
        english, chinese = RULE_CONSTRAINTS[name]
        return InvalidInput(f"segment {segment_id}: {english}", f"路段 {segment_id}：{chinese}，未做任何修改")
    return exc


def unassign_chief(conn: Connection, user: User | None, segment_id: int, tier: int,
                   source: str = "api") -> Change:
    """End the segment's current assignment at `tier` (kept in the history)."""
    check_tier(tier)
    seen = holder_id(conn, segment_id, tier)
    lock_segments(conn, [(segment_id, tier)])
    return unassign_locked(conn, user, segment_id, tier, source, seen)


def unassign_locked(conn: Connection, user: User | None, segment_id: int, tier: int, source: str,
                    seen: int | None) -> Change:
    place = get_place(conn, segment_id)
    check_segment_write(user, tier, place.community_id, place.sub_district_id, segment_id)
    current = current_row(conn, segment_id, tier)
    if (current.chief_id if current else None) != seen:
        raise holder_conflict(conn, segment_id, tier, None)
    if current is None:
        raise NotFound(f"segment {segment_id} has no chief at tier {tier}",
                       f"路段 {segment_id} 目前没有{TIER_ZH.get(tier, str(tier))}路长")
    conn.execute(text("""
        UPDATE public.segment_assignment SET valid_to = clock_timestamp(), ended_by = :u WHERE id = :id
    """), {"u": user.username, "id": current.id})
    change = Change(segment_id, tier, "unassign", current.chief_id, None)
    write_audit(conn, change, user, source)
    return change


def unassign_if_held(conn: Connection, user: User | None, segment_id: int, tier: int, source: str,
                     seen: int | None) -> Change:
    """Unassign within a batch: a segment without a chief at that tier is left as it is."""
    try:
        with conn.begin_nested():
            return unassign_locked(conn, user, segment_id, tier, source, seen)
    except NotFound:
        get_place(conn, segment_id)  # an unknown segment is still an error
        return Change(segment_id, tier, "unchanged", None, None)


def apply_many(conn: Connection, user: User | None, items: list[dict], limit_m: float,
               source: str = "api") -> list[Change]:
    """Apply every item ({segment_id, tier, chief_id or None to unassign}) or none of them.

    The caller's transaction is the unit: an error here leaves it to be rolled back. All segments
    are locked (in id order) before the first change, so overlapping batches cannot deadlock.
    """
    if not items:
        raise InvalidInput("no assignments given",
                           "未提交任何指派")
    for item in items:
        check_tier(item["tier"])
    keys = [(item["segment_id"], item["tier"]) for item in items]
    seen = {key: holder_id(conn, *key) for key in keys}
    lock_segments(conn, keys)
    changes = []
    for number, item in enumerate(items, start=1):
        key = (item["segment_id"], item["tier"])
        try:
            if item.get("chief_id") is None:
                change = unassign_if_held(conn, user, *key, source, seen[key])
            else:
                change = assign_locked(conn, user, *key, item["chief_id"], limit_m, source, seen[key])
        except RoadchiefError as exc:
            exc.public_message = f"item {number}: {exc.public_message}; nothing was changed"
            unchanged = "" if "未做任何修改" in exc.message_zh else "，未做任何修改"
            exc.message_zh = f"第 {number} 项：{exc.message_zh}{unchanged}"
            raise
        seen[key] = change.new_chief_id  # a later item on the same segment and tier follows this one
        changes.append(change)
    return changes


def history(conn: Connection, segment_id: int) -> dict:
    get_place(conn, segment_id)
    assignments = conn.execute(text("""
        SELECT a.id, a.tier, a.chief_id, ch.name AS chief_name, ch.is_party_member, a.valid_from,
               a.valid_to, a.assigned_by, a.ended_by
        FROM public.segment_assignment a JOIN public.chief ch ON ch.id = a.chief_id
        WHERE a.segment_id = :s ORDER BY a.tier, a.valid_from DESC
    """), {"s": segment_id}).mappings().all()
    audit = conn.execute(text("""
        SELECT au.id, au.tier, au.action, au.old_chief_id, o.name AS old_chief_name,
               au.new_chief_id, n.name AS new_chief_name, au.username, au.source, au.changed_at
        FROM public.assignment_audit au
        LEFT JOIN public.chief o ON o.id = au.old_chief_id LEFT JOIN public.chief n ON n.id = au.new_chief_id
        WHERE au.segment_id = :s ORDER BY au.changed_at DESC, au.id DESC
    """), {"s": segment_id}).mappings().all()
    return {"segment_id": segment_id, "assignments": [dict(r) for r in assignments],
            "audit": [dict(r) for r in audit]}
