"""Time windows: `from` and `to` as ISO dates or datetimes, the same names on every endpoint.

The one parser of them: the ledger, the density tiles and the exports all call `parse_window`.

A date-only `to` means the end of that day (the window is [from, to) with `to` the next midnight);
datetimes without an offset are Beijing time (UTC+8), the district's clock.
"""

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta, timezone

from roads.errors import InvalidInput

CHINA_TZ = timezone(timedelta(hours=8))


@dataclass(frozen=True)
class Window:
    start: datetime
    end: datetime

    @property
    def days(self) -> float:
        return (self.end - self.start).total_seconds() / 86400


def parse_instant(value: str, name: str, end_of_day: bool = False) -> datetime:
    text = value.strip()
    try:
        if len(text) == 10:
            day = date.fromisoformat(text)
            moment = datetime.combine(day, time(0), CHINA_TZ)
            return moment + timedelta(days=1) if end_of_day else moment
        moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except (ValueError, OverflowError) as exc:
        raise InvalidInput(
            f"'{name}' must be an ISO date (2026-11-20) or datetime "
            f"(2026-11-20T08:30:00+08:00), not {value!r}",
            f"{name} 须为日期（如 2026-11-20）或时间（如 2026-11-20T08:30:00+08:00），而不是 {value!r}"
        ) from exc
    return moment if moment.tzinfo else moment.replace(tzinfo=CHINA_TZ)


def parse_window(
    start: str | None, end: str | None, default_days: float | None = 30, now: datetime | None = None
) -> Window | None:
    """The window asked for; with neither bound, the last `default_days` (None: no window)."""
    if start is None and end is None and default_days is None:
        return None
    now = now or datetime.now(CHINA_TZ)
    end_at = parse_instant(end, "to", end_of_day=True) if end else now
    if start:
        start_at = parse_instant(start, "from")
    elif default_days is not None:
        try:
            start_at = end_at - timedelta(days=default_days)
        except OverflowError as exc:
            raise InvalidInput(f"'to' ({end}) leaves no room for a {default_days:g}-day window",
                               f"结束时间 {end} 之前容不下 {default_days:g} 天的时间范围") from exc
    else:
        start_at = datetime(1970, 1, 1, tzinfo=UTC)
    if start_at >= end_at:
        raise InvalidInput(
            f"the time window is backwards: 'from' ({start_at.isoformat()}) must be before "
            f"'to' ({end_at.isoformat()})",
            "时间范围有误：开始时间须早于结束时间"
        )
    return Window(start_at, end_at)
