"""What the inspections say: the status of each site and point (roadchief.inspection_status, as
the tiles see it), the overdue list, a target's history, one inspection, and the report figures."""

from datetime import date, datetime

from sqlalchemy import Connection, text

from roads.errors import NotFound
from roads.inspections.checklists import FLAG_LABELS, KINDS, check_kind
from roads.issues.window import CHINA_TZ, midnight
from roads.reports.figures import Figure

STATUS_LABELS = {"clean": "合格", "failed": "不合格", "overdue": "逾期未检", "demo": "示范",
                 "not_due": "无需检查"}

STATUS_SQL = """
    SELECT s.target_kind, s.target_id, t.name, t.site_status, t.households, t.sub_district_id,
           sd.name AS sub_district_name, t.community_id, c.name AS community_name,
           ST_X(t.point) AS lon, ST_Y(t.point) AS lat,
           s.last_inspection_id, s.last_inspected_at, s.last_clean, s.due_at, s.overdue, s.demo,
           s.demo_since, s.status,
           CASE WHEN CAST(:lon AS float8) IS NULL THEN NULL
                ELSE ST_Distance(t.point::geography, ST_SetSRID(ST_MakePoint(:lon, :lat), 4326)::geography)
           END AS distance_m
    FROM roadchief.inspection_status(CAST(:as_of AS timestamptz), CAST(:kind AS text)) AS s
    JOIN roadchief.inspection_target AS t ON t.target_kind = s.target_kind AND t.target_id = s.target_id
    LEFT JOIN public.sub_district AS sd ON sd.id = t.sub_district_id
    LEFT JOIN public.community AS c ON c.id = t.community_id
    WHERE (CAST(:sub_district_id AS integer) IS NULL OR t.sub_district_id = :sub_district_id)
      AND (CAST(:community_id AS integer) IS NULL OR t.community_id = :community_id)
      AND (CAST(:status AS text) IS NULL OR s.status = :status)
      AND (CAST(:target_id AS integer) IS NULL OR s.target_id = :target_id)
"""


def with_labels(row) -> dict:
    out = dict(row)
    out["status_label"] = STATUS_LABELS[out["status"]]
    out["kind_label"] = KINDS[out["target_kind"]]
    out["flag_label"] = FLAG_LABELS[out["target_kind"]]
    return out


def list_status(conn: Connection, kind: str | None = None, status: str | None = None,
                sub_district_id: int | None = None, community_id: int | None = None,
                near: tuple[float, float] | None = None, as_of: datetime | None = None,
                limit: int = 1000) -> list[dict]:
    """Targets with their status; nearest first when `near` is given, else overdue first."""
    order = ("distance_m, target_kind, target_id" if near else
             "CASE s.status WHEN 'overdue' THEN 0 WHEN 'failed' THEN 1 ELSE 2 END, target_kind, target_id")
    rows = conn.execute(text(STATUS_SQL + " ORDER BY " + order + " LIMIT :limit"), {
        "as_of": as_of or datetime.now(CHINA_TZ), "kind": check_kind(kind) if kind else None,
        "status": status, "sub_district_id": sub_district_id, "community_id": community_id,
        "target_id": None, "lon": near[0] if near else None, "lat": near[1] if near else None,
        "limit": limit}).mappings()
    return [with_labels(r) for r in rows]


def target_status(conn: Connection, kind: str, target_id: int) -> dict:
    row = conn.execute(text(STATUS_SQL), {
        "as_of": datetime.now(CHINA_TZ), "kind": check_kind(kind), "status": None, "sub_district_id": None,
        "community_id": None, "target_id": target_id, "lon": None, "lat": None}).mappings().first()
    if row is None:
        raise NotFound(f"no {kind} {target_id}", f"未找到编号为 {target_id} 的{KINDS[kind]}")
    return with_labels(row)


