"""Apply the Alembic migrations under sql/migrations, then (re)create the SQL functions in sql/functions."""

import logging

from alembic import command
from alembic.config import Config
from sqlalchemy import Connection, Engine, text
from sqlalchemy.exc import ProgrammingError

from gis_service.db import SQL_DIR

log = logging.getLogger("roadchief")


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
        try:
            with engine.begin() as conn:
                apply_functions(conn)
        except ProgrammingError:
            # The function files describe the newest schema (e.g. road_segment.road_class, 0012);
            # on an older one they may not apply. The next `upgrade` re-creates them.
            log.warning("the SQL functions do not fit revision %s; `roadchief db migrate` "
                        "re-creates them", revision)


def current_revision(engine: Engine) -> str | None:
    with engine.connect() as conn:
        exists = conn.execute(text("SELECT to_regclass('public.alembic_version')")).scalar()
        if exists is None:
            return None
        return conn.execute(text("SELECT version_num FROM public.alembic_version")).scalar()


def apply_functions(conn: Connection) -> None:
    """Run sql/functions/*.sql in name order; each file is CREATE OR REPLACE and re-runnable."""
    for path in sorted((SQL_DIR / "functions").glob("*.sql")):
        conn.exec_driver_sql(path.read_text())
