"""GET /api/health: the database, its PostGIS, the schema revision and the rows in each table."""

from fastapi import APIRouter

from gis_service.db import Conn
from roads import health as status

router = APIRouter(prefix="/api", tags=["health"])


@router.get("/health")
def health(conn: Conn) -> dict:
    return {
        "status": "ok",
        "database": status.database_versions(conn),
        "rows": status.row_counts(conn),
    }
