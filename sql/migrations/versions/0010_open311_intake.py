"""Anonymous Open311 reports: unconfirmed until a clerk accepts them, and counted per client.

`issue.confirmed`: false for a report from an anonymous Open311 client, until the first workflow
step (派遣) or POST /api/issues/{id}/confirm; every issue before this migration is confirmed.
`open311_intake`: how many anonymous requests a client address sent in each minute, so the limit
holds across worker processes; rows older than an hour are deleted as new ones come.

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-01
"""

from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.execute("""
    ALTER TABLE issue ADD COLUMN confirmed boolean NOT NULL DEFAULT true;
    CREATE TABLE open311_intake (
        client      text        NOT NULL,
        minute      timestamptz NOT NULL,
        requests    integer     NOT NULL,
        CONSTRAINT pk_open311_intake PRIMARY KEY (client, minute)
    );
    CREATE INDEX ix_open311_intake_minute ON open311_intake (minute);
    """)


def downgrade() -> None:
    op.execute("""
    DROP TABLE open311_intake;
    ALTER TABLE issue DROP COLUMN confirmed;
    """)
