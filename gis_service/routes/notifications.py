"""The work-group notifications: their log, and a test message to a unit's group robot."""

from typing import Annotated

from fastapi import APIRouter, Query, Request

from gis_service.auth import OptionalUser
from gis_service.db import Conn
from gis_service.params import Int32
from roads.notifications import list_log
from roads.notify_sender import try_webhook
from roads.users import require_district_admin

router = APIRouter(prefix="/api", tags=["notifications"])


@router.get("/notifications")
def notification_log(
    conn: Conn, user: OptionalUser, state: str | None = None, issue: Int32 | None = None,
    limit: Annotated[Int32, Query(ge=1, le=1000)] = 100, offset: Annotated[Int32, Query(ge=0)] = 0,
) -> list[dict]:
    """What was posted to the work groups, newest first (district admin): sent, waiting to be
    retried (pending) or given up (failed), with the attempts and the last answer."""
    require_district_admin(user)
    return list_log(conn, state=state, issue_id=issue, limit=limit, offset=offset)


@router.post("/units/{unit_id}/webhook-test")
def webhook_test(unit_id: Int32, conn: Conn, request: Request, user: OptionalUser) -> dict:
    """Post a test message to the unit's group robot now; the log row says how it went."""
    return try_webhook(conn, user, unit_id, request.app.state.settings.notify_policy())
