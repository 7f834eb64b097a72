"""Uploads are judged before their bodies are read.

FastAPI parses a multipart body (spooling its files to disk) before the handler runs, so the
handler's own checks come after a 2 GiB anonymous upload has been written out. This middleware,
on the upload paths only, answers 401 when no bearer token is sent and 413 when the declared
Content-Length is over the limit, without reading the body; a body sent without a length
(chunked) is counted as it arrives and refused with 413 the moment it passes the limit.
"""

import re
from collections.abc import Callable

from starlette.datastructures import Headers
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from gis_service.errors import BodyTooLarge, error_response
from roads.errors import TooLarge, Unauthorized

UPLOAD_PATHS = re.compile(
    r"^/api/(issues|issues/import|issues/\d+/photos|assignments/import|imports/[^/]+)/?$"
)
# The multipart framing and the small form fields around the file(s).
MULTIPART_SLACK = 64 * 1024
# Tokens are secrets.token_urlsafe(32): 43 URL-safe characters. Anything unlike one is no token.
TOKEN_SHAPE = re.compile(r"^[A-Za-z0-9_-]{20,200}$")


def too_large(limit: int) -> TooLarge:
    return TooLarge(f"the upload is larger than the limit of {limit:,} bytes",
                    f"上传的文件超过了 {limit / (1024 * 1024):g} MB 的上限，未做任何修改")


def looks_signed_in(headers: Headers) -> bool:
    scheme, _, token = headers.get("authorization", "").partition(" ")
    return scheme.lower() == "bearer" and bool(TOKEN_SHAPE.match(token.strip()))


class UploadGuard:
    def __init__(self, app: ASGIApp, max_bytes: Callable[[], int]):
        self.app = app
        self.max_bytes = max_bytes  # read per request: settings may change while the app runs

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if (scope["type"] != "http" or scope["method"] != "POST"
                or not UPLOAD_PATHS.match(scope["path"])):
            await self.app(scope, receive, send)
            return
        headers = Headers(scope=scope)
        limit = self.max_bytes()
        if not looks_signed_in(headers):
            await error_response(Unauthorized(
                "sign in first: uploads need a signed-in user with a write role",
                "请先登录：上传文件需要有编辑权限的账号"))(scope, receive, send)
            return
        declared = headers.get("content-length")
        if declared is not None and (not declared.isdigit() or int(declared) > limit + MULTIPART_SLACK):
            await error_response(too_large(limit))(scope, receive, send)
            return
        await self.app(scope, counting(receive, limit), send)


def counting(receive: Receive, limit: int) -> Receive:
    """`receive`, raising BodyTooLarge once more than the limit (plus framing) has arrived."""
    received = 0

    async def bounded() -> Message:
        nonlocal received
        message = await receive()
        if message["type"] == "http.request":
            received += len(message.get("body", b""))
            if received > limit + MULTIPART_SLACK:
                raise BodyTooLarge(too_large(limit))
        return message

    return bounded
