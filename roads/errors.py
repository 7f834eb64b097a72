"""The one error model of roadchief, free of any framework: the API and the CLI both report these.

Each error carries an English `public_message` (for integrators; tests and scripts match on it), a
Chinese `message_zh` (for the bureau's staff) and `extra`, details merged into the JSON body
(`holder`, `rejects`, `unmatched` ...). Its class's `kind` says what went wrong; gis_service maps a
kind to an HTTP status (gis_service/errors.py) and to an exit code (gis_service/cli/common.py).
"""

KINDS = ("invalid", "bad_request", "unauthorized", "forbidden", "not_found", "conflict",
         "too_large", "too_many_requests", "unavailable")

# Only for an error raised without a Chinese message; every raise in the code gives its own.
FALLBACK_ZH = {
    "invalid": "提交的内容有误，未做任何修改",
    "bad_request": "请求参数格式有误",
    "unauthorized": "请先登录",
    "forbidden": "您没有权限进行此操作",
    "not_found": "未找到所请求的内容",
    "conflict": "操作与当前数据冲突，未做任何修改",
    "too_large": "上传的文件过大",
    "too_many_requests": "请求过于频繁，请稍后再试",
    "unavailable": "服务暂时不可用，请稍后再试",
}


class RoadchiefError(Exception):
    """An error whose messages are safe and useful to show: nothing internal is in them."""

    kind = "invalid"

    def __init__(self, message: str, message_zh: str | None = None, **extra):
        super().__init__(message)
        self.public_message = message
        self.message_zh = message_zh or FALLBACK_ZH[self.kind]
        self.extra = extra


class InvalidInput(RoadchiefError):
    """The request or file is wrong (422); nothing was written."""

    kind = "invalid"


class BadRequest(RoadchiefError):
    """A malformed query parameter where a standard (OGC API) asks for 400 rather than 422."""

    kind = "bad_request"


class Unauthorized(RoadchiefError):
    kind = "unauthorized"


class Forbidden(RoadchiefError):
    kind = "forbidden"


class NotFound(RoadchiefError):
    kind = "not_found"


class Conflict(RoadchiefError):
    kind = "conflict"


class TooLarge(RoadchiefError):
    kind = "too_large"


class TooManyRequests(RoadchiefError):
    """Too many tries in a while (sign-in failures, anonymous reports); `extra["retry_after_s"]`
    gives the seconds until the next may succeed (the Retry-After header)."""

    kind = "too_many_requests"

    def __init__(self, message: str, message_zh: str, retry_after_s: int):
        super().__init__(message, message_zh, retry_after_s=retry_after_s)


class Unavailable(RoadchiefError):
    """The database (or another service we need) cannot be reached; trying later may work."""

    kind = "unavailable"


class ChiefAlreadyAssigned(Conflict):
    """Someone else holds the segment at that tier; `extra["holder"]` tells the client who."""

    def __init__(self, message: str, message_zh: str, holder: dict | None):
        super().__init__(message, message_zh, holder=holder)
