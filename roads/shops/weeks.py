"""ISO weeks as the shops keep them: a week is its Monday (a date); 'YYYY-Www' on the way in and out."""

from datetime import date, datetime, timedelta

from roads.errors import InvalidInput
from roads.issues.window import CHINA_TZ


def this_monday(today: date | None = None) -> date:
    """The Monday of the district-local current week."""
    today = today or datetime.now(CHINA_TZ).date()
    return today - timedelta(days=today.weekday())


def parse_week(value: str | date) -> date:
    """'2026-W47' or any day of the week ('2026-11-18') -> that week's Monday."""
    if isinstance(value, datetime):
        value = value.date()
    if isinstance(value, date):
        return value - timedelta(days=value.weekday())
    text = str(value).strip().upper()
    try:
        if "-W" in text:
            year, week = text.split("-W")
            return date.fromisocalendar(int(year), int(week), 1)
        day = date.fromisoformat(text)
    except (ValueError, OverflowError) as exc:
        raise InvalidInput(f"week must look like 2026-W47 or a date 2026-11-16, not {value!r}",
                           f"周次“{value}”格式有误，应写作 2026-W47 或该周内的日期（如 2026-11-16）") from exc
    return day - timedelta(days=day.weekday())


def past_week(value: str | date, today: date | None = None) -> date:
    """The week's Monday, refused when the week lies in the future (flags are for weeks begun)."""
    monday = parse_week(value)
    if monday > this_monday(today):
        raise InvalidInput(f"week {label(monday)} is in the future",
                           f"周次 {label(monday)} 尚未到来，不能评比")
    return monday


def label(monday: date) -> str:
    year, week, _ = monday.isocalendar()
    return f"{year}-W{week:02d}"


def label_zh(monday: date) -> str:
    year, week, _ = monday.isocalendar()
    sunday = monday + timedelta(days=6)
    return f"{year}年第{week}周（{monday:%m月%d日}—{sunday:%m月%d日}）"
