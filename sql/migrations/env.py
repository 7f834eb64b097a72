"""Alembic environment: the URL comes from the caller (roadchief db migrate) or the settings."""

import sys
from pathlib import Path

from alembic import context
from sqlalchemy import create_engine, pool

# The migrations' shared helpers (change_counters.py) sit beside this file.
sys.path.insert(0, str(Path(__file__).resolve().parent))

config = context.config


def database_url() -> str:
    url = config.get_main_option("sqlalchemy.url")
    if url:
        return url
    from gis_service.db import resolve_database_url
    from gis_service.settings import get_settings

    return resolve_database_url(get_settings())


def run_migrations_online() -> None:
    connection = config.attributes.get("connection")
    if connection is not None:
        context.configure(connection=connection, transactional_ddl=True)
        with context.begin_transaction():
            context.run_migrations()
        return
    engine = create_engine(database_url(), poolclass=pool.NullPool)
    with engine.connect() as conn:
        context.configure(connection=conn, transactional_ddl=True)
        with context.begin_transaction():
            context.run_migrations()


run_migrations_online()
