"""The periods a report covers, in district-local days: a day (日报), an ISO week Monday to Sunday
(周报), a dekad (旬报: the 1st–10th, 11th–20th, 21st–end of month). Each knows the one before it,
for the change a report prints."""

from dataclasses import dataclass
from datetime import date, timedelta, tzinfo

from roads.errors import InvalidInput
from roads.issues.window import Window, midnight

KINDS = {"daily": "日报", "weekly": "周报", "dekad": "旬报"}
# How a report names its own period and the previous one in sentences ("本周…较上周…").
THIS = {"daily": "当日", "weekly": "本周", "dekad": "本旬"}
PREVIOUS = {"daily": "前一日", "weekly": "上周", "dekad": "上一旬"}
DEKAD_NAMES = ("上旬", "中旬", "下旬")


def check_kind(kind: str) -> str:
    if kind not in KINDS:
        raise InvalidInput(f"report kind must be daily, weekly or dekad, not {kind!r}",
                           f"报告类型须为 daily（日报）、weekly（周报）或 dekad（旬报），不能是 {kind!r}")
    return kind


@dataclass(frozen=True)
class Period:
    kind: str
    start: date  # the first day
    end: date  # the day after the last: [start, end)

    @property
    def last(self) -> date:
        return self.end - timedelta(days=1)

    def window(self, zone: tzinfo) -> Window:
        week = None
        if self.kind == "weekly":
            iso = self.start.isocalendar()
            week = (iso.year, iso.week)
        return Window(midnight(self.start, zone), midnight(self.end, zone), week=week, zone=zone)

    def previous(self) -> "Period":
        return containing(self.kind, self.start - timedelta(days=1))

    def next(self) -> "Period":
        return containing(self.kind, self.end)

    def label(self) -> str:
        """'2026年11月19日', '2026年11月第3周（11月16日—11月22日）', '2026年11月中旬（11月11日—11月20日）'."""
        span = f"{self.start.month}月{self.start.day}日—{self.last.month}月{self.last.day}日"
        if self.kind == "daily":
            return f"{self.start.year}年{self.start.month}月{self.start.day}日"
        if self.kind == "weekly":  # as roads.issues.window.Window.label names a week
            thursday = self.start + timedelta(days=3)
            return f"{thursday.year}年{thursday.month}月第{(thursday.day - 1) // 7 + 1}周（{span}）"
        return f"{self.start.year}年{self.start.month}月{DEKAD_NAMES[(self.start.day - 1) // 10]}（{span}）"

    def slug(self) -> str:
        """For file names: '20261119', '2026-W47', '2026-11-2' (the second dekad of November)."""
        if self.kind == "daily":
            return f"{self.start:%Y%m%d}"
        if self.kind == "weekly":
            iso = self.start.isocalendar()
            return f"{iso.year}-W{iso.week:02d}"
        return f"{self.start:%Y-%m}-{(self.start.day - 1) // 10 + 1}"


def month_end(day: date) -> date:
    """The first day of the next month."""
    return date(day.year + day.month // 12, day.month % 12 + 1, 1)


def containing(kind: str, day: date) -> Period:
    """The period of `kind` that `day` lies in."""
    check_kind(kind)
    if kind == "daily":
        return Period(kind, day, day + timedelta(days=1))
    if kind == "weekly":
        monday = day - timedelta(days=day.weekday())
        return Period(kind, monday, monday + timedelta(days=7))
    first = min(21, (day.day - 1) // 10 * 10 + 1)
    start = day.replace(day=first)
    end = month_end(day) if first == 21 else day.replace(day=first + 10)
    return Period(kind, start, end)


def last_complete(kind: str, day: date) -> Period:
    """The latest period of `kind` that has ended by the start of `day` (yesterday, last week …)."""
    return containing(kind, containing(kind, day).start - timedelta(days=1))


def asked_period(kind: str, day: date | None, today: date) -> Period:
    """The period a person asks for: the one containing `day`, or without it the last complete
    one. A period still running is refused: its report would stand in for the complete one."""
    period = containing(kind, day) if day else last_complete(kind, today)
    if period.end > today:
        raise InvalidInput(
            f"the {kind} period {period.start.isoformat()}–{period.last.isoformat()} has not ended yet",
            f"{period.label()} 尚未结束，不能生成{KINDS[kind]}；请选择已结束的统计期",
        )
    return period
