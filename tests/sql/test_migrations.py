import pytest
from sqlalchemy import text

from gis_service import migrate
from gis_service.db import make_engine

TABLES = {"sub_district", "community", "road", "road_segment", "chief", "segment_assignment",
          "construction_site", "resettlement_point", "issue", "issue_category"}


@pytest.fixture
def scratch_engine(cluster):
    """An empty database beside the test database, set up as the cluster sets up its own (owned
    by roadchief_owner, PostGIS made by the superuser), migrated as the owner; dropped afterwards."""
    admin = make_engine(cluster.url("superuser").rsplit("/", 1)[0] + "/postgres")
    with admin.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.execute(text("DROP DATABASE IF EXISTS roadchief_scratch"))
        conn.execute(text("CREATE DATABASE roadchief_scratch OWNER roadchief_owner"))
    postgis = make_engine(cluster.url("superuser").rsplit("/", 1)[0] + "/roadchief_scratch")
    with postgis.begin() as conn:
        conn.execute(text("CREATE EXTENSION postgis"))
    postgis.dispose()
    eng = make_engine(cluster.url("owner").rsplit("/", 1)[0] + "/roadchief_scratch")
    yield eng
    eng.dispose()
    with admin.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.execute(text("DROP DATABASE roadchief_scratch"))
    admin.dispose()


def public_tables(engine) -> set[str]:
    with engine.connect() as conn:
        rows = conn.execute(text(
            "SELECT tablename FROM pg_tables WHERE schemaname = 'public' AND tablename <> 'spatial_ref_sys'"))
        return {r[0] for r in rows} - {"alembic_version"}


def test_migrations_go_from_empty_to_head_and_back(scratch_engine):
    migrate.upgrade(scratch_engine)
    assert TABLES <= public_tables(scratch_engine)
    with scratch_engine.connect() as conn:
        categories = conn.execute(text("SELECT count(*) FROM issue_category WHERE parent_code IS NOT NULL")).scalar()
        tasks = conn.execute(text("SELECT count(*) FROM issue_category WHERE parent_code IS NULL")).scalar()
    assert tasks == 10 and categories >= 30

    migrate.downgrade(scratch_engine, "base")
    assert public_tables(scratch_engine) == set()
    assert migrate.current_revision(scratch_engine) is None

    migrate.upgrade(scratch_engine)
    assert TABLES <= public_tables(scratch_engine)


def test_every_geometry_column_is_wgs84_with_a_gist_index(conn):
    columns = conn.execute(text(
        "SELECT f_table_name, srid FROM geometry_columns WHERE f_table_schema = 'public'")).all()
    assert {table for table, _ in columns} == {
        "sub_district", "community", "road_segment", "construction_site", "resettlement_point", "issue",
        "patrol", "dust_sample", "dust_ring_zone", "shop"}
    assert {srid for _, srid in columns} == {4326}
    indexed = conn.execute(text("""
        SELECT DISTINCT t.relname FROM pg_index i
        JOIN pg_class t ON t.oid = i.indrelid JOIN pg_class x ON x.oid = i.indexrelid
        JOIN pg_am am ON am.oid = x.relam
        WHERE am.amname = 'gist' AND pg_get_indexdef(x.oid) LIKE '%(geom)%'
    """)).scalars().all()
    assert {table for table, _ in columns} <= set(indexed)
