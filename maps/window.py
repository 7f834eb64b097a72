"""Time windows for exports: ISO dates or datetimes, ISO weeks, and their Chinese labels.

A bare date means the whole day in Beijing time: `from=2026-11-16` starts at 00:00 that day and
`to=2026-11-22` ends at 24:00 that day (the window is [from, to) internally). A datetime without an
offset is Beijing time too. No `from`/`to` means the last 30 days up to now.
"""

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from maps.errors import InvalidExportInput
from roads.errors import InvalidInput
from roads.issues import window as ledger_window

CHINA_TZ = ledger_window.CHINA_TZ
DEFAULT_DAYS = 30


@dataclass(frozen=True)
class TimeWindow:
    start: datetime  # inclusive
    end: datetime  # exclusive
    week: tuple[int, int] | None = None  # (ISO year, ISO week) when the window is one ISO week

    @property
    def days(self) -> float:
        return (self.end - self.start).total_seconds() / 86400

    def label(self) -> str:
        """Chinese label: '2026年11月第3周（11月16日—11月22日）' for a week, else the dates."""
        first = self.start.astimezone(CHINA_TZ)
        last = (self.end - timedelta(microseconds=1)).astimezone(CHINA_TZ)
        span = f"{first.month}月{first.day}日—{last.month}月{last.day}日"
        if self.week:
            thursday = first + timedelta(days=3)
            number = (thursday.day - 1) // 7 + 1
            return f"{thursday.year}年{thursday.month}月第{number}周（{span}）"
        if first.year != last.year:
            return f"{first.year}年{first.month}月{first.day}日—{last.year}年{last.month}月{last.day}日"  # noqa: E501
        return f"{first.year}年{span}"

    def slug(self) -> str:
        """For file names: '2026-W47' or '20261016-20261115'."""
        if self.week:
            return f"{self.week[0]}-W{self.week[1]:02d}"
        last = (self.end - timedelta(microseconds=1)).astimezone(CHINA_TZ)
        return f"{self.start.astimezone(CHINA_TZ):%Y%m%d}-{last:%Y%m%d}"


def parse_window(start: str | None, end: str | None, now: datetime | None = None) -> TimeWindow:
    """The window from `from`/`to` strings, read as on every endpoint (roads.issues.window)."""
    try:
        window = ledger_window.parse_window(start, end, default_days=DEFAULT_DAYS, now=now)
    except InvalidInput as exc:
        raise InvalidExportInput(exc.public_message, exc.message_zh) from exc
    return TimeWindow(window.start, window.end)


def parse_week(value: str) -> TimeWindow:
    """'2026-W47' → Monday 00:00 to the next Monday 00:00, Beijing time."""
    text = value.strip().upper()
    try:
        year_text, week_text = text.split("-W")
        year, week = int(year_text), int(week_text)
        monday = date.fromisocalendar(year, week, 1)
    except ValueError as exc:
        raise InvalidExportInput(f"week must look like 2026-W47, not {value!r}",
                                 f"周次须写成 2026-W47 的形式，而不是 {value!r}") from exc
    start = datetime.combine(monday, time(0), CHINA_TZ)
    return TimeWindow(start, start + timedelta(days=7), week=(year, week))
