"""Compliance with the patrol rules for a window, at one level, and the 未巡查 list of a day.

Every figure comes from roadchief.patrol_compliance (sql/functions/patrols.sql): patrols due and
done per assignment; here they are summed per chief, segment, tier or area."""

from datetime import date, datetime, time, timedelta

from sqlalchemy import Connection, text

from roads.errors import InvalidInput
from roads.issues.window import CHINA_TZ, Window

# level → (key, name, grouping); SQL from code only. The district is the empty grouping set.
LEVELS = {
    "chief": ("c.chief_id", "ch.name", "c.chief_id"),
    "segment": ("c.segment_id", "r.name", "c.segment_id"),
    "tier": ("c.tier", "NULL", "c.tier"),
    "community": ("s.community_id", "cm.name", "s.community_id"),
    "sub_district": ("cm.sub_district_id", "sd.name", "cm.sub_district_id"),
    "district": ("0", "'全区'", "()"),
}
AREA_LEVELS = ("segment", "community", "sub_district")  # general chiefs hold no segment


def compliance(conn: Connection, window: Window, level: str = "district") -> dict:
    """Due, done, rate and segments not patrolled per unit of `level`."""
    if level not in LEVELS:
        raise InvalidInput(f"level must be one of {', '.join(LEVELS)}, not {level!r}",
                           f"统计层级须为 {'、'.join(LEVELS)} 之一")
    key, name, grouping = LEVELS[level]
    rows = conn.execute(text(f"""
        SELECT {key} AS id, min({name}) AS name, sum(c.due)::integer AS due, sum(c.done)::integer AS done,
               count(DISTINCT c.segment_id) FILTER (WHERE c.due > 0) AS segments_due,
               count(DISTINCT c.segment_id) FILTER (WHERE c.due > 0 AND c.done = 0) AS segments_not_patrolled
        FROM roadchief.patrol_compliance(:start, :end) AS c
        JOIN public.chief AS ch ON ch.id = c.chief_id
        LEFT JOIN public.road_segment AS s ON s.id = c.segment_id
        LEFT JOIN public.road AS r ON r.id = s.road_id
        LEFT JOIN public.community AS cm ON cm.id = s.community_id
        LEFT JOIN public.sub_district AS sd ON sd.id = cm.sub_district_id
        WHERE {"c.segment_id IS NOT NULL" if level in AREA_LEVELS else "true"}
        GROUP BY {grouping}
        HAVING sum(c.due) > 0
        ORDER BY sum(c.done)::float / sum(c.due), min({key})
    """), {"start": window.start, "end": window.end}).mappings()
    units = [{**row, "rate": round(row["done"] / row["due"], 4)} for row in rows]
    return {"level": level, "from": window.start, "to": window.end, "label": window.label(),
            "units": units}


def day_window(day: date) -> Window:
    if not date(2000, 1, 1) <= day <= date(2999, 12, 31):
        raise InvalidInput(f"date {day} is out of range (2000-2999)", f"日期 {day} 超出范围（2000—2999 年）")
    start = datetime.combine(day, time(0), CHINA_TZ)
    return Window(start, start + timedelta(days=1))


def missing(conn: Connection, day: date) -> list[dict]:
    """未巡查: each chief with segments due on `day` (daily rules) and not patrolled yet."""
    window = day_window(day)
    rows = conn.execute(text("""
        SELECT c.chief_id, ch.name AS chief_name, ch.phone, ch.organisation,
               array_agg(DISTINCT c.tier ORDER BY c.tier) AS tiers,
               count(DISTINCT c.segment_id) AS segments_due,
               count(DISTINCT c.segment_id) FILTER (WHERE c.done = 0) AS segments_missing,
               array_agg(DISTINCT c.segment_id ORDER BY c.segment_id) FILTER (WHERE c.done = 0) AS segment_ids
        FROM roadchief.patrol_compliance(:start, :end) AS c
        JOIN public.chief AS ch ON ch.id = c.chief_id
        WHERE c.due > 0
        GROUP BY c.chief_id, ch.name, ch.phone, ch.organisation
        HAVING count(*) FILTER (WHERE c.done = 0) > 0
        ORDER BY ch.organisation, ch.name, c.chief_id
    """), {"start": window.start, "end": window.end}).mappings()
    return [dict(row) for row in rows]
