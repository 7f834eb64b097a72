"""The density layer's query parameters: time window, categories and statuses, validated.

`from`/`to` take an ISO date (Beijing calendar day; `to` includes that whole day) or an ISO
datetime (Beijing time when it has no offset). Without them the window is the last 30 days,
ending at the next full minute, so that an issue reported a moment ago is already counted.
"""

from collections.abc import Mapping
from datetime import date, datetime, timedelta, timezone

from sqlalchemy import Connection, text

CHINA_TZ = timezone(timedelta(hours=8))
STATUSES = ("reported", "dispatched", "handled", "verified", "closed")
NAMES = ("from", "to", "category", "status")
DEFAULT_DAYS = 30


class BadParameter(ValueError):
    """A query parameter the client got wrong; the message names it."""


def parse(conn: Connection, query: Mapping[str, list[str]]) -> dict:
    to_ts = parse_time(query, "to", end_of_day=True) or default_end()
    try:
        from_ts = (parse_time(query, "from", end_of_day=False)
                   or to_ts - timedelta(days=DEFAULT_DAYS))
    except OverflowError as exc:
        raise BadParameter(f"'to' ({to_ts.date()}) leaves no room for a 30-day window") from exc
    if from_ts >= to_ts:
        raise BadParameter(
            f"'from' ({from_ts.isoformat()}) must be before 'to' ({to_ts.isoformat()})")
    return {
        "from_ts": from_ts,
        "to_ts": to_ts,
        "categories": parse_categories(conn, query.get("category", [])),
        "statuses": parse_statuses(query.get("status", [])),
    }


def default_end() -> datetime:
    now = datetime.now(CHINA_TZ)
    return now.replace(second=0, microsecond=0) + timedelta(minutes=1)


def parse_time(query: Mapping[str, list[str]], name: str, end_of_day: bool) -> datetime | None:
    values = query.get(name, [])
    if not values:
        return None
    if len(values) > 1:
        raise BadParameter(f"'{name}' given {len(values)} times; give it once")
    raw = values[0].strip()
    try:
        if len(raw) == 10:
            day = date.fromisoformat(raw)
            start = datetime(day.year, day.month, day.day, tzinfo=CHINA_TZ)
            return start + timedelta(days=1) if end_of_day else start
        moment = datetime.fromisoformat(raw)
    except (ValueError, OverflowError) as exc:
        raise BadParameter(
            f"'{name}' must be an ISO date (2026-11-01) or datetime (2026-11-01T08:00:00+08:00), "
            f"not {raw!r}") from exc
    return moment if moment.tzinfo else moment.replace(tzinfo=CHINA_TZ)


def parse_statuses(values: list[str]) -> list[str] | None:
    wanted = split_values(values)
    unknown = sorted(set(wanted) - set(STATUSES))
    if unknown:
        raise BadParameter(f"unknown status {', '.join(unknown)}; use {', '.join(STATUSES)}")
    return sorted(set(wanted)) or None


def parse_categories(conn: Connection, values: list[str]) -> list[str] | None:
    """Category codes (a major task such as T03 or a sub-item such as T03.01) that exist."""
    wanted = sorted(set(split_values(values)))
    if not wanted:
        return None
    known = set(conn.execute(
        text("SELECT code FROM public.issue_category WHERE code = ANY (:codes)"), {"codes": wanted}
    ).scalars())
    unknown = [code for code in wanted if code not in known]
    if unknown:
        raise BadParameter(f"unknown category {', '.join(unknown)}")
    return wanted


def split_values(values: list[str]) -> list[str]:
    """Repeatable and comma-separated alike: status=reported&status=closed or status=a,b."""
    return [part.strip() for value in values for part in value.split(",") if part.strip()]
