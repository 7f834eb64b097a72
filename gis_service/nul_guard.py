"""Requests with a NUL character in the path, the query or a JSON body are refused with 422.

PostgreSQL text cannot hold NUL (the driver raises before the query), and no name, address or
search in this service has one: refusing it once here is simpler than a validator on every field."""

import json

from gis_service.errors import error_body

MESSAGE = "invalid request: text must not contain a NUL character"
MESSAGE_ZH = "请求参数有误：文字中不能含有 NUL 字符"


def has_nul(value) -> bool:
    if isinstance(value, str):
        return "\x00" in value
    if isinstance(value, dict):
        return any(has_nul(k) or has_nul(v) for k, v in value.items())
    if isinstance(value, list):
        return any(has_nul(v) for v in value)
    return False


def is_json(scope) -> bool:
    content_type = dict(scope.get("headers", [])).get(b"content-type", b"")
    return content_type.split(b";")[0].strip().endswith(b"json")


class NulGuard:
    def __init__(self, app):
        self.app = app

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        if "\x00" in scope["path"] or b"%00" in scope.get("query_string", b""):
            await refuse(send)
            return
        if not is_json(scope):
            await self.app(scope, receive, send)
            return
        messages, body = [], b""
        while True:  # JSON bodies are small (uploads are multipart): read it, check, replay it
            message = await receive()
            messages.append(message)
            body += message.get("body", b"")
            if message["type"] != "http.request" or not message.get("more_body"):
                break
        if b"\\u0000" in body and nul_in_json(body):
            await refuse(send)
            return

        async def replay():
            return messages.pop(0) if messages else await receive()

        await self.app(scope, replay, send)


def nul_in_json(body: bytes) -> bool:
    try:
        return has_nul(json.loads(body))
    except ValueError:
        return False  # not JSON: the route's own validation answers


async def refuse(send) -> None:
    body = json.dumps(error_body(MESSAGE, MESSAGE_ZH, 422)).encode()
    await send({"type": "http.response.start", "status": 422,
                "headers": [(b"content-type", b"application/json"),
                            (b"content-length", str(len(body)).encode())]})
    await send({"type": "http.response.body", "body": body})
