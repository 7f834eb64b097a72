"""Patrol rates per area and per chief for the leader's numbers (coverage, rankings, briefing, the
chief tree): every figure from roadchief.area_patrol_rates / chief_patrol_rates
(sql/functions/patrols_areas.sql), themselves sums of roadchief.patrol_compliance."""

from datetime import date, datetime, time, timedelta

from sqlalchemy import Connection, text

from roads.answer_cache import ANSWERS
from roads.issues.filter import parse_period
from roads.issues.window import CHINA_TZ, Window


def this_week(now: datetime | None = None) -> Window:
    """The ISO week (Monday to Monday, Beijing time) that `now` falls in."""
    today = (now or datetime.now(CHINA_TZ)).astimezone(CHINA_TZ).date()
    monday = datetime.combine(today - timedelta(days=today.weekday()), time(0), CHINA_TZ)
    iso = monday.isocalendar()
    return Window(monday, monday + timedelta(days=7), (iso.year, iso.week))


def patrol_window(start: str | None, end: str | None, week: str | None) -> Window:
    """from/to or week as everywhere else; without them, this week (not the last 7 days: a leader
    reads patrol rates by week)."""
    if not (start or end or week):
        return this_week()
    return parse_period(start, end, week, default_days=7)


def figures(row) -> dict:
    return {"due": int(row.due or 0), "done": int(row.done or 0),
            "rate": None if row.rate is None else round(row.rate, 4),
            "segments_due": int(row.segments_due or 0),
            "segments_not_patrolled": int(row.segments_not_patrolled or 0)}


NO_PATROLS_DUE = {"due": 0, "done": 0, "rate": None, "segments_due": 0, "segments_not_patrolled": 0}


# What the patrol figures read: an answer is kept until one of them changes or the clock begins
# a new period of a rule (roads/answer_cache.py).
RATE_TABLES = ("patrol_rule", "work_calendar", "segment_assignment", "chief", "patrol", "patrol_segment",
               "road_segment", "community")


def area_rates(conn: Connection, level: str, window: Window) -> dict[int, dict]:
    """area id → {due, done, rate, segments_due, segments_not_patrolled}; the district is id 0."""
    params = {"level": level, "start": window.start, "end": window.end}

    def compute() -> dict[int, dict]:
        rows = conn.execute(text("SELECT * FROM roadchief.area_patrol_rates(:level, :start, :end)"), params)
        return {row.area_id: figures(row) for row in rows if row.area_id is not None}

    periods = tuple(conn.execute(text("SELECT tier, periods FROM roadchief.patrol_periods(:start, :end) "
                                      "ORDER BY tier"), params).all())
    return ANSWERS.get(conn, "area_patrol_rates", RATE_TABLES, (level, window.start, window.end, periods),
                       compute)


def chief_rates(conn: Connection, window: Window) -> dict[int, dict]:
    """chief id → {due, done, rate} over the window (rate None when nothing was due)."""
    rows = conn.execute(text("SELECT * FROM roadchief.chief_patrol_rates(:start, :end)"),
                        {"start": window.start, "end": window.end})
    return {row.chief_id: {"due": int(row.due), "done": int(row.done),
                           "rate": None if row.rate is None else round(row.rate, 4)} for row in rows}


def lowest_chiefs(conn: Connection, window: Window, limit: int = 10,
                  sub_district_id: int | None = None) -> list[dict]:
    """The chiefs with the lowest patrol rate (something due), lowest first, for the briefing;
    optionally only those of one sub-district (their home, else their community's)."""
    rows = conn.execute(text("""
        SELECT r.chief_id, ch.name, ch.organisation, ch.position, r.due, r.done, r.rate
        FROM roadchief.chief_patrol_rates(:start, :end) AS r
        JOIN public.chief AS ch ON ch.id = r.chief_id
        LEFT JOIN public.community AS cm ON cm.id = ch.community_id
        WHERE r.due > 0
          AND (CAST(:sd AS integer) IS NULL OR COALESCE(ch.sub_district_id, cm.sub_district_id) = :sd)
        ORDER BY r.rate, r.due DESC, ch.name, r.chief_id
        LIMIT :limit
    """), {"start": window.start, "end": window.end, "limit": limit, "sd": sub_district_id}).mappings()
    return [dict(row) for row in rows]


def chiefs_of_sub_district(conn: Connection, sub_district_id: int) -> set[int]:
    return set(conn.execute(text("""
        SELECT ch.id FROM public.chief AS ch LEFT JOIN public.community AS cm ON cm.id = ch.community_id
        WHERE COALESCE(ch.sub_district_id, cm.sub_district_id) = :sd
    """), {"sd": sub_district_id}).scalars())


def briefing_day(window: Window, today: date | None = None) -> date:
    """The day whose 未巡查 list a briefing shows: today, or the window's last day if it is over."""
    today = today or datetime.now(CHINA_TZ).date()
    last = (window.end - timedelta(microseconds=1)).astimezone(CHINA_TZ).date()
    return min(today, last)
