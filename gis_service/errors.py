"""Domain errors with the message a client may see, and the one handler that turns them into JSON."""

import logging

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

log = logging.getLogger("roadchief")


class RoadchiefError(Exception):
    """An error whose `public_message` is safe and useful to show the client."""

    status_code = 400

    def __init__(self, public_message: str, status_code: int | None = None):
        super().__init__(public_message)
        self.public_message = public_message
        if status_code is not None:
            self.status_code = status_code


class NotFound(RoadchiefError):
    status_code = 404


class Conflict(RoadchiefError):
    status_code = 409


class InvalidInput(RoadchiefError):
    status_code = 422


class Forbidden(RoadchiefError):
    status_code = 403


class DatabaseUnavailable(RoadchiefError):
    status_code = 503


def error_body(message: str, status_code: int, **extra) -> dict:
    return {"error": message, "status": status_code, **extra}


def install_error_handlers(app: FastAPI) -> None:
    @app.exception_handler(RoadchiefError)
    def _domain(request: Request, exc: RoadchiefError) -> JSONResponse:
        extra = getattr(exc, "extra", {})
        headers = dict(getattr(exc, "headers", {}))
        if exc.status_code == 401:
            headers["WWW-Authenticate"] = "Bearer"
        return JSONResponse(error_body(exc.public_message, exc.status_code, **extra), exc.status_code,
                            headers=headers)

    @app.exception_handler(StarletteHTTPException)
    def _http(request: Request, exc: StarletteHTTPException) -> JSONResponse:
        message = exc.detail if isinstance(exc.detail, str) else "request failed"
        return JSONResponse(error_body(message, exc.status_code), exc.status_code,
                            headers=getattr(exc, "headers", None))

    @app.exception_handler(RequestValidationError)
    def _validation(request: Request, exc: RequestValidationError) -> JSONResponse:
        problems = [
            f"{'.'.join(str(p) for p in err['loc'] if p != 'body')}: {err['msg']}"
            for err in exc.errors()
        ]
        return JSONResponse(
            error_body("invalid request: " + "; ".join(problems), 422, details=problems), 422
        )

    @app.exception_handler(Exception)
    def _unexpected(request: Request, exc: Exception) -> JSONResponse:
        log.exception("unhandled error on %s %s", request.method, request.url.path)
        return JSONResponse(error_body("internal error; see the server log", 500), 500)
