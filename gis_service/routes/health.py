"""GET /api/health: the database, its PostGIS, the schema revision and the rows in each table."""

from fastapi import APIRouter
from sqlalchemy import text

from gis_service.db import Conn
from roads.demo.load import DISTRICT_TABLES

router = APIRouter(prefix="/api", tags=["health"])


@router.get("/health")
def health(conn: Conn) -> dict:
    versions = conn.execute(text(
        "SELECT current_setting('server_version') AS postgres, postgis_lib_version() AS postgis"
    )).one()
    revision = conn.execute(text("SELECT version_num FROM alembic_version")).scalar()
    counts = {table: conn.execute(text(f"SELECT count(*) FROM {table}")).scalar() for table in DISTRICT_TABLES}
    return {
        "status": "ok",
        "database": {"postgres": versions.postgres, "postgis": versions.postgis, "revision": revision},
        "rows": counts,
    }
