"""Issue density per road segment, from roadchief.segment_density (the one shared definition)."""

from sqlalchemy import Connection, text

from roads.district import get_district
from roads.errors import InvalidInput, NotFound
from roads.issues.filter import IssueFilter

SORT_COLUMNS = {  # the API's sort names -> SQL, a code constant
    "per_km": "d.per_km DESC",
    "per_km_30d": "d.per_km_30d DESC",
    "issue_count": "d.issue_count DESC",
    "length_m": "d.length_m DESC",
    "segment_id": "d.segment_id",
}
MAX_BUCKETS = 3700


def no_jit(conn: Connection) -> None:
    """Turn JIT compilation off for the rest of the transaction. Over 100,000 segments the planner's
    estimates pass jit_above_cost, and compiling costs about 0.3 s per statement on our machine
    while saving nothing: the time goes to index scans and aggregation, not expressions."""
    conn.exec_driver_sql("SET LOCAL jit = off")


DENSITY_FROM = """
    FROM roadchief.segment_density(:from_ts, :to_ts, CAST(:categories AS text[]),
                                   CAST(:statuses AS text[]), CAST(:sources AS text[])) AS d
    JOIN public.road_segment AS s ON s.id = d.segment_id
    LEFT JOIN public.community AS c ON c.id = s.community_id
    WHERE (CAST(:community_id AS integer) IS NULL OR s.community_id = :community_id)
      AND (CAST(:sub_district_id AS integer) IS NULL OR c.sub_district_id = :sub_district_id)
"""


def segment_density_page(
    conn: Connection,
    where: IssueFilter,
    sort: str,
    limit: int,
    offset: int,
    with_geometry: bool = False,
) -> dict:
    """One page of segments by density, with totals for the whole selection."""
    if sort not in SORT_COLUMNS:
        raise InvalidInput(f"sort: one of {', '.join(SORT_COLUMNS)}",
                           f"排序字段须为以下之一：{'、'.join(SORT_COLUMNS)}")
    params = {**where.params(), "limit": limit, "offset": offset}
    no_jit(conn)
    page = (
        conn.execute(
            text(f"""
        WITH ranked AS (
            SELECT d.segment_id, d.issue_count, d.length_m, d.per_km, d.per_km_30d,
                   s.road_id, s.community_id, c.sub_district_id,
                   count(*) OVER () AS segments, sum(d.issue_count) OVER () AS issues,
                   sum(d.length_m) OVER () / 1000.0 AS km
            {DENSITY_FROM}
            ORDER BY {SORT_COLUMNS[sort]}, d.segment_id
            LIMIT :limit OFFSET :offset
        )
        SELECT k.*, r.name AS road_name, coalesce(s.road_class, r.road_class) AS road_class, c.name AS community_name,
               sd.name AS sub_district_name,
               CASE WHEN :geometry THEN ST_AsGeoJSON(s.geom, 6) END AS geometry
        FROM ranked AS k
        JOIN public.road_segment AS s ON s.id = k.segment_id
        JOIN public.road AS r ON r.id = k.road_id
        LEFT JOIN public.community AS c ON c.id = k.community_id
        LEFT JOIN public.sub_district AS sd ON sd.id = k.sub_district_id
        ORDER BY {SORT_COLUMNS[sort].replace("d.", "k.")}, k.segment_id
    """),
            {**params, "geometry": with_geometry},
        )
        .mappings()
        .all()
    )  # sort: a code constant
    # The window totals ride on every row of the page; an empty page (past the end) asks again.
    totals = (
        page[0]
        if page
        else conn.execute(
            text(
                """
        SELECT count(*) AS segments, coalesce(sum(d.issue_count), 0) AS issues,
               coalesce(sum(d.length_m), 0) / 1000.0 AS km
    """
                + DENSITY_FROM
            ),
            where.params(),
        )
        .mappings()
        .one()
    )
    return {
        "rows": [dict(r) for r in page],
        "segments": totals["segments"],
        "issues": int(totals["issues"] or 0),
        "km": float(totals["km"] or 0),
        "unsnapped_issues": unsnapped_count(conn, where),
    }


