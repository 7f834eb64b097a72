"""GET /api/health: the database, its PostGIS, the schema revision and the rows in each table.

It answers even when every worker thread and pooled connection is taken by requests waiting on
each other: its own two threads (not the shared limiter of the sync routes) and its own pool of
one or two connections with a 1 s statement timeout (gis_service/db.py `health_engine`)."""

import anyio
import anyio.to_thread
from fastapi import APIRouter, Request
from sqlalchemy import Engine

from gis_service.auth import bearer_token
from roads import health as status
from roads.users import user_for_token

router = APIRouter(prefix="/api", tags=["health"])
HEALTH_THREADS = 2


@router.get("/health")
async def health(request: Request) -> dict:
    state = request.app.state
    if getattr(state, "health_limiter", None) is None:
        state.health_limiter = anyio.CapacityLimiter(HEALTH_THREADS)
    engine = getattr(state, "health_engine", None) or state.engine
    return await anyio.to_thread.run_sync(read_health, engine, bearer_token(request),
                                          limiter=state.health_limiter)


def read_health(engine: Engine, token: str | None) -> dict:
    """Software versions help an attacker pick an exploit: only the district admin sees them."""
    with engine.begin() as conn:
        user = None if token is None else user_for_token(conn, token)
        admin = user is not None and user.role == "district_admin"
        return {
            "status": "ok",
            "database": status.database_versions(conn) if admin else {"connected": True},
            "rows": status.row_counts(conn),
        }
