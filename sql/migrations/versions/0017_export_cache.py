"""Export cache: results of the exports that depend only on the road network, shared by every
worker and CLI run. A row's key names its content (for the kernel density: a hash of the
segments' ids and coordinates, the piece length and the bandwidth), so a changed network gets a
new key and a row is never stale; only the newest few are kept.

Revision ID: 0017
Revises: 0013
Create Date: 2026-12-01
"""

from alembic import op

revision = "0017"
down_revision = "0016"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.execute("""
    CREATE TABLE export_cache (
        key         text PRIMARY KEY,
        payload     bytea NOT NULL,
        made_at     timestamptz NOT NULL DEFAULT clock_timestamp()
    );
    """)


def downgrade() -> None:
    op.execute("DROP TABLE export_cache;")
