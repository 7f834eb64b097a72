"""Change counters that do not make writers of one table wait for each other.

Migration 0003 kept one counter row per table, bumped by a statement trigger: every transaction
writing a table held that row's lock from its first write to its commit, so all writers of
`segment_assignment` (or `issue`) ran one after another, and two bulk assignments that locked
segments and the counter in different orders deadlocked (issue 13).

Now each table has SHARDS counter rows. A transaction bumps the first row no other transaction
holds (`FOR UPDATE SKIP LOCKED`) and keeps using it for later statements (remembered in a
transaction-local setting); only when all are held does it wait, for one picked by its
transaction id. `table_version` becomes a view summing the rows, so readers (the tile cache keys,
layers/tiles.py) are unchanged: the sum still rises with every write statement, inside the
writing transaction too, and never repeats a value a committed state had.

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-01
"""

from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None

SHARDS = 8

BUMP_SHARDED = f"""
CREATE OR REPLACE FUNCTION bump_table_version() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
    remembered constant text := 'roadchief.version_shard_' || TG_TABLE_NAME;
    picked smallint := NULLIF(current_setting(remembered, true), '')::smallint;
BEGIN
    IF picked IS NULL THEN
        SELECT shard INTO picked FROM public.table_version_shard
        WHERE table_name = TG_TABLE_NAME
        ORDER BY shard
        LIMIT 1
        FOR UPDATE SKIP LOCKED;
        picked := COALESCE(picked, mod(txid_current(), {SHARDS}));
        PERFORM set_config(remembered, picked::text, true);
    END IF;
    UPDATE public.table_version_shard SET version = version + 1
    WHERE table_name = TG_TABLE_NAME AND shard = picked;
    RETURN NULL;
END
$$;
"""

BUMP_SINGLE = """
CREATE OR REPLACE FUNCTION bump_table_version() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    UPDATE public.table_version SET version = version + 1 WHERE table_name = TG_TABLE_NAME;
    RETURN NULL;
END
$$;
"""


def upgrade() -> None:
    op.execute(f"""
    CREATE TABLE table_version_shard (
        table_name  text NOT NULL,
        shard       smallint NOT NULL,
        version     bigint NOT NULL,
        CONSTRAINT pk_table_version_shard PRIMARY KEY (table_name, shard)
    );
    INSERT INTO table_version_shard (table_name, shard, version)
    SELECT table_name, shard, CASE WHEN shard = 0 THEN version ELSE 0 END
    FROM table_version, generate_series(0, {SHARDS - 1}) AS shard;
    DROP TABLE table_version;
    CREATE VIEW table_version AS
        SELECT table_name, sum(version)::bigint AS version
        FROM public.table_version_shard
        GROUP BY table_name;
    """)
    op.execute(BUMP_SHARDED)


def downgrade() -> None:
    op.execute("""
    DROP VIEW table_version;
    CREATE TABLE table_version (
        table_name  text PRIMARY KEY,
        version     bigint NOT NULL
    );
    INSERT INTO table_version (table_name, version)
    SELECT table_name, sum(version) FROM table_version_shard GROUP BY table_name;
    DROP TABLE table_version_shard;
    """)
    op.execute(BUMP_SINGLE)
