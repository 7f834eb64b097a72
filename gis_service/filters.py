"""The issue filter's query parameters, the same on every endpoint that takes them. Parsing and
checking is roads.issues.filter.parse_filter's (as for the tiles and the CLI), so a bad value gets
the same answer everywhere."""

from collections.abc import Callable
from dataclasses import replace
from typing import Annotated

from fastapi import Depends, Query

from gis_service.db import Conn
from gis_service.params import Int32
from roads.errors import InvalidInput
from roads.issues.filter import IssueFilter, parse_filter
from roads.segments import parse_bbox

MAX_PAGE = 1_000_000  # pages of a listing: an offset PostgreSQL can take
AreaId = Annotated[Int32 | None, Query(ge=1)]
Codes = Annotated[
    list[str] | None,
    Query(description="Category codes, repeated or comma-separated; T03 = all of T03.xx"),
]


def period_args(
    from_: Annotated[
        str | None, Query(alias="from", description="ISO date or datetime (Beijing time if no offset)")
    ] = None,
    to: Annotated[str | None, Query(description="ISO date (inclusive) or datetime; default now")] = None,
    week: Annotated[str | None, Query(description="An ISO week such as 2026-W47 (instead of from/to)")] = None,
    category: Codes = None,
) -> dict:
    return {"start": from_, "end": to, "week": week, "categories": category}


def state_args(
    status: Annotated[
        list[str] | None,
        Query(description="reported, filed, rejected, dispatched, handling, handled, verified, closed, "
                          "on_hold; repeated or comma-separated"),
    ] = None,
    source: Annotated[
        list[str] | None, Query(description="Sources (patrol, hotline, open311 ...), repeated or comma-separated")
    ] = None,
) -> dict:
    return {"statuses": status, "sources": source}


def area_args(
    sub_district: Annotated[AreaId, Query(description="Sub-district id")] = None,
    community: Annotated[AreaId, Query(description="Community id")] = None,
    sub_district_id: Annotated[AreaId, Query(description="The same as sub_district")] = None,
    community_id: Annotated[AreaId, Query(description="The same as community")] = None,
    area: Annotated[
        str | None, Query(description="district, sub-district:ID, community:ID, or a name (明湖办事处)")
    ] = None,
) -> dict:
    return {"sub_district_id": one_id("sub_district", sub_district, sub_district_id),
            "community_id": one_id("community", community, community_id), "area": area}


def no_args() -> dict:
    return {}


def one_id(name: str, value: int | None, alias: int | None) -> int | None:
    if value is not None and alias is not None and value != alias:
        raise InvalidInput(f"'{name}' and '{name}_id' differ ({value}, {alias}); give one",
                           f"参数 {name} 与 {name}_id 不一致（{value}、{alias}），请只填写一个")
    return value if value is not None else alias


def issue_filter(
    default_days: float | None = 30, *, states: bool = True, area: bool = True
) -> Callable[..., IssueFilter]:
    """A dependency giving the request's IssueFilter. Without from/to/week the window is the last
    `default_days` (None: all time). `states=False` for readers that count every status and
    source themselves (the rankings), `area=False` for those that cover every area."""
    states_dep = state_args if states else no_args
    area_dep = area_args if area else no_args

    def dependency(
        conn: Conn,
        period: Annotated[dict, Depends(period_args)],
        which: Annotated[dict, Depends(states_dep)],
        where: Annotated[dict, Depends(area_dep)],
    ) -> IssueFilter:
        return parse_filter(conn, **period, **which, **where, default_days=default_days)

    return dependency


def ledger_filter(
    where: Annotated[IssueFilter, Depends(issue_filter(default_days=None))],
    bbox: Annotated[str | None, Query(description="min_lon,min_lat,max_lon,max_lat")] = None,
    segment: Int32 | None = None,
    unit: Annotated[Int32 | None, Query(description="Cases dispatched to this unit (id)")] = None,
    overdue: Annotated[bool | None, Query(description="true: open past the deadline; false: not")] = None,
) -> IssueFilter:
    """The ledger list's filter (GET /api/issues and its XLSX export): the issue filter, all time
    by default, plus a bounding box, a segment, a unit and overdue."""
    return replace(where, bbox=parse_bbox(bbox), segment_id=segment, unit_id=unit, overdue=overdue)
