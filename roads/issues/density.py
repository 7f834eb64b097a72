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


def no_hash_joins(conn: Connection) -> None:
    """Merge and nested-loop joins only, for the rest of the transaction. The window's issues come
    out of ix_issue_segment_reported in segment order, so their counts merge with the segments'
    primary key instead of hashing 100,000 segments, and a page's few thousand rows find their
    road and segment by index instead of hashing both tables. Measured at city scale (98,421
    segments): a fifth less server time for a page of 5,000, half for a year's window."""
    conn.exec_driver_sql("SET LOCAL enable_hashjoin = off")


# The columns of a page's items, in the API's order.
ITEM_FIELDS = (
    "segment_id",
    "road_name",
    "road_class",
    "community_id",
    "community_name",
    "sub_district_id",
    "sub_district_name",
    "length_m",
    "issue_count",
    "per_km",
    "per_km_30d",
)


# Issues in the window and area that no segment holds (farther than the snap distance).
UNSNAPPED = """
    SELECT count(*)
    FROM roadchief.counted_issues(
        from_ts => :from_ts, to_ts => :to_ts, categories => CAST(:categories AS text[]),
        statuses => CAST(:statuses AS text[]), community_id => CAST(:community_id AS integer),
        sub_district_id => CAST(:sub_district_id AS integer), area_of => 'issue',
        sources => CAST(:sources AS text[])) AS i
    WHERE i.segment_id IS NULL
"""


def segment_density_page(
    conn: Connection,
    where: IssueFilter,
    sort: str,
    limit: int,
    offset: int,
    with_geometry: bool = False,
) -> dict:
    """One page of segments by density, with totals for the whole selection and the unsnapped
    issues: one statement, one pass over the window's issues. `rows` are tuples of ITEM_FIELDS,
    plus the geometry as GeoJSON text when asked."""
    if sort not in SORT_COLUMNS:
        raise InvalidInput(f"sort: one of {', '.join(SORT_COLUMNS)}",
                           f"排序字段须为以下之一：{'、'.join(SORT_COLUMNS)}")
    order = SORT_COLUMNS[sort]  # a code constant
    no_jit(conn)
    no_hash_joins(conn)
    # The selection is materialised once and read twice, for the totals and for the page; only
    # the page's rows are joined to their names. The totals row stands alone when the page is
    # past the end (then the page's columns are NULL).
    result = conn.execute(
        text(f"""
        WITH selected AS MATERIALIZED (
            SELECT d.segment_id, d.issue_count, d.length_m, d.per_km, d.per_km_30d, d.road_id,
                   d.community_id
            FROM roadchief.segment_density(:from_ts, :to_ts, CAST(:categories AS text[]),
                                           CAST(:statuses AS text[]), CAST(:sources AS text[])) AS d
            WHERE (CAST(:community_id AS integer) IS NULL OR d.community_id = :community_id)
              AND (CAST(:sub_district_id AS integer) IS NULL OR d.community_id IN (
                  SELECT a.id
                  FROM public.community AS a
                  WHERE a.sub_district_id = :sub_district_id))
        ),
        totals AS (
            SELECT count(*) AS segments, coalesce(sum(d.issue_count), 0) AS issues,
                   coalesce(sum(d.length_m), 0) / 1000.0 AS km
            FROM selected AS d
        ),
        ranked AS (
            SELECT d.*
            FROM selected AS d
            ORDER BY {order}, d.segment_id
            LIMIT :limit OFFSET :offset
        )
        SELECT t.segments, t.issues, t.km, ({UNSNAPPED}) AS unsnapped_issues,
               d.segment_id, r.name AS road_name, coalesce(s.road_class, r.road_class) AS road_class,
               d.community_id, c.name AS community_name, c.sub_district_id,
               sd.name AS sub_district_name, d.length_m, d.issue_count, d.per_km, d.per_km_30d,
               CASE WHEN :geometry THEN ST_AsGeoJSON(s.geom, 6) END AS geometry
        FROM totals AS t
        LEFT JOIN (
            ranked AS d
            JOIN public.road_segment AS s ON s.id = d.segment_id
            JOIN public.road AS r ON r.id = d.road_id
            LEFT JOIN public.community AS c ON c.id = d.community_id
            LEFT JOIN public.sub_district AS sd ON sd.id = c.sub_district_id
        ) ON true
        ORDER BY {order}, d.segment_id
    """),
        {**where.params(), "limit": limit, "offset": offset, "geometry": with_geometry},
    )
    rows = result.all()
    first = rows[0]
    return {
        "rows": [row[4:] for row in rows] if first[4] is not None else [],
        "segments": first[0],
        "issues": int(first[1]),
        "km": float(first[2]),
        "unsnapped_issues": first[3],
    }


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
