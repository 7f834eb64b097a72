"""Tile support: per-table change counters bumped by statement triggers; a covering index.

Every write to a district table (from the API, the CLI, an import or psql) bumps that table's
counter in `table_version` in the same transaction, so the tile cache, which keys each tile by the
counters of the tables its layer reads, can never serve a tile older than the data.

Counters start at the creation time in microseconds, so a re-created database never repeats a
counter value that an older server process may still hold in its cache.

`ix_segment_assignment_current_chief` lets the coverage view find a segment's current chief at a
tier from the index alone (index-only scan), which is most of the cost of a segments tile.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-25
"""

from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None

COUNTED_TABLES = [
    "sub_district", "community", "road", "road_segment", "chief", "segment_assignment",
    "construction_site", "resettlement_point", "issue_category", "issue",
]


def upgrade() -> None:
    op.execute("""
    CREATE TABLE table_version (
        table_name  text PRIMARY KEY,
        version     bigint NOT NULL
    );

    CREATE FUNCTION bump_table_version() RETURNS trigger
    LANGUAGE plpgsql AS $$
    BEGIN
        UPDATE public.table_version SET version = version + 1 WHERE table_name = TG_TABLE_NAME;
        RETURN NULL;
    END
    $$;

    CREATE INDEX ix_segment_assignment_current_chief
        ON segment_assignment (segment_id, tier) INCLUDE (chief_id) WHERE valid_to IS NULL;
    """)
    for table in COUNTED_TABLES:
        op.execute(f"""
        INSERT INTO table_version (table_name, version)
        VALUES ('{table}', (extract(epoch FROM clock_timestamp()) * 1000000)::bigint);
        CREATE TRIGGER tg_{table}_version
            AFTER INSERT OR UPDATE OR DELETE ON {table}
            FOR EACH STATEMENT EXECUTE FUNCTION bump_table_version();
        CREATE TRIGGER tg_{table}_version_truncate
            AFTER TRUNCATE ON {table}
            FOR EACH STATEMENT EXECUTE FUNCTION bump_table_version();
        """)


def downgrade() -> None:
    for table in COUNTED_TABLES:
        op.execute(f"""
        DROP TRIGGER tg_{table}_version ON {table};
        DROP TRIGGER tg_{table}_version_truncate ON {table};
        """)
    op.execute("""
    DROP INDEX ix_segment_assignment_current_chief;
    DROP FUNCTION bump_table_version();
    DROP TABLE table_version;
    """)