def unsnapped_count(conn: Connection, where: IssueFilter) -> int:
    """Issues in the window and area that no segment holds (farther than the snap distance)."""
    return conn.execute(
        text("""
        SELECT count(*)
        FROM roadchief.counted_issues(
            from_ts => :from_ts, to_ts => :to_ts, categories => CAST(:categories AS text[]),
            statuses => CAST(:statuses AS text[]), community_id => CAST(:community_id AS integer),
            sub_district_id => CAST(:sub_district_id AS integer), area_of => 'issue',
            sources => CAST(:sources AS text[])) AS i
        WHERE i.segment_id IS NULL
    """),
        where.params(),
    ).scalar_one()


def segment_series(conn: Connection, segment_id: int, where: IssueFilter, interval: str) -> dict:
    """One segment's density for the window and its issue count per day or week (Beijing time)."""
    if interval not in ("day", "week"):
        raise InvalidInput("interval: day or week",
                           "统计间隔须为 day（日）或 week（周）")
    bucket_days = 1 if interval == "day" else 7
    if where.window.days / bucket_days > MAX_BUCKETS:
        raise InvalidInput(
            f"the window holds more than {MAX_BUCKETS} {interval}s; choose a shorter one",
            f"时间范围过长，超过 {MAX_BUCKETS} 个{'日' if interval == 'day' else '周'}，请缩短时间范围"
        )
    # Days and weeks start at midnight on the district's clock, not the server's nor UTC.
    zone = get_district(conn).timezone
    params = {**where.params(), "id": segment_id, "unit": interval, "zone": zone}
    summary = (
        conn.execute(
            text("""
        SELECT s.id AS segment_id, r.name AS road_name, s.community_id, d.issue_count, d.length_m,
               d.per_km, d.per_km_30d
        FROM public.road_segment AS s
        JOIN public.road AS r ON r.id = s.road_id
        JOIN roadchief.segment_density(:from_ts, :to_ts, CAST(:categories AS text[]),
                                       CAST(:statuses AS text[]), CAST(:sources AS text[])) AS d
            ON d.segment_id = s.id
        WHERE s.id = :id
    """),
            params,
        )
        .mappings()
        .first()
    )
    if summary is None:
        raise NotFound(f"no road segment {segment_id}",
                       f"未找到编号为 {segment_id} 的路段")
    series = (
        conn.execute(
            text("""
        WITH counted AS (
            SELECT date_trunc(:unit, i.reported_at AT TIME ZONE CAST(:zone AS text)) AS bucket,
                   count(*) AS n
            FROM roadchief.counted_issues(:from_ts, :to_ts, CAST(:categories AS text[]),
                                          CAST(:statuses AS text[]),
                                          sources => CAST(:sources AS text[])) AS i
            WHERE i.segment_id = :id
            GROUP BY 1
        )
        SELECT b.bucket::date AS start, coalesce(c.n, 0) AS issues
        FROM generate_series(
            date_trunc(:unit, CAST(:from_ts AS timestamptz) AT TIME ZONE CAST(:zone AS text)),
            date_trunc(:unit, (CAST(:to_ts AS timestamptz) - interval '1 microsecond')
                              AT TIME ZONE CAST(:zone AS text)),
            CAST('1 ' || :unit AS interval)) AS b (bucket)
        LEFT JOIN counted AS c ON c.bucket = b.bucket
        WHERE CAST(:to_ts AS timestamptz) > CAST(:from_ts AS timestamptz)
        ORDER BY b.bucket
    """),
            params,
        )
        .mappings()
        .all()
    )
    return {
        **dict(summary),
        "interval": interval,
        "timezone": zone,
        "series": [{"start": r["start"].isoformat(), "issues": r["issues"]} for r in series],
    }
