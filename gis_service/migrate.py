"""Apply the Alembic migrations under sql/migrations, then (re)create the SQL functions in sql/functions."""

import re

from alembic import command
from alembic.config import Config
from sqlalchemy import Connection, Engine, text

from gis_service.db import SQL_DIR


def alembic_config(connection: Connection) -> Config:
    config = Config()
    config.set_main_option("script_location", str(SQL_DIR / "migrations"))
    config.attributes["connection"] = connection
    return config


def upgrade(engine: Engine, revision: str = "head") -> None:
    """Migrate to `revision` and re-apply every function file, all in one transaction."""
    with engine.begin() as conn:
        command.upgrade(alembic_config(conn), revision)
        apply_functions(conn)


def downgrade(engine: Engine, revision: str) -> None:
    with engine.begin() as conn:
        conn.execute(text("DROP SCHEMA IF EXISTS roadchief CASCADE"))
        command.downgrade(alembic_config(conn), revision)
    if revision != "base":
        with engine.begin() as conn:
            apply_functions(conn)


def current_revision(engine: Engine) -> str | None:
    with engine.connect() as conn:
        exists = conn.execute(text("SELECT to_regclass('public.alembic_version')")).scalar()
        if exists is None:
            return None
        return conn.execute(text("SELECT version_num FROM public.alembic_version")).scalar()


def apply_functions(conn: Connection) -> None:
    """Run sql/functions/*.sql in name order; each file is CREATE OR REPLACE and re-runnable.

    A file whose header says `-- requires: public.work_calendar, public.road_segment.road_class`
    is left out while any of those tables (schema.table) or columns (schema.table.column) is
    missing: after a downgrade to an older revision (which re-applies the functions) its views
    cannot be built, and nothing of that revision reads them.
    """
    for path in sorted((SQL_DIR / "functions").glob("*.sql")):
        sql = path.read_text()
        if all(exists(conn, name) for name in required(sql)):
            conn.exec_driver_sql(sql)


def required(sql: str) -> list[str]:
    found = re.search(r"^-- requires: (.+)$", sql, re.MULTILINE)
    return [name.strip() for name in found.group(1).split(",")] if found else []


def exists(conn: Connection, name: str) -> bool:
    schema, table, *column = name.split(".")
    return conn.execute(text("""
        SELECT EXISTS (SELECT 1 FROM information_schema.columns
                       WHERE table_schema = :s AND table_name = :t
                         AND (CAST(:c AS text) IS NULL OR column_name = :c))
    """), {"s": schema, "t": table, "c": column[0] if column else None}).scalar()
