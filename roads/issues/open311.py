"""Open311 GeoReport v2 (https://wiki.open311.org/GeoReport_v2): our categories as services, issues
as service requests. A service code is one of our sub-item codes (T06.01) or an alias another
civic-reporting app uses (open311_service_alias, e.g. Chicago's 311 codes)."""

from datetime import datetime
from xml.etree.ElementTree import Element, SubElement, tostring

from sqlalchemy import Connection, text

from roads.errors import InvalidInput, TooManyRequests
from roads.issues.flow import FINAL_STATUSES, STATUSES
from roads.issues.repository import STATUS_LABELS, deadline_label

MAX_REQUESTS = 1000


def count_intake(conn: Connection, client: str, per_minute: int) -> None:
    """Count one anonymous request from `client` in this minute; past `per_minute`, refuse it
    with the seconds until the next minute. Rows older than an hour go as new ones come."""
    row = conn.execute(
        text("""
        WITH expired AS (DELETE FROM public.open311_intake WHERE minute < now() - interval '1 hour')
        INSERT INTO public.open311_intake AS t (client, minute, requests)
        VALUES (:client, date_trunc('minute', now()), 1)
        ON CONFLICT (client, minute) DO UPDATE SET requests = t.requests + 1
        RETURNING requests,
                  ceil(extract(epoch FROM date_trunc('minute', now()) + interval '1 minute' - now()))
                      AS retry_after_s
    """),
        {"client": client},
    ).one()
    if row.requests > per_minute:
        raise TooManyRequests(
            f"more than {per_minute} reports a minute from {client}; try again later",
            f"提交过于频繁（每分钟最多 {per_minute} 条），请 {int(row.retry_after_s)} 秒后再试",
            retry_after_s=max(1, int(row.retry_after_s)),
        )


def services(conn: Connection) -> list[dict]:
    rows = conn.execute(
        text("""
        SELECT c.code, c.name, t.name AS task_name, CAST(c.deadline_value AS float8) AS deadline_value,
               c.deadline_unit
        FROM public.issue_category AS c JOIN public.issue_category AS t ON t.code = c.parent_code
        ORDER BY c.sort_order, c.code
    """)
    ).all()
    return [
        {
            "service_code": r.code,
            "service_name": r.name,
            "description": f"{r.task_name}：{r.name}"
                           f"（处置时限 {deadline_label(r.deadline_value, r.deadline_unit)}）",
            "metadata": False,
            "type": "realtime",
            "keywords": r.task_name,
            "group": r.task_name,
        }
        for r in rows
    ]


def category_for(conn: Connection, service_code: str, allow_tasks: bool = False) -> str:
    """Our category for a service code (ours, or an alias); unknown codes are bad input.

    A major task (T03) names all its sub-items, which suits a filter but not a new request."""
    code = conn.execute(
        text("""
        SELECT code FROM public.issue_category WHERE code = :s AND (:tasks OR parent_code IS NOT NULL)
        UNION ALL
        SELECT category_code FROM public.open311_service_alias WHERE service_code = :s
        LIMIT 1
    """),
        {"s": service_code, "tasks": allow_tasks},
    ).scalar()
    if code is None:
        raise InvalidInput(f"service_code {service_code!r} is not one of ours; see services.json",
                           f"service_code {service_code!r} 不是本系统的问题类别，请查看 services.json")
    return code


def as_request(issue: dict, base_url: str = "") -> dict:
    """An issue (repository.get_issue/list_issues row) in GeoReport v2 form."""
    notes = f"{STATUS_LABELS[issue['status']]}"
    if issue.get("department"):
        notes += f"；承办部门：{issue['department']}"
    return {
        "service_request_id": str(issue["id"]),
        "status": "closed" if issue["status"] in FINAL_STATUSES else "open",
        "status_notes": notes,
        "service_name": issue["category_name"],
        "service_code": issue["category_code"],
        "description": issue["description"],
        "agency_responsible": issue.get("department"),
        "service_notice": None,
        "requested_datetime": iso(issue["reported_at"]),
        "updated_datetime": iso(issue["updated_at"]),
        "expected_datetime": iso(issue.get("due_at")),
        "address": issue.get("address") or issue.get("road_name"),
        "address_id": None,
        "zipcode": None,
        "lat": issue["lat"],
        "long": issue["lon"],
        "media_url": f"{base_url}/api/issues/{issue['id']}/photos/{issue['first_photo_id']}"
        if issue.get("first_photo_id")
        else None,
    }


def iso(value: datetime | None) -> str | None:
    return value.isoformat() if value else None


def open311_statuses(status: str | None) -> list[str] | None:
    if status is None or status == "":
        return None
    mapping = {"open": [s for s in STATUSES if s not in FINAL_STATUSES], "closed": list(FINAL_STATUSES)}
    wanted = []
    for part in status.split(","):
        if part.strip() not in mapping:
            raise InvalidInput("status: open or closed",
                               "status 须为 open 或 closed")
        wanted += mapping[part.strip()]
    return wanted


def to_xml(items: list[dict], root: str, item: str) -> bytes:
    """GeoReport v2 XML: <root><item><field>value</field>...</item>...</root>."""
    top = Element(root)
    for entry in items:
        node = SubElement(top, item)
        for key, value in entry.items():
            child = SubElement(node, key)
            if isinstance(value, bool):
                child.text = str(value).lower()
            elif value is not None:
                child.text = str(value)
    return tostring(top, encoding="utf-8", xml_declaration=True)
