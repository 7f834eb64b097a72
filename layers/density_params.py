"""The density layer's query parameters: time window, categories and statuses, validated.

`from`/`to` take an ISO date (Beijing calendar day; `to` includes that whole day) or an ISO
datetime (Beijing time when it has no offset). Without them the window is the last 30 days,
ending at the next full minute, so that an issue reported a moment ago is already counted.
"""

from collections.abc import Mapping
from datetime import datetime, timedelta

from sqlalchemy import Connection

from roads.errors import InvalidInput
from roads.issues.repository import unknown_categories
from roads.issues.window import CHINA_TZ, parse_window

STATUSES = ("reported", "dispatched", "handled", "verified", "closed")
NAMES = ("from", "to", "category", "status")


class BadParameter(InvalidInput):
    """A query parameter the client got wrong; the message names it."""


def parse(conn: Connection, query: Mapping[str, list[str]]) -> dict:
    window = parse_window(single(query, "from"), single(query, "to"), now=default_end())
    return {
        "from_ts": window.start,
        "to_ts": window.end,
        "categories": parse_categories(conn, query.get("category", [])),
        "statuses": parse_statuses(query.get("status", [])),
    }


def default_end() -> datetime:
    now = datetime.now(CHINA_TZ)
    return now.replace(second=0, microsecond=0) + timedelta(minutes=1)


def single(query: Mapping[str, list[str]], name: str) -> str | None:
    values = query.get(name, [])
    if len(values) > 1:
        raise BadParameter(f"'{name}' given {len(values)} times; give it once",
                           f"参数 {name} 只能给出一次（实际给了 {len(values)} 次）")
    return values[0] if values else None


def parse_statuses(values: list[str]) -> list[str] | None:
    wanted = split_values(values)
    unknown = sorted(set(wanted) - set(STATUSES))
    if unknown:
        raise BadParameter(f"unknown status {', '.join(unknown)}; use {', '.join(STATUSES)}",
                           f"未知的办理状态：{'、'.join(unknown)}；可选：{'、'.join(STATUSES)}")
    return sorted(set(wanted)) or None


def parse_categories(conn: Connection, values: list[str]) -> list[str] | None:
    """Category codes (a major task such as T03 or a sub-item such as T03.01) that exist."""
    wanted = sorted(set(split_values(values)))
    if not wanted:
        return None
    unknown = unknown_categories(conn, wanted)
    if unknown:
        raise BadParameter(f"unknown category {', '.join(unknown)}",
                           f"未知的问题类别：{'、'.join(unknown)}")
    return wanted


def split_values(values: list[str]) -> list[str]:
    """Repeatable and comma-separated alike: status=reported&status=closed or status=a,b."""
    return [part.strip() for value in values for part in value.split(",") if part.strip()]
