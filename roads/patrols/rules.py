"""The patrol rule of each tier (how often, how long, how far, which share of a segment) and the
bureau's holidays, on which daily patrols are not due."""


from sqlalchemy import Connection, text
from sqlalchemy.exc import IntegrityError

from roads.errors import InvalidInput
from roads.users import User, require_district_admin

TIER_LABELS = {0: "总路长/副总路长", 1: "一级路长", 2: "二级路长", 3: "三级路长"}
RULE_FIELDS = ("every_days", "min_minutes", "min_distance_m", "min_share")


def list_rules(conn: Connection) -> list[dict]:
    rows = conn.execute(text("""
        SELECT tier, every_days, min_minutes, min_distance_m, min_share, updated_at, updated_by
        FROM public.patrol_rule ORDER BY tier
    """)).mappings()
    return [{**row, "min_share": round(row["min_share"], 3), "label": TIER_LABELS[row["tier"]]}
            for row in rows]


def update_rules(conn: Connection, user: User | None, rules: list[dict]) -> list[dict]:
    """Replace the given tiers' rules; the district admin's alone."""
    admin = require_district_admin(user)
    for rule in rules:
        tier = rule.get("tier")
        if tier not in TIER_LABELS:
            raise InvalidInput(f"tier must be 0, 1, 2 or 3, not {tier!r}",
                               f"层级须为 0、1、2 或 3，而不是 {tier}")
        try:
            with conn.begin_nested():
                conn.execute(text("""
                    UPDATE public.patrol_rule SET every_days = :every_days, min_minutes = :min_minutes,
                           min_distance_m = :min_distance_m, min_share = :min_share,
                           updated_at = now(), updated_by = :by
                    WHERE tier = :tier
                """), {**{k: rule[k] for k in RULE_FIELDS}, "tier": tier, "by": admin.username})
        except IntegrityError as exc:
            raise InvalidInput(
                f"rule for tier {tier} is out of range: every 1-366 days, 0-1440 minutes, "
                "0-100000 metres, a share above 0 and at most 1",
                f"{TIER_LABELS[tier]}的巡查规则超出范围：周期 1-366 天、时长 0-1440 分钟、"
                "距离 0-100000 米、覆盖比例大于 0 且不超过 1") from exc
    return list_rules(conn)
