"""Issues in the database: one function per query, every value bound; the caller owns the
transaction."""

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy import Connection, text

from roads.errors import InvalidInput, NotFound
from roads.issues.filter import IssueFilter
from roads.issues.flow import STATUS_LABELS

__all__ = ["STATUS_LABELS"]
CLOCK_SKEW = timedelta(minutes=5)


@dataclass
class NewIssue:
    lon: float
    lat: float
    category_code: str
    description: str = ""
    reporter: str | None = None
    source: str = "api"
    reported_at: datetime | None = None
    address: str | None = None
    confirmed: bool = True  # an anonymous Open311 report waits for a clerk to accept it


def check_category(conn: Connection, code: str) -> None:
    """A category an issue can be filed under: one of the coded sub-items."""
    row = conn.execute(
        text("SELECT parent_code FROM public.issue_category WHERE code = :c"), {"c": code}
    ).first()
    if row is None:
        raise InvalidInput(f"unknown category {code!r}; see GET /api/issue-categories",
                           f"未知的问题类别 {code}，请查看问题类别列表")
    if row.parent_code is None:
        raise InvalidInput(
            f"{code!r} is a major task; file the issue under one of its sub-items ({code}.01 …)",
            f"{code} 是大类，请选择其下的小类（如 {code}.01）登记问题"
        )


def community_at(conn: Connection, lon: float, lat: float) -> int:
    """The community the point lies in; a point outside every community is outside the district."""
    community_id = conn.execute(
        text("""
        SELECT c.id FROM public.community AS c
        WHERE ST_Intersects(c.geom, ST_SetSRID(ST_MakePoint(:lon, :lat), 4326))
        ORDER BY c.id LIMIT 1
    """),
        {"lon": lon, "lat": lat},
    ).scalar()
    if community_id is None:
        raise InvalidInput(f"the point ({lon}, {lat}) lies outside the district",
                           f"位置（{lon}, {lat}）不在本区范围内")
    return community_id


def insert_issue(conn: Connection, issue: NewIssue, snap_distance_m: float) -> int:
    """Validate, then insert the issue snapped to its nearest segment within `snap_distance_m`."""
    check_category(conn, issue.category_code)
    if issue.reported_at is not None and issue.reported_at > datetime.now(UTC) + CLOCK_SKEW:
        raise InvalidInput(f"reported_at: {issue.reported_at.isoformat()} is in the future",
                           f"上报时间 {issue.reported_at.isoformat()} 晚于当前时间")
    community_id = community_at(conn, issue.lon, issue.lat)
    return conn.execute(
        text("""
        INSERT INTO public.issue (geom, category_code, description, reporter, source, reported_at,
                           updated_at,
                           address, community_id, segment_id, snap_distance_m, confirmed)
        SELECT p.geom, :category, :description, :reporter, :source, coalesce(:at, now()),
               coalesce(:at, now()), :address, :community, n.segment_id, n.distance_m, :confirmed
        FROM (SELECT ST_SetSRID(ST_MakePoint(:lon, :lat), 4326) AS geom) AS p
        LEFT JOIN LATERAL roadchief.nearest_segments(p.geom, :snap_m) AS n ON true
        RETURNING id
    """),
        {
            "lon": issue.lon,
            "lat": issue.lat,
            "category": issue.category_code,
            "description": issue.description,
            "reporter": issue.reporter,
            "source": issue.source,
            "at": issue.reported_at,
            "address": issue.address,
            "community": community_id,
            "snap_m": snap_distance_m,
            "confirmed": issue.confirmed,
        },
    ).scalar_one()


ISSUE_COLUMNS = """
    i.id, ST_X(i.geom) AS lon, ST_Y(i.geom) AS lat, i.category_code, cat.name AS category_name,
    cat.parent_code AS task_code, i.description, i.status, i.reported_at, i.updated_at, i.source,
    i.reporter, i.address, i.department, i.confirmed, i.segment_id, i.snap_distance_m, r.name AS road_name,
    i.community_id, c.name AS community_name, c.sub_district_id, sd.name AS sub_district_name,
    i.unit_id, u.name AS unit_name, i.reject_reason, i.duplicate_of, i.hold_reason,
    i.extension_due, i.extension_reason, i.evaluation_score, i.evaluated_at,
    deadline.due_at,
    (roadchief.clock_runs(i.status) AND now() > deadline.due_at) AS overdue,
    (SELECT min(ph.id) FROM public.issue_photo AS ph WHERE ph.issue_id = i.id) AS first_photo_id
"""
ISSUE_JOINS = """
    JOIN public.issue_category AS cat ON cat.code = i.category_code
    LEFT JOIN LATERAL roadchief.handling_deadline(i.reported_at, i.category_code, i.due_override)
        AS deadline ON true
    LEFT JOIN public.unit AS u ON u.id = i.unit_id
    LEFT JOIN public.road_segment AS s ON s.id = i.segment_id
    LEFT JOIN public.road AS r ON r.id = s.road_id
    LEFT JOIN public.community AS c ON c.id = i.community_id
    LEFT JOIN public.sub_district AS sd ON sd.id = c.sub_district_id
"""
# Every filter is optional: a NULL parameter switches its clause off (no SQL built from input).
# The ledger lists every issue, snapped or not, in the community its point lies in: area_of 'issue'.
LISTED_ISSUES = """
    FROM roadchief.counted_issues(
        from_ts => CAST(:from_ts AS timestamptz), to_ts => CAST(:to_ts AS timestamptz),
        categories => CAST(:categories AS text[]), statuses => CAST(:statuses AS text[]),
        community_id => CAST(:community_id AS integer),
        sub_district_id => CAST(:sub_district_id AS integer), area_of => 'issue',
        sources => CAST(:sources AS text[])) AS i
"""
ISSUE_FILTERS = """
    WHERE (CAST(:min_lon AS float8) IS NULL
           OR i.geom && ST_MakeEnvelope(:min_lon, :min_lat, :max_lon, :max_lat, 4326))
      AND (CAST(:segment_id AS integer) IS NULL OR i.segment_id = :segment_id)
      AND (CAST(:unit_id AS integer) IS NULL OR i.unit_id = :unit_id
           OR (i.unit_id IS NULL  -- rows from before units, dispatched by department name
               AND i.department = (SELECT u.name FROM public.unit AS u WHERE u.id = :unit_id)))
      AND (CAST(:overdue AS boolean) IS NULL
           OR coalesce(roadchief.clock_runs(i.status) AND now() > (
                   SELECT d.due_at
                   FROM roadchief.handling_deadline(i.reported_at, i.category_code, i.due_override) AS d),
               false) = CAST(:overdue AS boolean))
"""


