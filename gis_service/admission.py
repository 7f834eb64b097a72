"""At most as many requests in progress as there are worker threads and pooled connections.

FastAPI runs a request's sync dependencies and its handler as separate thread calls: between them
the request keeps its connection but gives its thread back. With more requests admitted than
threads, a request can sit holding a connection while it waits for a thread that others, waiting
for connections or for its locks, hold: the 30 s stalls of issue 13. Requests beyond the limit
wait here instead, holding nothing, and are told 503 after `wait_s`. /api/health is never held."""

import anyio
from starlette.responses import JSONResponse
from starlette.types import ASGIApp, Receive, Scope, Send

from gis_service.errors import error_body


class AdmissionLimit:
    def __init__(self, app: ASGIApp, limit: int, wait_s: float, exempt: frozenset[str]):
        self.app = app
        self.limit = limit
        self.wait_s = wait_s
        self.exempt = exempt
        self.slots: anyio.Semaphore | None = None  # made in the server's event loop, on first use

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["path"] in self.exempt:
            await self.app(scope, receive, send)
            return
        if self.slots is None:
            self.slots = anyio.Semaphore(self.limit)
        admitted = False
        with anyio.move_on_after(self.wait_s):  # only the wait for a slot, not the request
            await self.slots.acquire()
            admitted = True
        if not admitted:
            await busy(scope, receive, send)
            return
        try:
            await self.app(scope, receive, send)
        finally:
            self.slots.release()


async def busy(scope: Scope, receive: Receive, send: Send) -> None:
    body = error_body("the service is busy; try again in a moment", "服务繁忙，请稍后重试", 503)
    await JSONResponse(body, 503, headers={"Retry-After": "1"})(scope, receive, send)