def target_history(conn: Connection, kind: str, target_id: int) -> dict:
    """The target's status, its inspections newest first and its flag periods."""
    out = target_status(conn, kind, target_id)
    out["inspections"] = [dict(r) for r in conn.execute(text("""
        SELECT i.id, i.inspected_at, i.inspector, i.clean, i.issue_id, i.note,
               (SELECT count(*) FROM public.inspection_result AS r
                WHERE r.inspection_id = i.id AND NOT r.passed) AS failed_items
        FROM public.inspection AS i
        WHERE i.target_kind = :k AND coalesce(i.site_id, i.point_id) = :id
        ORDER BY i.inspected_at DESC, i.id DESC
        LIMIT 200
    """), {"k": kind, "id": target_id}).mappings()]
    out["flags"] = [dict(r) for r in conn.execute(text("""
        SELECT since, until, earned_by, lost_by
        FROM public.demonstration_flag
        WHERE target_kind = :k AND target_id = :id
        ORDER BY since DESC
    """), {"k": kind, "id": target_id}).mappings()]
    return out


def get_inspection(conn: Connection, inspection_id: int) -> dict:
    row = conn.execute(text("""
        SELECT i.id, i.target_kind, coalesce(i.site_id, i.point_id) AS target_id, t.name AS target_name,
               i.inspected_at, i.inspector, i.entered_by, i.entered_at, i.source, i.note, i.clean, i.issue_id
        FROM public.inspection AS i
        JOIN roadchief.inspection_target AS t
            ON t.target_kind = i.target_kind AND t.target_id = coalesce(i.site_id, i.point_id)
        WHERE i.id = :id
    """), {"id": inspection_id}).mappings().first()
    if row is None:
        raise NotFound(f"no inspection {inspection_id}", f"未找到编号为 {inspection_id} 的检查记录")
    out = dict(row)
    out["results"] = [dict(r) for r in conn.execute(text("""
        SELECT r.item_id, it.label, r.passed, r.note, it.retired_at IS NOT NULL AS retired
        FROM public.inspection_result AS r
        JOIN public.inspection_checklist_item AS it ON it.id = r.item_id
        WHERE r.inspection_id = :id
        ORDER BY it.sort_order, it.id
    """), {"id": inspection_id}).mappings()]
    return out


def report_figures(conn: Connection, start: date, end: date) -> list[Figure]:
    """Inspections in [start, end) (district-local days), their clean share, the sites and points
    overdue at the window's end, and the demonstration flags earned and lost in it."""
    window = {"a": midnight(start, CHINA_TZ), "b": midnight(end, CHINA_TZ)}
    done = conn.execute(text("""
        SELECT count(*) AS n, count(*) FILTER (WHERE clean) AS clean
        FROM public.inspection WHERE inspected_at >= :a AND inspected_at < :b
    """), window).one()
    overdue = dict(conn.execute(text("""
        SELECT s.target_kind, count(*) FILTER (WHERE s.overdue)
        FROM roadchief.inspection_status(CAST(:b AS timestamptz)) AS s
        GROUP BY s.target_kind
    """), window).all())
    flags = conn.execute(text("""
        SELECT count(*) FILTER (WHERE earned_by IS NOT NULL AND since >= :a AND since < :b) AS earned,
               count(*) FILTER (WHERE until >= :a AND until < :b) AS lost
        FROM public.demonstration_flag
    """), window).one()
    return [
        Figure("inspections", "工地与安置点检查", done.n, "次", "higher"),
        Figure("inspections_clean_share", "检查合格率",
               round(100.0 * done.clean / done.n, 1) if done.n else None, "%", "higher"),
        Figure("sites_overdue", "逾期未检工地", overdue.get("site", 0), "个", "lower"),
        Figure("points_overdue", "逾期未检安置点", overdue.get("point", 0), "个", "lower"),
        Figure("demo_flags_earned", "新获示范称号", flags.earned, "个", "higher"),
        Figure("demo_flags_lost", "失去示范称号", flags.lost, "个", "lower"),
    ]
