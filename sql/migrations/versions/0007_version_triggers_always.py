"""The change counters behind the tile cache count every write, also in replica mode.

Bulk issue imports write with `session_replication_role = replica` to skip the per-row foreign-key
triggers (they check the references themselves, set-wise); the statement triggers that bump
`table_version` must still fire then, or the tile cache would serve tiles from before the import.
`ENABLE ALWAYS` makes them fire whatever the session's replication role (logical replication too).

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-26
"""

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None



def counted_tables() -> list[str]:
    """The tables with change counters: one row each in table_version (migration 0003)."""
    return list(op.get_bind().execute(sa.text("SELECT table_name FROM table_version")).scalars())


def upgrade() -> None:
    for table in counted_tables():
        op.execute(f"""
        ALTER TABLE {table} ENABLE ALWAYS TRIGGER tg_{table}_version;
        ALTER TABLE {table} ENABLE ALWAYS TRIGGER tg_{table}_version_truncate;
        """)


def downgrade() -> None:
    for table in counted_tables():
        op.execute(f"""
        ALTER TABLE {table} ENABLE TRIGGER tg_{table}_version;
        ALTER TABLE {table} ENABLE TRIGGER tg_{table}_version_truncate;
        """)
