"""Time windows: `from`/`to` as ISO dates or datetimes, or one ISO `week`; the same on every
endpoint, tile and command (roads.issues.filter calls these).

A date-only `to` means the end of that day (the window is [from, to) with `to` the next midnight);
dates and datetimes without an offset are read on the district's clock (its time zone, `zone`;
Asia/Shanghai, UTC+8, unless the district says otherwise). A week runs from Monday 00:00 to the
next Monday 00:00 on that clock, and its labels are written on it.
"""

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta, timezone, tzinfo

from roads.errors import InvalidInput

CHINA_TZ = timezone(timedelta(hours=8))


@dataclass(frozen=True)
class Window:
    start: datetime  # inclusive
    end: datetime  # exclusive
    week: tuple[int, int] | None = None  # (ISO year, ISO week) when the window is one ISO week
    zone: tzinfo = CHINA_TZ  # the district's clock: the labels and file names are written on it

    @property
    def days(self) -> float:
        # In UTC: Python subtracts two times of one ZoneInfo on the wall clock, blind to a DST change.
        return (self.end.astimezone(UTC) - self.start.astimezone(UTC)).total_seconds() / 86400

    def label(self) -> str:
        """Chinese label: '2026年11月第3周（11月16日—11月22日）' for a week, else the dates."""
        first = self.start.astimezone(self.zone)
        last = (self.end - timedelta(microseconds=1)).astimezone(self.zone)
        span = f"{first.month}月{first.day}日—{last.month}月{last.day}日"
        if self.week:
            thursday = first + timedelta(days=3)
            number = (thursday.day - 1) // 7 + 1
            return f"{thursday.year}年{thursday.month}月第{number}周（{span}）"
        if first.year != last.year:
            return f"{first.year}年{first.month}月{first.day}日—{last.year}年{last.month}月{last.day}日"
        return f"{first.year}年{span}"

    def slug(self) -> str:
        """For file names: '2026-W47' or '20261016-20261115'."""
        if self.week:
            return f"{self.week[0]}-W{self.week[1]:02d}"
        last = (self.end - timedelta(microseconds=1)).astimezone(self.zone)
        return f"{self.start.astimezone(self.zone):%Y%m%d}-{last:%Y%m%d}"


def midnight(day: date, zone: tzinfo) -> datetime:
    """00:00 of `day` on the district's clock (a wall-clock midnight, right across a DST change)."""
    return datetime.combine(day, time(0)).replace(tzinfo=zone)


def parse_instant(value: str, name: str, end_of_day: bool = False, zone: tzinfo = CHINA_TZ) -> datetime:
    text = value.strip()
    try:
        if len(text) == 10:
            day = date.fromisoformat(text)
            return midnight(day + timedelta(days=1) if end_of_day else day, zone)
        moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except (ValueError, OverflowError) as exc:
        raise InvalidInput(
            f"'{name}' must be an ISO date (2026-11-20) or datetime "
            f"(2026-11-20T08:30:00+08:00), not {value!r}",
            f"时间“{name}”格式有误：请填写日期（如 2026-11-20）或日期时间（如 2026-11-20T08:30:00+08:00）",
        ) from exc
    return moment if moment.tzinfo else moment.replace(tzinfo=zone)


def parse_window(
    start: str | None, end: str | None, default_days: float | None = 30, now: datetime | None = None,
    zone: tzinfo = CHINA_TZ,
) -> Window | None:
    """The window asked for; with neither bound, the last `default_days` (None: no window)."""
    if start is None and end is None and default_days is None:
        return None
    now = now or datetime.now(zone)
    end_at = parse_instant(end, "to", end_of_day=True, zone=zone) if end else now
    if start:
        start_at = parse_instant(start, "from", zone=zone)
    elif default_days is not None:
        try:
            start_at = end_at - timedelta(days=default_days)
        except OverflowError as exc:
            raise InvalidInput(
                f"'to' ({end}) leaves no room for a {default_days:g}-day window",
                f"结束时间 {end} 过早，容不下 {default_days:g} 天的统计范围",
            ) from exc
    else:
        start_at = datetime(1970, 1, 1, tzinfo=UTC)
    if start_at >= end_at:
        raise InvalidInput(
            f"the time window is backwards: 'from' ({start_at.isoformat()}) must be before "
            f"'to' ({end_at.isoformat()})",
            "时间范围有误：开始时间须早于结束时间",
        )
    return Window(start_at, end_at, zone=zone)


def parse_week(value: str, zone: tzinfo = CHINA_TZ) -> Window:
    """'2026-W47' → Monday 00:00 to the next Monday 00:00 on the district's clock."""
    text = value.strip().upper()
    try:
        year_text, week_text = text.split("-W")
        year, week = int(year_text), int(week_text)
        monday = date.fromisocalendar(year, week, 1)
        start, end = midnight(monday, zone), midnight(monday + timedelta(days=7), zone)
    except (ValueError, OverflowError) as exc:
        raise InvalidInput(
            f"week must look like 2026-W47, not {value!r}",
            f"周次“{value}”格式有误，应写作 2026-W47（年份-W周次）",
        ) from exc
    return Window(start, end, week=(year, week), zone=zone)
