"""What /api/health reports: the database's versions, its schema revision, rows per table."""

from sqlalchemy import Connection, text

# The tables whose row counts tell an operator the district is loaded (code constants: the
# names go into SQL as identifiers).
COUNTED_TABLES = ("sub_district", "community", "road", "road_segment", "chief",
                  "segment_assignment", "construction_site", "resettlement_point", "issue")


def database_versions(conn: Connection) -> dict[str, str | None]:
    """PostgreSQL's and PostGIS's versions and the Alembic revision the schema is at."""
    versions = conn.execute(text(
        "SELECT current_setting('server_version') AS postgres, postgis_lib_version() AS postgis"
    )).one()
    revision = conn.execute(text("SELECT a.version_num FROM public.alembic_version AS a")).scalar()
    return {"postgres": versions.postgres, "postgis": versions.postgis, "revision": revision}


def row_counts(conn: Connection) -> dict[str, int]:
    """Rows in each of COUNTED_TABLES, in one round trip."""
    counts = ", ".join(f"(SELECT count(*) FROM public.{table}) AS {table}"
                       for table in COUNTED_TABLES)
    return dict(conn.execute(text("SELECT " + counts)).mappings().one())
