"""How the domain's errors (roads/errors.py) reach HTTP clients: the kind → status map, the one
JSON error body, and the exception handlers registered by create_app."""

import logging

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from sqlalchemy.exc import DBAPIError, OperationalError
from starlette.exceptions import HTTPException as StarletteHTTPException

from roads.errors import RoadchiefError, TooLarge, Unavailable

log = logging.getLogger("roadchief")

STATUS = {
    "invalid": 422,
    "bad_request": 400,
    "unauthorized": 401,
    "forbidden": 403,
    "not_found": 404,
    "conflict": 409,
    "too_large": 413,
    "too_many_requests": 429,
    "unavailable": 503,
}
RETRY_AFTER_S = "5"

# Starlette's own errors (no such path, wrong method ...), in Chinese by status.
HTTP_ZH = {
    400: "请求格式有误",
    401: "请先登录",
    403: "您没有权限进行此操作",
    404: "未找到所请求的地址",
    405: "该地址不支持此请求方法",
    413: "上传的内容过大",
    415: "不支持此内容类型",
}


class BodyTooLarge(StarletteHTTPException):
    """A body found too large while it is read (gis_service/upload_guard.py).

    An HTTPException, because FastAPI's body parsing lets those through unchanged (any other error
    there becomes "400 There was an error parsing the body")."""

    def __init__(self, error: TooLarge):
        super().__init__(413, error.public_message)
        self.error = error


def status_for(exc: RoadchiefError) -> int:
    return STATUS[exc.kind]


def error_body(message: str, message_zh: str, status: int, **extra) -> dict:
    return {"error": message, "message_zh": message_zh, "status": status, **extra}


def error_headers(exc: RoadchiefError) -> dict[str, str]:
    if exc.kind == "unauthorized":
        return {"WWW-Authenticate": "Bearer"}
    if exc.kind == "unavailable":
        return {"Retry-After": RETRY_AFTER_S}
    if exc.kind == "too_many_requests":
        return {"Retry-After": str(exc.extra["retry_after_s"])}
    return {}


def error_response(exc: RoadchiefError) -> JSONResponse:
    status = status_for(exc)
    body = error_body(exc.public_message, exc.message_zh, status, **exc.extra)
    return JSONResponse(body, status, headers=error_headers(exc))


def database_unavailable() -> Unavailable:
    return Unavailable("the database is unavailable; try again shortly",
                       "数据库暂时无法连接，请稍后再试")


def is_connection_error(exc: Exception) -> bool:
    """An OperationalError, or any DBAPI error that cost us the connection (server gone)."""
    return isinstance(exc, OperationalError) or (
        isinstance(exc, DBAPIError) and exc.connection_invalidated
    )


def field_problem_zh(err: dict) -> str:
    """One FastAPI/pydantic validation problem as a clerk would read it: the field, then what."""
    field = ".".join(str(p) for p in err["loc"] if p not in ("body", "query", "path", "form", "header"))
    field = field or "请求内容"
    ctx = err.get("ctx") or {}
    kind = err["type"]
    if kind == "json_invalid":
        return "请求内容不是有效的 JSON"
    if kind == "missing":
        return f"{field} 为必填项"
    if kind in ("int_parsing", "int_type", "int_from_float"):
        return f"{field} 须为整数"
    if kind in ("float_parsing", "float_type", "decimal_parsing"):
        return f"{field} 须为数字"
    if kind in ("bool_parsing", "bool_type"):
        return f"{field} 须为 true 或 false"
    if kind in ("datetime_parsing", "datetime_from_date_parsing", "date_parsing"):
        return f"{field} 须为日期或时间（如 2026-11-16）"
    bounds = {"greater_than_equal": ("不小于", "ge"), "greater_than": ("大于", "gt"),
              "less_than_equal": ("不大于", "le"), "less_than": ("小于", "lt")}
    if kind in bounds:
        words, key = bounds[kind]
        return f"{field} 须{words} {ctx.get(key)}"
    if kind in ("string_too_long", "too_long"):
        return f"{field} 过长"
    if kind in ("string_too_short", "too_short"):
        return f"{field} 过短"
    return f"{field} 的值无效"


def install_error_handlers(app: FastAPI) -> None:
    @app.exception_handler(RoadchiefError)
    def _domain(request: Request, exc: RoadchiefError) -> JSONResponse:
        return error_response(exc)

    @app.exception_handler(BodyTooLarge)
    def _too_large(request: Request, exc: BodyTooLarge) -> JSONResponse:
        return error_response(exc.error)

    @app.exception_handler(StarletteHTTPException)
    def _http(request: Request, exc: StarletteHTTPException) -> JSONResponse:
        message = exc.detail if isinstance(exc.detail, str) else "request failed"
        message_zh = HTTP_ZH.get(exc.status_code, "请求未能完成")
        return JSONResponse(error_body(message, message_zh, exc.status_code), exc.status_code,
                            headers=getattr(exc, "headers", None))

    @app.exception_handler(RequestValidationError)
    def _validation(request: Request, exc: RequestValidationError) -> JSONResponse:
        problems = [
            f"{'.'.join(str(p) for p in err['loc'] if p != 'body')}: {err['msg']}"
            for err in exc.errors()
        ]
        message_zh = "请求参数有误：" + "；".join(field_problem_zh(err) for err in exc.errors())
        return JSONResponse(
            error_body("invalid request: " + "; ".join(problems), message_zh, 422,
                       details=problems), 422
        )

    @app.exception_handler(DBAPIError)
    def _database(request: Request, exc: DBAPIError) -> JSONResponse:
        if is_connection_error(exc):
            log.warning("database unavailable on %s %s: %s", request.method, request.url.path,
                        str(exc.orig or exc).strip().splitlines()[0])
            return error_response(database_unavailable())
        return _unexpected(request, exc)

    @app.exception_handler(Exception)
    def _unexpected(request: Request, exc: Exception) -> JSONResponse:
        log.exception("unhandled error on %s %s", request.method, request.url.path)
        return JSONResponse(
            error_body("internal error; see the server log", "系统内部错误，请联系管理员", 500), 500
        )
