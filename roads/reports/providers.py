"""The figure providers a report reads, in the order it prints them; each is
`report_figures(conn, start, end) -> list[Figure]` for the district-local days [start, end).

Adding an instrument to every report is one line in PROVIDERS. A share is given in percent
(0–100) with unit "%"; the report then writes its change in percentage points."""

from collections.abc import Callable
from datetime import date

from sqlalchemy import Connection

from roads.district import get_district
from roads.dust import numbers as dust_numbers
from roads.inspections import status as inspection_status
from roads.issues.indicators import district_indicators
from roads.issues.window import Window, midnight
from roads.patrols.rates import area_rates
from roads.reports.figures import Figure
from roads.shops import tallies as shop_tallies

Provider = Callable[[Connection, date, date], list[Figure]]


def window_of(conn: Connection, start: date, end: date) -> Window:
    zone = get_district(conn).zone
    return Window(midnight(start, zone), midnight(end, zone), zone=zone)


def percent(share: float | None) -> float | None:
    return None if share is None else round(share * 100, 1)


def issue_figures(conn: Connection, start: date, end: date) -> list[Figure]:
    """The case flow's numbers of the cases reported in the period (roadchief.case_indicators at
    district level): the closure and on-time rates are over the cases filed (立案) in the period."""
    row = district_indicators(conn, window_of(conn, start, end))
    return [
        Figure("issues_reported", "新增问题", int(row["reported"]), "件", "lower"),
        Figure("issues_filed", "立案", int(row["filed"]), "件", "neither"),
        Figure("issues_closed", "结案", int(row["closed"]), "件", "higher"),
        Figure("issues_closed_rate", "结案率", percent(row["closed_rate"]), "%", "higher"),
        Figure("issues_on_time_rate", "按期结案率", percent(row["on_time_rate"]), "%", "higher"),
        Figure("issues_open_overdue", "超期未结", int(row["open_overdue"]), "件", "lower"),
    ]


def patrol_figures(conn: Connection, start: date, end: date) -> list[Figure]:
    """The district's patrol rate (roadchief.area_patrol_rates), patrols due and done."""
    rates = area_rates(conn, "district", window_of(conn, start, end)).get(0, {})
    return [
        Figure("patrol_rate", "路长巡查率", percent(rates.get("rate")), "%", "higher"),
        Figure("patrols_done", "完成巡查", rates.get("done", 0), "次", "higher"),
        Figure("segments_not_patrolled", "应巡未巡路段", rates.get("segments_not_patrolled", 0), "段", "lower"),
    ]


PROVIDERS: list[Provider] = [
    issue_figures,
    patrol_figures,
    shop_tallies.report_figures,
    dust_numbers.report_figures,
    inspection_status.report_figures,
]
