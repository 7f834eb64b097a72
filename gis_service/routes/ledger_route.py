"""Route classes for the ledger's routers: the domain's errors (roads.issues.errors, which know
nothing of HTTP) become the service's 4xx errors. The request's transaction has already been rolled
back when the error reaches here, since the error passed through the `Conn` dependency first."""

from collections.abc import Callable

from fastapi import Request, Response
from fastapi.responses import JSONResponse
from fastapi.routing import APIRoute

from gis_service.errors import Conflict, InvalidInput, NotFound, RoadchiefError
from roads.issues.errors import LedgerError
from roads.issues.open311 import to_xml

HTTP_ERRORS = {"invalid": InvalidInput, "not_found": NotFound, "conflict": Conflict}


def as_http_error(exc: LedgerError) -> RoadchiefError:
    error = HTTP_ERRORS[exc.kind](exc.public_message)
    error.extra = exc.extra
    return error


class LedgerRoute(APIRoute):
    def get_route_handler(self) -> Callable:
        handler = super().get_route_handler()

        async def translated(request: Request) -> Response:
            try:
                return await handler(request)
            except LedgerError as exc:
                raise as_http_error(exc) from exc

        return translated


class Open311Route(APIRoute):
    """GeoReport v2 clients expect errors as `[{"code": ..., "description": ...}]` (or the same
    in XML, `<errors><error>...`, on paths ending in .xml)."""

    def get_route_handler(self) -> Callable:
        handler = super().get_route_handler()

        async def georeport_errors(request: Request) -> Response:
            try:
                return await handler(request)
            except (LedgerError, RoadchiefError) as exc:
                error = as_http_error(exc) if isinstance(exc, LedgerError) else exc
                errors = [{"code": error.status_code, "description": error.public_message}]
                if request.url.path.endswith(".xml"):
                    body = to_xml(errors, "errors", "error")
                    return Response(body, error.status_code, media_type="application/xml")
                return JSONResponse(errors, error.status_code)

        return georeport_errors
