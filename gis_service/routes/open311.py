"""Open311 GeoReport v2, so civic-reporting apps can submit to us: services and service requests."""

import json
from collections.abc import Callable
from typing import Annotated

from fastapi import APIRouter, Form, Query, Request, Response
from fastapi.encoders import jsonable_encoder
from fastapi.responses import JSONResponse
from fastapi.routing import APIRoute

from gis_service.auth import OptionalUser
from gis_service.db import Conn
from gis_service.errors import error_headers, status_for
from roads.errors import InvalidInput, NotFound, RoadchiefError
from roads.issues import open311, repository
from roads.issues.filter import parse_filter
from roads.issues.window import parse_instant


class Open311Route(APIRoute):
    """GeoReport v2 clients expect errors as `[{"code": ..., "description": ...}]` (or the same
    in XML, `<errors><error>...`, on paths ending in .xml), not our JSON error body."""

    def get_route_handler(self) -> Callable:
        handler = super().get_route_handler()

        async def georeport_errors(request: Request) -> Response:
            try:
                return await handler(request)
            except RoadchiefError as exc:
                status = status_for(exc)
                errors = [{"code": status, "description": exc.public_message}]
                headers = error_headers(exc)
                if request.url.path.endswith(".xml"):
                    body = open311.to_xml(errors, "errors", "error")
                    return Response(body, status, headers=headers, media_type="application/xml")
                return JSONResponse(errors, status, headers=headers)

        return georeport_errors


router = APIRouter(prefix="/open311/v2", tags=["open311"], route_class=Open311Route)


def georeport(items: list[dict], fmt: str, root: str, item: str, status_code: int = 200):
    """The answer as JSON or, for paths ending in .xml, as GeoReport XML."""
    if fmt == "xml":
        return Response(open311.to_xml(items, root, item), status_code, media_type="application/xml")
    if fmt != "json":
        raise NotFound(f"unknown format .{fmt}; .json or .xml",
                       f"不支持 .{fmt} 格式，请用 .json 或 .xml")
    return Response(json.dumps(jsonable_encoder(items), ensure_ascii=False), status_code,
                    media_type="application/json")


@router.get("/services.{fmt}")
def services(conn: Conn, fmt: str):
    """Our categories (sub-items) as Open311 services (.json or .xml)."""
    return georeport(open311.services(conn), fmt, "services", "service")


@router.post("/requests.{fmt}", status_code=201)
def create_request(
    conn: Conn,
    request: Request,
    user: OptionalUser,
    fmt: str,
    service_code: Annotated[str, Form()],
    lat: Annotated[float | None, Form()] = None,
    long: Annotated[float | None, Form()] = None,
    address_string: Annotated[str | None, Form()] = None,
    description: Annotated[str, Form()] = "",
    first_name: Annotated[str | None, Form()] = None,
    last_name: Annotated[str | None, Form()] = None,
    email: Annotated[str | None, Form()] = None,
    phone: Annotated[str | None, Form()] = None,
    requested_datetime: Annotated[str | None, Form()] = None,
    api_key: Annotated[str | None, Form()] = None,
) -> Response:
    """Submit a service request (form-encoded, as the spec says); returns its service_request_id.

    Anyone may report, but an anonymous client is held to a few reports a minute, and its report
    stays unconfirmed until a clerk takes the first step (or confirms it)."""
    settings = request.app.state.settings
    if user is None:
        client = request.client.host if request.client else "unknown"
        open311.count_intake(conn, client, settings.open311_requests_per_minute)
    if lat is None or long is None:
        raise InvalidInput("lat and long are required (we locate requests by coordinates only)",
                           "须提供 lat 和 long（本系统按坐标定位问题）")
    reporter = " ".join(p for p in (last_name, first_name) if p) or email or phone
    issue = repository.NewIssue(
        lon=long,
        lat=lat,
        category_code=open311.category_for(conn, service_code.strip()),
        description=description.strip(),
        reporter=reporter,
        source="open311",
        reported_at=parse_instant(requested_datetime, "requested_datetime")
        if requested_datetime
        else None,
        address=address_string,
        confirmed=user is not None,
    )
    issue_id = repository.insert_issue(conn, issue, settings.snap_distance_m)
    answer = {"service_request_id": str(issue_id), "service_notice": "已受理，将派遣至责任部门处置",
              "account_id": None}
    return georeport([answer], fmt, "service_requests", "request", status_code=201)


@router.get("/requests.{fmt}")
def list_requests(
    conn: Conn,
    request: Request,
    fmt: str,
    service_request_id: Annotated[str | None, Query(description="Ids, comma-separated")] = None,
    service_code: Annotated[str | None, Query(description="Codes, comma-separated")] = None,
    start_date: str | None = None,
    end_date: str | None = None,
    status: Annotated[str | None, Query(description="open or closed")] = None,
) -> Response:
    """Service requests, newest first: by id, or by service, status and date (default last 90 days)."""
    base = str(request.base_url).rstrip("/")
    if service_request_id:
        found = [
            open311.as_request(repository.get_issue(conn, request_id(v)), base)
            for v in service_request_id.split(",")
            if v.strip()
        ]
        return georeport(found, fmt, "service_requests", "request")
    codes = [
        open311.category_for(conn, c.strip(), allow_tasks=True)
        for c in (service_code or "").split(",")
        if c.strip()
    ]
    where = parse_filter(conn, start=start_date, end=end_date, categories=codes,
                         statuses=open311.open311_statuses(status), default_days=90)
    _total, rows = repository.list_issues(conn, where, open311.MAX_REQUESTS, 0)
    found = [open311.as_request(row, base) for row in rows]
    return georeport(found, fmt, "service_requests", "request")


@router.get("/requests/{service_request_id}.{fmt}")
def get_request(conn: Conn, request: Request, service_request_id: str, fmt: str) -> Response:
    """One service request (.json or .xml)."""
    issue = repository.get_issue(conn, request_id(service_request_id))
    return georeport([open311.as_request(issue, str(request.base_url).rstrip("/"))], fmt,
                     "service_requests", "request")


def request_id(value: str) -> int:
    """An issue id; anything else (a word, a number beyond the ids' range) names no request."""
    text = value.strip()
    if not (text.isascii() and text.isdigit() and 0 < len(text) < 10):
        raise NotFound(f"no service request {value!r}", f"未找到编号为 {value} 的服务请求")
    return int(text)
