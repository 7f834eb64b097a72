"""GET /api/health: the database, its PostGIS, the schema revision and the rows in each table."""

from fastapi import APIRouter
from sqlalchemy import text

from gis_service.auth import OptionalUser
from gis_service.db import Conn
from roads.demo.load import DISTRICT_TABLES

router = APIRouter(prefix="/api", tags=["health"])


@router.get("/health")
def health(conn: Conn, user: OptionalUser) -> dict:
    """Software versions help an attacker pick an exploit: only the district admin sees them."""
    versions = conn.execute(text(
        "SELECT current_setting('server_version') AS postgres, postgis_lib_version() AS postgis"
    )).one()
    revision = conn.execute(text("SELECT version_num FROM alembic_version")).scalar()
    counts = {table: conn.execute(text(f"SELECT count(*) FROM {table}")).scalar() for table in DISTRICT_TABLES}
    database = {"postgres": versions.postgres, "postgis": versions.postgis, "revision": revision}
    if user is None or user.role != "district_admin":
        database = {"connected": True}
    return {"status": "ok", "database": database, "rows": counts}
