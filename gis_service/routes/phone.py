"""The road chief's phone pages at /m (static/phone/, offline-capable through a service worker) and
what they read: who I am and which chief (/api/me), my segments with today's patrol status, my
cases, and where a report at my position will be snapped."""

from datetime import date, datetime
from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.responses import FileResponse

from gis_service.auth import OptionalUser
from gis_service.db import Conn
from gis_service.params import Int32
from gis_service.routes.webmap import STATIC_DIR
from roads import chief_work
from roads.issues.window import CHINA_TZ

router = APIRouter(tags=["phone"])
PHONE_DIR = STATIC_DIR / "phone"


@router.get("/m", include_in_schema=False)
def phone_page() -> FileResponse:
    return FileResponse(PHONE_DIR / "index.html", headers={"Cache-Control": "no-cache"})


@router.get("/m/sw.js", include_in_schema=False)
def service_worker() -> FileResponse:
    # A worker's scope is at most its own folder (/m/); the page itself is /m, hence the header.
    return FileResponse(PHONE_DIR / "sw.js", media_type="text/javascript",
                        headers={"Cache-Control": "no-cache", "Service-Worker-Allowed": "/m"})


@router.get("/api/me")
def get_me(conn: Conn, user: OptionalUser) -> dict:
    """The signed-in user and the chief they are linked to (null when none)."""
    return chief_work.me(conn, user)


@router.get("/api/me/segments")
def get_my_segments(conn: Conn, user: OptionalUser, day: Annotated[date | None, Query(alias="date")] = None) -> dict:
    """My current segments as GeoJSON with today's patrol status and this week's patrols."""
    return chief_work.my_segments(conn, user, day or datetime.now(CHINA_TZ).date())


@router.get("/api/me/cases")
def get_my_cases(conn: Conn, user: OptionalUser, limit: Annotated[Int32, Query(ge=1, le=200)] = 50) -> list[dict]:
    """Cases on my segments or handed to my unit, newest first."""
    return chief_work.my_cases(conn, user, limit)


@router.get("/api/snap")
def get_snap(conn: Conn, request: Request, lon: Annotated[float, Query(ge=-180, le=180)],
             lat: Annotated[float, Query(ge=-90, le=90)]) -> dict:
    """The segment a report at (lon, lat) is snapped to, as intake will do (null when none is near)."""
    return chief_work.snap(conn, lon, lat, request.app.state.settings.snap_distance_m)
