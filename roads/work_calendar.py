"""The work calendar the bureau edits each year: the exceptions to "Monday to Friday are working
days" (holidays, make-up working days 调休) and the working hours of a working day. Deadlines read
it through roadchief.add_working_time (sql/functions/05_work_calendar.sql)."""

from datetime import date, datetime, time

from sqlalchemy import Connection, text
from sqlalchemy.exc import IntegrityError

from roads.errors import InvalidInput, NotFound
from roads.users import User, require_district_admin

UNITS = ("work_hour", "work_day", "hour")
FIRST_YEAR, LAST_YEAR = 2000, 2100  # the years roadchief.work_clock covers


def check_year(year: int) -> None:
    if not FIRST_YEAR <= year <= LAST_YEAR:
        raise InvalidInput(f"the work calendar covers {FIRST_YEAR}-{LAST_YEAR}, not {year}",
                           f"工作日历的范围为 {FIRST_YEAR}—{LAST_YEAR} 年，不含 {year} 年")


def list_calendar(conn: Connection, year: int) -> dict:
    """The year's exceptions, day by day, and the working hours."""
    check_year(year)
    days = conn.execute(text("""
        SELECT day, is_workday, name, extract(isodow FROM day) >= 6 AS weekend
        FROM public.work_calendar
        WHERE day >= make_date(:y, 1, 1) AND day < make_date(:y + 1, 1, 1)
        ORDER BY day
    """), {"y": year}).mappings().all()
    return {"year": year, "days": [dict(d) for d in days], "work_hours": list_work_hours(conn)}


def list_work_hours(conn: Connection) -> list[dict]:
    rows = conn.execute(text("SELECT starts, ends FROM public.work_hours ORDER BY starts")).all()
    return [{"starts": r.starts.strftime("%H:%M"), "ends": r.ends.strftime("%H:%M")} for r in rows]


def set_day(conn: Connection, user: User | None, day: date, is_workday: bool, name: str) -> dict:
    """Make `day` a holiday (is_workday false) or a make-up working day (true)."""
    require_district_admin(user)
    check_year(day.year)
    name = (name or "").strip()
    if not name:
        raise InvalidInput("name: say which holiday or make-up day this is",
                           "请填写节假日或调休上班的名称")
    conn.execute(text("""
        INSERT INTO public.work_calendar (day, is_workday, name) VALUES (:d, :w, :n)
        ON CONFLICT (day) DO UPDATE SET is_workday = EXCLUDED.is_workday, name = EXCLUDED.name
    """), {"d": day, "w": is_workday, "n": name})
    return {"day": day, "is_workday": is_workday, "name": name}


def remove_day(conn: Connection, user: User | None, day: date) -> None:
    """Back to the rule: Monday to Friday work, weekends off."""
    require_district_admin(user)
    removed = conn.execute(text("DELETE FROM public.work_calendar WHERE day = :d"), {"d": day}).rowcount
    if not removed:
        raise NotFound(f"{day} is not in the work calendar", f"工作日历中没有 {day} 这一天的例外安排")


def parse_time(value: str) -> time:
    try:
        return time.fromisoformat(value)
    except (TypeError, ValueError) as exc:
        raise InvalidInput(f"{value!r} is not a time such as 08:30", f"{value} 不是有效的时间（如 08:30）") from exc


def set_work_hours(conn: Connection, user: User | None, intervals: list[dict]) -> list[dict]:
    """Replace the working intervals of a working day (Beijing time)."""
    require_district_admin(user)
    parsed = [(parse_time(i.get("starts")), parse_time(i.get("ends"))) for i in intervals]
    if not parsed or any(starts >= ends for starts, ends in parsed):
        raise InvalidInput("give at least one interval, each starting before it ends",
                           "请至少填写一个工作时段，且每个时段的开始早于结束")
    try:
        with conn.begin_nested():
            conn.execute(text("DELETE FROM public.work_hours"))
            conn.execute(text("INSERT INTO public.work_hours (starts, ends) "
                              "SELECT s, e FROM unnest(CAST(:s AS time[]), CAST(:e AS time[])) AS t (s, e)"),
                         {"s": [p[0] for p in parsed], "e": [p[1] for p in parsed]})
    except IntegrityError as exc:
        if exc.orig.diag.constraint_name == "ex_work_hours_overlap":
            raise InvalidInput("the working intervals overlap", "工作时段有重叠") from exc
        raise
    return list_work_hours(conn)


def deadline(conn: Connection, start: datetime, amount: float, unit: str) -> datetime | None:
    """start + amount in unit (work_hour, work_day or hour), over the calendar."""
    if unit not in UNITS:
        raise InvalidInput(f"unit: one of {', '.join(UNITS)}", "时限单位须为 work_hour、work_day 或 hour")
    check_year(start.year)
    if amount < 0:
        raise InvalidInput("amount must not be negative", "时限不能为负数")
    return conn.execute(text("SELECT roadchief.add_working_time(:s, :a, :u)"),
                        {"s": start, "a": amount, "u": unit}).scalar()
