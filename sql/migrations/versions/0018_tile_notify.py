"""Change notifications for the tile cache: every counted write also notifies `roadchief_tables`.

The statement trigger of migration 0003 (sharded in 0008) now also calls
`pg_notify('roadchief_tables', <table>)`. PostgreSQL delivers a notification at commit, and only
once per transaction for the same channel and payload, so a bulk import notifies once per table.
Each service worker LISTENs and, on a notification, re-reads the counters into the versions it
shares with the other workers (layers/versions.py): a tile hit no longer reads the counters from
the database.

Revision ID: 0018
Revises: 0013
Create Date: 2026-12-01
"""

from alembic import op

# lead: re-chain at merge
revision = "0018"
down_revision = "0017"
branch_labels = None
depends_on = None

SHARDS = 8  # as in 0008


def bump_function(notify: bool) -> str:
    notify_line = "PERFORM pg_notify('roadchief_tables', TG_TABLE_NAME);" if notify else ""
    return f"""
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
    {notify_line}
    RETURN NULL;
END
$$;
"""


def upgrade() -> None:
    op.execute(bump_function(notify=True))


def downgrade() -> None:
    op.execute(bump_function(notify=False))
