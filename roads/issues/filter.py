"""Which issues count: one `IssueFilter` and its one parser, for the ledger list, density, the
density tiles, the exports, Open311 and the CLI. The SQL side is roadchief.counted_issues.

Every value list (categories, statuses, sources) may be given repeated or comma-separated alike.
The same bad value gets the same message wherever it is given.
"""

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, tzinfo
from zoneinfo import ZoneInfo

from sqlalchemy import Connection, text

from roads.areas import Area, area_from_spec, resolve_area
from roads.district import get_district
from roads.errors import InvalidInput
from roads.issues.flow import STATUS_LABELS, STATUSES
from roads.issues.window import Window, parse_week, parse_window

# The query-string names of the filter: what and when (the density tiles take these and pass them
# along in their URLs), and where.
PERIOD_NAMES = ("from", "to", "week", "category", "status", "source")
AREA_NAMES = ("sub_district", "community", "area")


@dataclass(frozen=True)
class IssueFilter:
    window: Window | None = None
    categories: tuple[str, ...] | None = None  # a major task (T03) counts all its sub-items
    statuses: tuple[str, ...] | None = None
    area: Area = field(default_factory=Area)
    sources: tuple[str, ...] | None = None
    bbox: tuple[float, float, float, float] | None = None
    segment_id: int | None = None
    unit_id: int | None = None  # the ledger list: cases dispatched to this unit
    overdue: bool | None = None  # the ledger list: open past the deadline (True) or not (False)

    def params(self) -> dict:
        """The bind parameters of roadchief.counted_issues and the queries built on it."""
        bbox = self.bbox or (None, None, None, None)
        return {
            "from_ts": self.window.start if self.window else None,
            "to_ts": self.window.end if self.window else None,
            "categories": list(self.categories) if self.categories else None,
            "statuses": list(self.statuses) if self.statuses else None,
            "sources": list(self.sources) if self.sources else None,
            **self.area.params(),
            "segment_id": self.segment_id,
            "unit_id": self.unit_id,
            "overdue": self.overdue,
            "min_lon": bbox[0], "min_lat": bbox[1], "max_lon": bbox[2], "max_lat": bbox[3],
        }


def split_values(values: Iterable[str] | str | None) -> list[str]:
    """Repeatable and comma-separated alike: status=reported&status=closed or status=a,b."""
    if values is None:
        return []
    if isinstance(values, str):
        values = [values]
    return [part.strip() for value in values for part in value.split(",") if part.strip()]


def parse_filter(
    conn: Connection,
    *,
    start: str | None = None,
    end: str | None = None,
    week: str | None = None,
    categories: Iterable[str] | str | None = None,
    statuses: Iterable[str] | str | None = None,
    sources: Iterable[str] | str | None = None,
    sub_district_id: int | None = None,
    community_id: int | None = None,
    area: str | None = None,
    bbox: tuple[float, float, float, float] | None = None,
    segment_id: int | None = None,
    default_days: float | None = 30,
    now: datetime | None = None,
) -> IssueFilter:
    """The filter from what a client or a command line gave; InvalidInput / NotFound naming the
    bad value otherwise."""
    return IssueFilter(
        window=parse_period(start, end, week, default_days, now, get_district(conn).zone),
        categories=parse_categories(conn, split_values(categories)),
        statuses=parse_statuses(split_values(statuses)),
        area=parse_area(conn, area, sub_district_id, community_id),
        sources=tuple(sorted(set(split_values(sources)))) or None,
        bbox=bbox,
        segment_id=segment_id,
    )


def filter_from_query(
    conn: Connection, query: Mapping[str, list[str]], default_days: float | None = 30,
    now: datetime | None = None,
) -> IssueFilter:
    """The filter from a query string given as name → values (the density tiles, styles)."""
    return parse_filter(
        conn,
        start=single(query, "from"),
        end=single(query, "to"),
        week=single(query, "week"),
        categories=query.get("category"),
        statuses=query.get("status"),
        sources=query.get("source"),
        sub_district_id=single_id(query, "sub_district"),
        community_id=single_id(query, "community"),
        area=single(query, "area"),
        default_days=default_days,
        now=now,
    )


def parse_period(
    start: str | None, end: str | None, week: str | None, default_days: float | None,
    now: datetime | None = None, zone: tzinfo | None = None,
) -> Window | None:
    """The window on the district's clock (`zone`; Asia/Shanghai when not given)."""
    zone = zone or ZoneInfo("Asia/Shanghai")
    if week and (start or end):
        raise InvalidInput(
            "give either week or from/to, not both",
            "请只选一种时间范围：按周（week）或按起止日期（from/to），不要同时填写",
        )
    if week:
        return parse_week(week, zone)
    return parse_window(start, end, default_days=default_days, now=now, zone=zone)


def parse_categories(conn: Connection, codes: list[str]) -> tuple[str, ...] | None:
    """Category codes that exist: a sub-item (T03.01) or a major task (T03, all its sub-items)."""
    wanted = sorted({code.upper() for code in codes})
    if not wanted:
        return None
    unknown = unknown_categories(conn, wanted)
    if unknown:
        listed = ", ".join(unknown)
        raise InvalidInput(
            f"unknown category {listed}; see GET /api/issue-categories",
            f"没有问题类别 {listed}，请对照问题类别表填写（如 T03 或 T03.01）",
        )
    return tuple(wanted)


def unknown_categories(conn: Connection, codes: list[str]) -> list[str]:
    """The codes, in order, that are neither a sub-item nor a major task."""
    known = set(conn.execute(
        text("SELECT code FROM public.issue_category WHERE code = ANY (:c)"), {"c": codes}
    ).scalars())
    return [c for c in codes if c not in known]


def parse_statuses(values: list[str]) -> tuple[str, ...] | None:
    unknown = sorted(set(values) - set(STATUSES))
    if unknown:
        listed = ", ".join(unknown)
        raise InvalidInput(
            f"unknown status {listed}; use {', '.join(STATUSES)}",
            f"没有案卷状态 {listed}；可选：" + "、".join(f"{v} {k}" for k, v in STATUS_LABELS.items()),
        )
    return tuple(sorted(set(values))) or None


def parse_area(
    conn: Connection, spec: str | None, sub_district_id: int | None, community_id: int | None
) -> Area:
    if spec and (sub_district_id is not None or community_id is not None):
        raise InvalidInput(
            "give either area or sub_district/community, not both",
            "请只用一种方式指定区域：area，或 sub_district/community 编号",
        )
    return area_from_spec(conn, spec) if spec else resolve_area(conn, sub_district_id, community_id)


def single(query: Mapping[str, list[str]], name: str) -> str | None:
    values = query.get(name, [])
    if len(values) > 1:
        raise InvalidInput(
            f"'{name}' given {len(values)} times; give it once", f"参数“{name}”重复了 {len(values)} 次，只能填写一次"
        )
    return values[0] if values else None


def single_id(query: Mapping[str, list[str]], name: str) -> int | None:
    value = single(query, name)
    if value is None or value.strip() == "":
        return None
    if not value.strip().isdigit() or len(value.strip()) > 9:
        raise InvalidInput(f"'{name}' must be a whole number, not {value!r}", f"参数“{name}”须为编号（整数）")
    return int(value)