def list_issues(conn: Connection, where: IssueFilter, limit: int, offset: int) -> tuple[int, list]:
    """The matching issues, newest first, and how many match in all."""
    params = where.params()
    total = conn.execute(
        text("SELECT count(*)" + LISTED_ISSUES + ISSUE_FILTERS), params
    ).scalar_one()
    rows = (
        conn.execute(
            text(
                "SELECT"
                + ISSUE_COLUMNS
                + LISTED_ISSUES
                + ISSUE_JOINS
                + ISSUE_FILTERS
                + " ORDER BY i.reported_at DESC, i.id DESC LIMIT :limit OFFSET :offset"
            ),
            {**params, "limit": limit, "offset": offset},
        )
        .mappings()
        .all()
    )
    return total, [dict(r) for r in rows]


def get_issue(conn: Connection, issue_id: int) -> dict:
    row = (
        conn.execute(
            text("SELECT" + ISSUE_COLUMNS + " FROM public.issue AS i" + ISSUE_JOINS + " WHERE i.id = :id"),
            {"id": issue_id},
        )
        .mappings()
        .first()
    )
    if row is None:
        raise NotFound(f"no issue {issue_id}",
                       f"未找到编号为 {issue_id} 的问题")
    return dict(row)


def list_events(conn: Connection, issue_id: int) -> list[dict]:
    rows = (
        conn.execute(
            text("""
        SELECT e.id, e.from_status, e.to_status, e.at, e.actor, e.department, e.note, e.action,
               e.role, e.unit_id, u.name AS unit_name, e.reason, e.data
        FROM public.issue_event AS e LEFT JOIN public.unit AS u ON u.id = e.unit_id
        WHERE e.issue_id = :id ORDER BY e.at, e.id
    """),
            {"id": issue_id},
        )
        .mappings()
        .all()
    )
    return [dict(r) for r in rows]


def list_photos(conn: Connection, issue_id: int) -> list[dict]:
    rows = (
        conn.execute(
            text("""
        SELECT id, file_name, content_type, size_bytes, created_at, stage
        FROM public.issue_photo WHERE issue_id = :id ORDER BY id
    """),
            {"id": issue_id},
        )
        .mappings()
        .all()
    )
    return [dict(r) for r in rows]


DEADLINE_UNITS = {"hour": "小时", "work_hour": "个工作小时", "work_day": "个工作日"}


def deadline_label(value: float | None, unit: str | None) -> str:
    """A category's deadline in words: 5 个工作小时, 1 个工作日, 4 小时."""
    if value is None or unit is None:
        return "无"
    return f"{value:g} {DEADLINE_UNITS[unit]}"


def case_stages(conn: Connection, issue_id: int) -> list[dict]:
    """Each stage of the case with its deadline, end and working hours used (roadchief.case_stages)."""
    rows = conn.execute(text("SELECT * FROM roadchief.case_stages(:id)"), {"id": issue_id}).mappings()
    return [dict(r) | {"used_work_hours": float(r["used_work_hours"])
                       if r["used_work_hours"] is not None else None} for r in rows]


def working_hours_left(conn: Connection, due_at: datetime | None) -> float | None:
    """Working hours from now to `due_at` (negative once past it)."""
    if due_at is None:
        return None
    hours = conn.execute(text("SELECT roadchief.working_time_between(now(), :d)"), {"d": due_at}).scalar()
    return float(hours)


def list_categories(conn: Connection) -> list[dict]:
    """Categories with their deadline: deadline_value in deadline_unit (hour, work_hour, work_day)."""
    rows = (
        conn.execute(
            text("""
        SELECT code, name, parent_code, CAST(deadline_value AS float8) AS deadline_value, deadline_unit,
               department
        FROM public.issue_category ORDER BY sort_order, code
    """)
        )
        .mappings()
        .all()
    )
    return [dict(r) | {"deadline_label": deadline_label(r["deadline_value"], r["deadline_unit"])}
            for r in rows]
