"""Tallies of a week's flags per street and per community, the street ranking by red share, and
the figures the automatic reports print (roads/reports/figures.py)."""

from datetime import date, timedelta

from sqlalchemy import Connection, text

from roads.reports.figures import Figure
from roads.shops.weeks import label

TALLY = """
    SELECT {key} AS id, {name} AS name,
           count(*) AS shops,
           count(*) FILTER (WHERE w.flag = 'red') AS red,
           count(*) FILTER (WHERE w.flag = 'black') AS black,
           count(*) FILTER (WHERE w.flag = 'none') AS none,
           count(*) FILTER (WHERE w.suspended) AS suspended,
           round(100.0 * count(*) FILTER (WHERE w.flag = 'red') / count(*), 1)::float8 AS red_share_pct
    FROM roadchief.shop_week(:week) AS w
    WHERE {key} IS NOT NULL
    GROUP BY {key}, {name}
    ORDER BY red_share_pct DESC, black, shops DESC, name
"""
SCOPES = {
    "street": ("w.road_id", "w.road_name"),
    "community": ("w.community_id", "w.community_name"),
}


def tally(conn: Connection, week: date, by: str) -> list[dict]:
    """Red/black/none counts and the red share (% of the shops) per street or per community."""
    key, name = SCOPES[by]
    rows = conn.execute(text(TALLY.format(key=key, name=name)), {"week": week}).mappings()
    return [{"rank": rank, **row} for rank, row in enumerate(rows, start=1)]


def week_tallies(conn: Connection, week: date) -> dict:
    """The week's totals, the streets ranked by red share and the communities likewise."""
    streets = tally(conn, week, "street")
    totals = conn.execute(text("""
        SELECT count(*) AS shops, count(*) FILTER (WHERE w.flag = 'red') AS red,
               count(*) FILTER (WHERE w.flag = 'black') AS black,
               count(*) FILTER (WHERE w.flag = 'none') AS none,
               count(*) FILTER (WHERE w.suspended) AS suspended
        FROM roadchief.shop_week(:week) AS w
    """), {"week": week}).mappings().one()
    return {"week": week, "week_label": label(week), "totals": dict(totals),
            "streets": streets, "communities": tally(conn, week, "community")}


def flagged_shops(conn: Connection, week: date, flag: str) -> list[dict]:
    """The week's red or black shops with street, community and scores, by street."""
    rows = conn.execute(text("""
        SELECT w.shop_id, w.name, w.road_name, w.community_name, w.order_score, w.hygiene_score,
               w.facade_score, w.inspector, w.suspended
        FROM roadchief.shop_week(:week) AS w
        WHERE w.flag = :flag
        ORDER BY w.road_name NULLS LAST, w.name, w.shop_id
    """), {"week": week, "flag": flag}).mappings()
    return [dict(r) for r in rows]


def suspended_shops(conn: Connection, week: date) -> list[dict]:
    rows = conn.execute(text("""
        SELECT w.shop_id, w.name, w.road_name, w.community_name, w.suspended_since
        FROM roadchief.shop_week(:week) AS w
        WHERE w.suspended
        ORDER BY w.suspended_since, w.name, w.shop_id
    """), {"week": week}).mappings()
    return [{**r, "since_label": label(r["suspended_since"])} for r in rows]


def report_figures(conn: Connection, start: date, end: date) -> list[Figure]:
    """Flags of the weeks whose Monday lies in [start, end), their red share, shops newly 停业整顿."""
    row = conn.execute(text("""
        SELECT count(*) FILTER (WHERE f.flag = 'red') AS red,
               count(*) FILTER (WHERE f.flag = 'black') AS black,
               count(*) FILTER (WHERE f.flag IN ('red', 'black')) AS flagged,
               count(*) AS entered,
               (SELECT count(*) FROM public.shop_suspension AS su
                WHERE su.since_week >= :start AND su.since_week < :end) AS suspended
        FROM public.shop_flag AS f
        WHERE f.week >= :start AND f.week < :end
    """), {"start": start, "end": end}).one()
    share = round(100.0 * row.red / row.entered, 1) if row.entered else None
    if not any(start + timedelta(days=d) < end and (start + timedelta(days=d)).weekday() == 0
               for d in range(7)):
        # No week begins in the window (a daily report on a Tuesday): flags are weekly.
        return [Figure(f.key, f.label_zh, None, f.unit_zh, f.better) for f in figures(0, 0, None, 0)]
    return figures(row.red, row.black, share, row.suspended)


def figures(red: int, black: int, share: float | None, suspended: int) -> list[Figure]:
    return [
        Figure("shops_red", "红旗商户", red, "家次", "higher"),
        Figure("shops_black", "黑旗商户", black, "家次", "lower"),
        Figure("shops_red_share", "红旗率", share, "%", "higher"),
        Figure("shops_suspended_new", "新增停业整顿商户", suspended, "家", "lower"),
    ]
