"""The index of the cases' handling units holds the cases that have one: `ix_issue_unit` becomes
partial (`WHERE unit_id IS NOT NULL`). A new issue has no unit until it is dispatched, so neither
single intake nor the bulk import writes an entry there any more (at 1M issues the NULL entries
cost the bulk import 3 µs a row of its writing session's 24); every use of the index asks for one
unit (`unit_id = ...`, the foreign key's check when a unit is deleted), which the partial index
answers alike.

Revision ID: 0023
Revises: 0022
Create Date: 2026-12-02
"""

from alembic import op

revision = "0023"
# lead: re-chain at merge
down_revision = "0022"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.execute("""
    DROP INDEX ix_issue_unit;
    CREATE INDEX ix_issue_unit ON issue (unit_id) WHERE unit_id IS NOT NULL;
    """)


def downgrade() -> None:
    op.execute("""
    DROP INDEX ix_issue_unit;
    CREATE INDEX ix_issue_unit ON issue (unit_id);
    """)
